"""Every SQLite connection the device and the server open runs WAL, synchronous=FULL and foreign
keys, and begins its transactions IMMEDIATE (kiosk/sql.py). tests/conftest.py checks the
pragmas on every connection of every test; these tests open the device's ledger and the server
themselves and check each pooled connection they were handed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.pool import Pool

from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock
from kiosk.db import registry as reg
from kiosk.db.engine import DB_FILENAME
from kiosk.device import open_device
from kiosk.server.config import Settings
from kiosk.server.service import Server
from kiosk.sql import open_engine, sqlite_url
from tests.sqlite_pragmas import pragma_problems

POOLED = 4  # connections held at once, so the pool has to open several


@contextmanager
def checked_out() -> Iterator[dict[int, dict[str, object]]]:
    """id of each SQLite DBAPI connection any pool hands out meanwhile -> its wrong pragmas."""
    seen: dict[int, dict[str, object]] = {}
    keep: list[sqlite3.Connection] = []  # alive, so no id is reused
    lock = threading.Lock()

    def on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection) and id(dbapi_conn) not in seen:
            with lock:
                keep.append(dbapi_conn)
                seen[id(dbapi_conn)] = pragma_problems(dbapi_conn)

    event.listen(Pool, "checkout", on_checkout)
    try:
        yield seen
    finally:
        event.remove(Pool, "checkout", on_checkout)


def hold_several(engine: Engine) -> None:
    """POOLED connections open at once, each checked straight on its DBAPI connection."""
    with ExitStack() as stack:
        conns = [stack.enter_context(engine.connect()) for _ in range(POOLED)]
        dbapis = {id(c.connection.dbapi_connection) for c in conns}
        assert len(dbapis) == POOLED
        for conn in conns:
            assert pragma_problems(conn.connection.dbapi_connection) == {}  # type: ignore[arg-type]


def assert_immediate(engine: Engine, db: Path) -> None:
    """A transaction holds the write lock from BEGIN on, before it has written anything."""
    other = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        with engine.begin(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def in_threads(work: Any, n: int = 3) -> None:
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []


def test_the_device_ledger_connections(tmp_path: Path) -> None:
    with checked_out() as seen:
        device = open_device(tmp_path / "device", FixedClock())
        try:
            store = device.store
            with store.transaction() as conn:
                reg.ensure_municipality_accounts(conn)
                reg.add_neighbourhood(conn, "nb", "Grasbroek")
                for i in range(3):
                    reg.add_resident(conn, f"r{i}", f"Bewoner {i}", "nb", created_at=0)
            # LedgerStore keeps one writer connection per thread
            in_threads(
                lambda i: store.adjust(
                    acc.ISSUANCE, acc.wallet(f"r{i}"), 1, reason="test", staff_id="s"
                )
            )
            hold_several(device.engine)
            assert_immediate(device.engine, tmp_path / "device" / DB_FILENAME)
        finally:
            device.close()
    assert len(seen) >= POOLED
    assert {k: v for k, v in seen.items() if v} == {}


def test_the_server_connections(tmp_path: Path) -> None:
    with checked_out() as seen:
        server = Server(Settings(data_dir=tmp_path / "server", clock=FixedClock()))
        try:
            in_threads(lambda _i: server.list_devices())
            hold_several(server.engine)
            assert_immediate(server.engine, tmp_path / "server" / "server.sqlite3")
        finally:
            server.close()
    assert len(seen) >= POOLED
    assert {k: v for k, v in seen.items() if v} == {}


def test_the_check_has_teeth(tmp_path: Path) -> None:
    """A connection without the setup is caught, pragma by pragma."""
    plain = sqlite3.connect(tmp_path / "plain.sqlite3")
    try:
        assert {"journal_mode", "foreign_keys"} <= set(pragma_problems(plain))
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
            plain.execute(f"PRAGMA {pragma}")
        assert pragma_problems(plain) == {}
        plain.execute("PRAGMA synchronous=OFF")
        assert pragma_problems(plain) == {"synchronous": 0}
    finally:
        plain.close()


def test_a_migration_leaves_foreign_keys_on(tmp_path: Path) -> None:
    """migrate() turns foreign keys off for the schema change; the connection it used goes back
    to the pool with them on again."""
    from kiosk.db.engine import migrate

    engine = open_engine(sqlite_url(tmp_path / "one.sqlite3"), busy_timeout_ms=1000, pool_size=1)
    try:
        migrate(engine)
        with engine.connect() as conn:
            assert pragma_problems(conn.connection.dbapi_connection) == {}  # type: ignore[arg-type]
    finally:
        engine.dispose()
