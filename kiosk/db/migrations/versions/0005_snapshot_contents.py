"""what a kiosk's or counter's snapshot brings beyond balances: each resident's newest money
lines, chores' English titles, and where a card's PIN hash came from

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_money_lines",
        sa.Column("resident_id", sa.String(length=60), nullable=False),
        sa.Column("device_id", sa.String(length=80), nullable=False),
        sa.Column("tx_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("change", sa.BigInteger(), nullable=False),
        sa.Column("counterpart", sa.Text(), nullable=False),
        sa.Column("counterpart_en", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("pos", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "resident_id", "device_id", "tx_id", name=op.f("pk_sync_money_lines")
        ),
    )
    with op.batch_alter_table("chores") as b:
        b.add_column(sa.Column("title_en", sa.String(length=200), nullable=True))
    with op.batch_alter_table("card_pins") as b:
        # device: set here (kept until the server sends the card's hash); server: from a
        # snapshot (replaced or removed by the next one)
        b.add_column(
            sa.Column("source", sa.String(length=10), nullable=False, server_default="device")
        )


def downgrade() -> None:
    with op.batch_alter_table("card_pins") as b:
        b.drop_column("source")
    with op.batch_alter_table("chores") as b:
        b.drop_column("title_en")
    op.drop_table("sync_money_lines")
