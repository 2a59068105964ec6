"""sync state: pinned server, snapshot, snapshot balances and flags, outbound batches

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_server",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_server")),
    )
    op.create_table(
        "sync_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("ledger_position", sa.BigInteger(), nullable=False),
        sa.Column("self_acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("server_time", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("limits", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_snapshot")),
    )
    op.create_table(
        "sync_snapshot_balances",
        sa.Column("account_id", sa.String(length=60), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_sync_snapshot_balances")),
    )
    op.create_table(
        "sync_flags",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ident", sa.String(length=60), nullable=False),
        sa.Column("flag", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("kind", "ident", "flag", name=op.f("pk_sync_flags")),
    )
    op.create_table(
        "sync_batches",
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("acked_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("first_seq", name=op.f("pk_sync_batches")),
    )
    op.create_table(
        "sync_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.BigInteger(), nullable=True),
        sa.Column("last_attempt_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("acked_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_status")),
    )


def downgrade() -> None:
    op.drop_table("sync_status")
    op.drop_table("sync_batches")
    op.drop_table("sync_flags")
    op.drop_table("sync_snapshot_balances")
    op.drop_table("sync_snapshot")
    op.drop_table("sync_server")
