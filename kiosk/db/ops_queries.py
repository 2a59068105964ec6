"""The device-side reads behind kiosk/ops: who holds a card, a resident's money entries (this
device's own and the server's newest lines), chores, claims and loans, and a counter's day.
Plain rows; the ops turn them into words. At the end: writing what a snapshot brings for
these reads (money lines, claims).

`read_only(engine)` is the connection the ops' reader threads use: on SQLite it begins
deferred (kiosk.sql.READ_ONLY), so a screen's read never waits for a payment being written,
nor holds one up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

import kiosk.db.models as m
from kiosk.core.entries import Kind
from kiosk.db.pin_models import CardPin
from kiosk.db.sync_models import SyncFlag, SyncMoneyLine, SyncRefused
from kiosk.sql import READ_ONLY

ENTRIES = m.LedgerEntry.__table__
CLAIMS = m.ChoreClaim.__table__
CHORES = m.Chore.__table__
CARDS = m.Card.__table__
RESIDENTS = m.Resident.__table__
PINS = CardPin.__table__
STAFF = m.Staff.__table__
FLAGS = SyncFlag.__table__
REFUSED = SyncRefused.__table__
LINES = SyncMoneyLine.__table__


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A connection for reads, in one (deferred) transaction: one consistent view."""
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn, conn.begin():
        yield conn


# -- cards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardHolder:
    """A card as this device knows it, with its holder and its PIN state here."""

    serial: str
    kind: str  # resident | staff | klusbox
    revoked: bool  # the card's status, or the snapshot's revocation list
    resident_id: str | None
    resident_name: str
    resident_status: str | None  # active | blocked; None for a card of no resident
    resident_revoked: bool
    neighbourhood_id: str | None
    pin_hash: str | None
    wrong_tries: int
    pin_blocked: bool
    pin_needed: bool  # the server says the card has a PIN (set at the office, say)


def _flagged(kind: str, ident: Any, flag: str = "revoked") -> Any:
    return (
        select(func.count())
        .select_from(FLAGS)
        .where(FLAGS.c.kind == kind, FLAGS.c.ident == ident, FLAGS.c.flag == flag)
        .scalar_subquery()
    )


def card_holder(conn: Connection, serial: str) -> CardHolder | None:
    """The card with this serial and who holds it; None for a card this device does not know."""
    row = conn.execute(
        select(
            CARDS.c.serial,
            CARDS.c.kind,
            CARDS.c.status,
            _flagged("card", CARDS.c.serial).label("card_revoked"),
            CARDS.c.resident_id,
            RESIDENTS.c.name,
            RESIDENTS.c.status.label("resident_status"),
            _flagged("resident", CARDS.c.resident_id).label("resident_revoked"),
            RESIDENTS.c.neighbourhood_id,
            PINS.c.pin_hash,
            PINS.c.wrong_tries,
            PINS.c.blocked_at,
            _flagged("card", CARDS.c.serial, "pin_needed").label("pin_needed"),
        )
        .select_from(CARDS)
        .outerjoin(RESIDENTS, RESIDENTS.c.id == CARDS.c.resident_id)
        .outerjoin(PINS, PINS.c.serial == CARDS.c.serial)
        .where(CARDS.c.serial == serial)
    ).first()
    if row is None:
        return None
    return CardHolder(
        serial=row.serial,
        kind=row.kind,
        revoked=row.status != "active" or bool(row.card_revoked),
        resident_id=row.resident_id,
        resident_name=row.name or "",
        resident_status=row.resident_status,
        resident_revoked=bool(row.resident_revoked),
        neighbourhood_id=row.neighbourhood_id,
        pin_hash=row.pin_hash,
        wrong_tries=int(row.wrong_tries or 0),
        pin_blocked=row.blocked_at is not None,
        pin_needed=bool(row.pin_needed),
    )


@dataclass(frozen=True)
class StaffCard:
    """A staff card as this device knows it, with its holder and their override PIN here."""

    serial: str
    revoked: bool
    staff_id: str | None
    name: str
    role: str | None  # inspector | desk | kiosk-staff
    status: str | None  # active | left
    pin_hash: str | None
    wrong_tries: int
    pin_blocked: bool


def staff_card(conn: Connection, serial: str) -> StaffCard | None:
    """The staff card with this serial; None for a card this device does not know or one
    that is not a staff card."""
    row = conn.execute(
        select(
            CARDS.c.serial,
            CARDS.c.status,
            _flagged("card", CARDS.c.serial).label("card_revoked"),
            CARDS.c.staff_id,
            STAFF.c.name,
            STAFF.c.role,
            STAFF.c.status.label("staff_status"),
            PINS.c.pin_hash,
            PINS.c.wrong_tries,
            PINS.c.blocked_at,
        )
        .select_from(CARDS)
        .outerjoin(STAFF, STAFF.c.id == CARDS.c.staff_id)
        .outerjoin(PINS, PINS.c.serial == CARDS.c.serial)
        .where(CARDS.c.serial == serial, CARDS.c.kind == "staff")
    ).first()
    if row is None:
        return None
    return StaffCard(
        serial=row.serial,
        revoked=row.status != "active" or bool(row.card_revoked),
        staff_id=row.staff_id,
        name=row.name or "",
        role=row.role,
        status=row.staff_status,
        pin_hash=row.pin_hash,
        wrong_tries=int(row.wrong_tries or 0),
        pin_blocked=row.blocked_at is not None,
    )


@dataclass(frozen=True, slots=True)
class PaymentCard:
    """What the counter's pay needs of a card, read on the payment's own cursor."""

    kind: str
    resident_id: str | None
    active: bool  # the card's own status (the snapshot's revocation list: the policy)
    pin_hash: str | None
    wrong_tries: int
    pin_blocked: bool
    pin_needed: bool  # the server says the card has a PIN


_PAYMENT_CARD = (
    "SELECT c.kind, c.resident_id, c.status, p.pin_hash, p.wrong_tries, p.blocked_at,"
    " (SELECT COUNT(*) FROM sync_flags AS f"
    "  WHERE f.kind = 'card' AND f.ident = c.serial AND f.flag = 'pin_needed')"
    " FROM cards AS c LEFT JOIN card_pins AS p ON p.serial = c.serial WHERE c.serial = ?"
)


def payment_card(conn: Connection, serial: str) -> PaymentCard | None:
    """One primary-key read on the transaction's DBAPI cursor (this runs once per payment)."""
    sql = _PAYMENT_CARD
    if conn.dialect.paramstyle in ("pyformat", "format"):
        sql = sql.replace("?", "%s")
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql, (serial,))
        row = cur.fetchone()
    finally:
        cur.close()
    if row is None:
        return None
    kind, resident_id, status, pin_hash, tries, blocked_at, pin_needed = row
    return PaymentCard(
        kind,
        resident_id,
        status == "active",
        pin_hash,
        int(tries or 0),
        blocked_at is not None,
        bool(pin_needed),
    )


# -- names -----------------------------------------------------------------------------------


def merchant_names(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(select(m.Merchant.id, m.Merchant.name).where(m.Merchant.id.in_(wanted)))
    return {r.id: r.name for r in rows}


def merchant_name(conn: Connection, merchant_id: str) -> str | None:
    return merchant_names(conn, [merchant_id]).get(merchant_id)


def device_name(conn: Connection, device_id: str) -> str:
    name = conn.execute(select(m.Device.name).where(m.Device.id == device_id)).scalar_one_or_none()
    return name or device_id


def neighbourhood_name(conn: Connection, neighbourhood_id: str | None) -> str:
    if neighbourhood_id is None:
        return ""
    name = conn.execute(
        select(m.Neighbourhood.name).where(m.Neighbourhood.id == neighbourhood_id)
    ).scalar_one_or_none()
    return name or ""


def claim_chore_titles(conn: Connection, claim_ids: Iterable[str]) -> dict[str, str]:
    return {k: nl for k, (nl, _) in claim_chore_titles_both(conn, claim_ids).items()}


def claim_chore_titles_both(
    conn: Connection, claim_ids: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """claim id -> its chore's (Dutch title, English title or the Dutch one)."""
    wanted = sorted(set(claim_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(CLAIMS.c.id, CHORES.c.title, CHORES.c.title_en)
        .join(CHORES, CHORES.c.id == CLAIMS.c.chore_id)
        .where(CLAIMS.c.id.in_(wanted))
    )
    return {r.id: (r.title, r.title_en or r.title) for r in rows}


# -- money entries of an account ---------------------------------------------------------------


@dataclass(frozen=True)
class MoneyRow:
    tx_id: str
    device_id: str
    seq: int
    kind: Kind
    debit: str
    credit: str
    amount: int
    refs: dict[str, Any]
    wall_time: int


def account_history(conn: Connection, account: str, limit: int) -> list[MoneyRow]:
    """The newest money entries touching `account`, newest first: the newest `limit` of each
    side from its (account, wall_time) index, merged, so the cost does not grow with the
    ledger."""
    found: list[MoneyRow] = []
    for column in (ENTRIES.c.debit, ENTRIES.c.credit):
        rows = conn.execute(
            select(ENTRIES)
            .where(column == account)
            .order_by(ENTRIES.c.wall_time.desc(), ENTRIES.c.seq.desc())
            .limit(limit)
        )
        found.extend(_money_row(r) for r in rows)
    found.sort(key=lambda r: (r.wall_time, r.seq), reverse=True)
    return found[:limit]


def _money_row(r: Any) -> MoneyRow:
    return MoneyRow(
        tx_id=r.tx_id,
        device_id=r.device_id,
        seq=int(r.seq),
        kind=Kind(r.kind),
        debit=r.debit,
        credit=r.credit,
        amount=int(r.amount),
        refs=json.loads(r.refs),
        wall_time=int(r.wall_time),
    )


# -- chores, claims, loans --------------------------------------------------------------------


@dataclass(frozen=True)
class ChoreRow:
    id: str
    title: str
    reward: int
    capacity: int
    starts_at: int
    ends_at: int
    taken_here: int  # claims this device knows of (its own, and the snapshot's; not rejected)
    title_en: str | None = None


def open_chores(conn: Connection, neighbourhood_id: str, now_ms: int) -> list[ChoreRow]:
    """Chores of the neighbourhood that have not ended, soonest first."""
    taken = (
        select(func.count())
        .select_from(CLAIMS)
        .where(CLAIMS.c.chore_id == CHORES.c.id, CLAIMS.c.status != "rejected")
        .scalar_subquery()
    )
    rows = conn.execute(
        select(CHORES, taken.label("taken"))
        .where(CHORES.c.neighbourhood_id == neighbourhood_id, CHORES.c.ends_at > now_ms)
        .order_by(CHORES.c.starts_at, CHORES.c.id)
    )
    return [
        ChoreRow(
            r.id,
            r.title,
            int(r.reward),
            int(r.capacity),
            int(r.starts_at),
            int(r.ends_at),
            r.taken,
            r.title_en,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ClaimRow:
    id: str
    chore_id: str
    resident_id: str
    chore_title: str
    reward: int
    starts_at: int
    ends_at: int
    status: str
    reason: str | None
    updated_at: int
    chore_title_en: str | None = None
    klusbox_kind: str | None = None  # what kind of box the chore needs


def resident_claims(conn: Connection, resident_id: str) -> list[ClaimRow]:
    """A resident's claims on chores this device knows, newest first."""
    rows = conn.execute(
        select(
            CLAIMS,
            CHORES.c.title,
            CHORES.c.title_en,
            CHORES.c.reward,
            CHORES.c.starts_at,
            CHORES.c.ends_at,
            CHORES.c.klusbox_kind,
        )
        .join(CHORES, CHORES.c.id == CLAIMS.c.chore_id)
        .where(CLAIMS.c.resident_id == resident_id)
        .order_by(CLAIMS.c.updated_at.desc(), CLAIMS.c.id)
    )
    return [
        ClaimRow(
            r.id,
            r.chore_id,
            r.resident_id,
            r.title,
            int(r.reward),
            int(r.starts_at),
            int(r.ends_at),
            r.status,
            r.reason,
            int(r.updated_at),
            r.title_en,
            r.klusbox_kind,
        )
        for r in rows
    ]


def claim_row(conn: Connection, claim_id: str) -> ClaimRow | None:
    row = conn.execute(
        select(
            CLAIMS,
            CHORES.c.title,
            CHORES.c.title_en,
            CHORES.c.reward,
            CHORES.c.starts_at,
            CHORES.c.ends_at,
        )
        .join(CHORES, CHORES.c.id == CLAIMS.c.chore_id)
        .where(CLAIMS.c.id == claim_id)
    ).first()
    if row is None:
        return None
    return ClaimRow(
        row.id,
        row.chore_id,
        row.resident_id,
        row.title,
        int(row.reward),
        int(row.starts_at),
        int(row.ends_at),
        row.status,
        row.reason,
        int(row.updated_at),
        row.title_en,
    )


def chore(conn: Connection, chore_id: str) -> ChoreRow | None:
    row = conn.execute(select(CHORES).where(CHORES.c.id == chore_id)).first()
    if row is None:
        return None
    taken = conn.execute(
        select(func.count())
        .select_from(CLAIMS)
        .where(CLAIMS.c.chore_id == chore_id, CLAIMS.c.status != "rejected")
    ).scalar_one()
    return ChoreRow(
        row.id,
        row.title,
        int(row.reward),
        int(row.capacity),
        int(row.starts_at),
        int(row.ends_at),
        int(taken),
        row.title_en,
    )


def chore_neighbourhood(conn: Connection, chore_id: str) -> str | None:
    return conn.execute(
        select(CHORES.c.neighbourhood_id).where(CHORES.c.id == chore_id)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class LoanRow:
    id: str
    klusbox_id: str
    klusbox_name: str
    lent_at: int
    due_at: int


def open_loans(conn: Connection, resident_id: str) -> list[LoanRow]:
    """The klusboxes a resident has not brought back yet, soonest due first."""
    rows = conn.execute(
        select(m.Loan.id, m.Loan.klusbox_id, m.Klusbox.name, m.Loan.lent_at, m.Loan.due_at)
        .join(m.Klusbox, m.Klusbox.id == m.Loan.klusbox_id)
        .where(m.Loan.resident_id == resident_id, m.Loan.returned_at.is_(None))
        .order_by(m.Loan.due_at, m.Loan.id)
    )
    return [LoanRow(r.id, r.klusbox_id, r.name, int(r.lent_at), int(r.due_at)) for r in rows]


# -- a counter's day ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterRow:
    """A spend into the till or a refund out of it, made by this device."""

    tx_id: str
    seq: int
    kind: Kind  # spend | refund
    amount: int
    resident_id: str
    card_serial: str | None
    spend_tx_id: str | None  # the spend a refund returns
    wall_time: int
    synced: bool
    refunded: int  # for a spend: what has been refunded of it so far
    refused_code: str | None  # the server stored it as refused, with this code
    refused_recorded_at: int | None


def _counter_rows(conn: Connection, device_id: str, where: Any) -> list[CounterRow]:
    refunds = ENTRIES.alias("refunds")
    refunded = (
        select(func.coalesce(func.sum(refunds.c.amount), 0))
        .where(refunds.c.ref_tx_id == ENTRIES.c.tx_id, refunds.c.kind == Kind.REFUND.value)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            ENTRIES.c.tx_id,
            ENTRIES.c.seq,
            ENTRIES.c.kind,
            ENTRIES.c.amount,
            ENTRIES.c.debit,
            ENTRIES.c.credit,
            ENTRIES.c.refs,
            ENTRIES.c.ref_tx_id,
            ENTRIES.c.wall_time,
            ENTRIES.c.synced_at,
            refunded.label("refunded"),
            REFUSED.c.code,
            REFUSED.c.recorded_at,
        )
        .outerjoin(
            REFUSED, and_(REFUSED.c.seq == ENTRIES.c.seq, REFUSED.c.tx_id == ENTRIES.c.tx_id)
        )
        .where(ENTRIES.c.device_id == device_id, where)
        .order_by(ENTRIES.c.wall_time, ENTRIES.c.seq)
    )
    out = []
    for r in rows:
        kind = Kind(r.kind)
        refs = json.loads(r.refs)
        wallet = r.debit if kind is Kind.SPEND else r.credit
        card = refs.get("card")
        out.append(
            CounterRow(
                tx_id=r.tx_id,
                seq=int(r.seq),
                kind=kind,
                amount=int(r.amount),
                resident_id=str(wallet).partition(":")[2],
                card_serial=card if isinstance(card, str) else None,
                spend_tx_id=r.ref_tx_id,
                wall_time=int(r.wall_time),
                synced=r.synced_at is not None,
                refunded=int(r.refunded) if kind is Kind.SPEND else 0,
                refused_code=r.code,
                refused_recorded_at=None if r.recorded_at is None else int(r.recorded_at),
            )
        )
    return out


def counter_day(
    conn: Connection, device_id: str, till: str, start_ms: int, end_ms: int
) -> list[CounterRow]:
    """This device's spends into `till` and refunds out of it with a wall time in
    [start_ms, end_ms), oldest first; each side read from its (account, wall_time) index."""
    in_day = ENTRIES.c.wall_time.between(start_ms, end_ms - 1)
    return _counter_rows(
        conn,
        device_id,
        or_(
            and_(ENTRIES.c.credit == till, ENTRIES.c.kind == Kind.SPEND.value, in_day),
            and_(ENTRIES.c.debit == till, ENTRIES.c.kind == Kind.REFUND.value, in_day),
        ),
    )


def refused_recorded_between(
    conn: Connection, device_id: str, till: str, start_ms: int, end_ms: int
) -> list[CounterRow]:
    """Spends and refunds of `till` the server refused in [start_ms, end_ms), whenever they
    were made (a refusal can arrive days after the sale)."""
    seqs = select(REFUSED.c.seq).where(REFUSED.c.recorded_at.between(start_ms, end_ms - 1))
    return _counter_rows(
        conn,
        device_id,
        and_(
            ENTRIES.c.seq.in_(seqs),
            or_(
                and_(ENTRIES.c.credit == till, ENTRIES.c.kind == Kind.SPEND.value),
                and_(ENTRIES.c.debit == till, ENTRIES.c.kind == Kind.REFUND.value),
            ),
        ),
    )


def counter_entry(conn: Connection, device_id: str, tx_id: str) -> CounterRow | None:
    rows = _counter_rows(conn, device_id, ENTRIES.c.tx_id == tx_id)
    return rows[0] if rows else None


# -- the server's money lines of a resident (from the kiosk's snapshot) ----------------------


@dataclass(frozen=True)
class ServerLine:
    device_id: str
    tx_id: str
    kind: Kind
    change: int
    counterpart: str
    counterpart_en: str
    at: int


def server_lines(conn: Connection, resident_id: str) -> list[ServerLine]:
    """The resident's newest money lines as the last snapshot had them, newest first (a few
    rows, by the table's primary key)."""
    rows = conn.execute(
        select(LINES).where(LINES.c.resident_id == resident_id).order_by(LINES.c.pos)
    )
    return [
        ServerLine(
            r.device_id,
            r.tx_id,
            Kind(r.kind),
            int(r.change),
            r.counterpart,
            r.counterpart_en,
            int(r.at),
        )
        for r in rows
    ]


def own_entries_after(
    conn: Connection, device_id: str, account: str, after_seq: int, limit: int
) -> list[MoneyRow]:
    """This device's own money entries on `account` after `after_seq` (what the snapshot's
    lines cannot hold yet), newest first."""
    return [
        r
        for r in account_history(conn, account, limit)
        if r.device_id == device_id and r.seq > after_seq
    ]


# -- writing what a snapshot brings ------------------------------------------------------------


def apply_money_lines(conn: Connection, lines: list[dict[str, Any]], *, full: bool) -> None:
    """A full snapshot's lines replace all; a delta's replace those of the residents it names."""
    if full:
        conn.execute(delete(LINES))
    else:
        for resident_id in sorted({str(x["resident_id"]) for x in lines}):
            conn.execute(delete(LINES).where(LINES.c.resident_id == resident_id))
    seen: set[tuple[str, str, str]] = set()
    count: dict[str, int] = {}
    rows = []
    for x in lines:  # each resident's lines come newest first: keep that order
        key = (str(x["resident_id"]), str(x["device_id"]), str(x["tx_id"]))
        if key not in seen:
            seen.add(key)
            pos = count.get(key[0], 0)
            count[key[0]] = pos + 1
            rows.append({**x, "pos": pos})
    if rows:
        conn.execute(insert(LINES), rows)


# signed_up -> checked_in -> done -> approved | rejected -> rewarded
CLAIM_RANK: dict[str, int] = {
    "signed_up": 0,
    "checked_in": 1,
    "done": 2,
    "approved": 3,
    "rejected": 3,
    "rewarded": 4,
}


def apply_claims(
    conn: Connection, claims: list[dict[str, Any]], pending: set[str] | None = None
) -> None:
    """Merge the snapshot's claims into chore_claims. The server's status is taken unless this
    device is further along with a step the server has not acknowledged yet (`pending`: the
    claims of its own unacknowledged entries; None: every claim counts as pending); a step
    the server has seen and still does not show was refused there, so the server's status
    wins (an inspector's approval refused because the back office rejected the claim first).
    A decision of the same rank (the back office overturning a rejection) is the server's. A
    claim of a chore or resident this device does not hold is skipped. If this device holds
    another claim of the same resident on the same chore, the one further along stays."""
    for c in claims:
        known = (
            conn.execute(
                select(func.count()).select_from(CHORES).where(CHORES.c.id == c["chore_id"])
            ).scalar_one()
            and conn.execute(
                select(func.count())
                .select_from(RESIDENTS)
                .where(RESIDENTS.c.id == c["resident_id"])
            ).scalar_one()
        )
        if not known:
            continue
        values = {
            "status": c["status"],
            "reason": c.get("reason"),
            "updated_at": int(c.get("updated_at") or 0),
        }
        for stamp in ("checked_in_at", "done_at"):  # the server's, where it has one
            if c.get(stamp) is not None:
                values[stamp] = int(c[stamp])
        rank = CLAIM_RANK.get(str(c["status"]), 0)
        mine = conn.execute(select(CLAIMS).where(CLAIMS.c.id == c["id"])).first()
        if mine is not None:
            ours_in_flight = pending is None or c["id"] in pending
            if rank >= CLAIM_RANK.get(mine.status, 0) or not ours_in_flight:
                values["updated_at"] = max(values["updated_at"], int(mine.updated_at))
                conn.execute(update(CLAIMS).where(CLAIMS.c.id == c["id"]).values(**values))
            continue
        other = conn.execute(
            select(CLAIMS).where(
                CLAIMS.c.chore_id == c["chore_id"], CLAIMS.c.resident_id == c["resident_id"]
            )
        ).first()
        if other is not None:
            if rank <= CLAIM_RANK.get(other.status, 0):
                continue
            conn.execute(delete(CLAIMS).where(CLAIMS.c.id == other.id))
        conn.execute(
            insert(CLAIMS).values(
                id=c["id"], chore_id=c["chore_id"], resident_id=c["resident_id"], **values
            )
        )
