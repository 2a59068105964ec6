"""settlement in euros (settlements, their statements and the ledger rows they cover, a ledger
row covered at most once among settlements that are not cancelled), CBS buurt codes, and the
rollups the participation reports and the money dashboard read

Revision ID: s0004
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("neighbourhoods") as b:
        b.add_column(sa.Column("cbs_code", sa.String(10), nullable=True))
    op.create_index("uq_neighbourhoods_cbs_code", "neighbourhoods", ["cbs_code"], unique=True)
    op.create_table(
        "settlements",
        sa.Column("id", ID, nullable=False),
        sa.Column("period_start", sa.String(10), nullable=False),
        sa.Column("period_end", sa.String(10), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("prepared_by", sa.String(120), nullable=False),
        sa.Column("prepared_at", sa.BigInteger(), nullable=False),
        sa.Column("approved_by", sa.String(120), nullable=True),
        sa.Column("approved_at", sa.BigInteger(), nullable=True),
        sa.Column("cancelled_by", sa.String(120), nullable=True),
        sa.Column("cancelled_at", sa.BigInteger(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("rate_heitje_cents", sa.BigInteger(), nullable=False),
        sa.Column("rate_euro_cents", sa.BigInteger(), nullable=False),
        sa.Column("heitje_cents", sa.BigInteger(), nullable=False),
        sa.Column("euro_cents", sa.BigInteger(), nullable=False),
        sa.Column("sepa_msg_id", sa.String(35), nullable=True),
        sa.Column("sepa_xml", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('prepared', 'approved', 'cancelled')", name=op.f("ck_settlements_status")
        ),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> prepared_by",
            name=op.f("ck_settlements_four_eyes"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR approved_by IS NOT NULL",
            name=op.f("ck_settlements_approved_by"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
    )
    op.create_table(
        "settlement_statements",
        sa.Column("settlement_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant_id", sa.String(80), nullable=False),
        sa.Column("merchant_name", sa.String(500), nullable=False),
        sa.Column("neighbourhood_id", sa.String(80), nullable=False),
        sa.Column("iban", sa.String(34), nullable=False),
        sa.Column("bic", sa.String(11), nullable=True),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in (
                "spends",
                "spent",
                "refunds",
                "refunded",
                "adjustments",
                "adjusted",
                "earlier",
                "earlier_amount",
                "held",
                "held_amount",
                "heitje_cents",
                "euro_cents",
            )
        ),
        sa.CheckConstraint(
            "heitje_cents > 0 AND euro_cents > 0", name=op.f("ck_settlement_statements_positive")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_settlement_statements_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint(
            "settlement_id", "merchant_id", name=op.f("pk_settlement_statements")
        ),
    )
    op.create_table(
        "settlement_items",
        sa.Column("settlement_id", sa.BigInteger(), nullable=False),
        sa.Column("ledger_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("wall_time", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    # The rule that no ledger row is paid twice, kept by the database itself.
    op.create_index(
        "uq_settlement_items_ledger_active",
        "settlement_items",
        ["ledger_id"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_index(
        "ix_settlement_items_settlement_id",
        "settlement_items",
        ["settlement_id"],
        postgresql_using="brin",
    )

    op.create_table(
        "report_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ledger_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_state")),
    )
    op.execute("INSERT INTO report_state (id, ledger_id) VALUES (1, 0)")
    op.create_table(
        "report_resident_months",
        sa.Column("resident_id", sa.String(80), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("neighbourhood_id", sa.String(80), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("chores", sa.BigInteger(), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("hours_ms", sa.BigInteger(), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("spent_own", sa.BigInteger(), nullable=False),
        sa.Column("spender", sa.Integer(), nullable=False),
        sa.Column("own_spender", sa.Integer(), nullable=False),
        sa.Column("elsewhere_spender", sa.Integer(), nullable=False),
        sa.Column("loans", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("resident_id", "month", name=op.f("pk_report_resident_months")),
    )
    op.create_index("ix_report_resident_months_month", "report_resident_months", ["month"])
    op.create_table(
        "report_residents",
        sa.Column("resident_id", sa.String(80), nullable=False),
        sa.Column("first_month", sa.String(7), nullable=False),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_report_residents")),
    )
    op.create_table(
        "report_claims",
        sa.Column("claim_id", sa.String(80), nullable=False),
        sa.Column("resident_id", sa.String(80), nullable=True),
        sa.Column("check_in", sa.BigInteger(), nullable=True),
        sa.Column("check_out", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_report_claims")),
    )
    op.create_table(
        "report_money",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("flow", sa.String(10), nullable=False),
        sa.Column("credit_nb", sa.String(80), nullable=False),
        sa.Column("debit_nb", sa.String(80), nullable=False),
        sa.Column("credit_circulates", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("debit_circulates", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "flow",
            "credit_nb",
            "debit_nb",
            "credit_circulates",
            "debit_circulates",
            name=op.f("pk_report_money"),
        ),
    )

    op.create_table(
        "report_cells",
        sa.Column("neighbourhood_id", sa.String(80), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in (
                "residents",
                "new",
                "chores",
                "chore_residents",
                "hours_ms",
                "hours_residents",
                "earned",
                "spent",
                "spenders",
                "spent_own",
                "own_spenders",
                "spent_elsewhere",
                "elsewhere_spenders",
                "loans",
                "borrowers",
            )
        ),
        sa.PrimaryKeyConstraint("neighbourhood_id", "month", name=op.f("pk_report_cells")),
    )


def downgrade() -> None:
    for table in (
        "report_cells",
        "report_money",
        "report_claims",
        "report_residents",
        "report_resident_months",
        "report_state",
    ):
        if table == "report_resident_months":
            op.drop_index("ix_report_resident_months_month", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_settlement_items_settlement_id", table_name="settlement_items")
    op.drop_index("uq_settlement_items_ledger_active", table_name="settlement_items")
    op.drop_table("settlement_items")
    op.drop_table("settlement_statements")
    op.drop_table("settlements")
    op.drop_index("uq_neighbourhoods_cbs_code", table_name="neighbourhoods")
    with op.batch_alter_table("neighbourhoods") as b:
        b.drop_column("cbs_code")
