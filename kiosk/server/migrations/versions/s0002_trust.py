"""trust: device bindings, refused entries in the log, tx_id unique per device, nonces, PINs

Revision ID: s0002
Revises: s0001
"""

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as b:
        b.add_column(sa.Column("bindings", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("enrol_codes") as b:
        b.add_column(sa.Column("bindings", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("cards") as b:
        b.add_column(sa.Column("pin_hash", sa.Text(), nullable=True))
    with op.batch_alter_table("review_queue") as b:
        b.add_column(sa.Column("kind", sa.String(40), nullable=False, server_default="spend"))
        b.add_column(sa.Column("effect", sa.String(10), nullable=False, server_default="honoured"))
    with op.batch_alter_table("ledger") as b:
        b.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="applied"))
        b.add_column(sa.Column("refusal", sa.String(40), nullable=True))
        b.drop_constraint("uq_ledger_tx_id", type_="unique")
    op.create_index(
        "uq_ledger_device_tx",
        "ledger",
        ["device_id", "tx_id"],
        unique=True,
        sqlite_where=sa.text("status = 'applied'"),
        postgresql_where=sa.text("status = 'applied'"),
    )
    op.create_table(
        "request_nonces",
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("device_id", sa.String(80), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_request_nonces")),
    )
    op.create_index("ix_request_nonces_expires_at", "request_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_request_nonces_expires_at", table_name="request_nonces")
    op.drop_table("request_nonces")
    op.drop_index("uq_ledger_device_tx", table_name="ledger")
    with op.batch_alter_table("ledger") as b:
        b.create_unique_constraint("uq_ledger_tx_id", ["tx_id"])
        b.drop_column("refusal")
        b.drop_column("status")
    with op.batch_alter_table("review_queue") as b:
        b.drop_column("effect")
        b.drop_column("kind")
    with op.batch_alter_table("cards") as b:
        b.drop_column("pin_hash")
    with op.batch_alter_table("enrol_codes") as b:
        b.drop_column("bindings")
    with op.batch_alter_table("devices") as b:
        b.drop_column("bindings")
