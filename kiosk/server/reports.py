"""Participation reports, the money dashboard's figures and the researchers' export
(docs/reports.md). Plain data and CSV; no HTTP, no Qt: the back-office pages call these.

Everything is counted per neighbourhood of the *resident* (a resident belongs to one
neighbourhood, so the neighbourhoods of a month add up to the city; a month keeps the one the
resident lived in then, see kiosk/server/rollups.py) and per local
(Amsterdam) calendar month of the entry's wall time. Only ledger rows that took effect
(status 'applied') count.

* **taking part**: a resident with at least one chore or klusbox entry in the month (sign-up,
  check-in, check-out, "done", reward, loan, return). Spending alone is not taking part.
  **New**: the first month the resident ever took part; **returning**: took part before.
* **chores done**: claims rewarded (earn entries); **heitjes earned**: their sum.
* **hours**: per claim, from its first check-in to its last check-out, where both exist,
  counted in the month of the check-out, at most ``MAX_CLAIM_HOURS`` a claim (a forgotten
  check-out).
* **heitjes spent**: spends minus refunds; **own neighbourhood**: at a merchant of the
  resident's own neighbourhood; the share is own / spent.
* **klusbox loans**: loan entries.

The researchers' export is pseudonymised and suppressed; see ``researcher_export``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import secrets
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    case,
    func,
    select,
)

from kiosk.core import accounts as acc
from kiosk.core.errors import HeitjeError
from kiosk.server import rollups
from kiosk.server import tables as t
from kiosk.server.periods import Month, months, parse_date, parse_month, today
from kiosk.server.service import Server

MAX_CLAIM_HOURS = rollups.MAX_CLAIM_HOURS
MIN_RESIDENTS = 10  # a published cell describes at least this many residents
SUPPRESSED = "."  # CBS StatLine's sign for a figure that is secret (or unknown)
TOTAL = "TOTAAL"  # the city's row in the exports
_CBS_CODE = re.compile(r"BU[0-9]{8}")  # ASCII digits only (\d takes any script's digits)


class ReportError(HeitjeError):
    """A report that cannot be made as asked."""


def check_cbs_code(value: str) -> str:
    """A CBS buurt code: "BU" and eight digits (municipality code, wijk, buurt)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not _CBS_CODE.fullmatch(code):
        raise ReportError(
            "bad_cbs_code",
            f"'{value}' is geen CBS-buurtcode; die is BU en acht cijfers, bijvoorbeeld BU09170100.",
            f"'{value}' is not a CBS buurt code: BU and eight digits, for example BU09170100.",
        )
    return code


def text_cell(value: str) -> str:
    """Free text (a name) for a CSV cell: a spreadsheet runs a cell starting with = + - @ as
    a formula, so such a cell gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _month_range(first: str | dt.date, last: str | dt.date) -> list[Month]:
    def day(value: str | dt.date) -> dt.date:
        if isinstance(value, str) and len(value.strip()) == 7:
            return dt.date.fromisoformat(parse_month(value).key + "-01")
        return parse_date(value)

    a, b = day(first), day(last)
    if b < a:
        raise ReportError(
            "period_reversed",
            f"De periode eindigt ({b}) voor ze begint ({a}).",
            f"The period ends ({b}) before it starts ({a}).",
        )
    found = months(a, b)
    if len(found) > 120:
        raise ReportError(
            "period_too_long",
            "Kies een periode van hoogstens tien jaar.",
            "Choose a period of at most ten years.",
        )
    return found


def _int(value: Any) -> int:
    return int(value or 0)  # PostgreSQL sums bigints as numeric


# -- participation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbourhood:
    id: str
    name: str
    cbs_code: str | None


@dataclass(frozen=True)
class Participation:
    """One neighbourhood in one month (or the city: neighbourhood_id ""). Each figure has
    beside it how many residents it describes (for suppression). Amounts are heitje cents."""

    neighbourhood_id: str
    month: str
    residents: int
    new: int
    returning: int
    chores_done: int
    chore_residents: int
    hours_ms: int
    hours_residents: int
    earned: int
    spent: int
    spenders: int
    spent_own: int
    own_spenders: int
    spent_elsewhere: int
    elsewhere_spenders: int
    loans: int
    borrowers: int

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.hours_ms) / 3_600_000).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def share_own(self) -> Decimal | None:
        """The part of the month's spending done in the resident's own neighbourhood."""
        if self.spent <= 0:
            return None
        return (Decimal(self.spent_own) / self.spent).quantize(Decimal("0.001"), ROUND_HALF_UP)

    def __add__(self, other: Participation) -> Participation:
        fields = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("neighbourhood_id", "month")
        }
        return Participation(neighbourhood_id="", month=self.month, **fields)

    @classmethod
    def empty(cls, neighbourhood_id: str, month: str) -> Participation:
        zeros = {
            f.name: 0
            for f in dataclasses.fields(cls)
            if f.name not in ("neighbourhood_id", "month")
        }
        return cls(neighbourhood_id=neighbourhood_id, month=month, **zeros)


@dataclass(frozen=True)
class ParticipationReport:
    months: tuple[str, ...]
    neighbourhoods: tuple[Neighbourhood, ...]
    cells: Mapping[tuple[str, str], Participation]  # (neighbourhood id, month)

    def cell(self, neighbourhood_id: str, month: str) -> Participation:
        return self.cells[(neighbourhood_id, month)]

    def city(self, month: str) -> Participation:
        """The city's figures for `month`: the sum of its neighbourhoods."""
        total = Participation.empty("", month)
        for n in self.neighbourhoods:
            total = total + self.cells[(n.id, month)]
        return total

    def to_csv(self) -> str:
        """The council's table (names and codes, every figure, no suppression)."""
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["buurt", "cbs_code", "maand", *COUNCIL_COLUMNS])
        rows = [(text_cell(n.name), n.cbs_code or "", n.id) for n in self.neighbourhoods]
        for month in self.months:
            for name, code, nid in rows:
                w.writerow([name, code, month, *_figures(self.cells[(nid, month)])])
            w.writerow([TOTAL, "", month, *_figures(self.city(month))])
        return out.getvalue()


COUNCIL_COLUMNS = (
    "bewoners",
    "nieuw",
    "terugkerend",
    "klussen",
    "uren",
    "verdiend",
    "besteed",
    "besteed_eigen_buurt",
    "besteed_elders",
    "aandeel_eigen_buurt",
    "klusbox_leningen",
)


def _heitjes(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _figures(p: Participation) -> list[str]:
    share = p.share_own
    return [
        str(p.residents),
        str(p.new),
        str(p.returning),
        str(p.chores_done),
        str(p.hours),
        _heitjes(p.earned),
        _heitjes(p.spent),
        _heitjes(p.spent_own),
        _heitjes(p.spent_elsewhere),
        "" if share is None else str(share),
        str(p.loans),
    ]


def _neighbourhoods(conn: Connection) -> list[Neighbourhood]:
    n = t.neighbourhoods.c
    return [
        Neighbourhood(r.id, r.name, r.cbs_code)
        for r in conn.execute(select(n.id, n.name, n.cbs_code).order_by(n.id))
    ]


def participation(server: Server, first: str | dt.date, last: str | dt.date) -> ParticipationReport:
    """Participation per neighbourhood and month, for the months from the one holding
    `first` to the one holding `last` (dates, or months as "YYYY-MM")."""
    ms = _month_range(first, last)
    keys = [m.key for m in ms]
    rollups.refresh(server)
    c = t.report_cells.c
    with server.engine.connect() as conn:
        hoods = _neighbourhoods(conn)
        rows = conn.execute(
            select(t.report_cells).where(c.month >= keys[0], c.month <= keys[-1])
        ).mappings()
        found = [dict(r) for r in rows]
    cells = {(n.id, k): Participation.empty(n.id, k) for n in hoods for k in keys}
    for row in found:
        v = {k: _int(row[k]) for k in rollups.CELL_COLUMNS}
        cells[(row["neighbourhood_id"], row["month"])] = Participation(
            neighbourhood_id=row["neighbourhood_id"],
            month=row["month"],
            residents=v["residents"],
            new=v["new"],
            returning=v["residents"] - v["new"],
            chores_done=v["chores"],
            chore_residents=v["chore_residents"],
            hours_ms=v["hours_ms"],
            hours_residents=v["hours_residents"],
            earned=v["earned"],
            spent=v["spent"],
            spenders=v["spenders"],
            spent_own=v["spent_own"],
            own_spenders=v["own_spenders"],
            spent_elsewhere=v["spent_elsewhere"],
            elsewhere_spenders=v["elsewhere_spenders"],
            loans=v["loans"],
            borrowers=v["borrowers"],
        )
    known = {n.id for n in hoods}
    extra = sorted({nb for nb, _ in cells} - known)  # residents of a neighbourhood not registered
    hoods += [Neighbourhood(nb, nb, None) for nb in extra]
    for nb in extra:
        for k in keys:
            cells.setdefault((nb, k), Participation.empty(nb, k))
    return ParticipationReport(tuple(keys), tuple(hoods), cells)


# -- suppression ---------------------------------------------------------------------------------

Key = tuple[str, str, str]  # (row: neighbourhood code or TOTAL, month, measure)


@dataclass(frozen=True)
class Cell:
    value: int
    residents: int  # how many residents the figure describes


def suppress(
    cells: Mapping[Key, Cell], groups: Iterable[Sequence[Key]], minimum: int = MIN_RESIDENTS
) -> set[Key]:
    """The cells to leave out of a published table.

    Primary: every cell that describes fewer than `minimum` residents (zero included).
    Secondary: each group is a total and the parts that add up to it (a row or a column of
    the table). If a group has exactly one suppressed cell, it could be recomputed from the
    others, so the next smallest cell of the group is suppressed too: the one describing the
    fewest residents (then the smallest value, then the first key). This repeats until no
    group has exactly one suppressed cell.

    This protects each cell against recomputation from one total and its siblings. It is
    not a full audit against every combination of equations (as tau-ARGUS would do): the
    groups of these tables overlap only in their rows and columns.
    """
    hidden = {k for k, c in cells.items() if c.residents < minimum}
    groups = [list(g) for g in groups]
    changed = True
    while changed:
        changed = False
        for group in groups:
            inside = [k for k in group if k in hidden]
            if len(inside) != 1:
                continue
            open_cells = [k for k in group if k not in hidden]
            if not open_cells:
                continue
            pick = min(open_cells, key=lambda k: (cells[k].residents, abs(cells[k].value), k))
            hidden.add(pick)
            changed = True
    return hidden


# The researchers' table: each measure, and what it adds up with.
EXPORT_MEASURES = (
    "residents",
    "new",
    "returning",
    "chores_done",
    "hours",
    "earned",
    "spent",
    "spent_own",
    "spent_elsewhere",
    "loans",
)


def _export_cells(p: Participation) -> dict[str, Cell]:
    return {
        "residents": Cell(p.residents, p.residents),
        "new": Cell(p.new, p.new),
        "returning": Cell(p.returning, p.returning),
        "chores_done": Cell(p.chores_done, p.chore_residents),
        "hours": Cell(p.hours_ms, p.hours_residents),
        "earned": Cell(p.earned, p.chore_residents),
        "spent": Cell(p.spent, p.spenders),
        "spent_own": Cell(p.spent_own, p.own_spenders),
        "spent_elsewhere": Cell(p.spent_elsewhere, p.elsewhere_spenders),
        "loans": Cell(p.loans, p.borrowers),
    }


def table_groups(rows: Sequence[str], month_keys: Sequence[str]) -> list[list[Key]]:
    """The additive groups of the researchers' table: in each row, residents = new +
    returning and spent = own + elsewhere; in each month, for each measure, the city's
    TOTAL = the sum of the neighbourhoods."""
    groups: list[list[Key]] = []
    for month in month_keys:
        for row in (*rows, TOTAL):
            groups.append([(row, month, m) for m in ("residents", "new", "returning")])
            groups.append([(row, month, m) for m in ("spent", "spent_own", "spent_elsewhere")])
        for measure in EXPORT_MEASURES:
            groups.append([(TOTAL, month, measure), *((r, month, measure) for r in rows)])
    return groups


@dataclass(frozen=True)
class ResearcherExport:
    """The researchers' export: ``table_csv``, the suppressed table per buurt and month, and
    ``panel_csv``, one pseudonymised row per resident and month."""

    table_csv: str
    panel_csv: str
    suppressed: frozenset[Key]
    published: Mapping[Key, Cell]

    def zip_bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("heitje-buurten.csv", self.table_csv)
            z.writestr("heitje-panel.csv", self.panel_csv)
        return out.getvalue()


def _code(n: Neighbourhood) -> str:
    return n.cbs_code or n.id


def _export_value(measure: str, value: int) -> str:
    if measure == "hours":
        return str((Decimal(value) / 3_600_000).quantize(Decimal("0.01"), ROUND_HALF_UP))
    if measure in ("earned", "spent", "spent_own", "spent_elsewhere"):
        return _heitjes(value)
    return str(value)


def researcher_export(
    server: Server, first: str | dt.date, last: str | dt.date
) -> ResearcherExport:
    """The export for the researchers, pseudonymised and suppressed.

    The table (``heitje-buurten.csv``): per CBS buurt code and month, and the city
    (``TOTAAL``), the figures of ``participation``. A figure describing fewer than 10
    residents is written as ``.``, and so is the next smallest of its row or column where
    it could otherwise be recomputed (``suppress``: residents = new + returning, spent =
    own + elsewhere, and the city = the sum of its buurten). The share spent in the own
    buurt is only given where both its parts are.

    The panel (``heitje-panel.csv``): one row per resident and month the resident took
    part or spent, under a random id: 16 hex digits drawn afresh for every export, the same
    for one resident throughout one export, linked to nothing stored. No names, cards,
    addresses, accounts or real ids. A buurt code is left out (``.``) for the months its
    buurt had fewer than 10 residents in the panel, and, where exactly one buurt of a month
    would be left out, for the next smallest buurt of that month as well.
    """
    report = participation(server, first, last)
    codes = {n.id: _code(n) for n in report.neighbourhoods}
    rows = [codes[n.id] for n in report.neighbourhoods]
    cells: dict[Key, Cell] = {}
    for month in report.months:
        for n in report.neighbourhoods:
            for measure, cell in _export_cells(report.cell(n.id, month)).items():
                cells[(codes[n.id], month, measure)] = cell
        for measure, cell in _export_cells(report.city(month)).items():
            cells[(TOTAL, month, measure)] = cell
    hidden = suppress(cells, table_groups(rows, report.months))
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["cbs_code", "maand", *EXPORT_MEASURES, "aandeel_eigen_buurt"])
    for month in report.months:
        for row in (*rows, TOTAL):
            values = [
                SUPPRESSED
                if (row, month, m) in hidden
                else _export_value(m, cells[(row, month, m)].value)
                for m in EXPORT_MEASURES
            ]
            own, spent = (row, month, "spent_own"), (row, month, "spent")
            share = ""
            if own in hidden or spent in hidden:
                share = SUPPRESSED
            elif cells[spent].value > 0:
                ratio = Decimal(cells[own].value) / cells[spent].value
                share = str(ratio.quantize(Decimal("0.001"), ROUND_HALF_UP))
            w.writerow([row, month, *values, share])
    published = {k: c for k, c in cells.items() if k not in hidden}
    return ResearcherExport(
        out.getvalue(), _panel(server, report, codes), frozenset(hidden), published
    )


PANEL_COLUMNS = (
    "id",
    "cbs_code",
    "maand",
    "nieuw",
    "klussen",
    "uren",
    "verdiend",
    "besteed",
    "aandeel_eigen_buurt",
    "klusbox_leningen",
)


def _panel(server: Server, report: ParticipationReport, codes: Mapping[str, str]) -> str:
    """The pseudonymised panel, from the rollups (``participation`` refreshed them)."""
    rm = t.report_resident_months.c
    first = t.report_residents.c
    query = (
        select(
            rm.resident_id.label("rid"),
            rm.neighbourhood_id.label("nb"),
            rm.month,
            first.first_month,
            rm.chores,
            rm.hours_ms,
            rm.earned,
            rm.spent,
            rm.spent_own.label("own"),
            rm.loans,
            rm.part,
        )
        .select_from(
            t.report_resident_months.outerjoin(
                t.report_residents, first.resident_id == rm.resident_id
            )
        )
        .where(
            rm.month >= report.months[0],
            rm.month <= report.months[-1],
            (rm.part == 1) | (rm.spender == 1),
        )
    )
    with server.engine.connect() as conn:
        rollups.for_big_queries(conn)
        rows = conn.execute(query).all()
    pseudonym: dict[str, str] = {}
    taken: set[str] = set()
    sizes: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        sizes[(r.nb, r.month)] += 1
        if r.rid not in pseudonym:
            while (new := secrets.token_hex(8)) in taken:
                pass
            taken.add(new)
            pseudonym[r.rid] = new
    # The buurt of a month is a group of residents; a small group loses its code.
    group_cells: dict[Key, Cell] = {}
    groups: list[list[Key]] = []
    for month in report.months:
        keys: list[Key] = []
        for nb in codes:
            size = sizes.get((nb, month), 0)
            key = (codes[nb], month, "panel")
            group_cells[key] = Cell(size, size)
            keys.append(key)
        groups.append(keys)
    hidden = suppress(group_cells, groups)
    lines = []
    for r in rows:
        month = r.month
        code = codes.get(r.nb, r.nb)
        spent, own = _int(r.spent), _int(r.own)
        share = ""
        if spent > 0:
            share = str((Decimal(own) / spent).quantize(Decimal("0.001"), ROUND_HALF_UP))
        lines.append(
            [
                pseudonym[r.rid],
                SUPPRESSED if (code, month, "panel") in hidden else code,
                month,
                "1" if r.part and r.first_month == month else "0",
                str(_int(r.chores)),
                _export_value("hours", _int(r.hours_ms)),
                _heitjes(_int(r.earned)),
                _heitjes(spent),
                share,
                str(_int(r.loans)),
            ]
        )
    lines.sort()  # by the random id: no trace of the real ids' order
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(PANEL_COLUMNS)
    w.writerows(lines)
    return out.getvalue()


# -- money ---------------------------------------------------------------------------------------

MONEY_FLOWS = ("issued", "spent", "refunded", "settled", "expired", "other")


@dataclass(frozen=True)
class MoneyMonth:
    """Heitje cents moved in one month (by the city, or for one neighbourhood) and what was
    in circulation (in wallets and tills: issued and not yet settled or expired) at its end.
    ``other`` are adjustments that fit none of the flows (signed: + into circulation)."""

    month: str
    issued: int
    spent: int
    refunded: int
    settled: int
    expired: int
    other: int
    circulation: int


@dataclass(frozen=True)
class MoneyReport:
    """The money dashboard. Flows per neighbourhood are counted on the resident's side
    (issued to, spent by, refunded to, expired from its residents) and, for settlements, on
    the merchant's; circulation per neighbourhood is what its residents' wallets and its
    merchants' tills hold."""

    months: tuple[str, ...]
    city: tuple[MoneyMonth, ...]
    neighbourhoods: tuple[Neighbourhood, ...]
    per_neighbourhood: Mapping[str, tuple[MoneyMonth, ...]]

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["buurt", "maand", *MONEY_FLOWS, "in_omloop"])
        names = {n.id: text_cell(n.name) for n in self.neighbourhoods}
        for label, series in (
            (TOTAL, self.city),
            *((names.get(k, k), v) for k, v in self.per_neighbourhood.items()),
        ):
            for m in series:
                w.writerow(
                    [
                        label,
                        m.month,
                        *(_heitjes(getattr(m, f)) for f in MONEY_FLOWS),
                        _heitjes(m.circulation),
                    ]
                )
        return out.getvalue()


_CIRCULATING = (acc.WALLET_PREFIX, acc.TILL_PREFIX)


def money(server: Server, first: str | dt.date, last: str | dt.date) -> MoneyReport:
    """Heitjes issued, spent, refunded, settled, expired and in circulation, per month of the
    period and per neighbourhood."""
    ms = _month_range(first, last)
    keys = [m.key for m in ms]
    index = {k: i for i, k in enumerate(keys)}
    rollups.refresh(server)
    mt = t.report_money.c
    group = [
        mt.month,
        mt.flow,
        mt.credit_nb,
        mt.debit_nb,
        mt.credit_circulates,
        mt.debit_circulates,
    ]
    query = select(*group, func.sum(mt.amount)).where(mt.month <= keys[-1]).group_by(*group)
    with server.engine.connect() as conn:
        hoods = _neighbourhoods(conn)
        rows = conn.execute(query).all()
    n = len(ms)
    # flows[nb][b][flow], circulation deltas delta[nb][b]; nb "" is the city
    flows: dict[str, list[dict[str, int]]] = defaultdict(
        lambda: [dict.fromkeys(MONEY_FLOWS, 0) for _ in range(n)]
    )
    delta: dict[str, list[int]] = defaultdict(lambda: [0] * (n + 1))  # [0]: before the period
    for row in rows:
        b = index.get(row[0], -1)  # -1: a month before the period
        kind, cnb, dnb, into, out_of = row[1], row[2] or None, row[3] or None, row[4], row[5]
        amount = _int(row[6])
        change = (amount if into else 0) - (amount if out_of else 0)
        delta[""][b + 1] += change
        if into and cnb is not None:
            delta[cnb][b + 1] += amount
        if out_of and dnb is not None:
            delta[dnb][b + 1] -= amount
        if b < 0:
            continue
        if kind == "other":  # signed, for each side that is in circulation
            flows[""][b]["other"] += change
            if into and cnb is not None:
                flows[cnb][b]["other"] += amount
            if out_of and dnb is not None:
                flows[dnb][b]["other"] -= amount
            continue
        flows[""][b][kind] += amount
        # the resident's side; for a settlement the merchant's (its till is the debit)
        side = cnb if kind in ("issued", "refunded") else dnb
        if side is not None:
            flows[side][b][kind] += amount

    def series(key: str) -> tuple[MoneyMonth, ...]:
        running = delta[key][0]
        out = []
        for b, m in enumerate(ms):
            running += delta[key][b + 1]
            out.append(MoneyMonth(m.key, **flows[key][b], circulation=running))
        return tuple(out)

    hood_ids = [h.id for h in hoods] + sorted(
        k for k in set(flows) | set(delta) if k and k not in {h.id for h in hoods}
    )
    return MoneyReport(
        tuple(m.key for m in ms),
        series(""),
        tuple(hoods),
        {k: series(k) for k in hood_ids},
    )


# -- earning caps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapUse:
    """What a resident earned this month and this year against the earn caps."""

    resident_id: str
    name: str
    neighbourhood_id: str
    month_earned: int
    month_cap: int
    year_earned: int
    year_cap: int

    @property
    def month_percent(self) -> int:
        return self.month_earned * 100 // self.month_cap if self.month_cap > 0 else 0

    @property
    def year_percent(self) -> int:
        return self.year_earned * 100 // self.year_cap if self.year_cap > 0 else 0

    @property
    def percent(self) -> int:
        return max(self.month_percent, self.year_percent)


def cap_use(
    server: Server,
    *,
    at_ms: int | None = None,
    at_least_percent: int = 80,
    resident_ids: Sequence[str] | None = None,
) -> list[CapUse]:
    """Residents who earned at least `at_least_percent` of the month's or the year's earn cap
    (the month and year holding `at_ms`, local time; default now), most used first. With
    `resident_ids`, those residents whatever their use (0 for none)."""
    now = server.now() if at_ms is None else at_ms
    month_cap = server.settings.get("earn_caps", "month")
    year_cap = server.settings.get("earn_caps", "year")
    day = today(now)
    month = day.strftime("%Y-%m")
    rollups.refresh(server)
    rm = t.report_resident_months.c
    R = t.residents.c
    earned = (
        select(
            rm.resident_id.label("rid"),
            func.sum(rm.earned).label("year"),
            func.sum(case((rm.month == month, rm.earned), else_=0)).label("month"),
        )
        .where(rm.month >= f"{day.year:04d}-01", rm.month <= f"{day.year:04d}-12")
        .group_by(rm.resident_id)
        .subquery()
    )
    if resident_ids is not None:
        query = (
            select(R.id, R.name, R.neighbourhood_id, earned.c.month, earned.c.year)
            .select_from(t.residents.outerjoin(earned, earned.c.rid == R.id))
            .where(R.id.in_(list(resident_ids)))
        )
    else:
        month_floor = -(-month_cap * at_least_percent // 100)
        year_floor = -(-year_cap * at_least_percent // 100)
        query = (
            select(R.id, R.name, R.neighbourhood_id, earned.c.month, earned.c.year)
            .select_from(earned.join(t.residents, R.id == earned.c.rid))
            .where((earned.c.month >= month_floor) | (earned.c.year >= year_floor))
        )
    with server.engine.connect() as conn:
        found = [
            CapUse(rid, name, nb, _int(m), month_cap, _int(y), year_cap)
            for rid, name, nb, m, y in conn.execute(query)
        ]
    return sorted(found, key=lambda c: (-c.percent, c.resident_id))


def cap_use_csv(uses: Iterable[CapUse]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "bewoner",
            "naam",
            "buurt",
            "maand_verdiend",
            "maand_plafond",
            "maand_procent",
            "jaar_verdiend",
            "jaar_plafond",
            "jaar_procent",
        ]
    )
    for c in uses:
        w.writerow(
            [
                c.resident_id,
                text_cell(c.name),
                c.neighbourhood_id,
                _heitjes(c.month_earned),
                _heitjes(c.month_cap),
                c.month_percent,
                _heitjes(c.year_earned),
                _heitjes(c.year_cap),
                c.year_percent,
            ]
        )
    return out.getvalue()
