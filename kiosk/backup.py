"""Backups of the device's ledger, and putting one back.

    path = backup_ledger(data_dir, dest)          # one copy, now (SQLite's online backup API)
    schedule = BackupSchedule(data_dir, dest, interval_s=3600); schedule.start(); ... stop()
    restore_backup(data_dir, backup_file)         # python -m kiosk backup restore FILE

A backup is taken while the device works: SQLite's online backup API copies a consistent
state of the database (the WAL included) while payments go on, page by page with the source
locked only for each step. The copy is written under a temporary name, checked (`PRAGMA
integrity_check`, the chain verified by `ledger verify`'s code), fsynced and only then renamed
to `ledger-YYYYMMDD-HHMMSS.sqlite3` (0600, in a 0700 folder), so a crash mid-backup never
leaves a half file that looks whole. The newest `keep` copies are kept.

The device key is not copied: a backup folder on a network share must not hold what signs
money. A backup restores onto the same device (same data folder and key); a replaced PC is
enrolled again with a new key.

Restoring puts an older ledger back. The server may already hold entries this device wrote
after the backup: reusing their sequence numbers would fork the chain. So a restore leaves a
marker (`restore-pending.json`) and the device writes nothing until it has asked the server
where its chain stands and taken back its own missing entries (kiosk/sync/restore.py). The
ledger it replaces is kept beside it (`ledger.sqlite3.replaced-...`), never deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

from kiosk.core.crypto import load_or_create_key
from kiosk.core.errors import HeitjeError
from kiosk.db.engine import DB_FILENAME, open_engine, sqlite_url
from kiosk.db.verify import verify_ledger
from kiosk.paths import device_key_path
from kiosk.sql import private_dir

__all__ = [
    "RESTORE_MARKER",
    "BackupError",
    "BackupSchedule",
    "backup_ledger",
    "restore_backup",
    "restore_pending",
]

log = logging.getLogger("kiosk.db")

RESTORE_MARKER = "restore-pending.json"
_PREFIX = "ledger-"
_SUFFIX = ".sqlite3"
_PAGES_PER_STEP = 256  # the source is locked for one step at a time, not the whole copy


class BackupError(HeitjeError):
    """A backup that cannot be made, or a file that cannot be restored; `code` says why."""


def _self_key(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT public_key FROM devices WHERE is_self = 1").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])


def _check_copy(path: Path, shown: str | None = None) -> str:
    """Integrity of the file and of the chain in it; its device's public key. Raises
    BackupError. (It writes to `path`: call it on a copy of ours, never on a user's file.)"""
    name = shown or path.name
    conn = sqlite3.connect(path)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()
        if ok is None or ok[0] != "ok":
            raise BackupError(
                "backup_damaged",
                f"De reservekopie {name} is beschadigd ({ok}).",
                f"The backup {name} is damaged ({ok}).",
            )
        key = _self_key(conn)
        if key is None:
            raise BackupError(
                "backup_not_a_ledger",
                f"{name} is geen grootboek van een Heitje-apparaat.",
                f"{name} is not the ledger of a Heitje device.",
            )
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            "backup_not_a_ledger",
            f"{name} is geen leesbare SQLite-database ({exc}).",
            f"{name} is not a readable SQLite database ({exc}).",
        ) from exc
    finally:
        conn.close()
    _check_chain(path, name)
    return key


def _check_chain(path: Path, name: str) -> None:
    # The device's own engine (its pragmas switch the file to WAL); back to one file after.
    engine = open_engine(sqlite_url(path))
    try:
        report = verify_ledger(engine)
    finally:
        engine.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    if not report.ok:
        raise BackupError(
            "backup_chain_broken",
            f"De keten in {name} klopt niet: {report.faults[0]}",
            f"The chain in {name} does not check out: {report.faults[0]}",
        )


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup from `source` into a new file `target`, fsynced."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=_PAGES_PER_STEP)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    target.chmod(0o600)
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_ledger(
    data_dir: Path, dest: Path, *, keep: int = 14, now: dt.datetime | None = None
) -> Path:
    """Copy the ledger of `data_dir` into `dest` now; returns the new file."""
    source = data_dir / DB_FILENAME
    if not source.is_file():
        raise BackupError(
            "no_ledger",
            f"Er is geen grootboek in {data_dir}.",
            f"There is no ledger in {data_dir}.",
        )
    try:
        private_dir(dest)
    except OSError as exc:
        raise BackupError(
            "backup_folder_unwritable",
            f"De map voor reservekopieën {dest} kan niet worden gemaakt ({exc.strerror}).",
            f"The backup folder {dest} cannot be made ({exc.strerror}).",
        ) from exc
    for stale in dest.glob(f".{_PREFIX}*.partial*"):  # left by a backup that was killed
        stale.unlink(missing_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    final = dest / f"{_PREFIX}{stamp}{_SUFFIX}"
    temp = dest / f".{final.name}.partial"
    try:
        _copy(source, temp)
        _check_copy(temp)
        os.replace(temp, final)
        _fsync_dir(dest)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise BackupError(
            "backup_failed",
            f"De reservekopie kon niet worden gemaakt in {dest} ({exc.strerror or exc}).",
            f"The backup could not be made in {dest} ({exc.strerror or exc}).",
        ) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    for old in sorted(dest.glob(f"{_PREFIX}*{_SUFFIX}"))[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    log.info("ledger backed up to %s", final)
    return final


class BackupSchedule:
    """A backup every `interval_s` on its own thread; a failed one is logged and retried at
    the next turn (a share that is away for a night must not stop the device)."""

    def __init__(self, data_dir: Path, dest: Path, *, interval_s: float, keep: int = 14) -> None:
        self.data_dir, self.dest, self.interval_s, self.keep = data_dir, dest, interval_s, keep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: Path | None = None
        self.last_error: HeitjeError | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kiosk-backup", daemon=True)
        self._thread.start()

    def first_wait_s(self) -> float:
        """How long until the first backup: what is left of the interval since the newest copy
        in the folder (a device restarted every night still gets its daily backup)."""
        copies = sorted(self.dest.glob(f"{_PREFIX}*{_SUFFIX}")) if self.dest.is_dir() else []
        if not copies:
            return 0.0
        age = time.time() - copies[-1].stat().st_mtime
        return max(0.0, min(self.interval_s, self.interval_s - age))

    def _run(self) -> None:
        wait = self.first_wait_s()
        while not self._stop.wait(wait):
            wait = self.interval_s
            try:
                self.last = backup_ledger(self.data_dir, self.dest, keep=self.keep)
                self.last_error = None
            except HeitjeError as exc:
                self.last_error = exc
                log.warning("backup failed: %s", exc.code)
            except Exception:
                log.exception("backup failed unexpectedly")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None


def restore_pending(data_dir: Path) -> dict[str, object] | None:
    """The marker of a restore whose chain has not been reconciled with the server yet."""
    marker = data_dir / RESTORE_MARKER
    if not marker.is_file():
        return None
    data = json.loads(marker.read_text())
    return data if isinstance(data, dict) else {}


def _enrolled(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return bool(conn.execute("SELECT count(*) FROM sync_server").fetchone()[0] > 0)
    except sqlite3.DatabaseError:
        return False  # a ledger from before sync existed
    finally:
        conn.close()


def restore_backup(data_dir: Path, backup: Path, *, now: dt.datetime | None = None) -> Path:
    """Put `backup` back as the ledger of `data_dir` (the device must not be running). Returns
    where the replaced ledger was kept (or the ledger path, if there was none). A device that
    was never enrolled (the demo) has no server to ask, and no marker."""
    if not backup.is_file():
        raise BackupError(
            "backup_missing",
            f"Het bestand {backup} bestaat niet.",
            f"The file {backup} does not exist.",
        )
    private_dir(data_dir)
    ledger = data_dir / DB_FILENAME
    # Checked as copied, beside the ledger: what is checked is what is put back, and the
    # user's backup file is only read.
    temp = data_dir / f".{DB_FILENAME}.restoring"
    shutil.copyfile(backup, temp)
    try:
        temp.chmod(0o600)
        theirs = _check_copy(temp, backup.name)
        key_path = device_key_path(data_dir)
        if key_path.exists() and theirs != bytes(load_or_create_key(key_path).verify_key).hex():
            raise BackupError(
                "backup_of_another_device",
                "Deze reservekopie is van een ander apparaat; terugzetten zou twee apparaten met "
                "één keten maken.",
                "This backup belongs to another device; restoring it would give two devices "
                "one chain.",
            )
        enrolled = _enrolled(temp)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    kept = ledger
    # The marker goes first: a crash after it and before the copy only delays writing until
    # the server was asked, it never lets an unchecked chain write.
    if enrolled:
        marker = data_dir / RESTORE_MARKER
        temp_marker = data_dir / (RESTORE_MARKER + ".partial")
        temp_marker.write_text(json.dumps({"backup": str(backup), "restored_at": stamp}))
        os.replace(temp_marker, marker)
    if ledger.exists():
        kept = data_dir / f"{DB_FILENAME}.replaced-{stamp}"
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(ledger) + suffix)
            if part.exists():
                os.replace(part, Path(str(kept) + suffix))
    with open(temp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(temp, ledger)
    _fsync_dir(data_dir)
    log.info("ledger restored from a backup; waiting for the server before writing")
    return kept
