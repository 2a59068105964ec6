"""Engines and migrations for the server database: SQLite (WAL) by default, PostgreSQL too."""

from __future__ import annotations

import logging
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
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=30000",
)


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
            cur = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cur.execute(pragma)
            cur.close()

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
