"""Rollups of the ledger for the reports (docs/reports.md): what each resident did each month,
each resident's first month of taking part, each claim's check-in and check-out, and money moved
per month and neighbourhood.

A city's ledger holds millions of rows; adding them up for every report page costs seconds.
The ledger is append-only, so a row, once counted, stays counted: ``refresh`` folds in only
the rows added since the last time (``report_state.ledger_id``), with a handful of set-based
statements, and the reports read the rollups. Every report function calls ``refresh`` first,
so a report always includes every entry that took effect before it was asked for.

Why the mark is safe: every transaction that writes ledger rows holds the writers' lock
(``ServerCore.bump``, kiosk/server/context.py) from before its first ledger row to its
commit, so ledger ids are handed out in commit order: whatever ``max(ledger.id)`` a reader
sees, every row up to it has been committed and every row still to come gets a higher id.
Refreshes queue on the ``report_state`` row (``FOR UPDATE``; SQLite's write lock), so two at
once never count a row twice: the second finds the mark moved and folds only what is left.
Folding takes no writers' lock, so devices keep syncing meanwhile; it goes
``FOLD_CHUNK`` ledger ids per transaction. The first refresh of a large ledger counts it
all (a city's year: under a minute); after that a refresh counts the few rows since the
last page view.

Counted as the report module says (kiosk/server/reports.py). A resident-month keeps the
neighbourhood the resident lived in when it was first counted (a resident who moves counts
in the new neighbourhood from then on; the months before stay where they were), and
spending "at home" compares with the shops' neighbourhoods at that time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    case,
    delete,
    func,
    literal,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from kiosk.core import accounts as acc
from kiosk.core import days
from kiosk.core.entries import MONEY_KINDS, Kind
from kiosk.server import tables as t
from kiosk.server.periods import Month, months
from kiosk.server.service import Server

FOLD_CHUNK = 200_000
MAX_CLAIM_HOURS = 12  # a claim counts at most this long (a forgotten check-out)
PARTICIPATION_KINDS = (
    Kind.CLAIM_SIGNUP.value,
    Kind.CHECK_IN.value,
    Kind.CHECK_OUT.value,
    Kind.CLAIM_DONE.value,
    Kind.EARN.value,
    Kind.LOAN.value,
    Kind.RETURN.value,
)
SPEND_KINDS = (Kind.SPEND.value, Kind.REFUND.value)
CLAIM_TIMES = (Kind.CHECK_IN.value, Kind.CHECK_OUT.value)
FLOWS = ("issued", "spent", "refunded", "settled", "expired", "other")

L = t.ledger.c
RM = t.report_resident_months
RMC = RM.c


def refresh(server: Server) -> int:
    """Fold every ledger row the rollups have not counted yet; how many ledger ids that was."""
    folded = 0
    while True:
        with server.engine.connect() as conn:
            top, mark = _top_and_mark(conn)
        if top <= mark:
            return folded
        with server.write() as conn:
            mark = int(
                conn.execute(
                    select(t.report_state.c.ledger_id)
                    .where(t.report_state.c.id == 1)
                    .with_for_update()  # one refresh at a time
                ).scalar_one()
            )
            top = int(conn.execute(select(func.max(L.id))).scalar() or 0)
            if top <= mark:
                return folded
            upto = min(top, mark + FOLD_CHUNK)
            for_big_queries(conn)
            fold(conn, mark, upto)
            conn.execute(
                update(t.report_state).where(t.report_state.c.id == 1).values(ledger_id=upto)
            )
        folded += upto - mark


def rebuild(server: Server) -> int:
    """Empty the rollups and count the whole ledger again (after a change in how reports
    count, or to check the rollups against the ledger)."""
    with server.write() as conn:
        conn.execute(select(t.report_state).where(t.report_state.c.id == 1).with_for_update())
        for table in (
            t.report_resident_months,
            t.report_residents,
            t.report_claims,
            t.report_money,
            t.report_cells,
        ):
            conn.execute(delete(table))
        conn.execute(update(t.report_state).where(t.report_state.c.id == 1).values(ledger_id=0))
    return refresh(server)


def for_big_queries(conn: Connection) -> None:
    """On PostgreSQL, for this transaction: no JIT compilation (it costs a second or more
    for each of these queries and wins nothing at this size) and room to hash a city's
    resident-months in memory instead of on disk."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL jit = off"))
        conn.execute(text("SET LOCAL work_mem = '64MB'"))


def _top_and_mark(conn: Connection) -> tuple[int, int]:
    top = conn.execute(select(func.max(L.id))).scalar()
    mark = conn.execute(select(t.report_state.c.ledger_id).where(t.report_state.c.id == 1)).scalar()
    return int(top or 0), int(mark or 0)


# -- folding ---------------------------------------------------------------------------------------


def _insert(conn: Connection, table: Table) -> Any:
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def _greatest(conn: Connection) -> Any:
    return func.greatest if conn.dialect.name == "postgresql" else func.max


def _least(conn: Connection) -> Any:
    return func.least if conn.dialect.name == "postgresql" else func.min


def month_key(col: Any, span: Sequence[Month]) -> ColumnElement[str]:
    """The "YYYY-MM" of `col` (epoch ms), for values inside the months of `span`."""
    whens = [(col >= m.start_ms, m.key) for m in reversed(span)]
    return case(*whens, else_=span[0].key)


def _span(lo: int | None, hi: int | None) -> list[Month] | None:
    if lo is None or hi is None:
        return None
    return months(days.local(int(lo)).date(), days.local(int(hi)).date())


def _upsert(
    conn: Connection,
    table: Table,
    source: Any,
    keys: Sequence[str],
    merge: Callable[[Any], dict[str, Any]],
) -> None:
    stmt = _insert(conn, table).from_select([c.name for c in source.selected_columns], source)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=merge(stmt.excluded)))


def fold(conn: Connection, lo: int, hi: int) -> None:
    """Count the ledger rows with lo < id <= hi into the rollups (in the caller's
    transaction)."""
    in_range = and_(L.id > lo, L.id <= hi, L.status == "applied")
    lo_ms, hi_ms = conn.execute(
        select(func.min(L.wall_time), func.max(L.wall_time)).where(in_range)
    ).one()
    span = _span(lo_ms, hi_ms)
    if span is None:
        return
    touched = {m.key for m in span}
    touched |= _fold_resident_months(conn, in_range, span)
    touched |= _fold_claims(conn, in_range)
    _fold_money(conn, in_range, span)
    make_cells(conn, sorted(touched))


CELL_COLUMNS = (
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


def make_cells(conn: Connection, month_keys: Sequence[str]) -> None:
    """report_cells for `month_keys`, made again from report_resident_months."""
    if not month_keys:
        return
    rm = RMC
    first = t.report_residents.c

    def count(cond: ColumnElement[bool]) -> Any:
        return func.sum(case((cond, 1), else_=0))

    sums = (
        select(
            rm.neighbourhood_id,
            rm.month,
            func.sum(rm.part).label("residents"),
            count(and_(rm.part == 1, first.first_month == rm.month)).label("new"),
            func.sum(rm.chores).label("chores"),
            count(rm.chores > 0).label("chore_residents"),
            func.sum(rm.hours_ms).label("hours_ms"),
            count(rm.hours_ms > 0).label("hours_residents"),
            func.sum(rm.earned).label("earned"),
            func.sum(rm.spent).label("spent"),
            func.sum(rm.spender).label("spenders"),
            func.sum(rm.spent_own).label("spent_own"),
            func.sum(rm.own_spender).label("own_spenders"),
            func.sum(rm.spent - rm.spent_own).label("spent_elsewhere"),
            func.sum(rm.elsewhere_spender).label("elsewhere_spenders"),
            func.sum(rm.loans).label("loans"),
            count(rm.loans > 0).label("borrowers"),
        )
        .select_from(RM.outerjoin(t.report_residents, first.resident_id == rm.resident_id))
        .where(rm.month.in_(list(month_keys)))
        .group_by(rm.neighbourhood_id, rm.month)
    )
    cells = t.report_cells
    conn.execute(delete(cells).where(cells.c.month.in_(list(month_keys))))
    conn.execute(cells.insert().from_select(["neighbourhood_id", "month", *CELL_COLUMNS], sums))


def _fold_resident_months(
    conn: Connection, in_range: ColumnElement[bool], span: list[Month]
) -> set[str]:
    """Fold the rows into report_resident_months and report_residents; the months whose
    "new" residents change besides those of the rows (a resident's first month moved
    earlier: that month loses a new resident)."""
    R = t.residents.c
    shops = t.merchants.alias("shop")
    merchant_of = case(
        (L.kind == Kind.SPEND.value, func.substr(L.credit, len(acc.TILL_PREFIX) + 1)),
        (L.kind == Kind.REFUND.value, func.substr(L.debit, len(acc.TILL_PREFIX) + 1)),
        else_=None,
    )
    signed = case(
        (L.kind == Kind.SPEND.value, L.amount),
        (L.kind == Kind.REFUND.value, -L.amount),
        else_=0,
    )
    spends = L.kind.in_(SPEND_KINDS)
    own = shops.c.neighbourhood_id == R.neighbourhood_id

    def when(cond: ColumnElement[bool], value: Any = 1) -> Any:
        return case((cond, value), else_=0)

    rows = (
        select(
            L.resident_id.label("rid"),
            month_key(L.wall_time, span).label("month"),
            R.neighbourhood_id.label("nb"),
            when(L.kind.in_(PARTICIPATION_KINDS)).label("part"),
            when(L.kind == Kind.EARN.value).label("chore"),
            when(L.kind == Kind.EARN.value, L.amount).label("earned"),
            signed.label("spent"),
            when(own, signed).label("own"),
            when(spends).label("spender"),
            when(and_(spends, own)).label("own_spender"),
            when(and_(spends, ~own)).label("elsewhere_spender"),
            when(L.kind == Kind.LOAN.value).label("loan"),
        )
        .select_from(
            t.ledger.join(t.residents, R.id == L.resident_id).outerjoin(
                shops, shops.c.id == merchant_of
            )
        )
        .where(in_range, L.kind.in_((*PARTICIPATION_KINDS, *SPEND_KINDS)))
        .subquery("rows")
    )
    r = rows.c
    per_month = (
        select(
            r.rid.label("resident_id"),
            r.month,
            r.nb.label("neighbourhood_id"),
            func.max(r.part).label("part"),
            func.sum(r.chore).label("chores"),
            func.sum(r.earned).label("earned"),
            literal(0).label("hours_ms"),
            func.sum(r.spent).label("spent"),
            func.sum(r.own).label("spent_own"),
            func.max(r.spender).label("spender"),
            func.max(r.own_spender).label("own_spender"),
            func.max(r.elsewhere_spender).label("elsewhere_spender"),
            func.sum(r.loan).label("loans"),
        )
        .where(true())  # SQLite: INSERT ... SELECT ... ON CONFLICT needs a WHERE
        .group_by(r.rid, r.month, r.nb)
    )
    greatest = _greatest(conn)
    _upsert(conn, RM, per_month, ("resident_id", "month"), lambda ex: _add_months(ex, greatest))
    first = (
        select(r.rid.label("resident_id"), func.min(r.month).label("first_month"))
        .where(r.part == 1)
        .group_by(r.rid)
    )
    known = t.report_residents.c
    earlier = first.subquery("first")
    moved = set(
        conn.execute(
            select(known.first_month)
            .join(earlier, earlier.c.resident_id == known.resident_id)
            .where(earlier.c.first_month < known.first_month)
            .distinct()
        ).scalars()
    )
    least = _least(conn)
    _upsert(
        conn,
        t.report_residents,
        first,
        ("resident_id",),
        lambda ex: {"first_month": least(known.first_month, ex.first_month)},
    )
    return moved


def _add_months(ex: Any, greatest: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("chores", "earned", "hours_ms", "spent", "spent_own", "loans"):
        out[name] = RMC[name] + ex[name]
    for name in ("part", "spender", "own_spender", "elsewhere_spender"):
        out[name] = greatest(RMC[name], ex[name])
    return out


def _fold_claims(conn: Connection, in_range: ColumnElement[bool]) -> set[str]:
    """A claim's hours count in the month of its (last) check-out. A check-in or check-out
    arriving later changes them: the claim's old share is taken off its month, the claim is
    updated, and its new share is added. Returns the months whose hours may have changed."""
    C = t.report_claims.c
    affected = (
        select(L.claim_id)
        .where(in_range, L.kind.in_(CLAIM_TIMES), L.claim_id.is_not(None))
        .distinct()
        .scalar_subquery()
    )
    touched = _claim_hours(conn, affected, -1)
    times = (
        select(
            L.claim_id.label("claim_id"),
            func.max(L.resident_id).label("resident_id"),
            func.min(case((L.kind == Kind.CHECK_IN.value, L.wall_time))).label("check_in"),
            func.max(case((L.kind == Kind.CHECK_OUT.value, L.wall_time))).label("check_out"),
        )
        .where(in_range, L.kind.in_(CLAIM_TIMES), L.claim_id.is_not(None))
        .group_by(L.claim_id)
    )
    least, greatest = _least(conn), _greatest(conn)

    def merge(ex: Any) -> dict[str, Any]:
        return {
            "resident_id": func.coalesce(ex.resident_id, C.resident_id),
            "check_in": least(
                func.coalesce(C.check_in, ex.check_in), func.coalesce(ex.check_in, C.check_in)
            ),
            "check_out": greatest(
                func.coalesce(C.check_out, ex.check_out),
                func.coalesce(ex.check_out, C.check_out),
            ),
        }

    _upsert(conn, t.report_claims, times, ("claim_id",), merge)
    return touched | _claim_hours(conn, affected, +1)


def _claim_hours(conn: Connection, affected: Any, sign: int) -> set[str]:
    """Add (`sign` +1) or take off (-1) the hours of the `affected` claims as the rollup has
    them now, in the resident-month of each claim's check-out; the months that may hold."""
    C = t.report_claims.c
    done = and_(
        C.claim_id.in_(affected),
        C.resident_id.is_not(None),
        C.check_in.is_not(None),
        C.check_out.is_not(None),
        C.check_out >= C.check_in,
    )
    lo, hi = conn.execute(select(func.min(C.check_out), func.max(C.check_out)).where(done)).one()
    span = _span(lo, hi)
    if span is None:
        return set()
    cap = MAX_CLAIM_HOURS * 3_600_000
    duration = C.check_out - C.check_in
    rows = (
        select(
            C.resident_id.label("rid"),
            month_key(C.check_out, span).label("month"),
            t.residents.c.neighbourhood_id.label("nb"),
            (case((duration > cap, cap), else_=duration) * sign).label("ms"),
        )
        .select_from(t.report_claims.join(t.residents, t.residents.c.id == C.resident_id))
        .where(done)
        .subquery("claim_hours")
    )
    zero = literal(0)
    per_month = (
        select(
            rows.c.rid.label("resident_id"),
            rows.c.month,
            rows.c.nb.label("neighbourhood_id"),
            zero.label("part"),
            zero.label("chores"),
            zero.label("earned"),
            func.sum(rows.c.ms).label("hours_ms"),
            zero.label("spent"),
            zero.label("spent_own"),
            zero.label("spender"),
            zero.label("own_spender"),
            zero.label("elsewhere_spender"),
            zero.label("loans"),
        )
        .where(true())
        .group_by(rows.c.rid, rows.c.month, rows.c.nb)
    )
    _upsert(
        conn,
        RM,
        per_month,
        ("resident_id", "month"),
        lambda ex: {"hours_ms": RMC.hours_ms + ex.hours_ms},
    )
    return {m.key for m in span}


def _fold_money(conn: Connection, in_range: ColumnElement[bool], span: list[Month]) -> None:
    rc, rd = t.residents.alias("rc"), t.residents.alias("rd")
    mc, md = t.merchants.alias("mc"), t.merchants.alias("md")

    def owner(col: Any, prefix: str) -> Any:
        return case((col.like(prefix + "%"), func.substr(col, len(prefix) + 1)), else_=None)

    wallet_credit = L.credit.like(acc.WALLET_PREFIX + "%")
    wallet_debit = L.debit.like(acc.WALLET_PREFIX + "%")
    till_credit = L.credit.like(acc.TILL_PREFIX + "%")
    till_debit = L.debit.like(acc.TILL_PREFIX + "%")
    flow = case(
        (and_(L.debit == acc.ISSUANCE, wallet_credit), "issued"),
        (and_(wallet_debit, till_credit), "spent"),
        (and_(till_debit, wallet_credit), "refunded"),
        (and_(till_debit, L.credit == acc.REDEMPTION), "settled"),
        (and_(wallet_debit, L.credit == acc.WRITEOFF), "expired"),
        else_="other",
    )
    rows = (
        select(
            month_key(L.wall_time, span).label("month"),
            flow.label("flow"),
            func.coalesce(rc.c.neighbourhood_id, mc.c.neighbourhood_id, "").label("credit_nb"),
            func.coalesce(rd.c.neighbourhood_id, md.c.neighbourhood_id, "").label("debit_nb"),
            case((wallet_credit | till_credit, 1), else_=0).label("credit_circulates"),
            case((wallet_debit | till_debit, 1), else_=0).label("debit_circulates"),
            L.amount.label("amount"),
        )
        .select_from(
            t.ledger.outerjoin(rc, rc.c.id == owner(L.credit, acc.WALLET_PREFIX))
            .outerjoin(mc, mc.c.id == owner(L.credit, acc.TILL_PREFIX))
            .outerjoin(rd, rd.c.id == owner(L.debit, acc.WALLET_PREFIX))
            .outerjoin(md, md.c.id == owner(L.debit, acc.TILL_PREFIX))
        )
        .where(in_range, L.kind.in_([k.value for k in MONEY_KINDS]))
        .subquery("money_rows")
    )
    keys = [
        rows.c[name]
        for name in (
            "month",
            "flow",
            "credit_nb",
            "debit_nb",
            "credit_circulates",
            "debit_circulates",
        )
    ]
    per_month = select(*keys, func.sum(rows.c.amount).label("amount")).where(true()).group_by(*keys)
    _upsert(
        conn,
        t.report_money,
        per_month,
        [k.name for k in keys],
        lambda ex: {"amount": t.report_money.c.amount + ex.amount},
    )


def year_months(day: dt.date) -> list[Month]:
    return months(dt.date(day.year, 1, 1), dt.date(day.year, 12, 1))
