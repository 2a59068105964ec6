"""The server's own tables (SQLAlchemy Core). Migrations in kiosk/server/migrations mirror them.

Every row a snapshot carries has a ``version`` column: the server-wide change counter
(``server_state.version``) at the transaction that last changed it, so a delta snapshot is
"every row with version > since".
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row (id=1): the change counter and the ledger position of the last snapshot-relevant write.
server_state = Table(
    "server_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("role", String(30), nullable=False),
    Column("name", String(500), nullable=False),
    Column("status", String(20), nullable=False),  # active | revoked | quarantined
    Column("key_epoch", Integer, nullable=False),
    Column("certificate", Text, nullable=False),  # the signed DeviceCertificate, JSON
    Column("enrolled_at", BigInteger, nullable=False),  # first enrolment (clock-skew floor)
    Column("issued_at", BigInteger, nullable=False),
    Column("valid_until", BigInteger, nullable=False),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("version", BigInteger, nullable=False),
    # kiosk.sync.protocol.Bindings as JSON, copied from the enrolment code (also in the cert)
    Column("bindings", Text, nullable=False, server_default="{}"),
)

enrol_codes = Table(
    "enrol_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # sha256 of the code: codes are secrets
    Column("role", String(30), nullable=False),
    Column("name", String(500), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=True),
    Column("device_id", String(80), nullable=True),
    Column("bindings", Text, nullable=False, server_default="{}"),  # set by the admin
)

# Signed snapshot requests seen, so a captured request cannot be replayed while still fresh.
request_nonces = Table(
    "request_nonces",
    metadata,
    Column("nonce", String(32), primary_key=True),
    Column("device_id", String(80), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_request_nonces_expires_at", "expires_at"),
)

# The authoritative ledger: every device's signed chain, append-only. id = ledger position.
ledger = Table(
    "ledger",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("device_id", String(80), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("v", Integer, nullable=False),
    Column("tx_id", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("debit", String(80), nullable=True),
    Column("credit", String(80), nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("refs", Text, nullable=False),  # canonical JSON
    Column("wall_time", BigInteger, nullable=False),
    Column("signature", String(128), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("batch_id", BigInteger, nullable=True),
    Column("claim_id", String(80), nullable=True),
    Column("resident_id", String(80), nullable=True),  # wallet owner, for caps and day totals
    Column("overdraft", BigInteger, nullable=False),  # how far this spend took the wallet below 0
    # applied: took effect; refused: stored as signed, changed nothing (code in `refusal`)
    Column("status", String(10), nullable=False, server_default="applied"),
    Column("refusal", String(40), nullable=True),
    UniqueConstraint("device_id", "seq", name="uq_ledger_device_seq"),
    Index("ix_ledger_resident_kind_time", "resident_id", "kind", "wall_time"),
    Index("ix_ledger_claim", "claim_id"),
    # tx_id is unique per device among entries that took effect (a refused duplicate is kept)
    Index(
        "uq_ledger_device_tx",
        "device_id",
        "tx_id",
        unique=True,
        sqlite_where=text("status = 'applied'"),
        postgresql_where=text("status = 'applied'"),
    ),
)

balances = Table(
    "balances",
    metadata,
    Column("account", String(80), primary_key=True),
    Column("balance", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
)

# Received batches, for the audit trail ("what came in when").
batches = Table(
    "batches",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("device_id", String(80), nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("applied", Integer, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("signature", String(128), nullable=False),
)

neighbourhoods = Table(
    "neighbourhoods",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(500), nullable=False),
)

residents = Table(
    "residents",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("neighbourhood_id", String(80), nullable=False),
    Column("status", String(20), nullable=False),  # active | blocked
    Column("flagged", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
)

cards = Table(
    "cards",
    metadata,
    Column("serial", String(80), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("resident_id", String(80), nullable=True),
    Column("status", String(20), nullable=False),  # active | revoked
    Column("version", BigInteger, nullable=False),
    Column("pin_hash", Text, nullable=True),  # argon2id of the card's PIN, if it has one
)

merchants = Table(
    "merchants",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("neighbourhood_id", String(80), nullable=False),
    Column("status", String(20), nullable=False),
    Column("iban", String(34), nullable=True),
    Column("version", BigInteger, nullable=False),
)

chores = Table(
    "chores",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("title", String(500), nullable=False),
    Column("neighbourhood_id", String(80), nullable=False),
    Column("reward", BigInteger, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("starts_at", BigInteger, nullable=False),
    Column("ends_at", BigInteger, nullable=False),
    Column("klusbox_kind", String(80), nullable=True),
    Column("version", BigInteger, nullable=False),
)

klusboxes = Table(
    "klusboxes",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("kind", String(80), nullable=False),
    Column("name", String(500), nullable=False),
    Column("neighbourhood_id", String(80), nullable=False),
    Column("version", BigInteger, nullable=False),
)

# Chore claims the server knows: from claim_signup entries, approval entries (any device's
# chain, including the server's own for approvals recorded here by an inspector).
claims = Table(
    "claims",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("chore_id", String(80), nullable=True),
    Column("resident_id", String(80), nullable=True),
    Column("status", String(20), nullable=False),  # signed_up | approved | rejected | rewarded
    Column("approval_tx", String(64), nullable=True),
    Column("earn_tx", String(64), nullable=True),
    Column("version", BigInteger, nullable=False),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("tx_id", String(64), nullable=False),
    Column("device_id", String(80), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("merchant_id", String(80), nullable=True),
    Column("resident_id", String(80), nullable=True),
    Column("status", String(20), nullable=False),  # open | approved | reversed | confirmed
    Column("created_at", BigInteger, nullable=False),
    Column("kind", String(40), nullable=False, server_default="spend"),
    # refused: the entry took no effect (reason = its code); honoured: applied, but broke an
    # offline limit (reason = the limit)
    Column("effect", String(10), nullable=False, server_default="honoured"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", BigInteger, nullable=False),
    Column("event", String(40), nullable=False),  # enrol | revoke | fork | review | ...
    Column("severity", String(10), nullable=False),  # info | alert
    Column("device_id", String(80), nullable=True),
    Column("detail", Text, nullable=False),
)
