"""The server's own tables (SQLAlchemy Core). Migrations in kiosk/server/migrations mirror them.

Every row a snapshot carries has a ``version`` column: the server-wide change counter
(``server_state.version``) at the transaction that last changed it, so a delta snapshot is
"every row with version > since".
"""

from __future__ import annotations

import json

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
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
    # the last batch or snapshot request the device got through with (s0005)
    Column("last_seen_at", BigInteger, nullable=True),
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
    Index("ix_batches_device_id", "device_id", "received_at"),  # s0005: a device's last batch
)

neighbourhoods = Table(
    "neighbourhoods",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(500), nullable=False),
    # the CBS buurt code ("BU" + 8 digits) the participation reports are published under
    Column("cbs_code", String(10), nullable=True),
    Index("uq_neighbourhoods_cbs_code", "cbs_code", unique=True),
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
    # s0005: a staff card's holder; when it was issued (its QR carries that date) and
    # revoked, and why (lost | replaced | revoked); the card this one replaced
    Column("staff_id", String(80), nullable=True),
    Column("issued_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    Column("revoke_reason", String(20), nullable=True),
    Column("replaces", String(80), nullable=True),
    Index("ix_cards_resident_id", "resident_id"),
    Index("ix_cards_staff_id", "staff_id"),
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
    Column("address", String(300), nullable=True),  # s0005
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
    # the title in English for the back office's English pages (migration s0006); `title`
    # is the Dutch one, the one the kiosks show
    Column("title_en", String(500), nullable=True),
)

klusboxes = Table(
    "klusboxes",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("kind", String(80), nullable=False),
    Column("name", String(500), nullable=False),
    Column("neighbourhood_id", String(80), nullable=False),
    Column("version", BigInteger, nullable=False),
    # s0005: what is in the box (a JSON list of lines), and whether it is away for repair
    Column("components", Text, nullable=False, server_default="[]"),
    Column("maintenance", Boolean, nullable=False, server_default=false()),
)


def components_of(stored: str | None) -> tuple[str, ...]:
    """klusboxes.components as written: a JSON list of lines ("2 bezems"); () for anything
    else."""
    try:
        value = json.loads(stored or "[]")
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


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
    # who: "user:<id>", "device:<id>" or "system"; before/after: JSON of what changed
    Column("actor", String(120), nullable=False, server_default="system"),
    Column("user_id", Integer, nullable=True),
    Column("before_json", Text, nullable=True),
    Column("after_json", Text, nullable=True),
)

# -- the back office (kiosk/server/backoffice) -------------------------------------------------

BACKOFFICE_ROLES = ("admin", "inspector", "finance", "researcher")

# Back-office accounts: people at the municipality, signing in with a password (argon2id).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False),  # stored lower-case
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # admin | inspector | finance | researcher
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("username", name="uq_users_username"),
    CheckConstraint("role IN ('admin', 'inspector', 'finance', 'researcher')", name="role"),
)

# Signed-in sessions. The cookie holds a random token; only its sha256 is stored, so a copy
# of the database signs nobody in.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    Column("ended_at", BigInteger, nullable=True),
    Column("end_reason", String(20), nullable=True),  # signed_out | disabled | ended_by_admin
    Column("client", String(100), nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)

# Every sign-in attempt, for the rate limit (shared by all server processes).
signin_attempts = Table(
    "signin_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", BigInteger, nullable=False),
    Column("username", String(80), nullable=False),
    Column("client", String(100), nullable=False),
    # pending: being checked | wrong | ok | locked: refused without checking the password
    Column("outcome", String(10), nullable=False),
    Index("ix_signin_attempts_username_at", "username", "at"),
    Index("ix_signin_attempts_client_at", "client", "at"),
)

# -- settlement in euros (kiosk/server/settlement.py, docs/settlement.md) ---------------------

# One settlement: a period, prepared by one finance user and approved by another (four eyes,
# also checked here), or cancelled before approval. The SEPA file is made once, at approval,
# and kept: downloading it again gives the same bytes (the same message id, so a bank refuses
# a second upload of the same file).
settlements = Table(
    "settlements",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("period_start", String(10), nullable=False),  # local (Amsterdam) date, inclusive
    Column("period_end", String(10), nullable=False),  # local date, inclusive
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),  # exclusive: the start of the next day
    Column("status", String(10), nullable=False),  # prepared | approved | cancelled
    Column("prepared_by", String(120), nullable=False),
    Column("prepared_at", BigInteger, nullable=False),
    Column("approved_by", String(120), nullable=True),
    Column("approved_at", BigInteger, nullable=True),
    Column("cancelled_by", String(120), nullable=True),
    Column("cancelled_at", BigInteger, nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Column("rate_heitje_cents", BigInteger, nullable=False),  # this many heitje cents ...
    Column("rate_euro_cents", BigInteger, nullable=False),  # ... are worth this many euro cents
    Column("heitje_cents", BigInteger, nullable=False),  # the sum of the statements
    Column("euro_cents", BigInteger, nullable=False),
    Column("sepa_msg_id", String(35), nullable=True),
    Column("sepa_xml", Text, nullable=True),
    CheckConstraint("status IN ('prepared', 'approved', 'cancelled')", name="status"),
    CheckConstraint("approved_by IS NULL OR approved_by <> prepared_by", name="four_eyes"),
    CheckConstraint("status <> 'approved' OR approved_by IS NOT NULL", name="approved_by"),
)

# Each merchant's statement in a settlement, as it was at preparation (name and IBAN too, so
# a statement reads the same after the shop moves bank).
settlement_statements = Table(
    "settlement_statements",
    metadata,
    Column("settlement_id", BigInteger, ForeignKey("settlements.id"), primary_key=True),
    Column("merchant_id", String(80), primary_key=True),
    Column("merchant_name", String(500), nullable=False),
    Column("neighbourhood_id", String(80), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11), nullable=True),
    Column("spends", BigInteger, nullable=False),  # how many, and their sum (heitje cents)
    Column("spent", BigInteger, nullable=False),
    Column("refunds", BigInteger, nullable=False),
    Column("refunded", BigInteger, nullable=False),
    Column("adjustments", BigInteger, nullable=False),  # review decisions on this till
    Column("adjusted", BigInteger, nullable=False),  # signed: + into the till, - out of it
    Column("earlier", BigInteger, nullable=False),  # rows dated before the period, not settled
    Column("earlier_amount", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),  # spends still open in review: not in here
    Column("held_amount", BigInteger, nullable=False),
    Column("heitje_cents", BigInteger, nullable=False),
    Column("euro_cents", BigInteger, nullable=False),
    CheckConstraint("heitje_cents > 0 AND euro_cents > 0", name="positive"),
)

# Which ledger rows each settlement covers, with the amount from the till's side (+ into it,
# - out of it), and the row's kind and wall time (the statement is summed from here alone). A
# ledger row is covered by at most one settlement that is not cancelled: the database refuses
# a second (uq_settlement_items_ledger_active), also when two settlements are prepared at the
# same moment. Cancelling a settlement sets its items inactive. A city's settlement claims a
# million rows in one statement, so every index here costs: no foreign keys (they check row by
# row; the rows come from the ledger, append-only, and their settlement in that statement) and
# no primary key index beside the UNIQUE one; a settlement's items are found through a BRIN
# index (they are written together, so they sit together on disk).
settlement_items = Table(
    "settlement_items",
    metadata,
    Column("settlement_id", BigInteger, nullable=False),
    Column("ledger_id", BigInteger, nullable=False),
    Column("merchant_id", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("wall_time", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    Index(
        "uq_settlement_items_ledger_active",
        "ledger_id",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
    Index("ix_settlement_items_settlement_id", "settlement_id", postgresql_using="brin"),
)

# -- report rollups (kiosk/server/rollups.py, docs/reports.md) --------------------------------

# How far the rollups below have read the ledger: every row with id <= ledger_id is in them.
report_state = Table(
    "report_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("ledger_id", BigInteger, nullable=False),
)

# What each resident did in each local month (participation, rewards, spending, loans):
# the reports add these up instead of reading millions of ledger rows each time.
report_resident_months = Table(
    "report_resident_months",
    metadata,
    Column("resident_id", String(80), primary_key=True),
    Column("month", String(7), primary_key=True),  # "YYYY-MM", Europe/Amsterdam
    # where the resident lived when this month was counted (reports add up by it)
    Column("neighbourhood_id", String(80), nullable=False),
    Column("part", Integer, nullable=False),  # 1: took part (a chore or klusbox entry)
    Column("chores", BigInteger, nullable=False),  # claims rewarded
    Column("earned", BigInteger, nullable=False),
    Column("hours_ms", BigInteger, nullable=False),  # claims checked out this month
    Column("spent", BigInteger, nullable=False),  # spends minus refunds
    Column("spent_own", BigInteger, nullable=False),  # ... at shops of the own neighbourhood
    Column("spender", Integer, nullable=False),
    Column("own_spender", Integer, nullable=False),
    Column("elsewhere_spender", Integer, nullable=False),
    Column("loans", BigInteger, nullable=False),
    Index("ix_report_resident_months_month", "month"),
)

# Each resident's first month of taking part ("new" in that month, "returning" after it).
report_residents = Table(
    "report_residents",
    metadata,
    Column("resident_id", String(80), primary_key=True),
    Column("first_month", String(7), nullable=False),
)

# Each claim's first check-in and last check-out, for the hours.
report_claims = Table(
    "report_claims",
    metadata,
    Column("claim_id", String(80), primary_key=True),
    Column("resident_id", String(80), nullable=True),
    Column("check_in", BigInteger, nullable=True),
    Column("check_out", BigInteger, nullable=True),
)

# Money moved per month, by flow and by the neighbourhoods of the two sides ('' for the
# municipality's own accounts), and whether each side is in circulation (a wallet or a till).
report_money = Table(
    "report_money",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("flow", String(10), primary_key=True),  # issued | spent | refunded | settled | ...
    Column("credit_nb", String(80), primary_key=True),
    Column("debit_nb", String(80), primary_key=True),
    Column("credit_circulates", Integer, primary_key=True, autoincrement=False),
    Column("debit_circulates", Integer, primary_key=True, autoincrement=False),
    Column("amount", BigInteger, nullable=False),
)

# -- the back office's work pages (kiosk/server/backoffice/routes, migration s0006) ----------

# The neighbourhoods a back-office account works in: an inspector's queue holds the claims of
# chores in these (as an inspector device's bindings hold its neighbourhoods).
user_neighbourhoods = Table(
    "user_neighbourhoods",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("neighbourhood_id", String(80), ForeignKey("neighbourhoods.id"), primary_key=True),
)

# -- the registers (kiosk/server/backoffice/registers, s0005) ---------------------------------

STAFF_ROLES = ("inspector", "desk", "kiosk-staff")

# People who work for the scheme with a staff card: inspectors, klusbox desk and kiosk staff.
# Their cards are rows of `cards` (kind staff, staff_id); the PIN is for overrides at a device.
staff = Table(
    "staff",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # inspector | desk | kiosk-staff
    Column("status", String(10), nullable=False),  # active | left
    Column("pin_hash", Text, nullable=True),  # argon2id, never shown
    Column("created_at", BigInteger, nullable=False),
    CheckConstraint("role IN ('inspector', 'desk', 'kiosk-staff')", name="role"),
    CheckConstraint("status IN ('active', 'left')", name="status"),
)

# The ledger's loans and returns of klusboxes only (a small partial index): a box's state
# ("lent") is its latest one, found without scanning the whole ledger.
KLUSBOX_EVENTS = "kind IN ('loan', 'return')"
Index(
    "ix_ledger_klusbox_events",
    ledger.c.id,
    sqlite_where=text(KLUSBOX_EVENTS),
    postgresql_where=text(KLUSBOX_EVENTS),
)

# The participation report itself, per neighbourhood and month (the sums of
# report_resident_months, with how many residents each describes): made again for the months
# a refresh touched, so a report page reads a few hundred rows.
report_cells = Table(
    "report_cells",
    metadata,
    Column("neighbourhood_id", String(80), primary_key=True),
    Column("month", String(7), primary_key=True),
    *(
        Column(name, BigInteger, nullable=False)
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
)
