"""The demo runs the whole system: a local server with the demo data, enrolled devices, cards.

    python -m kiosk --demo [--data-dir DIR]        (./run demo)

`DemoSystem(data_dir).start()`:

1. the server's registry (data_dir/server, SQLite) is filled with kiosk/demo.py's
   neighbourhoods, residents, shops, chores, klusboxes and staff card, and the residents'
   money as grants from the municipality, through the server's own admin functions
   (`python -m kiosk.server.demo_seed`, a process of its own: only the server imports the
   server). The server signs the cards, so every enrolled device accepts them;
2. the server runs as `python -m kiosk.server` on 127.0.0.1 (a free port, the same one again
   on a second run when it is free);
3. a resident kiosk per neighbourhood, a counter per shop, a klusbox desk and an inspector
   are enrolled, each in its own data folder (data_dir/devices/KEY), with an enrolment code of
   its role and bindings, and sync once: their snapshots carry the demo balances. On the first
   run the counters then take the demo's purchases (and a refund) and the kiosks the demo's
   sign-ups, through the ops, and upload them: the history is real entries of real devices;
4. the residents' cards are written as a printable PDF (data_dir/cards/demo-cards.pdf) and as
   photographed-looking frames (kiosk.printing.card_photos) in data_dir/card-photos, which a
   device plays to its camera with `--camera folder:PATH` (one subfolder per resident).

`launch(key)` starts a device as its own process (`python -m kiosk --data-dir DIR`), with its
own sync loop against the demo server. `stop()` stops every device it started, then the
server. A second run on the same data_dir reuses the server's data, the devices and the files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from kiosk import demo
from kiosk.core import roles
from kiosk.core.cards import CardKind, new_serial
from kiosk.db import sync_queries as q
from kiosk.db.engine import DB_FILENAME
from kiosk.device import open_device
from kiosk.sql import private_dir
from kiosk.sync.client import SyncClient

log = logging.getLogger("kiosk.demo")

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = "demo.json"
SERVER_DIR = "server"
DEVICES_DIR = "devices"
CARDS_PDF = Path("cards") / "demo-cards.pdf"
PHOTOS_DIR = "card-photos"
LOGS_DIR = "logs"
STARTUP_LIMIT_S = 60.0
STOP_WAIT_S = 10.0
START_CREDIT = 1000  # every resident starts with 10,00 from the municipality
FRAMES_PER_CARD = 4  # photographed frames of each card in the camera folder
EMPTY_FRAMES = 10  # frames of an empty counter between two cards (2 s at 5 fps)
DAY_MS = demo.DAY_MS


@dataclass(frozen=True)
class DemoDevice:
    """One device of the demo: `key` names its folder; `place` is what the picker shows
    after the role ("Grasbroek", "Bakkerij Bemelmans")."""

    key: str
    role: str
    name: str
    place: str
    merchant: str | None = None
    neighbourhoods: tuple[str, ...] = ()

    def spec(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "role": self.role,
            "name": self.name,
            "merchant": self.merchant,
            "neighbourhoods": list(self.neighbourhoods),
        }


def demo_devices() -> list[DemoDevice]:
    """A kiosk per neighbourhood, a counter per shop, a klusbox desk and an inspector."""
    out = [
        DemoDevice(f"kiosk-{nid}", roles.RESIDENT_KIOSK, f"Kiosk {name}", name, None, (nid,))
        for nid, name in demo.NEIGHBOURHOODS.items()
    ]
    out += [
        DemoDevice(f"counter-{mid}", roles.MERCHANT_COUNTER, f"Toonbank {name}", name, mid)
        for mid, name, _nid in demo.MERCHANTS
    ]
    out.append(
        DemoDevice(
            "desk-grasbroek",
            roles.KLUSBOX_DESK,
            "Klusboxbalie Grasbroek",
            "Grasbroek",
            None,
            ("grasbroek",),
        )
    )
    out.append(
        DemoDevice(
            "inspector",
            roles.INSPECTOR,
            "Inspecteur Stadsbeheer",
            ", ".join(demo.NEIGHBOURHOODS.values()),
            None,
            tuple(demo.NEIGHBOURHOODS),
        )
    )
    return out


# -- the demo data, as the server's registry takes it ---------------------------------------

_CHORE_TITLES = {cid: title for cid, title, *_ in demo.CHORES}
# kiosk/demo.py's history: chores done and rewarded, then purchases at the shops.
REWARDS = [
    ("klus-001", "res-001"),
    ("klus-001", "res-002"),
    ("klus-004", "res-001"),
    ("klus-002", "res-004"),
    ("klus-002", "res-005"),
    ("klus-003", "res-007"),
    ("klus-003", "res-008"),
]
BONUS = [("res-005", 200, "Welkomstbonus bij de start")]
# (resident, shop, amount, refunded)
PURCHASES = [
    ("res-001", "mer-bakker", 350, 0),
    ("res-002", "mer-bakker", 275, 75),
    ("res-004", "mer-fiets", 500, 0),
    ("res-007", "mer-groente", 420, 0),
]
# (resident, chore, how far: "signed_up" | "checked_in" | "done"); the done ones wait for the
# inspector
SIGN_UPS = [
    ("res-003", "klus-004", "signed_up"),
    ("res-006", "klus-002", "checked_in"),
    ("res-002", "klus-004", "done"),
    ("res-009", "klus-003", "done"),
]
STAFF, DEMO_STAFF_PIN = demo.STAFF, demo.DEMO_STAFF_PIN  # the same people as the local demo


def resident_serials() -> dict[str, str]:
    """The residents' card serials, as kiosk/demo.py prints them."""
    return demo.card_serials().residents


def staff_serials() -> dict[str, str]:
    """Each staff member's card serial (the inspector's is the one earlier demos printed)."""
    rng = random.Random(2027)
    return {sid: new_serial(CardKind.STAFF, rng) for sid, _name, _role in STAFF}


def klusbox_serials() -> dict[str, str]:
    """On the server a klusbox's id is its label's serial (a signed QR like a card)."""
    rng = random.Random(2028)
    return {kid: new_serial(CardKind.KLUSBOX, rng) for kid, *_rest in demo.KLUSBOXES}


def klusbox_lines(parts: Sequence[tuple[str, int]]) -> list[str]:
    return [f"{count} {name}" for name, count in parts]


def expected_balances() -> dict[str, int]:
    """Each resident's money once the demo's history is in (cents)."""
    money = {rid: START_CREDIT for rid, _n, _h in demo.RESIDENTS}
    rewards = {cid: reward for cid, _t, _n, reward, _c, _k in demo.CHORES}
    for chore, rid in REWARDS:
        money[rid] += rewards[chore]
    for rid, amount, _reason in BONUS:
        money[rid] += amount
    for rid, _shop, amount, refunded in PURCHASES:
        money[rid] -= amount - refunded
    return money


def seed_spec(now_ms: int, issued: dt.date, devices: Sequence[DemoDevice]) -> dict[str, Any]:
    serials = resident_serials()
    grants: list[list[Any]] = [
        [rid, START_CREDIT, "Startbedrag van de gemeente"] for rid, _n, _h in demo.RESIDENTS
    ]
    rewards = {cid: reward for cid, _t, _n, reward, _c, _k in demo.CHORES}
    grants += [[rid, rewards[c], f"Beloning: {_CHORE_TITLES[c]}"] for c, rid in REWARDS]
    grants += [[rid, amount, reason] for rid, amount, reason in BONUS]
    return {
        "issued": issued.isoformat(),
        "neighbourhoods": [[nid, name] for nid, name in demo.NEIGHBOURHOODS.items()],
        "residents": [
            {"id": rid, "name": name, "neighbourhood": nid, "card": serials[rid]}
            for rid, name, nid in demo.RESIDENTS
        ],
        "merchants": [list(m) for m in demo.MERCHANTS],
        "chores": [
            {
                "id": cid,
                "title": title,
                "neighbourhood": nid,
                "reward": reward,
                "capacity": capacity,
                # on from a week ago until a year from now: the demo keeps working for a while
                "starts_at": now_ms - 7 * DAY_MS,
                "ends_at": now_ms + 365 * DAY_MS,
                "klusbox_kind": kind,
            }
            for cid, title, nid, reward, capacity, kind in demo.CHORES
        ],
        "klusboxes": [
            [klusbox_serials()[kid], kind, name, nid, klusbox_lines(parts)]
            for kid, kind, name, nid, parts in demo.KLUSBOXES
        ],
        "staff": [
            {"id": sid, "name": name, "role": role, "pin": DEMO_STAFF_PIN, "card": serial}
            for (sid, name, role), serial in zip(STAFF, staff_serials().values(), strict=True)
        ],
        "grants": grants,
        "devices": [d.spec() for d in devices],
    }


# -- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def stop_process(proc: subprocess.Popen[bytes], wait_s: float = STOP_WAIT_S) -> None:
    """SIGTERM, then SIGKILL if it has not gone after `wait_s`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=wait_s)


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    target = logging.getLogger(logger)
    level = target.level
    target.setLevel(logging.WARNING)
    try:
        yield
    finally:
        target.setLevel(level)


class DemoSystem:
    """The demo server and its devices in `data_dir`; `start()`, then `launch()`, `stop()`."""

    def __init__(
        self,
        data_dir: Path,
        *,
        python: str = sys.executable,
        port: int | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.python = python
        self._port = port
        self.progress = progress or (lambda _msg: None)
        self.devices = demo_devices()
        self.server_proc: subprocess.Popen[bytes] | None = None
        self.device_procs: dict[str, subprocess.Popen[bytes]] = {}
        self.manifest: dict[str, Any] = {}
        self.url = ""

    # -- where things are ------------------------------------------------------------------

    @property
    def server_dir(self) -> Path:
        return self.data_dir / SERVER_DIR

    @property
    def cards_pdf(self) -> Path:
        return self.data_dir / CARDS_PDF

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / PHOTOS_DIR

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / LOGS_DIR

    def device_dir(self, key: str) -> Path:
        return self.data_dir / DEVICES_DIR / key

    def device(self, key: str) -> DemoDevice:
        for d in self.devices:
            if d.key == key:
                return d
        raise KeyError(key)

    def cards(self) -> dict[str, dict[str, str]]:
        """resident id -> {"serial", "payload", "name", "neighbourhood"}."""
        return dict(self.manifest.get("cards", {}))

    def other_cards(self) -> dict[str, dict[str, str]]:
        """The staff cards (by staff id) and the klusbox labels (by box serial), alike."""
        return dict(self.manifest.get("other_cards", {}))

    # -- lifetime ----------------------------------------------------------------------------

    def start(self) -> DemoSystem:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        private_dir(self.data_dir)  # owner-only: device keys, the municipality key live below
        self.logs_dir.mkdir(exist_ok=True)
        self.manifest = self._read_manifest()
        pending = [d for d in self.devices if not self._enrolled(d.key)]
        if "public_key" not in self.manifest or pending:
            self._seed(pending)
        port = self._choose_port()
        self._start_server(port)
        for d in pending:
            self._enrol(d)
        self._repin_devices()
        if not self.manifest.get("history_done"):
            self._make_history()
        self._write_cards()
        self._save_manifest()

    def stop(self) -> None:
        """Stop every device this demo started, then the server."""
        for key in list(self.device_procs):
            stop_process(self.device_procs.pop(key))
        if self.server_proc is not None:
            stop_process(self.server_proc)
            self.server_proc = None

    def __enter__(self) -> DemoSystem:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- devices -------------------------------------------------------------------------------

    def device_command(self, key: str, *, lang: str = "nl", camera: str | None = None) -> list[str]:
        cmd = [self.python, "-m", "kiosk", "--data-dir", str(self.device_dir(key)), "--lang", lang]
        if camera:
            cmd += ["--camera", camera]
        return cmd

    def launch(
        self, key: str, *, lang: str = "nl", camera: str | None = None
    ) -> subprocess.Popen[bytes]:
        """Start the device `key` in its own process (once: a running one is left running)."""
        running = self.device_procs.get(key)
        if running is not None and running.poll() is None:
            return running
        self.device(key)  # KeyError for a device the demo does not have
        log_file = (self.logs_dir / f"{key}.log").open("ab")
        with log_file:
            proc = subprocess.Popen(
                self.device_command(key, lang=lang, camera=camera),
                cwd=ROOT,
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.device_procs[key] = proc
        return proc

    def is_running(self, key: str) -> bool:
        proc = self.device_procs.get(key)
        return proc is not None and proc.poll() is None

    def stop_device(self, key: str) -> None:
        proc = self.device_procs.pop(key, None)
        if proc is not None:
            stop_process(proc)

    # -- setting up ----------------------------------------------------------------------------

    def _read_manifest(self) -> dict[str, Any]:
        path = self.data_dir / MANIFEST
        if not path.is_file():
            return {"devices": {}}
        data: dict[str, Any] = json.loads(path.read_text())
        data.setdefault("devices", {})
        return data

    def _save_manifest(self) -> None:
        path = self.data_dir / MANIFEST
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)

    def _enrolled(self, key: str) -> bool:
        return bool(self.manifest["devices"].get(key, {}).get("device_id"))

    def _seed(self, pending: Sequence[DemoDevice]) -> None:
        """Fill the server's registry (once) and get the card payloads and enrolment codes."""
        self.progress("demo: filling the server's registry")
        now_ms = int(time.time() * 1000)
        issued = dt.date.fromisoformat(self.manifest.get("issued") or dt.date.today().isoformat())
        spec = seed_spec(now_ms, issued, pending)
        out = subprocess.run(
            [self.python, "-m", "kiosk.server.demo_seed", "--data-dir", str(self.server_dir)],
            cwd=ROOT,
            env=child_env(),
            input=json.dumps(spec).encode(),
            capture_output=True,
            check=False,
            timeout=300,
        )
        if out.returncode != 0:
            raise RuntimeError(f"demo seed failed: {out.stderr.decode(errors='replace')}")
        result = json.loads(out.stdout)
        names = {rid: (name, demo.NEIGHBOURHOODS[nid]) for rid, name, nid in demo.RESIDENTS}
        serials = resident_serials()
        self.manifest["public_key"] = result["public_key"]
        self.manifest["issued"] = issued.isoformat()
        self.manifest["cards"] = {
            rid: {
                "serial": serials[rid],
                "payload": result["cards"][serials[rid]],
                "name": names[rid][0],
                "neighbourhood": names[rid][1],
            }
            for rid in serials
        }
        others = {
            sid: {"serial": serial, "name": name, "neighbourhood": ""}
            for (sid, name, _role), serial in zip(STAFF, staff_serials().values(), strict=True)
        }
        for kid, _kind, name, nid, _parts in demo.KLUSBOXES:
            serial = klusbox_serials()[kid]
            others[serial] = {
                "serial": serial,
                "name": name,
                "neighbourhood": demo.NEIGHBOURHOODS[nid],
            }
        for card in others.values():
            card["payload"] = result["cards"][card["serial"]]
        self.manifest["other_cards"] = others
        self.manifest["codes"] = result["codes"]
        self._save_manifest()

    def _choose_port(self) -> int:
        wanted = self._port or self.manifest.get("port")
        port = int(wanted) if wanted and port_is_free(int(wanted)) else free_port()
        self.manifest["port"] = port
        return port

    def _start_server(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.progress(f"demo: starting the server at {self.url}")
        log_file = (self.logs_dir / "server.log").open("ab")
        with log_file:
            self.server_proc = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "kiosk.server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(self.server_dir),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_LIMIT_S
        with httpx.Client(timeout=2) as http:
            while True:
                if self.server_proc.poll() is not None:
                    tail = (self.logs_dir / "server.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the demo server exited: {tail}")
                try:
                    if http.get(self.url + "/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the demo server did not come up")
                time.sleep(0.05)

    def _enrol(self, d: DemoDevice) -> None:
        self.progress(f"demo: enrolling {d.name}")
        code = self.manifest["codes"][d.key]
        handle = open_device(self.device_dir(d.key))
        client = SyncClient(handle.engine, handle.key, None)
        try:
            client.enrol(self.url, code, name=d.name, server_key_hex=self.manifest["public_key"])
            client.sync_once()
            device_id = handle.store.device_id
        finally:
            client.close()
            handle.close()
        self.manifest["devices"][d.key] = {"device_id": device_id, "role": d.role}
        self.manifest["codes"].pop(d.key, None)  # used: a code works once
        self._save_manifest()

    def _repin_devices(self) -> None:
        """A second run may have had to take another port: point every device at it."""
        for d in self.devices:
            handle = open_device(self.device_dir(d.key))
            try:
                with handle.engine.begin() as conn:
                    conn.execute(update(q.SERVER).where(q.SERVER.c.id == 1).values(url=self.url))
            finally:
                handle.close()

    def _make_history(self) -> None:
        """The demo's purchases at the counters and sign-ups at the kiosks, as real entries of
        those devices, uploaded to the server (first run only)."""
        from kiosk.ops.device import DeviceOptions, build_device

        self.progress("demo: making the history (purchases, sign-ups)")
        cards = self.cards()
        done: list[str] = self.manifest.setdefault("history", [])

        def now(fn: Callable[[], object]) -> None:
            fn()

        def step_done(step: str) -> None:  # kept at once: a step is never made twice
            done.append(step)
            self._save_manifest()

        with _quiet("kiosk.ops"):
            for i, (rid, shop, amount, refunded) in enumerate(PURCHASES):
                if f"pay:{i}" in done:
                    continue
                dev = build_device(
                    self.device_dir(f"counter-{shop}"),
                    now,
                    DeviceOptions(sync_interval_s=3600),
                    start=False,
                )
                try:
                    assert dev.counter is not None and dev.sync_loop is not None
                    paid = dev.counter.pay_now(cards[rid]["serial"], amount)
                    if refunded:
                        dev.counter.refund_now(paid.tx_id, refunded)
                    step_done(f"pay:{i}")
                    dev.sync_loop.step()
                finally:
                    dev.close()
            hoods = {rid: nid for rid, _n, nid in demo.RESIDENTS}
            for i, (rid, chore, how_far) in enumerate(SIGN_UPS):
                if f"sign-up:{i}" in done:
                    continue
                dev = build_device(
                    self.device_dir(f"kiosk-{hoods[rid]}"),
                    now,
                    DeviceOptions(sync_interval_s=3600),
                    start=False,
                )
                try:
                    assert dev.kiosk is not None and dev.sync_loop is not None
                    signed = dev.kiosk.sign_up_now(cards[rid]["serial"], chore)
                    if how_far in ("checked_in", "done"):
                        dev.kiosk.check_in_now(cards[rid]["serial"], signed.claim_id)
                    if how_far == "done":
                        dev.kiosk.check_out_now(cards[rid]["serial"], signed.claim_id)
                    step_done(f"sign-up:{i}")
                    dev.sync_loop.step()
                finally:
                    dev.close()
            # Each device again, so that all of them start from the books as they now are.
            for d in self.devices:
                self._sync_once(d)
        self.manifest["history_done"] = True
        self._save_manifest()

    def _sync_once(self, d: DemoDevice) -> None:
        handle = open_device(self.device_dir(d.key))
        client = SyncClient(handle.engine, handle.key, None)
        try:
            client.sync_once()
        finally:
            client.close()
            handle.close()

    def _write_cards(self) -> None:
        """The card PDF and the camera folder, when they are not there yet."""
        from kiosk.core.cards import read_card
        from kiosk.core.crypto import verify_key_from_hex
        from kiosk.printing.card_photos import (
            card_images,
            decode,
            film,
            shot_for,
            write_frame,
        )
        from kiosk.printing.cards_pdf import PrintableCard, write_cards_pdf

        key = verify_key_from_hex(self.manifest["public_key"])
        items = []
        for _rid, card in [*sorted(self.cards().items()), *self.other_cards().items()]:
            checked = read_card(card["payload"], key)
            items.append(PrintableCard(checked, card["name"], card["neighbourhood"]))
        if not self.cards_pdf.is_file():
            self.progress("demo: writing the card PDF")
            self.cards_pdf.parent.mkdir(parents=True, exist_ok=True)
            with _quiet("fontTools"):
                write_cards_pdf(items, self.cards_pdf)
        done = self.photos_dir / ".complete"
        if done.is_file():
            return
        self.progress("demo: filming the cards for the camera folder")
        self.photos_dir.mkdir(exist_ok=True)
        with _quiet("fontTools"):
            faces = card_images(items)
        import numpy as np

        from kiosk.printing.card_photos import background

        n = 0
        for i, (item, face) in enumerate(zip(items, faces, strict=True)):
            slug = re.sub(r"[^a-z0-9]+", "-", item.holder.lower()).strip("-")
            own = self.photos_dir / f"{i + 1:02d}-{slug}"
            own.mkdir(exist_ok=True)
            kept = 0
            index = 1000 * (i + 1)
            while kept < FRAMES_PER_CARD:
                frame = film(face, shot_for(index))
                index += 1
                if item.card.payload not in decode(frame):
                    continue  # a frame a webcam would miss: take the next one
                kept += 1
                write_frame(own / f"{kept:02d}.jpg", frame)
                write_frame(self.photos_dir / f"{n:04d}-{slug}.jpg", frame)
                n += 1
            rng = np.random.default_rng(i)
            for _ in range(EMPTY_FRAMES):
                write_frame(self.photos_dir / f"{n:04d}-empty.jpg", background(rng))
                n += 1
        done.write_text("ok\n")


def run_demo(data_dir: Path, *, lang: str = "nl") -> int:
    """`python -m kiosk --demo`: start the demo system, open the picker, stop it all at the end.

    A folder that holds a device's own ledger (the default data folder of a real device) is
    never mixed with the demo: the demo then lives in its `demo` subfolder."""
    root = Path(data_dir)
    if (root / DB_FILENAME).exists():
        root = root / "demo"
    system = DemoSystem(root, progress=lambda msg: print(msg, flush=True))
    try:
        system.start()
        print(f"demo server: {system.url}")
        print(f"printable cards (PDF): {system.cards_pdf}")
        print(f"card photos for the camera: {system.photos_dir}  (--camera folder:PATH)")
        from kiosk.ui.picker import run_picker

        def opened() -> None:
            print("the picker is open: close it (or press Ctrl+C) to stop the demo", flush=True)

        return run_picker(system, lang=lang, on_open=opened)
    except KeyboardInterrupt:  # Ctrl+C before the picker was up
        return 130
    finally:
        system.stop()
