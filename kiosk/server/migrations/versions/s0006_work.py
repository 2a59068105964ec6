"""the back office's work pages: chores get an English title, and back-office accounts the
neighbourhoods they work in (an inspector's queue holds the claims of those)

Revision ID: s0006
Revises: s0005
"""

import sqlalchemy as sa
from alembic import op

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column: SQLite adds it in place, no table rebuild
    op.add_column("chores", sa.Column("title_en", sa.String(500), nullable=True))
    op.create_table(
        "user_neighbourhoods",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_neighbourhoods_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_user_neighbourhoods_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("user_id", "neighbourhood_id", name=op.f("pk_user_neighbourhoods")),
    )


def downgrade() -> None:
    op.drop_table("user_neighbourhoods")
    with op.batch_alter_table("chores") as b:
        b.drop_column("title_en")
