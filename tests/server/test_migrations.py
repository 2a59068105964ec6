"""The Alembic migrations build exactly the tables kiosk/server/tables.py describes."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kiosk.server.db import VERSION_TABLE, current_revision, head_revision, migrate, open_engine
from kiosk.server.tables import metadata


def test_migrated_schema_matches_the_tables(db_url: str) -> None:
    engine = open_engine(db_url)
    try:
        migrate(engine)
        migrate(engine)  # a second start is a no-op
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            diff = compare_metadata(ctx, metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_servers_starting_together_on_one_database(db_url: str, tmp_path: Path) -> None:
    import threading

    from kiosk.core.crypto import load_or_create_key
    from kiosk.server.config import Settings
    from kiosk.server.service import Server

    # the key exists (python -m kiosk.server makes it before it starts workers); the empty
    # database is migrated by whichever process comes first
    load_or_create_key(tmp_path / "municipality.key")
    errors: list[BaseException] = []

    def start() -> None:
        try:
            Server(Settings(data_dir=tmp_path, database_url=db_url)).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
