"""the back office's registers: staff and their cards, card history (issued, revoked and why,
which card a card replaced), merchants' addresses, klusbox components and maintenance, when
each device was last seen, and the indexes the register pages read by

Revision ID: s0005
Revises: s0004
"""

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None

KLUSBOX_EVENTS = "kind IN ('loan', 'return')"


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "role IN ('inspector', 'desk', 'kiosk-staff')", name=op.f("ck_staff_role")
        ),
        sa.CheckConstraint("status IN ('active', 'left')", name=op.f("ck_staff_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    with op.batch_alter_table("cards") as b:
        b.add_column(sa.Column("staff_id", sa.String(80), nullable=True))
        b.add_column(sa.Column("issued_at", sa.BigInteger(), nullable=True))
        b.add_column(sa.Column("revoked_at", sa.BigInteger(), nullable=True))
        b.add_column(sa.Column("revoke_reason", sa.String(20), nullable=True))
        b.add_column(sa.Column("replaces", sa.String(80), nullable=True))
    op.create_index("ix_cards_resident_id", "cards", ["resident_id"])
    op.create_index("ix_cards_staff_id", "cards", ["staff_id"])
    with op.batch_alter_table("merchants") as b:
        b.add_column(sa.Column("address", sa.String(300), nullable=True))
    with op.batch_alter_table("klusboxes") as b:
        b.add_column(sa.Column("components", sa.Text(), nullable=False, server_default="[]"))
        b.add_column(
            sa.Column("maintenance", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("devices") as b:
        b.add_column(sa.Column("last_seen_at", sa.BigInteger(), nullable=True))
    op.create_index("ix_batches_device_id", "batches", ["device_id", "received_at"])
    op.create_index(
        "ix_ledger_klusbox_events",
        "ledger",
        ["id"],
        sqlite_where=sa.text(KLUSBOX_EVENTS),
        postgresql_where=sa.text(KLUSBOX_EVENTS),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_klusbox_events", table_name="ledger")
    op.drop_index("ix_batches_device_id", table_name="batches")
    with op.batch_alter_table("devices") as b:
        b.drop_column("last_seen_at")
    with op.batch_alter_table("klusboxes") as b:
        b.drop_column("maintenance")
        b.drop_column("components")
    with op.batch_alter_table("merchants") as b:
        b.drop_column("address")
    op.drop_index("ix_cards_staff_id", table_name="cards")
    op.drop_index("ix_cards_resident_id", table_name="cards")
    with op.batch_alter_table("cards") as b:
        b.drop_column("replaces")
        b.drop_column("revoke_reason")
        b.drop_column("revoked_at")
        b.drop_column("issued_at")
        b.drop_column("staff_id")
    op.drop_table("staff")
