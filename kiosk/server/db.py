"""Engines and migrations for the server database: SQLite (WAL) by default, PostgreSQL too."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text

log = logging.getLogger("kiosk.server.db")

VERSION_TABLE = "server_alembic_version"
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=30000",  # first: the others may have to wait for a lock
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
)


def _sqlite_pragmas(dbapi_conn: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            # Switching a new file to WAL needs a moment alone with it; SQLite does not run
            # the busy handler for that, so processes starting together retry here.
            for attempt in range(200):
                try:
                    cur.execute(pragma)
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or attempt == 199:
                        raise
                    time.sleep(0.05)
    finally:
        cur.close()


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def open_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # A pool, not a connection per request: closing the last connection of a WAL database
        # checkpoints it, which would cost every request a few milliseconds. Server.close()
        # disposes of the pool.
        engine = create_engine(url, connect_args={"timeout": 30}, pool_size=10, max_overflow=10)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we send BEGIN ourselves
            _sqlite_pragmas(dbapi_conn)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # IMMEDIATE: take the write lock up front, so a transaction never fails half-way
            # on a lock upgrade; writers queue on busy_timeout instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


MIGRATION_LOCK = 0x6865_6974  # "heit": PostgreSQL advisory lock key for migrations


def migrate(engine: Engine) -> None:
    """Create or upgrade the server schema to the newest revision.

    Several server processes may start at once against one database: they queue on a lock
    (PostgreSQL: an advisory lock released at commit; SQLite: BEGIN IMMEDIATE) and the later
    ones find the schema already current.
    """
    if current_revision(engine) == head_revision():
        return
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        # (SQLite: this transaction began IMMEDIATE, so it already holds the write lock.)
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        if ctx.get_current_revision() == head_revision():
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("server schema migrated to %s", head_revision())
