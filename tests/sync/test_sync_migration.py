"""Migrations 0002 (sync state) and 0003 (refused entries): up, down and up again, on SQLite
and PostgreSQL, and the migrated schema matches the models in kiosk/db/sync_models.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

import kiosk.db.sync_models  # noqa: F401  (the sync tables join Base.metadata)
from kiosk.db.engine import (
    alembic_config,
    current_revision,
    head_revision,
    migrate,
    open_engine,
    sqlite_url,
)
from kiosk.db.models import Base

SYNC_TABLES = {
    "sync_server",
    "sync_snapshot",
    "sync_snapshot_balances",
    "sync_flags",
    "sync_batches",
    "sync_status",
    "sync_refused",
}
REFUSED_TABLES = {"sync_refused"}  # 0003


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "ledger.sqlite3")
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    eng = open_engine(url)
    yield eng
    eng.dispose()


def _run(engine: Engine, fn: str, target: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, fn)(cfg, target)


def test_up_down_up(engine: Engine) -> None:
    migrate(engine)
    assert current_revision(engine) == head_revision() == "0006"
    assert set(inspect(engine).get_table_names()) >= SYNC_TABLES
    _run(engine, "downgrade", "0002")
    assert current_revision(engine) == "0002"
    tables = set(inspect(engine).get_table_names())
    assert not REFUSED_TABLES & tables
    assert tables >= SYNC_TABLES - REFUSED_TABLES
    _run(engine, "downgrade", "0001")
    assert current_revision(engine) == "0001"
    assert not SYNC_TABLES & set(inspect(engine).get_table_names())
    _run(engine, "upgrade", "head")
    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= SYNC_TABLES


def test_0003_keeps_the_sync_state_of_0002(engine: Engine) -> None:
    """Upgrading a device that has synced before loses nothing: 0003 only adds its table."""
    _run(engine, "upgrade", "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sync_batches (first_seq, last_seq, body, created_at)"
                " VALUES (1, 3, '{}', 5)"
            )
        )
    _run(engine, "upgrade", "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT first_seq, last_seq FROM sync_batches")).all() == [(1, 3)]
        assert conn.execute(text("SELECT count(*) FROM sync_refused")).scalar_one() == 0


def test_migrated_sync_tables_match_the_models(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diff if SYNC_TABLES & {_table_of(d)}]
    assert mine == []


def _table_of(change: object) -> str:
    """The table an autogenerate diff entry is about (they are tuples or lists of tuples)."""
    item = change[0] if isinstance(change, list) else change
    for part in item:  # type: ignore[attr-defined]
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(name, str) and name in SYNC_TABLES:
            return name
    return ""
