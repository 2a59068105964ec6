"""Freeze the device ledgers of the schema version of the code on the path (docs/upgrades.md).

Run it with the OLD code first on the path, from a folder outside the checkout:

    cd /tmp && PYTHONPATH=/path/to/old-worktree /work/main/.venv/bin/python \
        /work/main/tests/data/make_frozen_ledgers.py /work/main/tests/data/ledgers

It writes OUT/<head revision of that code>/<device>/ with the device's files exactly as that
version wrote them (``ledger.sqlite3`` and ``device.key``), checkpointed and vacuumed into one
file, plus ``expected.json`` (what the old code reads back: counts, balances, chain head,
sync state) and ``README.txt`` (commit and command).

Devices:

* ``demo``: an unenrolled device, as the demo writes it (every version): the registry
  (neighbourhoods, staff, residents with cards, merchants, klusboxes with labels, chores),
  earns through sign-up, check-in, check-out and approval, a rejection, spends, a refund and
  an adjustment.
* ``counter`` (from 0002, the first version with sync): a merchant-counter enrolled over HTTP
  with that version's own server (run in this process on 127.0.0.1), which pinned the
  server, applied its snapshots (registry and balances), uploaded a batch of spends and a
  refund and stored its ack, then sold more offline (entries above the snapshot's
  ``self_acked_seq``). From 0004 on it also holds a card PIN.

From 0003 on a device may sign only its role's kinds, so no single enrolled device holds
earns, spends and adjustments: the demo device has those, the counter the sync state.

Only APIs that every version 0001..0004 has are used; no import of the current code. Keys
come from fixed seeds and one fixed clock (2026-01-01 10:00 UTC) drives device and server,
so ids, wall times and balances repeat; tx ids and signatures of the server differ per run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

import kiosk
from kiosk.core import accounts as acc
from kiosk.core.cards import CardKind, issue_card, new_serial
from kiosk.core.clock import FixedClock
from kiosk.core.crypto import SigningKey
from kiosk.db import registry as reg
from kiosk.db.engine import DB_FILENAME, head_revision, open_data_dir_engine
from kiosk.db.ledger_store import LedgerStore
from kiosk.db.verify import verify_ledger

KEY_FILE = "device.key"  # kiosk/paths.py from 0002 on; 0001 had no data-dir layout yet
START_MS = 1_767_225_600_000 + 10 * 3_600_000  # 2026-01-01 10:00 UTC
STEP_MS = 61_000  # the clock moves a minute and a second between actions
DAY_MS = 86_400_000

NEIGHBOURHOODS = {"grasbroek": "Grasbroek", "musschemig": "Musschemig", "schandelen": "Schandelen"}
RESIDENTS = [
    ("res-001", "Annie Hendriks", "grasbroek"),
    ("res-002", "Jo Ubachs", "grasbroek"),
    ("res-003", "Mia Claessen", "grasbroek"),
    ("res-004", "Sjef Peters", "musschemig"),
    ("res-005", "Fatma Yilmaz", "musschemig"),
    ("res-006", "Harrie Janssen", "musschemig"),
    ("res-007", "Truus Vroemen", "schandelen"),
    ("res-008", "Karim El Amrani", "schandelen"),
    ("res-009", "Lies Bemelmans", "schandelen"),
]
MERCHANTS = [
    ("mer-bakker", "Bakkerij Bemelmans", "grasbroek"),
    ("mer-groente", "Groenteboer Schandelen", "schandelen"),
    ("mer-fiets", "Fietsenmaker Musschemig", "musschemig"),
]
KLUSBOXES = [
    ("kb-veeg-1", "sweeping", "Veegbox Grasbroek", "grasbroek", [("bezem", 2), ("blik", 1)]),
    ("kb-zwerf-1", "litter", "Zwerfafvalbox Musschemig", "musschemig", [("afvalgrijper", 2)]),
    ("kb-wied-1", "weeding", "Wiedbox Schandelen", "schandelen", [("schoffel", 1)]),
]
CHORES = [  # id, title, neighbourhood, reward (cents), capacity, klusbox kind
    ("klus-001", "Pleintje vegen bij de Grasbroekerweg", "grasbroek", 500, 4, "sweeping"),
    ("klus-002", "Zwerfafval rapen rond het speelveld", "musschemig", 750, 6, "litter"),
    ("klus-003", "Onkruid wieden bij de speeltuin", "schandelen", 1000, 3, "weeding"),
    ("klus-004", "Bladeren ruimen bij het buurthuis", "grasbroek", 600, 5, "sweeping"),
]
GRANTS = {"res-001": 2_000, "res-002": 1_500, "res-003": 1_000, "res-004": 2_500}


def seed(name: str) -> SigningKey:
    return SigningKey(hashlib.sha256(f"heitje-frozen-ledger/{name}".encode()).digest())


def write_key(path: Path, key: SigningKey) -> None:
    """The 32-byte seed, 0600: what load_or_create_key writes on a first start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, bytes(key))
    finally:
        os.close(fd)


def tick(clock: FixedClock) -> None:
    clock.advance(STEP_MS)


def card_serials() -> dict[str, str]:
    rng = random.Random(2026)
    return {rid: new_serial(CardKind.RESIDENT, rng) for rid, _, _ in RESIDENTS}


# -- the demo device -------------------------------------------------------------------------


def make_demo(folder: Path) -> dict[str, Any]:
    clock = FixedClock(START_MS)
    key = seed("demo")
    write_key(folder / KEY_FILE, key)
    engine = open_data_dir_engine(folder)
    store = LedgerStore(engine, key, clock)
    municipality = seed("municipality")
    today = dt.date(2026, 1, 1)
    serials = card_serials()
    rng = random.Random(2027)
    with store.transaction() as conn:
        reg.ensure_municipality_accounts(conn)
        for nid, name in NEIGHBOURHOODS.items():
            reg.add_neighbourhood(conn, nid, name)
        reg.add_staff(conn, "staff-insp-1", "Inspecteur M. Coumans", "inspector")
        reg.add_staff(conn, "staff-desk-1", "Baliemedewerker P. Kessels", "desk")
        for rid, name, nid in RESIDENTS:
            reg.add_resident(conn, rid, name, nid, created_at=START_MS - 60 * DAY_MS)
            card = issue_card(municipality, CardKind.RESIDENT, serials[rid], today)
            reg.add_card(conn, card.serial, str(card.kind), card.payload, today, resident_id=rid)
        for mid, name, nid in MERCHANTS:
            reg.add_merchant(conn, mid, name, nid)
        for kid, kind, name, nid, parts in KLUSBOXES:
            reg.add_klusbox(conn, kid, kind, name, nid, parts)
            label = issue_card(
                municipality, CardKind.KLUSBOX, new_serial(CardKind.KLUSBOX, rng), today
            )
            reg.add_card(conn, label.serial, str(label.kind), label.payload, today, klusbox_id=kid)
        staff = issue_card(municipality, CardKind.STAFF, new_serial(CardKind.STAFF, rng), today)
        reg.add_card(
            conn, staff.serial, str(staff.kind), staff.payload, today, staff_id="staff-insp-1"
        )
        for cid, title, nid, reward, capacity, kind in CHORES:
            reg.add_chore(
                conn,
                cid,
                title,
                nid,
                reward=reward,
                capacity=capacity,
                starts_at=START_MS - 7 * DAY_MS,
                ends_at=START_MS + 21 * DAY_MS,
                klusbox_kind=kind,
            )
    done = [
        ("klus-001", "res-001"),
        ("klus-001", "res-002"),
        ("klus-004", "res-001"),
        ("klus-002", "res-004"),
        ("klus-002", "res-005"),
        ("klus-003", "res-007"),
        ("klus-003", "res-008"),
    ]
    for n, (chore, resident) in enumerate(done):
        claim = store.sign_up(chore, resident, claim_id=f"claim-{n + 1:03d}")
        for step in (store.check_in, store.check_out):
            tick(clock)
            step(claim)
        tick(clock)
        store.approve(claim, "staff-insp-1")
        store.earn(claim)
    tick(clock)
    store.check_in(store.sign_up("klus-002", "res-006", claim_id="claim-101"))
    store.sign_up("klus-004", "res-003", claim_id="claim-102")
    rejected = store.sign_up("klus-003", "res-009", claim_id="claim-103")
    store.check_in(rejected)
    tick(clock)
    store.reject(rejected, "staff-insp-1", "Niet op de afgesproken tijd verschenen.")
    tick(clock)
    store.spend("res-001", "mer-bakker", 350, card_serial=serials["res-001"])
    tick(clock)
    bread = store.spend("res-002", "mer-bakker", 275)
    tick(clock)
    store.refund(bread.tx_id, 75)
    store.spend("res-004", "mer-fiets", 500)
    store.spend("res-007", "mer-groente", 420)
    tick(clock)
    store.adjust(
        acc.ISSUANCE,
        acc.wallet("res-005"),
        200,
        reason="Welkomstbonus bij de start",
        staff_id="staff-desk-1",
    )
    facts = read_back(engine, store.device_id, clock)
    store.close()
    engine.dispose()
    return facts


# -- the counter device, synced with that version's own server --------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalServer:
    """That version's kiosk.server app on 127.0.0.1 in a thread (uvicorn), SQLite in a temp dir."""

    def __init__(self, data_dir: Path, clock: FixedClock) -> None:
        import uvicorn

        from kiosk.server.app import create_app
        from kiosk.server.config import Settings
        from kiosk.server.service import Server

        settings = Settings(data_dir=data_dir, clock=clock)
        write_key(settings.key_path, seed("municipality"))
        self.server = Server(settings)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            create_app(server=self.server), host="127.0.0.1", port=port, log_level="warning"
        )
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._uvicorn.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the old server did not start")
            time.sleep(0.02)

    def close(self) -> None:
        self._uvicorn.should_exit = True
        self._thread.join(timeout=30)
        self.server.close()


def seed_server(server: Any) -> None:
    from kiosk.server import admin

    serials = card_serials()
    for nid, name in NEIGHBOURHOODS.items():
        admin.add_neighbourhood(server, nid, name)
    for rid, name, nid in RESIDENTS:
        admin.add_resident(server, rid, name, nid, card_serial=serials[rid])
    for mid, name, nid in MERCHANTS:
        admin.add_merchant(server, mid, name, nid)
    for kid, kind, name, nid, _parts in KLUSBOXES:
        admin.add_klusbox(server, kid, kind, name, nid)
    for cid, title, nid, reward, capacity, kind in CHORES:
        admin.add_chore(
            server,
            cid,
            title,
            nid,
            reward=reward,
            capacity=capacity,
            starts_at=START_MS - 7 * DAY_MS,
            ends_at=START_MS + 21 * DAY_MS,
            klusbox_kind=kind,
        )
    for rid, amount in GRANTS.items():
        admin.grant(server, rid, amount, "Startbedrag")


def enrol_code(server: Any) -> str:
    params = inspect.signature(server.create_enrol_code).parameters
    if "bindings" in params:  # 0003 on: a counter is bound to its shop
        from kiosk.core.roles import Bindings

        return str(
            server.create_enrol_code("merchant-counter", "Kassa Bakkerij", Bindings("mer-bakker"))
        )
    return str(server.create_enrol_code("merchant-counter", "Kassa Bakkerij"))


def make_counter(folder: Path, server_dir: Path) -> dict[str, Any]:
    from kiosk.device import open_device
    from kiosk.sync.client import SyncClient

    clock = FixedClock(START_MS)
    local = LocalServer(server_dir, clock)
    try:
        seed_server(local.server)
        tick(clock)
        write_key(folder / KEY_FILE, seed("counter"))
        device = open_device(folder, clock)
        store = device.store
        client = SyncClient(device.engine, device.key, clock)
        client.enrol(local.url, enrol_code(local.server), name="Kassa Bakkerij")
        client.sync_once()  # the first snapshot: registry and balances
        serials = card_serials()
        tick(clock)
        store.spend("res-001", "mer-bakker", 350, card_serial=serials["res-001"])
        tick(clock)
        bread = store.spend("res-002", "mer-bakker", 275, card_serial=serials["res-002"])
        tick(clock)
        store.refund(bread.tx_id, 75)
        tick(clock)
        store.spend("res-003", "mer-bakker", 500, card_serial=serials["res-003"])
        tick(clock)
        up, snap = client.sync_once()  # uploads seq 1-4, stores the ack, a newer snapshot
        assert up.entries_marked == 4 and up.acked_seq == 4 and snap.applied, (up, snap)
        # Offline from here: sold after the last snapshot, not uploaded yet.
        tick(clock)
        cake = store.spend("res-004", "mer-bakker", 420, card_serial=serials["res-004"])
        tick(clock)
        store.spend("res-001", "mer-bakker", 120, card_serial=serials["res-001"])
        tick(clock)
        store.refund(cake.tx_id, 100)
        if head_revision() >= "0004":
            from kiosk.db import pin_queries
            from kiosk.ops.pins import hash_pin

            with store.transaction() as conn:
                pin_queries.store_pin_hash(conn, serials["res-001"], hash_pin("4821"), clock.ms)
        client.close()
        facts = read_back(device.engine, store.device_id, clock)
        device.close()
    finally:
        local.close()
    return facts


# -- what the old code reads back ------------------------------------------------------------


def read_back(engine: Engine, device_id: str, clock: FixedClock) -> dict[str, Any]:
    report = verify_ledger(engine)
    assert report.ok, report.summary()
    facts: dict[str, Any] = {"device_id": device_id, "clock_ms": clock.ms}
    with engine.connect() as conn:
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}

        def one(sql: str) -> Any:
            return conn.execute(text(sql)).scalar_one()

        facts["entries"] = one("SELECT count(*) FROM ledger_entries")
        facts["entries_by_kind"] = dict(
            conn.execute(text("SELECT kind, count(*) FROM ledger_entries GROUP BY kind")).all()
        )
        facts["balances"] = dict(
            conn.execute(text("SELECT account_id, balance FROM balances")).all()
        )
        head = conn.execute(
            text("SELECT last_seq, head_hash FROM chain_heads WHERE device_id = :d"),
            {"d": device_id},
        ).one()
        facts["head"] = {"last_seq": head[0], "head_hash": head[1]}
        facts["role"] = one("SELECT role FROM devices WHERE is_self")
        counts = ("residents", "merchants", "cards", "chores", "klusboxes", "neighbourhoods")
        facts["registry"] = {t: one(f"SELECT count(*) FROM {t}") for t in counts}
        facts["claims"] = dict(
            conn.execute(text("SELECT status, count(*) FROM chore_claims GROUP BY status")).all()
        )
        if "sync_snapshot" in tables:
            snap = conn.execute(text("SELECT version, self_acked_seq FROM sync_snapshot")).first()
            facts["snapshot"] = (
                None if snap is None else {"version": snap[0], "self_acked_seq": snap[1]}
            )
            facts["snapshot_balances"] = dict(
                conn.execute(text("SELECT account_id, balance FROM sync_snapshot_balances")).all()
            )
            facts["synced_entries"] = one(
                "SELECT count(*) FROM ledger_entries WHERE synced_at IS NOT NULL"
            )
            facts["pinned_server"] = one("SELECT count(*) FROM sync_server")
            if snap is not None:
                from kiosk.db import sync_queries as q

                facts["available"] = {
                    account: q.available_balance(conn, device_id, account)
                    for account in sorted(facts["snapshot_balances"])
                }
        if "card_pins" in tables:
            facts["card_pins"] = one("SELECT count(*) FROM card_pins")
    return facts


def compact(folder: Path) -> None:
    """Checkpoint the WAL into the file and vacuum it: one small file, still in WAL mode."""
    db = folder / DB_FILENAME
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    for suffix in ("-wal", "-shm"):
        assert not db.with_name(db.name + suffix).exists(), f"{db}{suffix} left behind"


def commit_of(tree: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def write_readme(folder: Path, revision: str, device: str, facts: dict[str, Any]) -> None:
    tree = Path(kiosk.__file__).resolve().parents[1]
    (folder / "expected.json").write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n")
    (folder / "README.txt").write_text(
        f"Frozen device ledger, schema revision {revision}, device '{device}'.\n"
        f"Written by the code of commit {commit_of(tree)} (worktree {tree}).\n"
        "Command:\n"
        f"  cd /tmp && PYTHONPATH={tree} /work/main/.venv/bin/python "
        "/work/main/tests/data/make_frozen_ledgers.py /work/main/tests/data/ledgers\n"
        f"Files: {DB_FILENAME} and {KEY_FILE} as that version's device wrote them "
        "(WAL checkpointed, vacuumed); expected.json: what that code read back.\n"
        "Made for tests/db/test_frozen_upgrades.py; see docs/upgrades.md. Do not edit.\n"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    revision = head_revision()
    print(f"kiosk from {kiosk.__file__}, schema head {revision}")
    out = Path(argv[0]).resolve() / revision
    if out.exists():
        shutil.rmtree(out)
    devices = ["demo"] + (["counter"] if revision >= "0002" else [])
    with tempfile.TemporaryDirectory() as tmp:
        for device in devices:
            work = Path(tmp) / device
            if device == "demo":
                facts = make_demo(work)
            else:
                facts = make_counter(work, Path(tmp) / "server")
            compact(work)
            target = out / device
            target.mkdir(parents=True)
            for name in (DB_FILENAME, KEY_FILE):
                shutil.copy2(work / name, target / name)
            facts["revision"] = revision
            write_readme(target, revision, device, facts)
            size = (target / DB_FILENAME).stat().st_size
            print(f"{target}: {facts['entries']} entries, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
