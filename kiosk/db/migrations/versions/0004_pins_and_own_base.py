"""card PINs known to this device, and this device's own base per account (the spendable
balance in primary-key reads)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_pins",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("wrong_tries", sa.Integer(), nullable=False),
        sa.Column("blocked_at", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_card_pins")),
    )
    op.create_table(
        "sync_own_base",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=60), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "account_id", name=op.f("pk_sync_own_base")),
    )
    # A device that already holds a snapshot: its base is the local balance less its own
    # movements the snapshot does not include yet (seq above self_acked_seq).
    op.execute(
        """
        INSERT INTO sync_own_base (device_id, account_id, base)
        SELECT d.id, b.account_id, b.balance - COALESCE((
            SELECT SUM(CASE WHEN e.credit = b.account_id THEN e.amount ELSE -e.amount END)
            FROM ledger_entries e
            WHERE e.device_id = d.id AND e.seq > s.self_acked_seq
              AND (e.debit = b.account_id OR e.credit = b.account_id)), 0)
        FROM balances b, devices d, sync_snapshot s
        WHERE d.is_self AND s.id = 1
        """
    )


def downgrade() -> None:
    op.drop_table("sync_own_base")
    op.drop_table("card_pins")
