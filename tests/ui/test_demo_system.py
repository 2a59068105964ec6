"""The demo runs the whole system: the real server as a process on 127.0.0.1 with the demo
data, devices enrolled with the right roles and bindings that sync against it, the printable
cards and the photographed card frames, the picker, and a stop that leaves nothing behind."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import httpx
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.cards import read_card
from kiosk.core.crypto import verify_key_from_hex
from kiosk.db import loan_queries as lq
from kiosk.db import models as m
from kiosk.db import sync_queries as q
from kiosk.db.ops_queries import read_only
from kiosk.demo import MERCHANTS, NEIGHBOURHOODS, RESIDENTS
from kiosk.demo_system import DEMO_STAFF_PIN, PURCHASES, STAFF, DemoSystem, expected_balances
from kiosk.device import open_device
from kiosk.ops.device import DeviceOptions, build_device
from kiosk.ops.events import SyncStatusChanged
from kiosk.printing.card_photos import decode
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.config import Settings
from kiosk.server.service import Server

pytestmark = pytest.mark.slow  # two demo systems set up from nothing

WAIT_S = 60.0  # only so that a broken test fails instead of hanging; nothing is timed


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture
def system(demo_dir: Path) -> Iterator[DemoSystem]:
    demo = DemoSystem(demo_dir)
    demo.start()
    try:
        yield demo
    finally:
        demo.stop()


def port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((host, int(port))) == 0


def test_the_server_answers_and_holds_the_demo_money(system: DemoSystem) -> None:
    r = httpx.get(system.url + "/healthz", timeout=10)
    assert r.status_code == 200
    info = httpx.get(system.url + "/v1/info", timeout=10).json()
    assert info["public_key"] == system.manifest["public_key"]
    server = Server(Settings(data_dir=system.server_dir))
    try:
        for rid, money in expected_balances().items():
            assert admin.balance(server, acc.wallet(rid)) == money, rid
        # the counters' purchases arrived as their own entries, none refused
        tills: dict[str, int] = {}
        for _rid, shop, amount, refunded in PURCHASES:
            tills[shop] = tills.get(shop, 0) + amount - refunded
        for shop, total in tills.items():
            assert admin.balance(server, acc.till(shop)) == total
        listed = {d["name"]: d for d in server.list_devices() if d["role"] != "server"}
    finally:
        server.close()
    assert len(listed) == len(system.devices)
    assert all(d["refused"] == 0 and d["status"] == "active" for d in listed.values())


def test_devices_are_enrolled_with_their_role_and_bindings(system: DemoSystem) -> None:
    keys = {d.key for d in system.devices}
    assert {f"kiosk-{nid}" for nid in NEIGHBOURHOODS} <= keys
    assert {f"counter-{mid}" for mid, _n, _h in MERCHANTS} <= keys
    assert {"desk-grasbroek", "inspector"} <= keys
    for d in system.devices:
        handle = open_device(system.device_dir(d.key))
        try:
            with read_only(handle.engine) as conn:
                signer = q.signing_role(conn, handle.store.device_id)
                pinned = q.pinned_server(conn)
        finally:
            handle.close()
        assert signer is not None, d.key
        assert signer.role == d.role, d.key
        assert pinned is not None and pinned.url == system.url
        if d.role == roles.MERCHANT_COUNTER:
            assert signer.bindings.merchant_id == d.merchant
        else:
            assert signer.bindings.neighbourhoods == frozenset(d.neighbourhoods)


def test_the_desk_and_the_inspector_hold_what_they_need(system: DemoSystem) -> None:
    """After the demo's syncs: the desk knows its klusboxes with their parts and every staff
    card opens with the demo PIN there; the inspector's claims to decide are the demo's."""
    calls: queue.Queue[Callable[[], object]] = queue.Queue()
    others = system.other_cards()
    desk = build_device(system.device_dir("desk-grasbroek"), calls.put, DeviceOptions(sync=False))
    try:
        with read_only(desk.store.engine) as conn:
            boxes = [lq.box(conn, serial) for serial in others]
        grasbroek = [b for b in boxes if b is not None]
        assert [(b.name, b.components) for b in grasbroek] == [
            ("Veegbox Grasbroek", ("2 bezem", "1 blik", "2 handschoenen (paar)"))
        ]
        for sid, name, role in STAFF:
            member = desk.staff.check_now(others[sid]["serial"], DEMO_STAFF_PIN)
            assert (member.staff_id, member.name, member.role) == (sid, name, role)
    finally:
        desk.close()
    inspector = build_device(system.device_dir("inspector"), calls.put, DeviceOptions(sync=False))
    try:
        with read_only(inspector.store.engine) as conn:
            done = conn.execute(
                select(m.ChoreClaim.resident_id, m.ChoreClaim.chore_id).where(
                    m.ChoreClaim.status == "done", m.ChoreClaim.done_at.is_not(None)
                )
            ).all()
        assert sorted(done) == [("res-002", "klus-004"), ("res-009", "klus-003")]
    finally:
        inspector.close()


def test_a_device_sync_loop_brings_the_demo_balances(tmp_path: Path) -> None:
    """A kiosk built as the app builds it, its sync loop running against the demo server:
    the balance it shows is the server's, and money granted on the server arrives. (A demo
    of its own: the grant changes the books.)"""
    hood = "grasbroek"
    rid = next(r for r, _name, nid in RESIDENTS if nid == hood)
    calls: queue.Queue[Callable[[], object]] = queue.Queue()
    with DemoSystem(tmp_path / "demo") as system:
        serial = system.cards()[rid]["serial"]
        # every counter sees every resident's money, as the server has it
        for d in system.devices:
            if d.role != roles.MERCHANT_COUNTER:
                continue
            counter = build_device(system.device_dir(d.key), calls.put, DeviceOptions(sync=False))
            try:
                assert counter.counter is not None
                for other, card in system.cards().items():
                    quote = counter.counter.quote_now(card["serial"], 100)
                    assert quote.balance == expected_balances()[other], (d.key, other)
            finally:
                counter.close()
        device = build_device(
            system.device_dir(f"kiosk-{hood}"), calls.put, DeviceOptions(sync_interval_s=0.2)
        )
        statuses: queue.Queue[SyncStatusChanged] = queue.Queue()
        device.hub.subscribe(SyncStatusChanged, statuses.put)
        try:
            assert device.kiosk is not None
            assert device.kiosk.show_resident_now(serial).balance == expected_balances()[rid]
            server = Server(Settings(data_dir=system.server_dir))
            try:
                admin.grant(server, rid, 125, "test: een extra beloning")
            finally:
                server.close()
            want = expected_balances()[rid] + 125
            while device.kiosk.show_resident_now(serial).balance != want:
                event = statuses.get(timeout=WAIT_S)
                assert event.status.online, event.status.last_error_en
        finally:
            device.close()


def test_the_printable_cards_and_the_card_photos(system: DemoSystem) -> None:
    assert system.cards_pdf.read_bytes().startswith(b"%PDF")
    pdf = pdfium.PdfDocument(str(system.cards_pdf))
    try:
        # nine residents, three staff cards and three klusbox labels, ten to a sheet
        assert len(pdf) == 2
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    for _rid, name, _nid in RESIDENTS:
        assert name.split()[0] in text
    others = system.other_cards()
    assert {c["name"] for c in others.values()} >= {name for _id, name, _role in STAFF}
    key = verify_key_from_hex(system.manifest["public_key"])
    kinds = {read_card(c["payload"], key).kind.value for c in others.values()}
    assert kinds == {"staff", "klusbox"}
    serials = {c["serial"]: c["name"] for c in [*system.cards().values(), *others.values()]}
    photos = sorted(p for p in system.photos_dir.iterdir() if p.suffix == ".jpg")
    cards_in_view = [p for p in photos if not p.stem.endswith("empty")]
    assert len(cards_in_view) >= len(RESIDENTS)
    for path in (cards_in_view[0], cards_in_view[-1]):
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        assert frame is not None and frame.shape == (480, 640, 3)
        read = [read_card(text, key) for text in decode(frame)]
        assert len(read) == 1
        name = serials[read[0].serial]
        assert path.stem.split("-", 1)[1] == name.lower().replace(" ", "-")
    # one folder per card, to play one card to the camera
    folders = [p for p in system.photos_dir.iterdir() if p.is_dir()]
    assert len(folders) == len(RESIDENTS) + len(others)


def test_a_second_run_reuses_everything(system: DemoSystem, demo_dir: Path) -> None:
    ids = {k: v["device_id"] for k, v in system.manifest["devices"].items()}
    pdf_mtime = system.cards_pdf.stat().st_mtime_ns
    system.stop()
    again = DemoSystem(demo_dir).start()
    try:
        assert {k: v["device_id"] for k, v in again.manifest["devices"].items()} == ids
        assert again.cards_pdf.stat().st_mtime_ns == pdf_mtime
        server = Server(Settings(data_dir=again.server_dir))
        try:  # the history was not made twice
            for rid, money in expected_balances().items():
                assert admin.balance(server, acc.wallet(rid)) == money, rid
        finally:
            server.close()
    finally:
        again.stop()


def last_seen(system: DemoSystem, key: str) -> int:
    device_id = system.manifest["devices"][key]["device_id"]
    server = Server(Settings(data_dir=system.server_dir))
    try:
        with server.engine.connect() as conn:
            seen = conn.execute(
                select(t.devices.c.last_seen_at).where(t.devices.c.id == device_id)
            ).scalar_one()
    finally:
        server.close()
    return int(seen or 0)


def test_a_launched_device_syncs_and_stop_leaves_nothing_behind(demo_dir: Path) -> None:
    """The picker's launch: the device in its own process, with its own sync loop against the
    demo server. Stopping the demo stops it and the server: no process, thread or port left."""
    before = set(threading.enumerate())
    demo = DemoSystem(demo_dir).start()
    seen = last_seen(demo, "kiosk-grasbroek")
    proc = demo.launch("kiosk-grasbroek", camera=f"folder:{demo.photos_dir}")
    assert demo.is_running("kiosk-grasbroek")
    assert demo.launch("kiosk-grasbroek") is proc  # one process per device
    deadline = time.monotonic() + WAIT_S
    while last_seen(demo, "kiosk-grasbroek") <= seen:
        assert proc.poll() is None, (demo.logs_dir / "kiosk-grasbroek.log").read_text()
        assert time.monotonic() < deadline, "the device never asked the demo server"
        time.sleep(0.2)
    server = demo.server_proc
    assert server is not None and port_open(demo.url)
    demo.stop()
    assert proc.poll() is not None and server.poll() is not None
    assert not demo.is_running("kiosk-grasbroek")
    assert not port_open(demo.url)
    assert set(threading.enumerate()) <= before


def test_the_picker_starts_a_device_in_its_language(system: DemoSystem, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.i18n import Translations
    from kiosk.ui.picker import DemoPicker
    from kiosk.ui.theme import Themes, check_sizes

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    translations = Translations(app, "nl")
    themes = Themes(app)
    try:
        picker = DemoPicker(system, translations, themes)
        qtbot.addWidget(picker)
        picker.show()
        qtbot.waitExposed(picker)
        button = picker.buttons["counter-mer-bakker"]
        assert button.text() == "Toonbank — Bakkerij Bemelmans"
        assert picker.buttons["kiosk-grasbroek"].text() == "Bewonerskiosk — Grasbroek"
        assert check_sizes(picker) == []
        translations.switch("en")
        qtbot.waitUntil(lambda: button.text() == "Counter — Bakkerij Bemelmans")
        picker.camera.setCurrentIndex(2)  # no camera
        button.click()
        assert system.is_running("counter-mer-bakker")
        cmd = system.device_command("counter-mer-bakker", lang="en")
        assert system.device_procs["counter-mer-bakker"].args == cmd
        qtbot.waitUntil(lambda: not button.isEnabled())
        assert picker.states["counter-mer-bakker"].text() == "Running"
        system.stop_device("counter-mer-bakker")
        qtbot.waitUntil(lambda: button.isEnabled())
    finally:
        translations.switch("nl")
        translations.uninstall()


def test_run_demo_stops_everything_on_ctrl_c(demo_dir: Path) -> None:
    """`python -m kiosk --demo`: the picker opens on the demo system; Ctrl+C (SIGINT) closes
    it, and the server stops with it."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--demo", "--data-dir", str(demo_dir), "--lang", "en"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("the picker is open"):
                break
        out = "".join(lines)
        assert "printable cards (PDF): " + str(demo_dir / "cards" / "demo-cards.pdf") in out
        url = next(x.split(": ", 1)[1].strip() for x in lines if x.startswith("demo server: "))
        assert port_open(url)
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "".join(lines) + rest
    assert not port_open(url)
