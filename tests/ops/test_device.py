"""The composition root: the role picks the ops, the demo's role only where no certificate
says otherwise, the sync loop runs against the real server and tells the listeners, and
close() stops every thread it started."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk.core import roles
from kiosk.core.clock import FixedClock
from kiosk.core.errors import HeitjeError
from kiosk.ops.device import DeviceOptions, build_device
from kiosk.ops.events import SnapshotApplied, SyncStatusChanged
from kiosk.ops.runner import READER_THREAD, WRITER_THREAD
from kiosk.server import admin
from tests.server.conftest import NOW, LiveServer

from .conftest import WAIT_S, Gui, enrol, local_device


def our_threads() -> set[str]:
    return {
        t.name
        for t in threading.enumerate()
        if t.name.startswith((WRITER_THREAD, READER_THREAD, "kiosk-sync"))
    }


def test_a_demo_device_takes_the_role_it_is_given(tmp_path: Path, gui: Gui) -> None:
    kiosk = local_device(tmp_path / "d", gui, roles.RESIDENT_KIOSK)
    try:
        assert (kiosk.role, kiosk.enrolled, kiosk.sync_loop) == (roles.RESIDENT_KIOSK, False, None)
        assert kiosk.kiosk is not None and kiosk.counter is None and kiosk.desk is None
        status = gui.ok(kiosk.status())
        assert (status.role, status.role_words.nl, status.enrolled) == (
            roles.RESIDENT_KIOSK,
            "bewonerskiosk",
            False,
        )
        assert status.sync.entries_waiting == 3  # the demo's funding, never sent anywhere
    finally:
        kiosk.close()
    counter = local_device(tmp_path / "d", gui, roles.MERCHANT_COUNTER)
    try:
        assert counter.counter is not None and counter.counter.merchant_id == "m-1"
    finally:
        counter.close()
    with pytest.raises(HeitjeError) as exc:
        build_device(tmp_path / "d", gui.call, DeviceOptions(demo_role=roles.MERCHANT_COUNTER))
    assert exc.value.code == "merchant_needed"
    with pytest.raises(HeitjeError) as exc:
        build_device(tmp_path / "d", gui.call)
    assert exc.value.code == "role_needed"
    with pytest.raises(HeitjeError) as exc:
        build_device(tmp_path / "d", gui.call, DeviceOptions(demo_role="baker"))
    assert exc.value.code == "unknown_role"
    assert our_threads() == set()


def test_the_certificate_decides_and_close_stops_everything(
    live: LiveServer, tmp_path: Path, gui: Gui
) -> None:
    dev = enrol(live, tmp_path / "c", gui, roles.MERCHANT_COUNTER, merchant="m-1")
    dev.device.close()
    with pytest.raises(HeitjeError) as exc:
        build_device(tmp_path / "c", gui.call, DeviceOptions(demo_role=roles.RESIDENT_KIOSK))
    assert exc.value.code == "role_mismatch"

    # Built as the app builds it, listeners first, then the sync loop runs on its thread.
    rounds = threading.Semaphore(0)
    admin.grant(live.server, "r-1", 900, "welkom")  # a new snapshot version on the server
    device = build_device(
        tmp_path / "c",
        gui.call,
        DeviceOptions(sync_interval_s=3600, clock=FixedClock(NOW)),
        start=False,
    )
    try:
        seen: list[object] = []
        device.hub.subscribe(SnapshotApplied, seen.append)
        device.hub.subscribe(SyncStatusChanged, lambda e: (seen.append(e), rounds.release()))
        device.start()
        assert rounds.acquire(timeout=WAIT_S)
        status = next(e.status for e in seen if isinstance(e, SyncStatusChanged))
        assert status.online, status.last_error_en
        assert any(isinstance(e, SnapshotApplied) for e in seen)
        assert gui.ok(device.counter.quote("C-0001", 100)).balance == 900  # type: ignore[union-attr]
        assert {t for t in our_threads() if t.startswith("kiosk-sync")} == {"kiosk-sync"}
    finally:
        device.close()
    assert our_threads() == set()


def test_the_scanning_parts_check_real_cards_with_the_municipality_key(
    tmp_path: Path, gui: Gui
) -> None:
    """The demo's data folder holds its municipality key: the device's card check verifies a
    printed card's payload with it, refuses a forged one and a revoked one; a typed serial is
    read as people type it."""
    from sqlalchemy import select, update

    from kiosk.core.cards import CardError
    from kiosk.db.models import Card
    from kiosk.demo import seed_demo
    from kiosk.device import open_device
    from kiosk.scan.sources import ImageFolderSource

    handle = open_device(tmp_path / "demo")
    seed_demo(handle.store, tmp_path / "demo")
    with handle.store.transaction() as conn:
        cards = conn.execute(
            select(Card.serial, Card.payload).where(Card.kind == "resident").order_by(Card.serial)
        ).all()
        conn.execute(update(Card).where(Card.serial == cards[1].serial).values(status="revoked"))
    handle.close()
    device = build_device(
        tmp_path / "demo",
        gui.call,
        DeviceOptions(demo_role=roles.RESIDENT_KIOSK, camera=f"folder:{tmp_path}"),
        start=False,
    )
    try:
        scan = device.scan
        assert isinstance(scan.source, ImageFolderSource) and scan.decoder is not None
        assert scan.check(cards[0].payload).serial == cards[0].serial
        with pytest.raises(CardError) as exc:
            scan.check(cards[1].payload)
        assert exc.value.code == "revoked"
        forged = cards[0].payload[:-2] + ("AA" if cards[0].payload[-2:] != "AA" else "BB")
        with pytest.raises(CardError) as exc:
            scan.check(forged)
        assert exc.value.code in {"bad_signature", "bad_encoding"}
        typed = " ".join(cards[0].serial[i : i + 3] for i in range(0, 9, 3)).lower()
        assert scan.typed(typed) == cards[0].serial
        assert scan.deduper.accept(cards[0].payload) and not scan.deduper.accept(cards[0].payload)
    finally:
        device.close()
