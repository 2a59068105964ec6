"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:27:12.636691
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_self", sa.Boolean(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
    )
    op.create_table(
        "neighbourhoods",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhoods")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    op.create_table(
        "balances",
        sa.Column("account_id", sa.String(length=60), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_balances_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_balances")),
    )
    op.create_table(
        "chain_heads",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_chain_heads_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_chain_heads")),
    )
    op.create_table(
        "chores",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=40), nullable=False),
        sa.Column("reward", sa.BigInteger(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.BigInteger(), nullable=False),
        sa.Column("ends_at", sa.BigInteger(), nullable=False),
        sa.Column("klusbox_kind", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_chores_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chores")),
    )
    with op.batch_alter_table("chores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chores_neighbourhood_id"), ["neighbourhood_id"], unique=False
        )

    op.create_table(
        "klusboxes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_klusboxes_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_klusboxes")),
    )
    with op.batch_alter_table("klusboxes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_klusboxes_neighbourhood_id"), ["neighbourhood_id"], unique=False
        )

    op.create_table(
        "ledger_entries",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tx_id", sa.String(length=36), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("debit", sa.String(length=60), nullable=True),
        sa.Column("credit", sa.String(length=60), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("refs", sa.Text(), nullable=False),
        sa.Column("wall_time", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("claim_id", sa.String(length=40), nullable=True),
        sa.Column("ref_tx_id", sa.String(length=36), nullable=True),
        sa.Column("synced_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_ledger_entries_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_ledger_entries_tx_id")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_credit", ["credit", "wall_time"], unique=False)
        batch_op.create_index("ix_ledger_entries_debit", ["debit", "wall_time"], unique=False)
        batch_op.create_index(
            "ix_ledger_entries_ref_tx_id",
            ["ref_tx_id"],
            unique=False,
            sqlite_where=sa.text("ref_tx_id IS NOT NULL"),
            postgresql_where=sa.text("ref_tx_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_ledger_entries_earn_claim",
            ["claim_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'earn'"),
            postgresql_where=sa.text("kind = 'earn'"),
        )

    op.create_table(
        "merchants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=40), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_merchants_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
    )
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merchants_neighbourhood_id"), ["neighbourhood_id"], unique=False
        )

    op.create_table(
        "residents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_residents_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_residents_neighbourhood_id"), ["neighbourhood_id"], unique=False
        )

    op.create_table(
        "cards",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("resident_id", sa.String(length=40), nullable=True),
        sa.Column("staff_id", sa.String(length=40), nullable=True),
        sa.Column("klusbox_id", sa.String(length=40), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["klusbox_id"], ["klusboxes.id"], name=op.f("fk_cards_klusbox_id_klusboxes")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_cards_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_cards_staff_id_staff")),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_cards")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "chore_claims",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("chore_id", sa.String(length=40), nullable=False),
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("approval_tx", sa.String(length=36), nullable=True),
        sa.Column("earn_tx", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chore_id"], ["chores.id"], name=op.f("fk_chore_claims_chore_id_chores")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_chore_claims_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chore_claims")),
        sa.UniqueConstraint("chore_id", "resident_id", name=op.f("uq_chore_claims_chore_id")),
    )
    with op.batch_alter_table("chore_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chore_claims_chore_id"), ["chore_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chore_claims_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "klusbox_components",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("klusbox_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["klusbox_id"],
            ["klusboxes.id"],
            name=op.f("fk_klusbox_components_klusbox_id_klusboxes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_klusbox_components")),
    )
    with op.batch_alter_table("klusbox_components", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_klusbox_components_klusbox_id"), ["klusbox_id"], unique=False
        )

    op.create_table(
        "loans",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("klusbox_id", sa.String(length=40), nullable=False),
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.Column("lent_at", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("returned_at", sa.BigInteger(), nullable=True),
        sa.Column("missing", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["klusbox_id"], ["klusboxes.id"], name=op.f("fk_loans_klusbox_id_klusboxes")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_loans_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_klusbox_id"), ["klusbox_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loans_resident_id"), ["resident_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_resident_id"))
        batch_op.drop_index(batch_op.f("ix_loans_klusbox_id"))

    op.drop_table("loans")
    with op.batch_alter_table("klusbox_components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_klusbox_components_klusbox_id"))

    op.drop_table("klusbox_components")
    with op.batch_alter_table("chore_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chore_claims_resident_id"))
        batch_op.drop_index(batch_op.f("ix_chore_claims_chore_id"))

    op.drop_table("chore_claims")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cards_resident_id"))

    op.drop_table("cards")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_neighbourhood_id"))

    op.drop_table("residents")
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchants_neighbourhood_id"))

    op.drop_table("merchants")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ledger_entries_earn_claim",
            sqlite_where=sa.text("kind = 'earn'"),
            postgresql_where=sa.text("kind = 'earn'"),
        )
        batch_op.drop_index(
            "ix_ledger_entries_ref_tx_id",
            sqlite_where=sa.text("ref_tx_id IS NOT NULL"),
            postgresql_where=sa.text("ref_tx_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_ledger_entries_debit")
        batch_op.drop_index("ix_ledger_entries_credit")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("klusboxes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_klusboxes_neighbourhood_id"))

    op.drop_table("klusboxes")
    with op.batch_alter_table("chores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chores_neighbourhood_id"))

    op.drop_table("chores")
    op.drop_table("chain_heads")
    op.drop_table("balances")
    op.drop_table("staff")
    op.drop_table("neighbourhoods")
    op.drop_table("devices")
    op.drop_table("accounts")
