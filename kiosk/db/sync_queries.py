"""The device-side SQL of sync: unsynced entries, marking them synced, the entries the server
refused, the pinned server and the role its certificate gives, the snapshot (apply and read),
and the offline spend check that LedgerStore.spend calls.

"Available balance" on a device (docs/sync-device.md): the account's balance in the current
snapshot (the server's books as of the snapshot's ledger position) plus this device's own
movements on that account that the snapshot does not include yet, i.e. its entries with a seq
above the snapshot's `self_acked_seq`. Other devices' unsynced movements are unknowable
offline; the offline policy's caps bound what they can do.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, insert, select, update

import kiosk.db.models as m
from kiosk.core import accounts as acc
from kiosk.core.canonical import canonical_json
from kiosk.core.days import day_bounds
from kiosk.core.entries import Entry, Kind
from kiosk.core.limit_names import policy_limits
from kiosk.core.offline_policy import (
    DEFAULT_LIMITS,
    OfflineLimits,
    OfflineSpendRefused,
    SpendContext,
    check_offline_spend,
)
from kiosk.core.roles import Bindings
from kiosk.db.entry_rows import row_to_entry
from kiosk.db.errors import not_found
from kiosk.db.sync_models import (
    SyncBatch,
    SyncFlag,
    SyncOwnBase,
    SyncRefused,
    SyncServer,
    SyncSnapshot,
    SyncSnapshotBalance,
    SyncStatusRow,
)

ENTRIES = m.LedgerEntry.__table__
HEADS = m.ChainHead.__table__
SNAP = SyncSnapshot.__table__
SNAP_BAL = SyncSnapshotBalance.__table__
FLAGS = SyncFlag.__table__
BATCHES = SyncBatch.__table__
STATUS = SyncStatusRow.__table__
SERVER = SyncServer.__table__
REFUSED = SyncRefused.__table__
OWN_BASE = SyncOwnBase.__table__


# -- the pinned server ----------------------------------------------------------------------


@dataclass(frozen=True)
class PinnedServer:
    url: str
    public_key: str  # hex


def pinned_server(conn: Connection) -> PinnedServer | None:
    row = conn.execute(select(SERVER.c.url, SERVER.c.public_key).where(SERVER.c.id == 1)).first()
    return None if row is None else PinnedServer(row.url, row.public_key)


def store_enrolment(
    conn: Connection,
    device_id: str,
    *,
    url: str,
    server_public_key: str,
    role: str,
    name: str,
    certificate_json: str,
    now_ms: int,
) -> None:
    """Pin the server and keep the signed certificate on this device's own devices row."""
    conn.execute(delete(SERVER))
    conn.execute(
        insert(SERVER).values(id=1, url=url, public_key=server_public_key, enrolled_at=now_ms)
    )
    conn.execute(
        update(m.Device.__table__)
        .where(m.Device.__table__.c.id == device_id)
        .values(role=role, name=name, certificate=certificate_json)
    )
    forget_signing_role(conn.engine, device_id)


def own_certificate(conn: Connection, device_id: str) -> dict[str, Any] | None:
    text = conn.execute(
        select(m.Device.certificate).where(m.Device.id == device_id)
    ).scalar_one_or_none()
    return None if not text else json.loads(text)


# -- the role this device signs under (its certificate's), for LedgerStore ------------------


@dataclass(frozen=True)
class SigningRole:
    role: str
    bindings: Bindings


def signing_role(conn: Connection, device_id: str) -> SigningRole | None:
    """The role and bindings of this device's certificate; None while it is not enrolled."""
    cert = own_certificate(conn, device_id)
    role = cert.get("role") if cert else None
    if not cert or not isinstance(role, str):
        return None
    wire = cert.get("bindings")
    wire = wire if isinstance(wire, Mapping) else {}
    merchant = wire.get("merchant_id")
    neighbourhoods = wire.get("neighbourhoods")
    return SigningRole(
        role,
        Bindings(
            merchant if isinstance(merchant, str) else None,
            frozenset(n for n in neighbourhoods or () if isinstance(n, str)),
        ),
    )


# Per engine and device: read once, dropped when store_enrolment writes a new certificate (and
# by each sync round, for an enrolment made by another process), so a payment pays no query.
_SIGNING_ROLES: weakref.WeakKeyDictionary[Engine, dict[str, SigningRole | None]] = (
    weakref.WeakKeyDictionary()
)


def cached_signing_role(conn: Connection, device_id: str) -> SigningRole | None:
    known = _SIGNING_ROLES.setdefault(conn.engine, {})
    if device_id not in known:
        known[device_id] = signing_role(conn, device_id)
    return known[device_id]


def forget_signing_role(engine: Engine, device_id: str) -> None:
    """Drop what was read from the certificate (its role, and the policy's part of it)."""
    _SIGNING_ROLES.get(engine, {}).pop(device_id, None)
    _CERT_FACTS.get(engine, {}).pop(device_id, None)


# -- unsynced entries and acks ---------------------------------------------------------------


def _acked_floor() -> Any:
    """The highest seq the server acknowledged. Every entry up to it is marked synced (acks
    mark whole prefixes, in the transaction that records the seq), so the unsynced entries
    lie above it: bounding by it turns a scan of the whole chain into a primary-key range."""
    return select(func.coalesce(func.max(STATUS.c.acked_seq), 0)).scalar_subquery()


def _unsynced(device_id: str) -> Any:
    return and_(
        ENTRIES.c.device_id == device_id,
        ENTRIES.c.seq > _acked_floor(),
        ENTRIES.c.synced_at.is_(None),
    )


def unsynced_entries(conn: Connection, device_id: str, limit: int) -> list[Entry]:
    """This device's entries not yet acknowledged, in seq order."""
    rows = conn.execute(
        select(ENTRIES).where(_unsynced(device_id)).order_by(ENTRIES.c.seq).limit(limit)
    ).all()
    return [row_to_entry(r) for r in rows]


def entries_in_range(conn: Connection, device_id: str, first: int, last: int) -> list[Entry]:
    rows = conn.execute(
        select(ENTRIES)
        .where(ENTRIES.c.device_id == device_id, ENTRIES.c.seq.between(first, last))
        .order_by(ENTRIES.c.seq)
    ).all()
    return [row_to_entry(r) for r in rows]


def count_unsynced(conn: Connection, device_id: str) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(ENTRIES).where(_unsynced(device_id))
        ).scalar_one()
    )


def local_head(conn: Connection, device_id: str) -> int:
    """The last seq of this device's chain in the local ledger (0 before the first entry)."""
    seq = conn.execute(
        select(HEADS.c.last_seq).where(HEADS.c.device_id == device_id)
    ).scalar_one_or_none()
    return int(seq or 0)


def entry_hash_at(conn: Connection, device_id: str, seq: int) -> str | None:
    return conn.execute(
        select(ENTRIES.c.entry_hash).where(ENTRIES.c.device_id == device_id, ENTRIES.c.seq == seq)
    ).scalar_one_or_none()


def mark_synced(
    conn: Connection, device_id: str, acked_seq: int, acked_hash: str, now_ms: int
) -> int:
    """Record a verified ack: entries up to `acked_seq` are on the server. Returns how many
    entries changed. Only ever sets synced_at; nothing is deleted."""
    changed = conn.execute(
        update(ENTRIES)
        .where(
            ENTRIES.c.device_id == device_id,
            ENTRIES.c.seq <= acked_seq,
            ENTRIES.c.synced_at.is_(None),
        )
        .values(synced_at=now_ms)
    ).rowcount
    conn.execute(
        update(BATCHES)
        .where(BATCHES.c.last_seq <= acked_seq, BATCHES.c.acked_at.is_(None))
        .values(acked_at=now_ms)
    )
    _ensure_status(conn)
    conn.execute(
        update(STATUS)
        .where(STATUS.c.id == 1, STATUS.c.acked_seq <= acked_seq)
        .values(acked_seq=acked_seq, acked_hash=acked_hash)
    )
    return int(changed)


# -- entries the server refused -------------------------------------------------------------


@dataclass(frozen=True)
class RefusedRow:
    """One of our entries the server stored as refused: it changed no balance there."""

    seq: int
    tx_id: str
    kind: Kind
    amount: int
    code: str
    at: int  # the entry's wall time (device clock)
    recorded_at: int


def record_refusals(
    conn: Connection, device_id: str, refused: Iterable[tuple[int, str, str]], now_ms: int
) -> int:
    """Keep (seq, tx_id, code) refusals from a verified ack, in the caller's transaction (the
    one that marks the entries synced). Idempotent: a resent batch's duplicate ack names them
    again and nothing changes. The caller has checked each (seq, tx_id) is ours. Returns how
    many are new."""
    new = 0
    for seq, tx_id, code in refused:
        if conn.execute(select(REFUSED.c.seq).where(REFUSED.c.seq == seq)).first() is not None:
            continue
        entry = conn.execute(
            select(ENTRIES.c.kind, ENTRIES.c.amount, ENTRIES.c.wall_time).where(
                ENTRIES.c.device_id == device_id, ENTRIES.c.seq == seq
            )
        ).one()
        conn.execute(
            insert(REFUSED).values(
                seq=seq,
                tx_id=tx_id,
                kind=entry.kind,
                amount=entry.amount,
                code=code,
                at=entry.wall_time,
                recorded_at=now_ms,
            )
        )
        new += 1
    return new


def refused_entries(conn: Connection) -> list[RefusedRow]:
    """Every entry of this device the server refused, oldest first."""
    rows = conn.execute(select(REFUSED).order_by(REFUSED.c.seq)).all()
    return [
        RefusedRow(r.seq, r.tx_id, Kind(r.kind), r.amount, r.code, r.at, r.recorded_at)
        for r in rows
    ]


def tx_id_at(conn: Connection, device_id: str, seq: int) -> str | None:
    return conn.execute(
        select(ENTRIES.c.tx_id).where(ENTRIES.c.device_id == device_id, ENTRIES.c.seq == seq)
    ).scalar_one_or_none()


# -- outbound batches ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBatch:
    first_seq: int
    last_seq: int
    body: str


def pending_batch(conn: Connection, first_seq: int) -> StoredBatch | None:
    row = conn.execute(
        select(BATCHES).where(BATCHES.c.first_seq == first_seq, BATCHES.c.acked_at.is_(None))
    ).first()
    return None if row is None else StoredBatch(row.first_seq, row.last_seq, row.body)


def store_batch(conn: Connection, batch: StoredBatch, now_ms: int) -> None:
    # A batch starting at the same seq but never acked (a gap answer cut it short) is
    # replaced: the server has not applied it, so its bytes were never final.
    conn.execute(delete(BATCHES).where(BATCHES.c.first_seq == batch.first_seq))
    conn.execute(
        insert(BATCHES).values(
            first_seq=batch.first_seq,
            last_seq=batch.last_seq,
            body=batch.body,
            created_at=now_ms,
        )
    )


# -- status --------------------------------------------------------------------------------


def _ensure_status(conn: Connection) -> None:
    if conn.execute(select(STATUS.c.id).where(STATUS.c.id == 1)).first() is None:
        conn.execute(insert(STATUS).values(id=1, acked_seq=0))


def record_attempt(conn: Connection, now_ms: int, *, ok: bool, error: str | None) -> None:
    _ensure_status(conn)
    values: dict[str, Any] = {"last_attempt_at": now_ms, "last_error": error}
    if ok:
        values["last_success_at"] = now_ms
    conn.execute(update(STATUS).where(STATUS.c.id == 1).values(**values))


@dataclass(frozen=True)
class StoredStatus:
    last_success_at: int | None
    last_attempt_at: int | None
    last_error: str | None
    acked_seq: int


def stored_status(conn: Connection) -> StoredStatus:
    row = conn.execute(select(STATUS).where(STATUS.c.id == 1)).first()
    if row is None:
        return StoredStatus(None, None, None, 0)
    return StoredStatus(row.last_success_at, row.last_attempt_at, row.last_error, row.acked_seq)


# -- snapshots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotState:
    version: int
    ledger_position: int
    self_acked_seq: int
    server_time: int
    received_at: int
    expires_at: int
    limits: dict[str, Any]


# Built once: it runs inside every payment (LedgerStore.spend), where building it cost more
# than executing it.
_CURRENT_SNAPSHOT = select(SNAP).where(SNAP.c.id == 1)


def current_snapshot(conn: Connection) -> SnapshotState | None:
    row = conn.execute(_CURRENT_SNAPSHOT).first()
    if row is None:
        return None
    return SnapshotState(
        version=row.version,
        ledger_position=row.ledger_position,
        self_acked_seq=row.self_acked_seq,
        server_time=row.server_time,
        received_at=row.received_at,
        expires_at=row.expires_at,
        limits=json.loads(row.limits),
    )


@dataclass
class SnapshotData:
    """A verified snapshot, in the device's terms (the client converts the wire form)."""

    version: int
    ledger_position: int
    self_acked_seq: int
    server_time: int
    expires_at: int
    limits: dict[str, Any]
    full: bool = True
    neighbourhoods: list[dict[str, Any]] = field(default_factory=list)
    residents: list[dict[str, Any]] = field(default_factory=list)
    merchants: list[dict[str, Any]] = field(default_factory=list)
    chores: list[dict[str, Any]] = field(default_factory=list)
    klusboxes: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    balances: dict[str, int] = field(default_factory=dict)
    flags: list[tuple[str, str, str]] = field(default_factory=list)  # kind, ident, flag
    # Flags a delta lifts (a repaid resident, a card back in use); applied before `flags`.
    clear_flags: list[tuple[str, str, str]] = field(default_factory=list)
    # The server sends its revocation lists whole even in a delta: replace them.
    revocations_whole: bool = True


def _upsert(
    conn: Connection,
    model: type[m.Base],
    key: str,
    rows: Iterable[Mapping[str, Any]],
    keep: frozenset[str] = frozenset(),
) -> None:
    """Insert or update rows by primary key; columns in `keep` are set only on insert (they
    hold device-side data the snapshot does not carry, such as a card's printed payload)."""
    table = model.__table__
    columns = set(table.columns.keys())
    for row in rows:
        values = {k: v for k, v in row.items() if k in columns}
        exists = conn.execute(select(table.c[key]).where(table.c[key] == values[key])).first()
        if exists is None:
            conn.execute(insert(table).values(**values))
        else:
            changed = {k: v for k, v in values.items() if k not in keep}
            conn.execute(update(table).where(table.c[key] == values[key]).values(**changed))


def unacked_refs(
    conn: Connection, device_id: str, acked_seq: int, kinds: Iterable[Kind] | None = None
) -> list[dict[str, Any]]:
    """The refs of this device's entries (of `kinds`, or all) the server has not acknowledged
    yet: what a snapshot may not know of, so must not undo (PINs set, claims stepped, loans)."""
    query = select(ENTRIES.c.refs).where(
        ENTRIES.c.device_id == device_id, ENTRIES.c.seq > acked_seq
    )
    if kinds is not None:
        query = query.where(ENTRIES.c.kind.in_([k.value for k in kinds]))
    return [json.loads(text) for text in conn.execute(query).scalars()]


def apply_snapshot(conn: Connection, snap: SnapshotData, received_at: int) -> None:
    """Apply a verified snapshot whole, in the caller's transaction; its version row last.

    The caller has checked the version is newer than the current one. The ledger tables
    (entries, local balances, chain heads) are never touched.
    """
    from kiosk.db.registry import (  # registry is a sibling writer
        ensure_account,
        ensure_municipality_accounts,
    )

    previous = current_snapshot(conn)
    _upsert(conn, m.Neighbourhood, "id", snap.neighbourhoods, frozenset({"name"}))
    _upsert(conn, m.Resident, "id", snap.residents, frozenset({"created_at"}))
    _upsert(conn, m.Merchant, "id", snap.merchants)
    _upsert(conn, m.Klusbox, "id", snap.klusboxes)
    _upsert(conn, m.Chore, "id", snap.chores)
    _upsert(conn, m.Card, "serial", snap.cards, frozenset({"issued_on", "payload"}))
    ensure_municipality_accounts(conn)  # an inspector's earns come out of issuance
    for r in snap.residents:
        ensure_account(conn, acc.wallet(str(r["id"])))
    for mer in snap.merchants:
        ensure_account(conn, acc.till(str(mer["id"])))
    if snap.full:
        conn.execute(delete(SNAP_BAL))
        conn.execute(delete(FLAGS))
    elif snap.revocations_whole:
        conn.execute(delete(FLAGS).where(FLAGS.c.flag == "revoked"))
    for account, balance in snap.balances.items():
        conn.execute(delete(SNAP_BAL).where(SNAP_BAL.c.account_id == account))
        conn.execute(insert(SNAP_BAL).values(account_id=account, balance=int(balance)))
    for kind, ident, flag in [*snap.clear_flags, *snap.flags]:
        conn.execute(
            delete(FLAGS).where(FLAGS.c.kind == kind, FLAGS.c.ident == ident, FLAGS.c.flag == flag)
        )
    for kind, ident, flag in sorted(set(snap.flags)):
        conn.execute(insert(FLAGS).values(kind=kind, ident=ident, flag=flag))
    old_acked = None if previous is None else previous.self_acked_seq
    _carry_own_base(conn, old_acked, snap.self_acked_seq)
    conn.execute(delete(SNAP))
    conn.execute(
        insert(SNAP).values(
            id=1,
            version=snap.version,
            ledger_position=snap.ledger_position,
            self_acked_seq=snap.self_acked_seq,
            server_time=snap.server_time,
            received_at=received_at,
            expires_at=snap.expires_at,
            limits=canonical_json(snap.limits).decode(),
        )
    )


def refresh_snapshot(
    conn: Connection,
    *,
    server_time: int,
    expires_at: int,
    limits: dict[str, Any],
    received_at: int,
) -> None:
    """The server confirmed our version is current as of `server_time`: renew its times."""
    conn.execute(
        update(SNAP)
        .where(SNAP.c.id == 1)
        .values(
            server_time=server_time,
            expires_at=expires_at,
            received_at=received_at,
            limits=canonical_json(limits).decode(),
        )
    )


def snapshot_balance(conn: Connection, account: str) -> int | None:
    return conn.execute(
        select(SNAP_BAL.c.balance).where(SNAP_BAL.c.account_id == account)
    ).scalar_one_or_none()


def add_flag(conn: Connection, kind: str, ident: str, flag: str) -> None:
    """Set one flag until the next snapshot says otherwise (its revocation lists are whole)."""
    if not has_flag(conn, kind, ident, flag):
        conn.execute(insert(FLAGS).values(kind=kind, ident=ident, flag=flag))


def has_flag(conn: Connection, kind: str, ident: str, flag: str) -> bool:
    return (
        conn.execute(
            select(FLAGS.c.ident).where(
                FLAGS.c.kind == kind, FLAGS.c.ident == ident, FLAGS.c.flag == flag
            )
        ).first()
        is not None
    )


def flags(conn: Connection) -> set[tuple[str, str, str]]:
    return {(r.kind, r.ident, r.flag) for r in conn.execute(select(FLAGS))}


# -- this device's own base per account (kept with each snapshot) ----------------------------

# Own movements per (self device, account) in a seq range: money entries credit one account and
# debit another, so each counts twice, once with each sign.
_OWN_MOVES = """
SELECT device_id, account, SUM(delta) AS moved FROM (
    SELECT device_id, credit AS account, amount AS delta FROM ledger_entries
    WHERE device_id IN (SELECT id FROM devices WHERE is_self) AND seq > :lo AND seq <= :hi
      AND credit IS NOT NULL
    UNION ALL
    SELECT device_id, debit AS account, -amount AS delta FROM ledger_entries
    WHERE device_id IN (SELECT id FROM devices WHERE is_self) AND seq > :lo AND seq <= :hi
      AND debit IS NOT NULL
) AS moves GROUP BY device_id, account
"""
# base = local balance - own movements after self_acked_seq, for every self device; zero
# bases are left out (a missing row reads as 0).
_REBUILD_OWN_BASE = f"""
INSERT INTO sync_own_base (device_id, account_id, base)
SELECT d.id, b.account_id, b.balance - COALESCE(m.moved, 0)
FROM balances AS b
CROSS JOIN devices AS d
LEFT JOIN ({_OWN_MOVES}) AS m ON m.device_id = d.id AND m.account = b.account_id
WHERE d.is_self AND b.balance - COALESCE(m.moved, 0) <> 0
"""
_NO_UPPER_SEQ = 2**62


def _carry_own_base(conn: Connection, old_acked: int | None, new_acked: int) -> None:
    """Keep `sync_own_base` = local balance - own movements after `new_acked`, in the
    snapshot's transaction. Between snapshots every change of a local balance is an own entry
    with a seq above the acked seq, which moves balance and movements alike, so the base only
    changes here: by the own movements between the old and the new acked seq (a few entries),
    or, for a first snapshot, rebuilt from the balances."""
    if old_acked is None:
        conn.execute(delete(OWN_BASE))
        conn.exec_driver_sql(
            _driver_sql(conn, _REBUILD_OWN_BASE), {"lo": new_acked, "hi": _NO_UPPER_SEQ}
        )
        return
    if new_acked == old_acked:
        return
    lo, hi = sorted((old_acked, new_acked))
    sign = 1 if new_acked > old_acked else -1
    moves = conn.exec_driver_sql(_driver_sql(conn, _OWN_MOVES), {"lo": lo, "hi": hi}).all()
    for device_id, account, moved in moves:
        changed = conn.execute(
            update(OWN_BASE)
            .where(OWN_BASE.c.device_id == device_id, OWN_BASE.c.account_id == account)
            .values(base=OWN_BASE.c.base + sign * int(moved))
        ).rowcount
        if not changed:
            conn.execute(
                insert(OWN_BASE).values(device_id=device_id, account_id=account, base=sign * moved)
            )


_PYFORMAT = re.compile(r":(\w+)")
_DRIVER_SQL: dict[tuple[str, str], str] = {}


def _driver_sql(conn: Connection, sql: str) -> str:
    """`sql` with :name parameters in the driver's own style (sqlite3 takes :name itself)."""
    style = conn.dialect.paramstyle
    key = (style, sql)
    if key not in _DRIVER_SQL:
        _DRIVER_SQL[key] = _PYFORMAT.sub(r"%(\1)s", sql) if style in ("pyformat", "format") else sql
    return _DRIVER_SQL[key]


# -- the spendable balance: the one balance of a resident at this device ----------------------


# The one formula, as SQL over :d (this device) and :a (the account): with a snapshot, its
# balance of the account plus this device's own movements since (local balance - own base);
# without one, the local balance (NULL for an account this device does not know). Used as it
# is by spendable_balance and inside a payment's single round trip (spend_facts), so the
# balance on the screen and the one the counter enforces are the same number.
def _spendable_sql(account: str) -> str:
    """SPENDABLE_SQL with `account` (a parameter or an SQL expression) for the account."""
    return f"""CASE WHEN EXISTS (SELECT 1 FROM sync_snapshot WHERE id = 1) THEN
    COALESCE((SELECT balance FROM sync_snapshot_balances WHERE account_id = {account}), 0)
  + COALESCE((SELECT balance FROM balances WHERE account_id = {account}), 0)
  - COALESCE((SELECT base FROM sync_own_base WHERE device_id = :d AND account_id = {account}), 0)
ELSE (SELECT balance FROM balances WHERE account_id = {account}) END"""


SPENDABLE_SQL = _spendable_sql(":a")


def spendable_balance(conn: Connection, device_id: str, account: str) -> int:
    """THE balance of `account` at this device: what a resident can spend here, and what every
    screen shows (the kiosk's balance, the counter's "what will remain", a balance slip).

    = the snapshot's balance of the account (the server's books as of the snapshot's ledger
    position) + this device's own movements on it since (its entries with a seq above the
    snapshot's `self_acked_seq`). Without a snapshot (a device that was never enrolled: the
    demo's local ledger) it is the local running balance, which is then the whole ledger.

    The offline policy judges spends by this same number (spend_facts evaluates the same SQL
    in the payment's transaction). Do not show the local `balances` table as a resident's
    money on an enrolled device: it is only this device's own running sum, kept so that
    `ledger verify` can recompute it. Other devices' movements the snapshot does not hold yet
    cannot be known offline; the offline caps bound them.

    Three primary-key reads, whatever the ledger's length (the own base is kept with each
    snapshot). Raises LedgerError (unknown_account) for an account this device does not know.
    """
    value = conn.exec_driver_sql(
        _driver_sql(conn, "SELECT " + SPENDABLE_SQL), {"a": account, "d": device_id}
    ).scalar()
    if value is None:
        raise not_found("rekening", "account", account)
    return int(value)


def available_balance(conn: Connection, device_id: str, account: str) -> int | None:
    """spendable_balance when the device has a snapshot, None when it has none: for the sync
    tests, which check the snapshot's part. Screens and the policy use spendable_balance."""
    if current_snapshot(conn) is None:
        return None
    return spendable_balance(conn, device_id, account)


def own_movements_since(conn: Connection, device_id: str, account: str, after_seq: int) -> int:
    """The net change this device's entries after `after_seq` made to `account`: the plain
    definition behind the own base (the tests compare the two); a scan, not for screens."""
    delta = case(
        (ENTRIES.c.credit == account, ENTRIES.c.amount),
        (ENTRIES.c.debit == account, -ENTRIES.c.amount),
        else_=0,
    )
    total = conn.execute(
        select(func.coalesce(func.sum(delta), 0)).where(
            ENTRIES.c.device_id == device_id,
            ENTRIES.c.seq > after_seq,
            (ENTRIES.c.debit == account) | (ENTRIES.c.credit == account),
        )
    ).scalar_one()
    return int(total)


# -- what a payment needs to know, in one round trip -----------------------------------------


@dataclass(frozen=True, slots=True)
class SpendFacts:
    """Everything a payment looks up, read in the payment's own write transaction."""

    resident_status: str | None  # None: unknown resident
    merchant_known: bool
    local_balance: int | None  # None: no wallet account on this device
    spendable: int | None  # SPENDABLE_SQL
    has_snapshot: bool
    snapshot_server_time: int
    snapshot_received_at: int
    snapshot_limits: str  # canonical JSON, as stored
    device_revoked: bool
    card_revoked: bool
    resident_revoked: bool
    flagged: bool  # the resident, or the card
    resident_spent_today: int  # this device's spends from the wallet today
    device_exposure: int  # this device's spends the server has not acknowledged
    head_seq: int  # this device's chain head, read in the same statement
    head_hash: str
    acked_seq: int  # the highest seq the server acknowledged


def _facts_columns(resident: str, wallet: str) -> str:
    """The select list of a payment's facts, for `resident` and its `wallet` (parameters or
    SQL expressions), over _FACTS_JOINS; then the chain head of this device (:d) and the
    acknowledged seq.
    Scalar subqueries: always exactly one row. The policy's sums run only with a snapshot
    (CASE evaluates lazily): a never-synced demo device would otherwise add up its whole
    chain."""
    return f"""
  (SELECT status FROM residents WHERE id = {resident}),
  (SELECT 1 FROM merchants WHERE id = :m),
  (SELECT balance FROM balances WHERE account_id = {wallet}),
  {_spendable_sql(wallet)},
  s.id, s.server_time, s.received_at, s.limits,
  CASE WHEN s.id IS NULL THEN 0 ELSE
    (SELECT COUNT(*) FROM sync_flags WHERE kind = 'device' AND ident = :d AND flag = 'revoked')
  END,
  CASE WHEN s.id IS NULL THEN 0 ELSE
    (SELECT COUNT(*) FROM sync_flags WHERE kind = 'card' AND ident = :c AND flag = 'revoked')
  END,
  CASE WHEN s.id IS NULL THEN 0 ELSE
    (SELECT COUNT(*) FROM sync_flags WHERE kind = 'resident' AND ident = {resident}
       AND flag = 'revoked')
  END,
  CASE WHEN s.id IS NULL THEN 0 ELSE
    (SELECT COUNT(*) FROM sync_flags WHERE flag = 'flagged'
       AND ((kind = 'resident' AND ident = {resident}) OR (kind = 'card' AND ident = :c)))
  END,
  CASE WHEN s.id IS NULL THEN 0 ELSE
    (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries
     WHERE debit = {wallet} AND wall_time >= :day AND device_id = :d AND kind = 'spend')
  END,
  CASE WHEN s.id IS NULL THEN 0
    WHEN :x_acked = a.acked AND :x_head = h.last_seq THEN :x_sum
    ELSE (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries
     WHERE device_id = :d AND seq > a.acked AND kind = 'spend' AND synced_at IS NULL)
  END,
  h.last_seq, h.head_hash, a.acked"""


# What the facts read once, joined to the one row of each statement below.
_FACTS_JOINS = """
  LEFT JOIN sync_snapshot AS s ON s.id = 1
  LEFT JOIN chain_heads AS h ON h.device_id = :d
  CROSS JOIN (SELECT COALESCE(MAX(acked_seq), 0) AS acked FROM sync_status) AS a"""


_FACT_COLUMNS = 17


@dataclass(frozen=True, slots=True)
class ExposureHint:
    """The device's exposure (its spends above the acknowledged seq) as the writer last
    knew it at this acked seq and chain head: with both unchanged, the unacknowledged
    entries are the same (entries are append-only; acks mark whole prefixes and move the
    acked seq), so the sum need not be read again. Anything else reads it."""

    acked_seq: int
    head_seq: int
    exposure: int


_NO_HINT = ExposureHint(-1, -1, 0)

_SPEND_FACTS = f"""
SELECT {_facts_columns(":r", ":a")}
FROM (SELECT 1 AS one) AS here {_FACTS_JOINS}
"""

# A payment at the counter: the card (its PIN state, and whether the server says it has a
# PIN) and then the facts of its resident, in one statement.
_PAYMENT_FACTS = f"""
SELECT c.kind, c.resident_id, c.status, p.pin_hash, p.wrong_tries, p.blocked_at,
  (SELECT COUNT(*) FROM sync_flags AS f
    WHERE f.kind = 'card' AND f.ident = c.serial AND f.flag = 'pin_needed'),
  {_facts_columns("c.resident_id", "('wallet:' || c.resident_id)")}
FROM (SELECT 1 AS one) AS here
  LEFT JOIN cards AS c ON c.serial = :c
  LEFT JOIN card_pins AS p ON p.serial = c.serial {_FACTS_JOINS}
"""


_TODAY: list[tuple[int, int]] = [(0, 0)]  # the local day last asked for: [start, end)


def _day_start(now_ms: int) -> int:
    """day_start_ms, remembering the day: days.day_bounds caches per millisecond, and every
    payment has a new one."""
    start, end = _TODAY[0]
    if not start <= now_ms < end:
        _, start, end = day_bounds(now_ms)
        _TODAY[0] = (start, end)
    return start


def spend_facts(
    conn: Connection,
    device_id: str,
    resident_id: str,
    merchant_id: str,
    card_serial: str | None,
    now_ms: int,
    hint: ExposureHint | None = None,
) -> SpendFacts:
    """One round trip on the transaction's DBAPI cursor: this runs once per payment, where
    SQLAlchemy's per-statement cost would be most of the work (bench/ledger.py)."""
    row = _fetch_one(
        conn,
        _SPEND_FACTS,
        {
            "r": resident_id,
            "m": merchant_id,
            "a": acc.wallet(resident_id),
            "c": card_serial or "",
            "d": device_id,
            "day": _day_start(now_ms),
            **_hint_params(hint),
        },
    )
    return _spend_facts(row)


def _hint_params(hint: ExposureHint | None) -> dict[str, int]:
    h = hint or _NO_HINT
    return {"x_acked": h.acked_seq, "x_head": h.head_seq, "x_sum": h.exposure}


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """A counter payment's card and, when it is a resident's, the facts of its resident."""

    kind: str | None  # None: no such card
    resident_id: str | None
    active: bool  # the card's own status (the snapshot's revocation list: the policy)
    pin_hash: str | None
    wrong_tries: int
    pin_blocked: bool
    pin_needed: bool  # the server says the card has a PIN
    spend: SpendFacts


def payment_facts(
    conn: Connection,
    device_id: str,
    card_serial: str,
    merchant_id: str,
    now_ms: int,
    hint: ExposureHint | None = None,
) -> PaymentFacts:
    """Everything a counter payment reads, card included, in one statement of the payment's
    own write transaction (the pay op's hot path: bench/ledger.py)."""
    row = _fetch_one(
        conn,
        _PAYMENT_FACTS,
        {
            "m": merchant_id,
            "c": card_serial,
            "d": device_id,
            "day": _day_start(now_ms),
            **_hint_params(hint),
        },
    )
    kind, resident_id, status, pin_hash, tries, blocked_at, pin_needed = row[:7]
    return PaymentFacts(
        kind=kind,
        resident_id=resident_id,
        active=status == "active",
        pin_hash=pin_hash,
        wrong_tries=int(tries or 0),
        pin_blocked=blocked_at is not None,
        pin_needed=bool(pin_needed),
        spend=_spend_facts(row[7:]),
    )


def _fetch_one(conn: Connection, sql: str, params: dict[str, object]) -> Sequence[Any]:
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(_driver_sql(conn, sql), params)
        row = cur.fetchone()
    finally:
        cur.close()
    assert row is not None  # scalar subqueries over one row
    return row  # type: ignore[no-any-return]


def _spend_facts(row: Sequence[Any]) -> SpendFacts:
    assert len(row) == _FACT_COLUMNS
    (status, merchant, local, spendable, snap_id, server_time, received_at, limits) = row[:8]
    (dev_rev, card_rev, res_rev, flagged, spent_today, exposure, head_seq, head_hash) = row[8:16]
    return SpendFacts(
        resident_status=status,
        merchant_known=merchant is not None,
        local_balance=None if local is None else int(local),
        spendable=None if spendable is None else int(spendable),
        has_snapshot=snap_id is not None,
        snapshot_server_time=int(server_time or 0),
        snapshot_received_at=int(received_at or 0),
        snapshot_limits=limits or "{}",
        device_revoked=bool(dev_rev),
        card_revoked=bool(card_rev),
        resident_revoked=bool(res_rev),
        flagged=bool(flagged),
        resident_spent_today=int(spent_today),
        device_exposure=int(exposure),
        head_seq=int(head_seq or 0),
        head_hash=str(head_hash or ""),
        acked_seq=int(row[16] or 0),
    )


# -- the certificate's part of the policy (read once, like the signing role) -----------------


@dataclass(frozen=True)
class _CertFacts:
    valid_until: int | None
    limits: tuple[tuple[str, int], ...]  # policy names


_CERT_FACTS: weakref.WeakKeyDictionary[Engine, dict[str, _CertFacts]] = weakref.WeakKeyDictionary()


def _cert_facts(conn: Connection, device_id: str) -> _CertFacts:
    known = _CERT_FACTS.setdefault(conn.engine, {})
    if device_id not in known:
        cert = own_certificate(conn, device_id)
        until = cert.get("valid_until") if cert else None
        limits = _cert_limits(cert) or {}
        known[device_id] = _CertFacts(
            until if isinstance(until, int) else None,
            tuple(sorted((k, v) for k, v in limits.items() if isinstance(v, int))),
        )
    return known[device_id]


def _cert_limits(cert: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if not cert:
        return None
    limits = cert.get("limits")
    return policy_limits(limits) if isinstance(limits, Mapping) else None


@lru_cache(maxsize=64)
def _limits_in_force(
    snapshot_limits: str | None, cert_limits: tuple[tuple[str, int], ...]
) -> OfflineLimits:
    """The snapshot's limits tightened by the certificate's: the stricter of each holds."""
    sources: Sequence[Mapping[str, Any] | None] = (
        policy_limits(json.loads(snapshot_limits)) if snapshot_limits is not None else None,
        dict(cert_limits),
    )
    found = [OfflineLimits.from_mapping(s) for s in sources if s]
    if not found:
        return DEFAULT_LIMITS
    result = found[0]
    for other in found[1:]:
        result = result.tighten(other)
    return result


def device_limits(conn: Connection, device_id: str) -> OfflineLimits:
    """The offline limits in force on this device (for the counter's screen and the policy)."""
    snap = conn.execute(select(SNAP.c.limits).where(SNAP.c.id == 1)).scalar_one_or_none()
    return _limits_in_force(snap, _cert_facts(conn, device_id).limits)


# -- the offline spend check -----------------------------------------------------------------


def judge_offline_spend(
    conn: Connection,
    device_id: str,
    facts: SpendFacts,
    amount: int,
    card_serial: str | None,
    now_ms: int,
) -> int:
    """Judge a spend by the offline policy (the device has a snapshot: `facts.has_snapshot`).
    Returns the spendable balance before the spend; raises OfflineSpendRefused."""
    # Spends the server would refuse from this device must not be taken: the shop would
    # hand over goods for money that never arrives.
    cert = _cert_facts(conn, device_id)
    if facts.device_revoked:
        raise OfflineSpendRefused(
            "device_revoked",
            "Deze kassa is door de gemeente uitgeschakeld en kan geen betalingen aannemen.",
            "This till has been switched off by the municipality and cannot take payments.",
        )
    if cert.valid_until is not None and now_ms > cert.valid_until:
        raise OfflineSpendRefused(
            "certificate_expired",
            "Het certificaat van deze kassa is verlopen. Meld het apparaat opnieuw aan.",
            "This till's certificate has expired. Enrol the device again.",
        )
    if card_serial and facts.card_revoked:
        raise OfflineSpendRefused(
            "card_revoked",
            "Deze kaart is geblokkeerd (bijvoorbeeld omdat hij kwijt was). Vraag om hulp.",
            "This card has been blocked (for example because it was reported lost). "
            "Please ask for help.",
        )
    if facts.resident_revoked:
        raise OfflineSpendRefused(
            "resident_revoked",
            "Deze deelnemer is geblokkeerd. Neem contact op met de gemeente.",
            "This participant is blocked. Please contact the municipality.",
        )
    available = facts.spendable or 0
    ctx = SpendContext(
        amount=amount,
        now_ms=now_ms,
        snapshot_server_time_ms=facts.snapshot_server_time,
        snapshot_received_at_ms=facts.snapshot_received_at,
        available_balance=available,
        resident_spent_today=facts.resident_spent_today,
        device_exposure=facts.device_exposure,
        card_flagged=facts.flagged,
    )
    check_offline_spend(ctx, _limits_in_force(facts.snapshot_limits, cert.limits))
    return available


def offline_spend_check(
    conn: Connection,
    device_id: str,
    wallet: str,
    amount: int,
    card_serial: str | None,
    now_ms: int,
) -> bool:
    """Judge a spend by the offline policy if this device has a snapshot.

    Returns False when there is no snapshot (the caller then uses the purely local balance);
    True when the policy accepts; raises OfflineSpendRefused when it refuses. (LedgerStore
    reads the facts itself, in the same round trip as its own look-ups.)
    """
    resident_id = acc.owner_of(wallet)
    facts = spend_facts(conn, device_id, resident_id, "", card_serial, now_ms)
    if not facts.has_snapshot:
        return False
    judge_offline_spend(conn, device_id, facts, amount, card_serial, now_ms)
    return True
