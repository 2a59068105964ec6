"""The device's sync state (migrations 0002, 0003, 0005): the pinned server, the current
snapshot, the snapshot's balances and flags, the outbound batches, the entries the server
refused, and the residents' money lines on the server.

These sit next to the ledger tables and never change them: the local `balances` table stays
the running sum of this device's own entries (so `ledger verify` holds), and the server's view
arrives in `sync_snapshot_balances`. Times are integer ms since the epoch, like the ledger.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.models import Base


class SyncServer(Base):
    """The one server this device is enrolled with; its public key is pinned here."""

    __tablename__ = "sync_server"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    url: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64))  # Ed25519, hex
    enrolled_at: Mapped[int] = mapped_column(BigInteger)


class SyncSnapshot(Base):
    """The snapshot applied last. Written in the same transaction as its contents, last."""

    __tablename__ = "sync_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(BigInteger)
    ledger_position: Mapped[int] = mapped_column(BigInteger)
    # This device's last seq the server had applied when it made the snapshot: entries
    # after it are this device's movements the snapshot balances do not include yet.
    self_acked_seq: Mapped[int] = mapped_column(BigInteger)
    server_time: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[int] = mapped_column(BigInteger)  # device clock
    expires_at: Mapped[int] = mapped_column(BigInteger)
    limits: Mapped[str] = mapped_column(Text)  # canonical JSON


class SyncSnapshotBalance(Base):
    """An account's balance on the server as of the snapshot's ledger position."""

    __tablename__ = "sync_snapshot_balances"
    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)


class SyncFlag(Base):
    """Revoked or flagged cards, residents and devices, as of the snapshot."""

    __tablename__ = "sync_flags"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # card | resident | device
    ident: Mapped[str] = mapped_column(String(60), primary_key=True)
    flag: Mapped[str] = mapped_column(String(20), primary_key=True)  # revoked | flagged


class SyncBatch(Base):
    """An outbound batch exactly as first sent, so every retry sends the same bytes."""

    __tablename__ = "sync_batches"
    first_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)  # the JSON text posted
    created_at: Mapped[int] = mapped_column(BigInteger)
    acked_at: Mapped[int | None] = mapped_column(BigInteger, default=None)


class SyncStatusRow(Base):
    """What the status line shows; survives restarts."""

    __tablename__ = "sync_status"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    last_success_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    last_attempt_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    acked_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class SyncRefused(Base):
    """An entry of ours the server stored as refused (migration 0003): authentic and synced, but
    it changed no balance on the server and waits in its review queue. Copied from the entry
    when the ack named it, so the device can say what was refused without a join."""

    __tablename__ = "sync_refused"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # this device's own chain
    tx_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(40))
    at: Mapped[int] = mapped_column(BigInteger)  # the entry's wall time
    recorded_at: Mapped[int] = mapped_column(BigInteger)  # when the ack was recorded


class SyncOwnBase(Base):
    """Per account, this device's own running balance as far as the snapshot's balances hold it
    (migration 0004): the local balance less this device's movements after `self_acked_seq`.
    So the spendable balance is one primary-key read of each of three tables, however long
    the ledger (sync_queries.spendable_balance). Kept up to date when a snapshot is applied."""

    __tablename__ = "sync_own_base"
    device_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    base: Mapped[int] = mapped_column(BigInteger)


class SyncMoneyLine(Base):
    """A resident's money line on the server (migration 0005): a kiosk's snapshot carries each
    resident's newest few, and replaces a resident's lines whole when their wallet changed.
    `change` is signed (negative: out of the wallet); `counterpart` the shop's name or the
    chore's title ("" for the municipality), `counterpart_en` the chore's English title."""

    __tablename__ = "sync_money_lines"
    resident_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    tx_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    change: Mapped[int] = mapped_column(BigInteger)
    counterpart: Mapped[str] = mapped_column(Text)
    counterpart_en: Mapped[str] = mapped_column(Text)
    at: Mapped[int] = mapped_column(BigInteger)
    pos: Mapped[int] = mapped_column(Integer)  # 0 for the resident's newest line, then 1, ...
