"""The money dashboard (finance, admin): heitjes issued, spent, refunded, settled, expired and
in circulation, per month and per neighbourhood, with charts drawn by the server; and the
earning caps per resident, with a warning from 80 % of the month's or the year's cap. The
figures are kiosk.server.reports' (money, cap_use)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from kiosk.core.errors import HeitjeError
from kiosk.server import reports as R
from kiosk.server import tables as t
from kiosk.server.backoffice import charts, work
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.audit import audit_change
from kiosk.server.backoffice.i18n import language_of, translate
from kiosk.server.backoffice.listing import MAX_QUERY, matches
from kiosk.server.backoffice.office import OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Money = Annotated[SignedIn, require(P.MONEY_VIEW)]
WARN_PERCENT = 80
SHOWN_CAPS = 200  # rows on the page; the CSV has them all


def period(request: Request, now_ms: int) -> tuple[str, str]:
    """The months the person asked for (``first``, ``last`` as YYYY-MM), or the last 12."""
    first, last = work.default_months(now_ms)
    return (
        request.query_params.get("first", first).strip()[:10] or first,
        request.query_params.get("last", last).strip()[:10] or last,
    )


def csv_response(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def period_refused(
    request: Request, office: OfficeDep, template: str, first: str, last: str, exc: HeitjeError
) -> Response:
    """The page of a period that cannot be shown (or downloaded), saying why."""
    return work.page(
        office,
        request,
        template,
        {"first": first, "last": last, "report": None, "error": exc.message(language_of(request))},
        status=400,
    )


def _totals(series: tuple[R.MoneyMonth, ...]) -> dict[str, int]:
    totals = {f: sum(getattr(m, f) for m in series) for f in R.MONEY_FLOWS}
    totals["circulation"] = series[-1].circulation if series else 0
    return totals


@router.get("/money")
def dashboard(request: Request, office: OfficeDep, me: Money) -> Response:
    lang = language_of(request)
    server = work.server_of(office)
    first, last = period(request, server.now())
    try:
        report = R.money(server, first, last)
    except HeitjeError as exc:
        return period_refused(request, office, "money/dashboard.html", first, last, exc)

    def text(key: str, **kw: object) -> str:
        return translate(lang, key, **kw)

    def fmt(cents: int) -> str:
        return work.heitjes(cents, lang)

    months = list(report.months)
    city = report.city
    flows_chart = charts.bar_chart(
        "chart-flows",
        text("money.chart.flows"),
        text("money.chart.flows.desc"),
        months,
        [
            charts.Series(text(f"money.flow.{f}"), [getattr(m, f) for m in city])
            for f in ("issued", "spent", "settled")
        ],
        fmt,
    )
    circulation_chart = charts.line_chart(
        "chart-circulation",
        text("money.chart.circulation"),
        text("money.chart.circulation.desc"),
        months,
        [charts.Series(text("money.flow.circulation"), [m.circulation for m in city])],
        fmt,
    )
    names = {n.id: n.name for n in report.neighbourhoods}
    per_hood = {nid: _totals(series) for nid, series in report.per_neighbourhood.items()}
    hoods = [{"id": nid, "name": names.get(nid, nid), **v} for nid, v in per_hood.items()]
    hood_chart = charts.bar_chart(
        "chart-neighbourhoods",
        text("money.chart.neighbourhoods"),
        text("money.chart.neighbourhoods.desc"),
        [names.get(nid, nid) for nid in per_hood],
        [
            charts.Series(text(f"money.flow.{f}"), [v[f] for v in per_hood.values()])
            for f in ("issued", "spent", "circulation")
        ],
        fmt,
    )
    return work.page(
        office,
        request,
        "money/dashboard.html",
        {
            "first": first,
            "last": last,
            "report": report,
            "totals": _totals(city),
            "flows": R.MONEY_FLOWS,
            "flow_keys": {f: f"money.flow.{f}" for f in (*R.MONEY_FLOWS, "circulation")},
            "hoods": hoods,
            "flows_chart": flows_chart,
            "circulation_chart": circulation_chart,
            "hood_chart": hood_chart,
        },
    )


@router.get("/money.csv")
def dashboard_csv(request: Request, office: OfficeDep, me: Money) -> Response:
    server = work.server_of(office)
    first, last = period(request, server.now())
    try:
        report = R.money(server, first, last)
    except HeitjeError as exc:
        return period_refused(request, office, "money/dashboard.html", first, last, exc)
    return csv_response(report.to_csv(), f"heitje-geld-{first}-{last}.csv")


# -- earning caps ---------------------------------------------------------------------------------


def _lookup(conn: Any, q: str) -> list[str]:
    """Residents whose id or name holds every word of `q` (at most 50)."""
    r = t.residents.c
    words = q.split()[:8]
    if not words:
        return []
    stmt = select(r.id).where(matches(words, [r.id, r.name])).order_by(r.id).limit(50)
    return list(conn.execute(stmt).scalars())


def _level(percent: int) -> str:
    if percent >= 100:
        return "caps.level.full"
    if percent >= WARN_PERCENT:
        return "caps.level.warn"
    return "caps.level.ok"


@router.get("/money/caps")
def caps(request: Request, office: OfficeDep, me: Money) -> Response:
    server = work.server_of(office)
    q = request.query_params.get("q", "").strip()[:MAX_QUERY]
    near = R.cap_use(server, at_least_percent=WARN_PERCENT)
    found: list[R.CapUse] | None = None
    if q:
        with work.reading(server) as conn:
            ids = _lookup(conn, q)
        found = R.cap_use(server, resident_ids=ids) if ids else []

    def rows(uses: list[R.CapUse]) -> list[dict[str, Any]]:
        return [{"use": u, "level": _level(u.percent)} for u in uses]

    return work.page(
        office,
        request,
        "money/caps.html",
        {
            "q": q,
            "near": rows(near[:SHOWN_CAPS]),
            "near_total": len(near),
            "found": None if found is None else rows(found),
            "month_cap": server.settings.get("earn_caps", "month"),
            "year_cap": server.settings.get("earn_caps", "year"),
            "warn": WARN_PERCENT,
        },
    )


@router.get("/money/caps.csv")
def caps_csv(request: Request, office: OfficeDep, me: Money) -> Response:
    server = work.server_of(office)
    uses = R.cap_use(server, at_least_percent=WARN_PERCENT)
    with server.write() as conn:  # names of residents leave the server: say who took them
        audit_change(conn, me, "export.caps", None, {"residents": len(uses)}, subject="caps")
    return csv_response(R.cap_use_csv(uses), "heitje-verdienplafonds.csv")
