"""A backup restored onto a device after it synced more entries: no fork, no entry lost.

The real server over HTTP on 127.0.0.1, a real enrolled counter on a real ledger file, the
backup taken with SQLite's online backup API and put back as an operator would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.backup import RESTORE_MARKER, backup_ledger, restore_backup
from kiosk.core import accounts as acc
from kiosk.db.verify import verify_ledger
from kiosk.ops.device import Device, DeviceOptions, build_device
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync.client import RESTORE_FORKED
from tests.ops.conftest import Enrolled, Gui, enrol, gui, live  # noqa: F401 - fixtures
from tests.server.conftest import LiveServer

GRANT = 6_000


def server_chain(srv: LiveServer, device_id: str) -> list[tuple[int, str, str]]:
    with srv.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.ledger.c.seq, t.ledger.c.tx_id, t.ledger.c.status)
            .where(t.ledger.c.device_id == device_id)
            .order_by(t.ledger.c.seq)
        )
        return [(r.seq, r.tx_id, r.status) for r in rows]


def rebuild(dev: Enrolled, ui: Gui) -> Device:
    return build_device(dev.data_dir, ui.call, DeviceOptions(clock=dev.clock), start=False)


def step(device: Device) -> None:
    assert device.sync_loop is not None
    device.sync_loop.step()


@pytest.fixture
def counter(live: LiveServer, tmp_path: Path, gui: Gui) -> Enrolled:  # noqa: F811
    admin.grant(live.server, "r-1", GRANT, "welkom")
    return enrol(live, tmp_path / "counter", gui, "merchant-counter", merchant="m-1")


def test_a_restored_counter_takes_back_what_it_sent_and_forks_nothing(
    counter: Enrolled,
    live: LiveServer,  # noqa: F811
    gui: Gui,  # noqa: F811
    tmp_path: Path,
) -> None:
    device = counter.device
    assert device.counter is not None
    for amount in (100, 200):
        gui.ok(device.counter.pay("C-0001", amount))
    counter.sync()
    copy = backup_ledger(counter.data_dir, tmp_path / "backups")
    after_backup = [gui.ok(device.counter.pay("C-0001", a)).tx_id for a in (300, 400, 500)]
    counter.sync()  # the server holds these; the backup does not
    gui.ok(device.counter.pay("C-0001", 50))  # never sent: lost with the disk
    sent = server_chain(live, device.device_id)
    device.close()

    restore_backup(counter.data_dir, copy)
    assert (counter.data_dir / RESTORE_MARKER).is_file()
    restored = rebuild(counter, gui)
    try:
        assert restored.restore_pending
        assert restored.counter is not None
        refusal = gui.refused(restored.counter.pay("C-0001", 10))
        assert refusal.code == "restore_pending"
        assert "spoken to the server" in refusal.message("en")
        assert restored.store.head()[0] == 2  # the backup's head; nothing was written

        step(restored)  # reconciles first, then the usual upload and snapshot
        assert restored.sync_loop is not None and restored.sync_loop.status.online
        assert not restored.restore_pending
        assert not (counter.data_dir / RESTORE_MARKER).exists()
        assert restored.store.head()[0] == sent[-1][0]
        assert [tx for _, tx, _ in sent[2:]] == after_backup  # taken back, as signed

        paid = gui.ok(restored.counter.pay("C-0001", 10))
        assert restored.store.head()[0] == sent[-1][0] + 1  # no seq used twice
        step(restored)
        chain = server_chain(live, restored.device_id)
        assert chain == [*sent, (sent[-1][0] + 1, paid.tx_id, "applied")]
        assert all(status == "applied" for _, _, status in chain)
        assert (
            admin.balance(live.server, acc.wallet("r-1"))
            == GRANT - 100 - 200 - 300 - 400 - 500 - 10
        )
        assert admin.balance(live.server, acc.till("m-1")) == 1_510
        report = verify_ledger(restored.store.engine)
        assert report.ok, report.faults
        # The balance the counter shows is the server's, not one with entries counted twice.
        quote = gui.ok(restored.counter.quote("C-0001", 1))
        assert quote.balance == admin.balance(live.server, acc.wallet("r-1"))
    finally:
        restored.close()


def test_a_restore_that_would_fork_stays_blocked_and_says_why(
    counter: Enrolled,
    live: LiveServer,  # noqa: F811
    gui: Gui,  # noqa: F811
    tmp_path: Path,
) -> None:
    device = counter.device
    assert device.counter is not None
    gui.ok(device.counter.pay("C-0001", 100))
    counter.sync()
    copy = backup_ledger(counter.data_dir, tmp_path / "backups")
    gui.ok(device.counter.pay("C-0001", 200))
    counter.sync()
    device.close()
    restore_backup(counter.data_dir, copy)
    # Someone forces a write past the guard (an old copy of the app, a hand edit): seq 2 now
    # differs from the server's seq 2.
    forced = rebuild(counter, gui)
    try:
        forced.store.blocked = None
        forced.store.spend("r-1", "m-1", 999)
    finally:
        forced.close()
    restored = rebuild(counter, gui)
    try:
        step(restored)
        assert restored.sync_loop is not None
        status = restored.sync_loop.status
        assert not status.online and status.last_error_code == RESTORE_FORKED
        assert restored.restore_pending
        assert restored.counter is not None
        assert gui.refused(restored.counter.pay("C-0001", 10)).code == "restore_pending"
        with live.server.engine.connect() as conn:
            n = conn.execute(
                select(func.count())
                .select_from(t.ledger)
                .where(t.ledger.c.device_id == restored.device_id)
            ).scalar_one()
        assert n == 2  # the server's copy is untouched
    finally:
        restored.close()
