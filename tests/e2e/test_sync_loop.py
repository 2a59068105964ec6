"""The uploader's protocol paths and the background loop, against the real server."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from kiosk.core.crypto import SigningKey
from kiosk.core.offline_policy import OfflineSpendRefused
from kiosk.db import sync_queries as q
from kiosk.db.ledger_store import ENTRIES
from kiosk.sync.client import BAD_ACK_SIGNATURE, SyncError
from kiosk.sync.loop import SyncLoop, SyncStatus

from .conftest import Books, DeviceDir, ServerProcess
from .test_crash_sync import GRANT, assert_converged, enrol_here, seed

WAIT_S = 120.0  # only a ceiling against hanging; nothing asserts how fast things happen


@pytest.fixture
def device(server_proc: ServerProcess, books: Books, tmp_path: Path) -> Iterator[DeviceDir]:
    server_proc.start()
    seed(books)
    dev = DeviceDir(tmp_path / "device")
    try:
        enrol_here(books, dev, server_proc.url)
        dev.client.sync_once()
        yield dev
    finally:
        dev.close()


def test_a_gap_is_filled_from_the_entries_the_device_keeps(
    device: DeviceDir, books: Books, tmp_path: Path
) -> None:
    for amount in (100, 200):
        device.store.spend("r-1", "m-1", amount)
    device.client.sync_once()
    for amount in (300, 400):
        device.store.spend("r-1", "m-1", amount)
    # Seq 3 marked synced though the server never had it (say, a server restored from an
    # older backup): the device sends 4, the server answers "gap, next is 3".
    with device.engine.begin() as conn:
        conn.execute(
            update(ENTRIES)
            .where(ENTRIES.c.device_id == device.device_id, ENTRIES.c.seq == 3)
            .values(synced_at=1)
        )
    up, _ = device.client.sync_once()
    assert up.acked_seq == 4
    assert_converged(books, device.data_dir, 1_000)


def test_an_ack_that_does_not_verify_marks_nothing(device: DeviceDir, books: Books) -> None:
    device.store.spend("r-1", "m-1", 250)
    with device.engine.begin() as conn:
        pinned = q.pinned_server(conn)
        assert pinned is not None
        conn.execute(
            update(q.SERVER).values(public_key=bytes(SigningKey.generate().verify_key).hex())
        )
    with pytest.raises(SyncError) as exc:
        device.client.upload()
    assert exc.value.code == BAD_ACK_SIGNATURE
    with device.engine.connect() as conn:
        assert q.count_unsynced(conn, device.device_id) == 1
    # With the right key pinned again, the retry is a duplicate for the server and is marked.
    with device.engine.begin() as conn:
        conn.execute(update(q.SERVER).values(public_key=pinned.public_key))
    device.client.sync_once()
    assert_converged(books, device.data_dir, 250)


def test_the_loop_goes_offline_backs_off_and_catches_up(
    device: DeviceDir, server_proc: ServerProcess, books: Books
) -> None:
    statuses: list[SyncStatus] = []
    changed = threading.Condition()

    def on_status(status: SyncStatus) -> None:
        with changed:
            statuses.append(status)
            changed.notify_all()

    def wait_for(pred: Callable[[SyncStatus], bool]) -> SyncStatus:
        with changed:
            ok = changed.wait_for(lambda: bool(statuses) and pred(statuses[-1]), WAIT_S)
        assert ok, statuses[-3:]
        return statuses[-1]

    loop = SyncLoop(
        device.client,
        interval_s=0.05,
        base_s=0.05,
        cap_s=0.2,
        rng=random.Random(7),
        on_status=on_status,
    )
    loop.start()
    try:
        wait_for(lambda s: s.online and s.entries_waiting == 0)
        server_proc.kill()
        device.store.spend("r-1", "m-1", 800)
        loop.wake()
        down = wait_for(lambda s: not s.online and s.failures >= 2)
        assert down.last_error_code == "server_unreachable"
        assert down.last_error_nl and down.last_error_en
        assert down.entries_waiting == 1
        assert 0 < down.next_attempt_in_s <= 0.2
        server_proc.start()
        up = wait_for(lambda s: s.online and s.entries_waiting == 0)
        assert up.last_success_ms is not None and up.snapshot_version is not None
    finally:
        loop.stop()
    assert books.balance("wallet:r-1") == GRANT - 800
    assert_converged(books, device.data_dir, 800)


def test_a_revoked_device_learns_it_from_the_snapshot_and_stops_selling(
    device: DeviceDir, server_proc: ServerProcess, books: Books
) -> None:
    device.store.spend("r-1", "m-1", 300)
    server_proc.cli("devices", "revoke", device.device_id, "--reason", "gestolen")
    with pytest.raises(SyncError) as exc:
        device.client.sync_once()
    assert exc.value.code == "device_revoked"
    with device.engine.connect() as conn:
        assert q.count_unsynced(conn, device.device_id) == 1  # kept, never deleted
    with pytest.raises(OfflineSpendRefused) as refused:
        device.store.spend("r-1", "m-1", 100)
    assert refused.value.code == "device_revoked"
    assert books.entries(device.device_id) == []
