"""Alembic environment for the server database; run through kiosk.server.db.migrate()."""

from alembic import context

from kiosk.server.db import VERSION_TABLE
from kiosk.server.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
