"""Backups while the device works, a backup killed half-way, and putting one back."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.backup import (
    RESTORE_MARKER,
    BackupError,
    BackupSchedule,
    backup_ledger,
    restore_backup,
    restore_pending,
)
from kiosk.core import accounts as acc
from kiosk.db import registry as reg
from kiosk.db.verify import verify_ledger
from kiosk.device import open_device


def _seed(data_dir: Path) -> None:
    handle = open_device(data_dir)
    try:
        with handle.store.transaction() as conn:
            reg.ensure_municipality_accounts(conn)
            reg.add_neighbourhood(conn, "nb-1", "Oost")
            reg.add_resident(conn, "r-1", "Bewoner", "nb-1", created_at=0)
    finally:
        handle.close()


def _entries(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0])
    finally:
        conn.close()


def test_a_backup_taken_while_payments_go_on_is_whole_and_verifies(tmp_path: Path) -> None:
    data = tmp_path / "device"
    _seed(data)
    handle = open_device(data)
    stop = threading.Event()
    written: list[int] = []

    def grant() -> None:
        while not stop.is_set():
            handle.store.adjust(acc.ISSUANCE, acc.wallet("r-1"), 1, reason="t", staff_id="s")
            written.append(1)

    worker = threading.Thread(target=grant)
    worker.start()
    try:
        while len(written) < 50:
            time.sleep(0.01)
        copies = [
            backup_ledger(data, tmp_path / "backups", now=dt.datetime(2026, 12, 1, 10, 0, i))
            for i in range(3)
        ]
    finally:
        stop.set()
        worker.join()
        handle.close()
    counts = [_entries(c) for c in copies]
    assert counts == sorted(counts) and counts[0] >= 50  # each a consistent prefix, growing
    for copy in copies:
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert not Path(str(copy) + "-wal").exists()  # one self-contained file
        restored = tmp_path / f"check-{copy.name}"
        restore_backup(restored, copy)
        device = open_device(restored)
        try:
            report = verify_ledger(device.engine)
            assert report.ok, report.faults
            assert device.store.balance(acc.wallet("r-1")) == _entries(copy)  # one cent per entry
        finally:
            device.close()
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700


def test_only_the_newest_copies_are_kept(tmp_path: Path) -> None:
    data = tmp_path / "device"
    _seed(data)
    made = [
        backup_ledger(data, tmp_path / "b", keep=3, now=dt.datetime(2026, 12, 1, 10, 0, i))
        for i in range(5)
    ]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [p.name for p in made[-3:]]


BACKUP_IN_A_CHILD = """
import sys, pathlib, kiosk.backup as b
def slow(source, target):
    import sqlite3, time
    src = sqlite3.connect(source); dst = sqlite3.connect(target)
    print("copying", flush=True)
    src.backup(dst, pages=1, progress=lambda *a: time.sleep(0.05))
b._copy = slow
b.backup_ledger(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
"""


def test_a_backup_killed_half_way_leaves_no_file_that_looks_whole(tmp_path: Path) -> None:
    data = tmp_path / "device"
    _seed(data)
    handle = open_device(data)
    try:
        for _ in range(300):
            handle.store.adjust(acc.ISSUANCE, acc.wallet("r-1"), 1, reason="t" * 200, staff_id="s")
    finally:
        handle.close()
    dest = tmp_path / "b"
    child = subprocess.Popen(
        [sys.executable, "-c", BACKUP_IN_A_CHILD, str(data), str(dest)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "copying"
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert [p.name for p in dest.iterdir() if p.name.endswith(".partial")]  # killed mid-copy
    assert [p for p in dest.iterdir() if p.name.startswith("ledger-")] == []
    # the next backup is whole, and cleans nothing it should not
    copy = backup_ledger(data, dest)
    assert _entries(copy) == 300
    assert sorted(p.name for p in dest.iterdir()) == [copy.name]  # the half copy is gone


def test_a_backup_of_another_device_or_garbage_is_refused(tmp_path: Path) -> None:
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    _seed(mine)
    _seed(theirs)
    copy = backup_ledger(theirs, tmp_path / "b")
    with pytest.raises(BackupError) as refused:
        restore_backup(mine, copy)
    assert refused.value.code == "backup_of_another_device"
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(BackupError) as garbage:
        restore_backup(mine, junk)
    assert garbage.value.code == "backup_not_a_ledger"
    assert "not a readable SQLite database" in garbage.value.message("en")
    with pytest.raises(BackupError) as missing:
        restore_backup(mine, tmp_path / "nope.sqlite3")
    assert missing.value.code == "backup_missing"


def test_a_tampered_backup_is_refused_before_anything_changes(tmp_path: Path) -> None:
    data = tmp_path / "device"
    _seed(data)
    handle = open_device(data)
    try:
        handle.store.adjust(acc.ISSUANCE, acc.wallet("r-1"), 500, reason="t", staff_id="s")
    finally:
        handle.close()
    copy = backup_ledger(data, tmp_path / "b")
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE ledger_entries SET amount = 50000 WHERE amount = 500")
    conn.commit()
    conn.close()
    before = (data / "ledger.sqlite3").read_bytes()
    with pytest.raises(BackupError) as refused:
        restore_backup(data, copy)
    assert refused.value.code == "backup_chain_broken"
    assert (data / "ledger.sqlite3").read_bytes() == before


def test_restore_keeps_the_ledger_it_replaces_and_an_unenrolled_device_needs_no_server(
    tmp_path: Path,
) -> None:
    data = tmp_path / "device"
    _seed(data)
    copy = backup_ledger(data, tmp_path / "b")
    handle = open_device(data)
    try:
        handle.store.adjust(acc.ISSUANCE, acc.wallet("r-1"), 700, reason="after", staff_id="s")
    finally:
        handle.close()
    kept = restore_backup(data, copy, now=dt.datetime(2026, 12, 1, 12, 0, 0))
    assert kept.name == "ledger.sqlite3.replaced-20261201-120000"
    assert _entries(kept) == _entries(copy) + 1
    assert restore_pending(data) is None  # never enrolled: nothing to reconcile
    assert not (data / RESTORE_MARKER).exists()


def test_the_schedule_backs_up_and_survives_a_missing_folder(tmp_path: Path) -> None:
    data = tmp_path / "device"
    _seed(data)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    failing = BackupSchedule(data, blocked / "b", interval_s=0.05)
    working = BackupSchedule(data, tmp_path / "b", interval_s=0.05)
    failing.start()
    working.start()
    try:
        deadline = time.monotonic() + 20
        while (working.last is None or failing.last_error is None) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        failing.stop()
        working.stop()
    assert working.last is not None and working.last.is_file()
    assert failing.last_error is not None and failing.last_error.code == "backup_folder_unwritable"


def test_the_first_backup_waits_only_for_what_is_left_of_the_interval(tmp_path: Path) -> None:
    data = tmp_path / "device"
    _seed(data)
    dest = tmp_path / "b"
    schedule = BackupSchedule(data, dest, interval_s=3600)
    assert schedule.first_wait_s() == 0.0  # no copy yet: at once
    copy = backup_ledger(data, dest)
    os.utime(copy, (time.time() - 3000, time.time() - 3000))  # made 50 minutes ago
    assert 500 < schedule.first_wait_s() <= 600
    os.utime(copy, (time.time() - 7200, time.time() - 7200))  # older than the interval
    assert schedule.first_wait_s() == 0.0


def test_a_device_with_a_backup_folder_backs_itself_up_and_stops_on_close(tmp_path: Path) -> None:
    from kiosk.ops.device import DeviceOptions, build_device

    data = tmp_path / "device"
    _seed(data)
    calls: list[object] = []
    device = build_device(
        data,
        calls.append,
        DeviceOptions(
            demo_role="resident-kiosk",
            demo_neighbourhood="nb-1",
            backup_dir=tmp_path / "b",
            backup_every_s=3600,
        ),
    )
    try:
        assert device.backups is not None
        deadline = time.monotonic() + 30
        while device.backups.last is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert device.backups.last is not None and device.backups.last.is_file()
    finally:
        device.close()
    assert not any(t.name == "kiosk-backup" for t in threading.enumerate())


def test_restoring_only_reads_the_backup_file(tmp_path: Path) -> None:
    data = tmp_path / "device"
    _seed(data)
    copy = backup_ledger(data, tmp_path / "b")
    before, stamp = copy.read_bytes(), copy.stat().st_mtime_ns
    time.sleep(0.01)
    restore_backup(data, copy)
    assert copy.read_bytes() == before and copy.stat().st_mtime_ns == stamp  # not even touched
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [copy.name]
    assert not list(data.glob(".ledger.sqlite3.restoring*"))
