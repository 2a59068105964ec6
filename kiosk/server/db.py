"""Engines and migrations for the server database: SQLite (WAL) by default, PostgreSQL too.

The setup itself is kiosk.sql's, shared with the device; this module fixes the server's
timeouts, pool, migrations and version table. (The server never imports kiosk.db.)
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine

from kiosk import sql
from kiosk.sql import MIGRATION_LOCK, sqlite_url

__all__ = [
    "MIGRATIONS",
    "MIGRATION_LOCK",
    "SQLITE_PRAGMAS",
    "VERSION_TABLE",
    "alembic_config",
    "current_revision",
    "head_revision",
    "migrate",
    "open_engine",
    "sqlite_url",
]

log = logging.getLogger("kiosk.server.db")

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "server_alembic_version"
BUSY_TIMEOUT_MS = 30_000
# A pool, not a connection per request: closing the last connection of a WAL database
# checkpoints it, which would cost every request a few milliseconds. Server.close() disposes
# of the pool.
POOL_SIZE = 10
SQLITE_PRAGMAS = sql.sqlite_pragmas(BUSY_TIMEOUT_MS)


def open_engine(url: str) -> Engine:
    return sql.open_engine(url, busy_timeout_ms=BUSY_TIMEOUT_MS, pool_size=POOL_SIZE)


def alembic_config() -> Config:
    return sql.alembic_config(MIGRATIONS)


def head_revision() -> str:
    return sql.head_revision(MIGRATIONS)


def current_revision(engine: Engine) -> str | None:
    return sql.current_revision(engine, VERSION_TABLE)


def migrate(engine: Engine) -> None:
    """Create or upgrade the server schema to the newest revision, under a lock: several
    server processes may start at once against one database."""
    if sql.migrate(engine, MIGRATIONS, version_table=VERSION_TABLE, lock_key=MIGRATION_LOCK):
        log.info("server schema migrated to %s", head_revision())
