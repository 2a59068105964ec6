"""Data folders are 0700, databases (with their -wal and -shm) and keys 0600, on the device and
on the server, whatever the umask; a key file others can read is refused with how to fix it.

The umask is 022 in these tests (the common default, under which files come out 0644): the
modes must come from the code, not from the environment."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.core.crypto import KeyFileError, SigningKey, load_or_create_key
from kiosk.db.engine import DB_FILENAME, open_data_dir_engine
from kiosk.device import open_device
from kiosk.paths import DEVICE_KEY_FILE
from kiosk.server.config import DB_FILENAME as SERVER_DB
from kiosk.server.config import KEY_FILENAME, Settings
from kiosk.server.service import Server
from kiosk.sql import private_dir, private_sqlite_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def assert_private_database(db: Path) -> None:
    """The database and the -wal/-shm SQLite made beside it while a connection is open."""
    assert mode(db) == 0o600
    for suffix in ("-wal", "-shm"):
        companion = db.with_name(db.name + suffix)
        assert companion.exists(), f"{companion} (WAL mode keeps it while connected)"
        assert mode(companion) == 0o600, companion


def test_a_new_device_folder(tmp_path: Path) -> None:
    data = tmp_path / "device"
    device = open_device(data)  # its engine's pool keeps a connection open: -wal and -shm exist
    try:
        assert mode(data) == 0o700
        assert mode(data / DEVICE_KEY_FILE) == 0o600
        assert_private_database(data / DB_FILENAME)
    finally:
        device.close()
    assert not list(data.glob("*.tmp"))


def test_an_older_device_folder_is_made_private(tmp_path: Path) -> None:
    """Made by a version before this one: 0755 folder, 0644 database with its WAL files."""
    data = tmp_path / "device"
    data.mkdir(mode=0o755)
    db = sqlite3.connect(data / DB_FILENAME)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    for suffix in ("", "-wal", "-shm"):
        assert mode(data / (DB_FILENAME + suffix)) == 0o644
    engine = open_data_dir_engine(data)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert mode(data) == 0o700
        assert_private_database(data / DB_FILENAME)
    finally:
        engine.dispose()
        db.close()


def test_the_server_files(tmp_path: Path) -> None:
    data = tmp_path / "server"
    server = Server(Settings(data_dir=data))
    try:
        assert mode(data / KEY_FILENAME) == 0o600
        assert_private_database(data / SERVER_DB)
    finally:
        server.close()


def test_the_server_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "server"
    Server(Settings(data_dir=data)).close()
    assert mode(data) == 0o700, "the server makes its data folder with kiosk.sql.private_dir"


def test_private_dir_and_file_helpers(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    assert private_dir(folder) == folder and mode(folder) == 0o700
    folder.chmod(0o755)
    private_dir(folder)
    assert mode(folder) == 0o700
    db = folder / "x.sqlite3"
    private_sqlite_file(db)
    assert db.exists() and mode(db) == 0o600 and db.stat().st_size == 0
    private_sqlite_file(tmp_path / "missing" / "x.sqlite3")  # SQLite reports a missing folder
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("bad_mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, bad_mode: int) -> None:
    path = tmp_path / DEVICE_KEY_FILE
    key = SigningKey.generate()
    path.write_bytes(bytes(key))
    path.chmod(bad_mode)
    with pytest.raises(KeyFileError) as exc:
        load_or_create_key(path)
    err = exc.value
    assert err.code == "key_file_readable"
    assert f"chmod 600 {path}" in err.nl and f"chmod 600 {path}" in err.en
    assert f"{bad_mode:04o}" in err.en
    path.chmod(0o600)  # what the message says to do
    assert load_or_create_key(path).verify_key == key.verify_key


def test_a_device_or_server_with_a_readable_key_does_not_start(tmp_path: Path) -> None:
    device_dir, server_dir = tmp_path / "device", tmp_path / "server"
    open_device(device_dir).close()
    Server(Settings(data_dir=server_dir)).close()
    (device_dir / DEVICE_KEY_FILE).chmod(0o644)
    (server_dir / KEY_FILENAME).chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        open_device(device_dir)
    with pytest.raises(KeyFileError, match="chmod 600"):
        Server(Settings(data_dir=server_dir))


def test_a_stale_temporary_key_file_does_not_leak_its_mode(tmp_path: Path) -> None:
    """A crash between creating the .tmp and renaming it leaves it behind with whatever mode."""
    path = tmp_path / DEVICE_KEY_FILE
    stale = path.with_suffix(".key.tmp")
    stale.write_bytes(b"half")
    stale.chmod(0o644)
    load_or_create_key(path)
    assert mode(path) == 0o600
