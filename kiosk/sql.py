"""The SQL plumbing the device's ledger and the server share: engines, file modes, migrations.

SQLite runs in WAL mode with ``synchronous=FULL`` and foreign keys on, and every transaction
starts with ``BEGIN IMMEDIATE``: a commit is on disk before the caller shows "paid", and a
transaction takes the write lock up front, so it never fails half-way on a lock upgrade
(writers queue on the busy timeout instead). Database files, with their -wal and -shm, are
owner-only (0600) in owner-only folders (0700).

This module imports only the standard library, SQLAlchemy and Alembic (tests/test_layering.py):
kiosk.db.engine and kiosk.server.db are thin wrappers over it.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text

from kiosk.core.errors import HeitjeError

__all__ = [
    "DEFAULT_VERSION_TABLE",
    "MIGRATION_LOCK",
    "READ_ONLY",
    "alembic_config",
    "current_revision",
    "head_revision",
    "migrate",
    "open_engine",
    "private_dir",
    "private_sqlite_file",
    "sqlite_pragmas",
    "sqlite_url",
]

DEFAULT_VERSION_TABLE = "alembic_version"
# Execution option: `engine.connect().execution_options(**{READ_ONLY: True})` for a connection
# that only reads (SQLite: deferred BEGIN instead of BEGIN IMMEDIATE).
READ_ONLY = "heitje_read_only"
MIGRATION_LOCK = 0x6865_6974  # "heit": the PostgreSQL advisory lock key for migrations
DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


# -- files -----------------------------------------------------------------------------------


def private_dir(path: Path) -> Path:
    """Make `path` (and its parents) if needed and leave it owner-only (0700), whatever the
    umask and whatever mode an older version created it with."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would use 0644 minus the umask)
    and bring an existing one, and its -wal/-shm, to 0600. SQLite gives the -wal and -shm it
    creates later the mode of the database file, so they stay 0600 too."""
    if not path.parent.is_dir():
        return  # SQLite reports the missing folder itself, as before
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    if os.name != "posix":
        return
    for file in (path, *(path.with_name(path.name + s) for s in SQLITE_COMPANIONS)):
        try:
            if stat.S_IMODE(file.stat().st_mode) != FILE_MODE:
                file.chmod(FILE_MODE)
        except FileNotFoundError:
            pass


# -- engines ---------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def sqlite_pragmas(busy_timeout_ms: int, wal_autocheckpoint: int | None = None) -> tuple[str, ...]:
    """The pragmas every SQLite connection gets, in the order they must run."""
    pragmas = [
        f"PRAGMA busy_timeout={busy_timeout_ms}",  # first: the others may wait for a lock
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON",
    ]
    if wal_autocheckpoint is not None:
        pragmas.append(f"PRAGMA wal_autocheckpoint={wal_autocheckpoint}")
    return tuple(pragmas)


def apply_pragmas(dbapi_conn: sqlite3.Connection, pragmas: tuple[str, ...]) -> None:
    cur = dbapi_conn.cursor()
    try:
        for pragma in pragmas:
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


def _install_sqlite_hooks(engine: Engine, pragmas: tuple[str, ...]) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Hand transaction control to us (pysqlite's own BEGIN would be DEFERRED).
        dbapi_conn.isolation_level = None
        apply_pragmas(dbapi_conn, pragmas)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight on the DBAPI connection: this runs once per payment. A connection opened
        # with READ_ONLY begins deferred: in WAL mode its reads never wait for a writer, nor
        # hold one up (the device's screens read while the counter writes and sync runs).
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        _dbapi(conn).execute("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _dbapi(conn: Connection) -> Any:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    return dbapi


def open_engine(
    url: str,
    *,
    busy_timeout_ms: int,
    wal_autocheckpoint: int | None = None,
    pool_size: int | None = None,
) -> Engine:
    """An engine on `url`. SQLite files get the pragmas above and BEGIN IMMEDIATE and are
    made owner-only; `pool_size` (None: SQLAlchemy's default) is also the overflow."""
    pool: dict[str, Any] = {}
    if pool_size is not None:
        pool = {"pool_size": pool_size, "max_overflow": pool_size}
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **pool)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        private_sqlite_file(Path(database))
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000}, **pool)
    _install_sqlite_hooks(engine, sqlite_pragmas(busy_timeout_ms, wal_autocheckpoint))
    return engine


# -- migrations ------------------------------------------------------------------------------


def alembic_config(migrations: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    return cfg


def head_revision(migrations: Path) -> str:
    head = ScriptDirectory.from_config(alembic_config(migrations)).get_current_head()
    assert head is not None, f"no Alembic revisions in {migrations}"
    return head


def _revision_on(conn: Connection, version_table: str) -> str | None:
    ctx = MigrationContext.configure(conn, opts={"version_table": version_table})
    return ctx.get_current_revision()


def current_revision(engine: Engine, version_table: str = DEFAULT_VERSION_TABLE) -> str | None:
    with engine.connect() as conn:
        return _revision_on(conn, version_table)


class SchemaTooNew(HeitjeError):
    """The database was written by a newer version of Heitje: it is left as it is."""

    def __init__(self, found: str, head: str) -> None:
        super().__init__(
            "schema_too_new",
            f"Deze database is gemaakt door een nieuwere versie van Heitje (schema {found}; deze "
            f"versie kent tot {head}). Er is niets veranderd. Installeer de nieuwere versie weer.",
            f"This database was made by a newer version of Heitje (schema {found}; this version "
            f"knows up to {head}). Nothing was changed. Install the newer version again.",
        )


def _known_revision(cfg: Config, revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except Exception:  # Alembic raises its own errors for an unknown or malformed id
        return False


def migrate(
    engine: Engine,
    migrations: Path,
    *,
    version_table: str = DEFAULT_VERSION_TABLE,
    lock_key: int = MIGRATION_LOCK,
) -> bool:
    """Create or upgrade the schema to the newest revision in `migrations`; True if it ran.

    Several processes may start at once against one database: they queue on a lock
    (PostgreSQL: an advisory lock released at commit; SQLite: BEGIN IMMEDIATE) and the later
    ones find the schema already current. On SQLite foreign keys are off while the schema
    changes (a table rebuild would trip them, and SQLite cannot switch them inside a
    transaction) and checked before the commit, as SQLite's documentation prescribes.
    """
    head = head_revision(migrations)
    current = current_revision(engine, version_table)
    if current == head:
        return False
    cfg = alembic_config(migrations)
    if current is not None and not _known_revision(cfg, current):
        raise SchemaTooNew(current, head)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _dbapi(conn).execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
                if _revision_on(conn, version_table) == head:
                    return False
                cfg.attributes["connection"] = conn
                cfg.attributes["version_table"] = version_table
                command.upgrade(cfg, "head")
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"migration to {head} breaks foreign keys: {broken[:5]}")
                if _revision_on(conn, version_table) != head:
                    raise RuntimeError(
                        f"the migrations in {migrations} do not record their revision in "
                        f"{version_table!r} (their env.py names another version table)"
                    )
        finally:
            if sqlite and not conn.invalidated:
                _dbapi(conn).execute("PRAGMA foreign_keys=ON")
    return True
