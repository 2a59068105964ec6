"""The Alembic migrations build exactly the tables kiosk/server/tables.py describes."""

from __future__ import annotations

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
