"""Engines for the local ledger: durable SQLite by default, any SQLAlchemy URL (PostgreSQL) too.

The setup itself (WAL, ``synchronous=FULL``, foreign keys, ``BEGIN IMMEDIATE``, owner-only
files, migrate under a lock) is kiosk.sql's, shared with the server; this module fixes the
ledger's file name, timeouts and migrations.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine

from kiosk import sql
from kiosk.sql import private_dir, sqlite_url

__all__ = [
    "DB_FILENAME",
    "MIGRATIONS",
    "SQLITE_PRAGMAS",
    "VERSION_TABLE",
    "alembic_config",
    "current_revision",
    "head_revision",
    "migrate",
    "open_data_dir_engine",
    "open_engine",
    "sqlite_url",
]

log = logging.getLogger("kiosk.db")

DB_FILENAME = "ledger.sqlite3"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = sql.DEFAULT_VERSION_TABLE
BUSY_TIMEOUT_MS = 10_000
# Checkpoint every ~40 MB of WAL instead of ~4 MB: fewer fsyncs of the main file at the
# counter; durability is unchanged (each commit is on disk in the WAL).
WAL_AUTOCHECKPOINT = 10_000
SQLITE_PRAGMAS = sql.sqlite_pragmas(BUSY_TIMEOUT_MS, WAL_AUTOCHECKPOINT)


def open_engine(url: str) -> Engine:
    """An engine on `url`; SQLite files get the durable pragmas of kiosk.sql."""
    return sql.open_engine(
        url, busy_timeout_ms=BUSY_TIMEOUT_MS, wal_autocheckpoint=WAL_AUTOCHECKPOINT
    )


def alembic_config() -> Config:
    return sql.alembic_config(MIGRATIONS)


def head_revision() -> str:
    return sql.head_revision(MIGRATIONS)


def current_revision(engine: Engine) -> str | None:
    return sql.current_revision(engine, VERSION_TABLE)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it on an empty database)."""
    if sql.migrate(engine, MIGRATIONS, version_table=VERSION_TABLE):
        log.info("ledger schema migrated to %s", head_revision())


def open_data_dir_engine(data_dir: Path) -> Engine:
    """The migrated ledger in `data_dir` (made owner-only, 0700; the database 0600)."""
    engine = open_engine(sqlite_url(private_dir(data_dir) / DB_FILENAME))
    migrate(engine)
    return engine
