"""what the klusbox desk and the inspector need: a box away for repair, what a loan handed
out and got back, whether a staff member still works for the scheme, and when a claim was
checked in and out

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("klusboxes") as b:
        b.add_column(
            sa.Column("maintenance", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("staff") as b:
        b.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="active")
        )
    with op.batch_alter_table("loans") as b:
        # JSON lists of component lines ({"name", "count"}): handed out, and got back
        b.add_column(sa.Column("handed_out", sa.Text(), nullable=False, server_default="[]"))
        b.add_column(sa.Column("returned", sa.Text(), nullable=True))
        b.add_column(sa.Column("condition", sa.String(length=20), nullable=True))
        b.add_column(sa.Column("note", sa.Text(), nullable=True))
        b.add_column(sa.Column("override_staff", sa.String(length=40), nullable=True))
        b.add_column(sa.Column("claim_id", sa.String(length=40), nullable=True))
    with op.batch_alter_table("chore_claims") as b:
        b.add_column(sa.Column("checked_in_at", sa.BigInteger(), nullable=True))
        b.add_column(sa.Column("done_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chore_claims") as b:
        b.drop_column("done_at")
        b.drop_column("checked_in_at")
    with op.batch_alter_table("loans") as b:
        for name in ("claim_id", "override_staff", "note", "condition", "returned", "handed_out"):
            b.drop_column(name)
    with op.batch_alter_table("staff") as b:
        b.drop_column("status")
    with op.batch_alter_table("klusboxes") as b:
        b.drop_column("maintenance")
