"""Settlement in euros: the city pays each shop for the heitjes it took (docs/settlement.md).

Finance picks a period (local Amsterdam dates). ``prepare`` gives each merchant a statement
of what its till took and gave back that has not been paid yet, up to the end of the period:
spends minus refunds, plus the back office's review decisions on that till (a reversed
spend, a refused spend or refund applied after all). Only ledger rows that took effect
(status 'applied') count. A spend still open in review, and every refund of it, is left out:
it waits for a later settlement, once resolved. So do rows dated before the period that no
settlement has paid yet (a device that synced late): the next settlement takes them, and the
statement shows them as "from earlier". A merchant without a valid IBAN, or whose rows add up
to nothing to pay, is left out and its rows wait too.

Four eyes: another finance user ``approve``s the prepared settlement (the same user cannot,
in the code and in the database); only then is it booked, as ``settle`` entries in the
server's own signed chain (till -> redemption, at most ``bounds.max_entry_amount`` each,
refs naming the settlement), and its SEPA credit transfer file (pain.001, made with sepaxml
and checked against its XML schema) made once and kept. A prepared settlement can be
``cancel``led; an approved one cannot.

Never twice: every ledger row a settlement covers is a row of ``settlement_items``, and the
database refuses a ledger row in two settlements that are not cancelled (a partial UNIQUE
index). Two settlements prepared at the same moment therefore split the rows between them;
neither can take a row the other has.

No HTTP and no Qt here: the back-office pages call these functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sepaxml  # type: ignore[import-untyped]
import xmlschema
from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from kiosk.core import accounts as acc
from kiosk.core import days
from kiosk.core.entries import Entry, Kind
from kiosk.core.errors import HeitjeError
from kiosk.server import tables as t
from kiosk.server.bank import BankError, bic_of, check_bic, check_iban
from kiosk.server.ingest import ServerEntry, append_server_entries
from kiosk.server.periods import Period, today
from kiosk.server.rollups import for_big_queries
from kiosk.server.service import Server

log = logging.getLogger("kiosk.server.settlement")

PREPARED = "prepared"
APPROVED = "approved"
CANCELLED = "cancelled"
SCHEMAS = ("pain.001.001.03", "pain.001.001.09")
SCHEMA_DIR = Path(sepaxml.__file__).parent / "schemas"
SETTLED_KINDS = (Kind.SPEND.value, Kind.REFUND.value, Kind.ADJUST.value)


class SettlementError(HeitjeError):
    """A settlement that cannot be prepared, approved, cancelled or exported as asked."""


# -- configuration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementConfig:
    """[settlement] of the server configuration, checked."""

    rate_heitje_cents: int  # this many cents of a heitje ...
    rate_euro_cents: int  # ... are paid out as this many euro cents
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None
    sepa_schema: str

    @classmethod
    def of(cls, config: dict[str, dict[str, Any]]) -> SettlementConfig:
        section = config.get("settlement", {})

        def bad(key: str, why_nl: str, why_en: str) -> SettlementError:
            return SettlementError(
                "bad_settlement_config",
                f"Configuratie settlement.{key}: {why_nl}",
                f"Configuration settlement.{key}: {why_en}",
            )

        rates = []
        for key in ("rate_heitje_cents", "rate_euro_cents"):
            value = section.get(key)
            if type(value) is not int or value <= 0:
                raise bad(key, "een geheel getal boven 0.", "a whole number above 0.")
            rates.append(value)
        name = section.get("debtor_name")
        if not isinstance(name, str) or not name.strip():
            raise bad("debtor_name", "de naam van de gemeente.", "the municipality's name.")
        schema = section.get("sepa_schema", "pain.001.001.09")
        if schema not in SCHEMAS:
            raise bad("sepa_schema", f"een van {', '.join(SCHEMAS)}.", f"one of {SCHEMAS}.")
        try:
            iban = check_iban(str(section.get("debtor_iban", "")))
            raw_bic = section.get("debtor_bic") or None
            bic = check_bic(str(raw_bic)) if raw_bic else bic_of(iban)
        except BankError as exc:
            raise bad("debtor_iban", exc.nl, exc.en) from exc
        return cls(rates[0], rates[1], name.strip(), iban, bic, schema)

    def to_euro_cents(self, heitje_cents: int) -> int:
        """Heitje cents in euro cents at the configured rate, half a cent rounded up (exact
        integer arithmetic: no floats in money)."""
        num = heitje_cents * self.rate_euro_cents
        return (2 * num + self.rate_heitje_cents) // (2 * self.rate_heitje_cents)


# -- what a settlement is -----------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One merchant's statement in a settlement. Amounts are heitje cents unless named euro;
    refunded is what went back (positive), adjusted is signed (+ into the till)."""

    settlement_id: int
    merchant_id: str
    merchant_name: str
    neighbourhood_id: str
    iban: str
    bic: str | None
    spends: int
    spent: int
    refunds: int
    refunded: int
    adjustments: int
    adjusted: int
    earlier: int  # rows dated before the period (synced late, or released from review)
    earlier_amount: int
    held: int  # spends of this shop still open in review, not in this statement
    held_amount: int
    heitje_cents: int  # spent - refunded + adjusted
    euro_cents: int


@dataclass(frozen=True)
class Skipped:
    """A merchant with unpaid rows that this settlement leaves for a later one, and why:
    ``no_iban``, ``bad_iban``, ``nothing_to_pay`` (the rows add up to zero or less) or
    ``below_a_cent`` (less than a euro cent at the rate)."""

    merchant_id: str
    merchant_name: str
    reason: str
    heitje_cents: int
    rows: int


@dataclass(frozen=True)
class Settlement:
    id: int
    period: Period
    status: str
    prepared_by: str
    prepared_at: int
    approved_by: str | None
    approved_at: int | None
    cancelled_by: str | None
    cancelled_at: int | None
    cancel_reason: str | None
    rate_heitje_cents: int
    rate_euro_cents: int
    heitje_cents: int
    euro_cents: int
    sepa_msg_id: str | None
    statements: tuple[Statement, ...] = ()

    @property
    def has_sepa(self) -> bool:
        return self.sepa_msg_id is not None


@dataclass(frozen=True)
class Prepared:
    settlement: Settlement
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DayLine:
    """A statement's figures for one local day (for the PDF): what the shop can compare
    with its own till rolls."""

    day: str
    spends: int
    spent: int
    refunds: int
    refunded: int
    adjustments: int
    adjusted: int


# -- the rows a till took and gave back --------------------------------------------------------

L = t.ledger.c
_CREDIT_TILL = L.credit.like(acc.TILL_PREFIX + "%")
_DEBIT_TILL = L.debit.like(acc.TILL_PREFIX + "%")
_MERCHANT = case(
    (_CREDIT_TILL, func.substr(L.credit, len(acc.TILL_PREFIX) + 1)),
    else_=func.substr(L.debit, len(acc.TILL_PREFIX) + 1),
)
_SIGNED = case((_CREDIT_TILL, L.amount), else_=-L.amount)


def _held() -> list[ColumnElement[bool]]:
    """Not held by an open review item of an honoured spend: neither the spend itself nor a
    refund of it. (Two separate conditions, so the database can make each an anti-join.)"""
    q = t.review_queue.c
    is_open = and_(q.status == "open", q.effect == "honoured")
    spend_held = exists().where(is_open, q.device_id == L.device_id, q.seq == L.seq)
    refund_held = exists().where(
        is_open,
        q.tx_id == L.claim_id,  # a refund's claim_id is the tx_id of its spend (others: none)
        L.debit == literal(acc.TILL_PREFIX) + q.merchant_id,
    )
    return [not_(spend_held), not_(refund_held)]


def _covered() -> ColumnElement[bool]:
    si = t.settlement_items.c
    return exists().where(si.ledger_id == L.id, si.active == true())


def _unpaid(end_ms: int) -> list[ColumnElement[bool]]:
    """Ledger rows, dated before `end_ms`, that moved money into or out of exactly one till,
    took effect, are not held by an open review, and no live settlement covers."""
    return [
        L.status == "applied",
        L.kind.in_(SETTLED_KINDS),
        L.wall_time < end_ms,
        or_(_CREDIT_TILL, _DEBIT_TILL),
        not_(and_(_CREDIT_TILL, _DEBIT_TILL)),  # a transfer between two shops: by hand
        *_held(),
        not_(_covered()),
    ]


# -- prepare, approve, cancel -------------------------------------------------------------------


def _audit(
    server: Server, conn: Connection, by: str, what: str, sid: int, before: Any, after: Any
) -> None:
    """An audit row in the back office's form (who, what, before, after), in the caller's
    transaction. Written here, not through kiosk.server.backoffice, which imports this
    module for its pages."""
    conn.execute(
        insert(t.audit_log).values(
            at=server.now(),
            event=what,
            severity="info",
            device_id=None,
            detail=json.dumps({"subject": f"settlement:{sid}"}),
            actor=f"user:{by}",
            user_id=int(by) if by.isdigit() else None,
            before_json=None if before is None else json.dumps(before, sort_keys=True),
            after_json=json.dumps(after, sort_keys=True),
        )
    )


def _user(by: object, what_nl: str, what_en: str) -> str:
    if not isinstance(by, str | int) or isinstance(by, bool) or not str(by).strip():
        raise SettlementError(
            "user_missing",
            f"Wie {what_nl}? Er is geen gebruiker opgegeven.",
            f"Who {what_en}? No user was given.",
        )
    return str(by).strip()[:120]


PREPARE_ATTEMPTS = 3


def prepare(server: Server, first: str | dt.date, last: str | dt.date, *, by: str) -> Prepared:
    """Prepare a settlement of the period `first` .. `last` (local dates, inclusive) by the
    finance user `by`. Raises SettlementError when the period has not ended yet or there is
    nothing to pay.

    When another settlement claims some of the same rows at the same moment, the database
    refuses the second claim (the UNIQUE index on covered ledger rows); this one is then
    made again from what is still unpaid."""
    user = _user(by, "maakt deze afrekening", "prepares this settlement")
    period = Period.of(first, last)
    if period.last >= today(server.now()):
        raise SettlementError(
            "period_not_over",
            f"De periode loopt nog (tot en met {period.last}); reken af als ze voorbij is.",
            f"The period is not over yet (it runs to {period.last}); settle once it has ended.",
        )
    config = SettlementConfig.of(server.settings.config)
    for attempt in range(1, PREPARE_ATTEMPTS + 1):
        try:
            return _prepare(server, period, config, user)
        except IntegrityError:
            # another settlement took some of the rows first: make this one from what is left
            log.info("settlement by %s: rows taken at the same moment (%s), again", user, attempt)
    raise SettlementError(
        "settlement_busy",
        "Andere afrekeningen worden tegelijk gemaakt; probeer het zo opnieuw.",
        "Other settlements are being prepared at the same time; try again in a moment.",
    )


def _prepare(server: Server, period: Period, config: SettlementConfig, user: str) -> Prepared:
    now = server.now()
    with server.write() as conn:  # no change version: no snapshot or balance changes here
        sid = int(
            conn.execute(
                insert(t.settlements)
                .values(
                    period_start=period.first.isoformat(),
                    period_end=period.last.isoformat(),
                    start_ms=period.start_ms,
                    end_ms=period.end_ms,
                    status=PREPARED,
                    prepared_by=user,
                    prepared_at=now,
                    rate_heitje_cents=config.rate_heitje_cents,
                    rate_euro_cents=config.rate_euro_cents,
                    heitje_cents=0,
                    euro_cents=0,
                )
                .returning(t.settlements.c.id)
            ).scalar_one()
        )
        for_big_queries(conn)
        _cover(conn, sid, period.end_ms)
        statements, skipped = _statements(conn, sid, period, config)
        if skipped:
            conn.execute(
                delete(t.settlement_items).where(
                    t.settlement_items.c.settlement_id == sid,
                    t.settlement_items.c.merchant_id.in_([s.merchant_id for s in skipped]),
                )
            )
        if not statements:
            raise SettlementError(
                "nothing_to_settle",
                f"Er is niets te betalen tot en met {period.last}.",
                f"There is nothing to pay up to {period.last}.",
            )
        conn.execute(insert(t.settlement_statements), [_statement_row(s) for s in statements])
        total_h = sum(s.heitje_cents for s in statements)
        total_e = sum(s.euro_cents for s in statements)
        conn.execute(
            update(t.settlements)
            .where(t.settlements.c.id == sid)
            .values(heitje_cents=total_h, euro_cents=total_e)
        )
        _audit(
            server,
            conn,
            user,
            "settlement.prepare",
            sid,
            None,
            {
                "period": [period.first.isoformat(), period.last.isoformat()],
                "merchants": len(statements),
                "heitje_cents": total_h,
                "euro_cents": total_e,
                "skipped": {s.merchant_id: s.reason for s in skipped},
            },
        )
    log.info("settlement %s prepared by %s: %s euro cents", sid, user, total_e)
    return Prepared(get(server, sid), tuple(skipped))


def _cover(conn: Connection, sid: int, end_ms: int) -> None:
    """Claim every unpaid row for settlement `sid`, in one statement. If another settlement
    claims one of them at the same moment, the partial UNIQUE index refuses this claim
    (IntegrityError, after the other one commits): the database decides who has a row, and
    it is nobody's twice. (A plain INSERT: ON CONFLICT DO NOTHING would skip such rows
    quietly, but costs a third more for a city's million rows.)"""
    source = (
        select(literal(sid), L.id, _MERCHANT, L.kind, L.wall_time, _SIGNED, true())
        .where(*_unpaid(end_ms))
        .order_by(L.id)  # every claim takes rows in one order: waiting, never a deadlock
    )
    conn.execute(
        insert(t.settlement_items).from_select(
            ["settlement_id", "ledger_id", "merchant_id", "kind", "wall_time", "amount", "active"],
            source,
        )
    )


def _statements(
    conn: Connection, sid: int, period: Period, config: SettlementConfig
) -> tuple[list[Statement], list[Skipped]]:
    si = t.settlement_items.c
    m = t.merchants.c
    earlier = case((si.wall_time < period.start_ms, 1), else_=0)
    sums: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    early: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for merchant_id, kind, before, count, amount in conn.execute(
        select(si.merchant_id, si.kind, earlier.label("earlier"), func.count(), func.sum(si.amount))
        .where(si.settlement_id == sid)
        .group_by(si.merchant_id, si.kind, "earlier")
    ):
        cell = sums[merchant_id][kind]
        cell[0] += int(count)
        cell[1] += int(amount)
        if before:
            early[merchant_id][0] += int(count)
            early[merchant_id][1] += int(amount)
    if not sums:
        return [], []
    q = t.review_queue.c
    held = {
        mid: (int(n), int(a))
        for mid, n, a in conn.execute(
            select(q.merchant_id, func.count(), func.sum(q.amount))
            .where(q.status == "open", q.effect == "honoured", q.merchant_id.is_not(None))
            .group_by(q.merchant_id)
        )
    }
    merchants = {
        row.id: row
        for row in conn.execute(
            select(m.id, m.name, m.neighbourhood_id, m.iban).where(m.id.in_(list(sums)))
        )
    }
    statements: list[Statement] = []
    skipped: list[Skipped] = []
    for merchant_id in sorted(sums):
        kinds = sums[merchant_id]
        spends, spent = kinds.get(Kind.SPEND.value, [0, 0])
        refunds, refunded = kinds.get(Kind.REFUND.value, [0, 0])
        adjustments, adjusted = kinds.get(Kind.ADJUST.value, [0, 0])
        total = spent + refunded + adjusted  # refunds are negative from the till's side
        rows = spends + refunds + adjustments
        merchant = merchants.get(merchant_id)
        name = merchant.name if merchant is not None else merchant_id
        reason = None
        iban = ""
        if merchant is None or not merchant.iban:
            reason = "no_iban"
        else:
            try:
                iban = check_iban(merchant.iban)
            except BankError:
                reason = "bad_iban"
        if reason is None and total <= 0:
            reason = "nothing_to_pay"
        euro = config.to_euro_cents(total) if total > 0 else 0
        if reason is None and euro <= 0:
            reason = "below_a_cent"
        if reason is not None:
            skipped.append(Skipped(merchant_id, name, reason, total, rows))
            continue
        assert merchant is not None
        statements.append(
            Statement(
                settlement_id=sid,
                merchant_id=merchant_id,
                merchant_name=merchant.name,
                neighbourhood_id=merchant.neighbourhood_id,
                iban=iban,
                bic=bic_of(iban),
                spends=spends,
                spent=spent,
                refunds=refunds,
                refunded=-refunded,
                adjustments=adjustments,
                adjusted=adjusted,
                earlier=early[merchant_id][0],
                earlier_amount=early[merchant_id][1],
                held=held.get(merchant_id, (0, 0))[0],
                held_amount=held.get(merchant_id, (0, 0))[1],
                heitje_cents=total,
                euro_cents=euro,
            )
        )
    return statements, skipped


def _statement_row(s: Statement) -> dict[str, Any]:
    return dataclasses.asdict(s)


def _refuse(row: Any, sid: int, by: str, acting_nl: str, acting_en: str) -> SettlementError:
    """Why settlement `row` cannot be approved or cancelled by `by`."""
    if row is None:
        return SettlementError(
            "unknown_settlement", f"Afrekening {sid} bestaat niet.", f"No settlement {sid}."
        )
    if row.status == APPROVED:
        return SettlementError(
            "settlement_approved",
            f"Afrekening {sid} is al goedgekeurd (door {row.approved_by}).",
            f"Settlement {sid} has already been approved (by {row.approved_by}).",
        )
    if row.status == CANCELLED:
        return SettlementError(
            "settlement_cancelled",
            f"Afrekening {sid} is geannuleerd.",
            f"Settlement {sid} was cancelled.",
        )
    return SettlementError(
        "settlement_busy",
        f"Afrekening {sid} kon niet worden {acting_nl}; probeer het opnieuw.",
        f"Settlement {sid} could not be {acting_en}; try again.",
    )


def approve(server: Server, sid: int, *, by: str) -> Settlement:
    """The second finance user approves settlement `sid`: it is booked as settle entries in the
    server's chain and its SEPA file is made and kept. The user who prepared it cannot."""
    user = _user(by, "keurt deze afrekening goed", "approves this settlement")
    config = SettlementConfig.of(server.settings.config)
    s = t.settlements.c
    with server.write() as conn:
        version = server.bump(conn)
        row = conn.execute(select(t.settlements).where(s.id == sid)).first()
        if row is not None and row.status == PREPARED and row.prepared_by == user:
            raise SettlementError(
                "four_eyes",
                "Vier ogen: wie een afrekening maakt, mag haar niet ook goedkeuren. "
                "Laat een andere medewerker van Financiën dit doen.",
                "Four eyes: whoever prepared a settlement may not approve it too. "
                "Ask another member of the finance team.",
            )
        now = server.now()
        done = conn.execute(
            update(t.settlements)
            .where(s.id == sid, s.status == PREPARED, s.prepared_by != user)
            .values(status=APPROVED, approved_by=user, approved_at=now)
        )
        if done.rowcount != 1:
            raise _refuse(row, sid, user, "goedgekeurd", "approved")
        assert row is not None
        statements = _load_statements(conn, sid)
        settlement = _settlement(row, statements)
        xml, msg_id = build_sepa(settlement, config, _execution_date(now))
        _book(server, conn, version, sid, statements)
        conn.execute(
            update(t.settlements)
            .where(s.id == sid)
            .values(sepa_xml=xml.decode(), sepa_msg_id=msg_id)
        )
        _audit(
            server,
            conn,
            user,
            "settlement.approve",
            sid,
            {"status": PREPARED, "prepared_by": row.prepared_by},
            {"status": APPROVED, "euro_cents": row.euro_cents, "sepa_msg_id": msg_id},
        )
    log.info("settlement %s approved by %s", sid, user)
    return get(server, sid)


def _book(
    server: Server, conn: Connection, version: int, sid: int, statements: list[Statement]
) -> list[Entry]:
    """Each statement's amount moves from the merchant's till to redemption as settle entries
    in the server's own chain, in parts of at most one entry's bound (``bounds``), through
    ``ingest.append_server_entries``: the same chain, rules and writer as every server entry,
    one state load and one insert for the whole approval (a city's year is about a thousand
    settle entries). Raises Refusal, booking nothing, if any part would not take effect."""
    max_entry = server.settings.get("bounds", "max_entry_amount")
    specs: list[ServerEntry] = []
    for st in statements:
        parts = -(-st.heitje_cents // max_entry)
        left = st.heitje_cents
        for part in range(1, parts + 1):
            amount = min(left, max_entry)
            left -= amount
            specs.append(
                ServerEntry(
                    Kind.SETTLE,
                    debit=acc.till(st.merchant_id),
                    credit=acc.REDEMPTION,
                    amount=amount,
                    refs={
                        "settlement": sid,
                        "merchant": st.merchant_id,
                        "part": part,
                        "parts": parts,
                        "euro_cents": st.euro_cents,
                    },
                )
            )
    return append_server_entries(server, conn, version, specs)


def cancel(server: Server, sid: int, *, by: str, reason: str = "") -> Settlement:
    """Cancel a prepared (not yet approved) settlement: its rows are free for the next one."""
    user = _user(by, "annuleert deze afrekening", "cancels this settlement")
    s = t.settlements.c
    with server.write() as conn:
        row = conn.execute(select(t.settlements).where(s.id == sid)).first()
        done = conn.execute(
            update(t.settlements)
            .where(s.id == sid, s.status == PREPARED)
            .values(
                status=CANCELLED,
                cancelled_by=user,
                cancelled_at=server.now(),
                cancel_reason=reason.strip() or None,
            )
        )
        if done.rowcount != 1:
            raise _refuse(row, sid, user, "geannuleerd", "cancelled")
        conn.execute(
            update(t.settlement_items)
            .where(t.settlement_items.c.settlement_id == sid)
            .values(active=False)
        )
        _audit(
            server,
            conn,
            user,
            "settlement.cancel",
            sid,
            {"status": PREPARED},
            {"status": CANCELLED, "reason": reason.strip()},
        )
    return get(server, sid)


# -- reading -----------------------------------------------------------------------------------


def _settlement(row: Any, statements: Iterable[Statement] = ()) -> Settlement:
    return Settlement(
        id=int(row.id),
        period=Period.of(row.period_start, row.period_end),
        status=row.status,
        prepared_by=row.prepared_by,
        prepared_at=int(row.prepared_at),
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        cancelled_by=row.cancelled_by,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
        rate_heitje_cents=int(row.rate_heitje_cents),
        rate_euro_cents=int(row.rate_euro_cents),
        heitje_cents=int(row.heitje_cents),
        euro_cents=int(row.euro_cents),
        sepa_msg_id=row.sepa_msg_id,
        statements=tuple(statements),
    )


def _load_statements(conn: Connection, sid: int) -> list[Statement]:
    ss = t.settlement_statements.c
    rows = conn.execute(
        select(t.settlement_statements).where(ss.settlement_id == sid).order_by(ss.merchant_id)
    ).mappings()
    return [Statement(**{k: r[k] for k in Statement.__dataclass_fields__}) for r in rows]


def get(server: Server, sid: int) -> Settlement:
    with server.engine.connect() as conn:
        row = conn.execute(select(t.settlements).where(t.settlements.c.id == sid)).first()
        if row is None:
            raise SettlementError(
                "unknown_settlement", f"Afrekening {sid} bestaat niet.", f"No settlement {sid}."
            )
        return _settlement(row, _load_statements(conn, sid))


def list_settlements(server: Server, *, limit: int = 50, offset: int = 0) -> list[Settlement]:
    """Newest first, without their statements."""
    cols = [c for c in t.settlements.c if c.name != "sepa_xml"]
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(*cols).order_by(t.settlements.c.id.desc()).limit(limit).offset(offset)
        ).all()
    return [_settlement(r) for r in rows]


def statement(server: Server, sid: int, merchant_id: str) -> Statement:
    for st in get(server, sid).statements:
        if st.merchant_id == merchant_id:
            return st
    raise SettlementError(
        "unknown_statement",
        f"Afrekening {sid} heeft geen overzicht voor winkel {merchant_id}.",
        f"Settlement {sid} has no statement for merchant {merchant_id}.",
    )


def day_lines(server: Server, sid: int, merchant_id: str) -> list[DayLine]:
    """A statement's rows summed per local day (Amsterdam), oldest first."""
    si = t.settlement_items.c
    per_day: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    with server.engine.connect() as conn:
        for wall, kind, amount in conn.execute(
            select(si.wall_time, si.kind, si.amount).where(
                si.settlement_id == sid, si.merchant_id == merchant_id
            )
        ):
            line = per_day[days.day_key(int(wall))]
            slot = {Kind.SPEND.value: 0, Kind.REFUND.value: 2}.get(kind, 4)
            line[slot] += 1
            line[slot + 1] += -int(amount) if kind == Kind.REFUND.value else int(amount)
    return [DayLine(day, *values) for day, values in sorted(per_day.items())]


def covered_ledger_ids(server: Server, sid: int) -> list[int]:
    si = t.settlement_items.c
    with server.engine.connect() as conn:
        return [
            int(i)
            for i in conn.execute(
                select(si.ledger_id).where(si.settlement_id == sid).order_by(si.ledger_id)
            ).scalars()
        ]


# -- SEPA ----------------------------------------------------------------------------------------


def _execution_date(now_ms: int) -> dt.date:
    """The next working day (Monday to Friday) after `now_ms`, local time."""
    day = today(now_ms) + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _end_to_end(sid: int, n: int) -> str:
    return f"HEITJE-{sid}-{n:04d}"


def build_sepa(
    settlement: Settlement, config: SettlementConfig, execution_date: dt.date
) -> tuple[bytes, str]:
    """The pain.001 credit transfer of `settlement`'s statements (sepaxml), validated against
    the schema; returns the XML and its message id."""
    transfer = sepaxml.SepaTransfer(
        {
            "name": config.debtor_name,
            "IBAN": config.debtor_iban,
            **({"BIC": config.debtor_bic} if config.debtor_bic else {}),
            "batch": True,
            "currency": "EUR",
        },
        schema=config.sepa_schema,
    )
    period = f"{settlement.period.first.isoformat()} - {settlement.period.last.isoformat()}"
    for n, st in enumerate(settlement.statements, start=1):
        payment: dict[str, Any] = {
            "name": st.merchant_name,
            "IBAN": st.iban,
            "amount": st.euro_cents,
            "execution_date": execution_date,
            "description": f"Heitje uitbetaling {period} afrekening {settlement.id}",
            "endtoend_id": _end_to_end(settlement.id, n),
        }
        if st.bic:
            payment["BIC"] = st.bic
        transfer.add_payment(payment)
    try:
        xml: bytes = transfer.export(validate=False)  # checked below, with a cached schema
    except Exception as exc:  # sepaxml raises bare Exceptions for bad input
        raise SettlementError(
            "sepa_invalid",
            f"Het SEPA-bestand kon niet worden gemaakt: {exc}",
            f"The SEPA file could not be made: {exc}",
        ) from exc
    validate_sepa(xml, config.sepa_schema)
    return xml, str(transfer.msg_id)


@functools.lru_cache(maxsize=len(SCHEMAS))
def _schema(name: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMA_DIR / f"{name}.xsd")  # about half a second to build


def validate_sepa(xml: bytes, schema: str) -> None:
    """Raise SettlementError unless `xml` is valid against the pain.001 `schema` (the XSD
    sepaxml ships, read with xmlschema)."""
    if schema not in SCHEMAS:
        raise SettlementError("sepa_schema", f"Onbekend schema {schema}.", f"Unknown {schema}.")
    xsd = _schema(schema)
    errors = list(xsd.iter_errors(xml.decode()))
    if errors:
        raise SettlementError(
            "sepa_invalid",
            f"Het SEPA-bestand voldoet niet aan {schema}: {errors[0].reason}",
            f"The SEPA file does not meet {schema}: {errors[0].reason}",
        )


def sepa_file(server: Server, sid: int) -> bytes:
    """The SEPA file of an approved settlement, exactly as made at approval."""
    with server.engine.connect() as conn:
        row = conn.execute(
            select(t.settlements.c.status, t.settlements.c.sepa_xml).where(
                t.settlements.c.id == sid
            )
        ).first()
    if row is None:
        raise SettlementError(
            "unknown_settlement", f"Afrekening {sid} bestaat niet.", f"No settlement {sid}."
        )
    if row.status != APPROVED or row.sepa_xml is None:
        raise SettlementError(
            "not_approved",
            f"Afrekening {sid} is nog niet goedgekeurd: er is nog geen betaalbestand.",
            f"Settlement {sid} has not been approved: there is no payment file yet.",
        )
    return str(row.sepa_xml).encode()


@dataclass(frozen=True)
class SepaSummary:
    """What a pain.001 file says it pays: its control sum, its payments and their total."""

    msg_id: str
    control_sum_cents: int
    payments: tuple[tuple[str, str, int], ...]  # (end-to-end id, IBAN, euro cents)

    @property
    def total_cents(self) -> int:
        return sum(p[2] for p in self.payments)


def _cents(text: str | None) -> int:
    whole, _, frac = (text or "0").strip().partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def read_sepa(xml: bytes) -> SepaSummary:
    """Read back a pain.001 file (for checks: the file's total against the statements)."""
    root = ET.fromstring(xml)
    ns = {"p": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {"p": ""}

    def find(node: ET.Element, path: str) -> str | None:
        found = node.find(path, ns)
        return found.text if found is not None else None

    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    assert header is not None
    payments = []
    for tx in root.iterfind(".//p:CdtTrfTxInf", ns):
        payments.append(
            (
                find(tx, "p:PmtId/p:EndToEndId") or "",
                find(tx, "p:CdtrAcct/p:Id/p:IBAN") or "",
                _cents(find(tx, "p:Amt/p:InstdAmt")),
            )
        )
    return SepaSummary(
        find(header, "p:MsgId") or "", _cents(find(header, "p:CtrlSum")), tuple(payments)
    )
