"""The local ledger's tables (SQLAlchemy 2 typed models). Migrations live in kiosk/db/migrations.

Identifiers of people, shops, chores and boxes are short strings assigned by the municipality
(the server), so the same id means the same thing on every device. Times are integer
milliseconds since the Unix epoch (UTC), like the ledger entries' wall time.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model here maps one plain table; SQLAlchemy types it as any FromClause, which
    # Core's insert/update/delete do not accept.
    __table__: ClassVar[Table]


class Neighbourhood(Base):
    __tablename__ = "neighbourhoods"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Resident(Base):
    __tablename__ = "residents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | blocked
    pin_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # inspector | desk | kiosk-staff | admin
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | left (0006)


class Merchant(Base):
    __tablename__ = "merchants"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"), index=True)
    iban: Mapped[str | None] = mapped_column(String(34), default=None)


class Klusbox(Base):
    __tablename__ = "klusboxes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "sweeping", "litter", "weeding"
    name: Mapped[str] = mapped_column(String(200))
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"), index=True)
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)  # away for repair (0006)


class KlusboxComponent(Base):
    __tablename__ = "klusbox_components"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    klusbox_id: Mapped[str] = mapped_column(ForeignKey("klusboxes.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    count: Mapped[int] = mapped_column(Integer, default=1)


class Card(Base):
    __tablename__ = "cards"
    serial: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # resident | staff | klusbox
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"), index=True)
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    klusbox_id: Mapped[str | None] = mapped_column(ForeignKey("klusboxes.id"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[str] = mapped_column(Text)  # the signed QR text
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | revoked


class Device(Base):
    """Devices whose entries this database holds or trusts (at least the device itself)."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # Ed25519, hex
    role: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    certificate: Mapped[str | None] = mapped_column(Text, default=None)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Chore(Base):
    __tablename__ = "chores"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"), index=True)
    reward: Mapped[int] = mapped_column(BigInteger)  # cents of a heitje
    capacity: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[int] = mapped_column(BigInteger)
    ends_at: Mapped[int] = mapped_column(BigInteger)
    klusbox_kind: Mapped[str | None] = mapped_column(String(40), default=None)
    title_en: Mapped[str | None] = mapped_column(String(200), default=None)  # 0005


class ChoreClaim(Base):
    """A resident's claim on a chore: signed_up → checked_in → done → approved | rejected →
    rewarded. Each step is also an event entry in the signed chain."""

    __tablename__ = "chore_claims"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    chore_id: Mapped[str] = mapped_column(ForeignKey("chores.id"), index=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    approval_tx: Mapped[str | None] = mapped_column(String(36), default=None)
    earn_tx: Mapped[str | None] = mapped_column(String(36), default=None)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    checked_in_at: Mapped[int | None] = mapped_column(BigInteger, default=None)  # 0006
    done_at: Mapped[int | None] = mapped_column(BigInteger, default=None)  # checked out (0006)
    __table_args__ = (UniqueConstraint("chore_id", "resident_id"),)


class Loan(Base):
    __tablename__ = "loans"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    klusbox_id: Mapped[str] = mapped_column(ForeignKey("klusboxes.id"), index=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    lent_at: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[int] = mapped_column(BigInteger)
    returned_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    missing: Mapped[str | None] = mapped_column(Text, default=None)  # components not returned
    # 0006: JSON lists of component lines ({"name", "count"}) handed out and got back; the
    # condition noted at the return; the staff member who let an overdue resident borrow
    handed_out: Mapped[str] = mapped_column(Text, default="[]")
    returned: Mapped[str | None] = mapped_column(Text, default=None)
    condition: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    override_staff: Mapped[str | None] = mapped_column(String(40), default=None)
    claim_id: Mapped[str | None] = mapped_column(String(40), default=None)


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)  # e.g. wallet:res-001
    kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[str | None] = mapped_column(String(40), default=None)


class Balance(Base):
    """The running balance of each account, changed in the same transaction as the entry."""

    __tablename__ = "balances"
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)


class ChainHead(Base):
    """The sequence counter and last hash of a device's chain."""

    __tablename__ = "chain_heads"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))


class LedgerEntry(Base):
    """One signed entry. Append-only: rows are never updated except `synced_at`."""

    __tablename__ = "ledger_entries"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    tx_id: Mapped[str] = mapped_column(String(36), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    debit: Mapped[str | None] = mapped_column(String(60))
    credit: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(BigInteger)
    refs: Mapped[str] = mapped_column(Text)  # canonical JSON
    wall_time: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str] = mapped_column(String(128))
    claim_id: Mapped[str | None] = mapped_column(String(40))
    ref_tx_id: Mapped[str | None] = mapped_column(String(36))  # the spend a refund returns
    synced_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    __table_args__ = (
        Index("ix_ledger_entries_debit", "debit", "wall_time"),
        Index("ix_ledger_entries_credit", "credit", "wall_time"),
        Index(
            "ix_ledger_entries_ref_tx_id",
            "ref_tx_id",
            sqlite_where=text("ref_tx_id IS NOT NULL"),
            postgresql_where=text("ref_tx_id IS NOT NULL"),
        ),
        # A claim is rewarded once, whichever device records it.
        Index(
            "uq_ledger_entries_earn_claim",
            "claim_id",
            unique=True,
            sqlite_where=text("kind = 'earn'"),
            postgresql_where=text("kind = 'earn'"),
        ),
    )
