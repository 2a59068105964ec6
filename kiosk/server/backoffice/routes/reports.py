"""Participation reports: for the council (admin, finance) per neighbourhood (CBS buurt code)
and month, as a page with charts and as CSV; for the researchers the pseudonymised export
with every small cell suppressed, as a download. The figures are kiosk.server.reports'."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.core.errors import HeitjeError
from kiosk.server import reports as R
from kiosk.server.backoffice import charts, work
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.audit import audit_change
from kiosk.server.backoffice.i18n import language_of, translate
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.routes.money import csv_response, period, period_refused
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Council = Annotated[SignedIn, require(P.REPORTS_VIEW)]
Research = Annotated[SignedIn, require(P.RESEARCH_EXPORT)]
PAGE = f"{PREFIX}/reports"
MAX_LINES = 7  # neighbourhoods drawn as lines; the table holds them all


def _share(p: R.Participation, lang: str) -> str:
    share = p.share_own
    if share is None:
        return ""
    percent = share * 100
    text = f"{percent:.1f}"
    return (text.replace(".", ",") if lang == "nl" else text) + " %"


@router.get("/reports")
def participation(request: Request, office: OfficeDep, me: Council) -> Response:
    lang = language_of(request)
    server = work.server_of(office)
    first, last = period(request, server.now())
    try:
        report = R.participation(server, first, last)
    except HeitjeError as exc:
        return period_refused(request, office, "reports/participation.html", first, last, exc)
    months = list(report.months)
    month = request.query_params.get("month", months[-1])
    month = month if month in months else months[-1]

    def text(key: str) -> str:
        return translate(lang, key)

    city = [report.city(m) for m in months]
    busiest = sorted(
        report.neighbourhoods,
        key=lambda n: (-sum(report.cell(n.id, m).residents for m in months), n.id),
    )[:MAX_LINES]
    residents_chart = charts.line_chart(
        "chart-residents",
        text("reports.chart.residents"),
        text("reports.chart.residents.desc"),
        months,
        [charts.Series(n.name, [report.cell(n.id, m).residents for m in months]) for n in busiest],
    )
    chores_chart = charts.bar_chart(
        "chart-chores",
        text("reports.chart.chores"),
        text("reports.chart.chores.desc"),
        months,
        [
            charts.Series(text("reports.new"), [c.new for c in city]),
            charts.Series(text("reports.returning"), [c.returning for c in city]),
            charts.Series(text("reports.chores_done"), [c.chores_done for c in city]),
        ],
    )
    money_chart = charts.bar_chart(
        "chart-earned-spent",
        text("reports.chart.money"),
        text("reports.chart.money.desc"),
        months,
        [
            charts.Series(text("reports.earned"), [c.earned for c in city]),
            charts.Series(text("reports.spent"), [c.spent for c in city]),
            charts.Series(text("reports.spent_own"), [c.spent_own for c in city]),
        ],
        lambda cents: work.heitjes(cents, lang),
    )
    return work.page(
        office,
        request,
        "reports/participation.html",
        {
            "first": first,
            "last": last,
            "report": report,
            "month": month,
            "city": list(zip(months, city, strict=True)),
            "hoods": [(n, report.cell(n.id, month)) for n in report.neighbourhoods],
            "month_total": report.city(month),
            "share": lambda p: _share(p, lang),
            "residents_chart": residents_chart,
            "chores_chart": chores_chart,
            "money_chart": money_chart,
        },
    )


@router.get("/reports/participation.csv")
def participation_csv(request: Request, office: OfficeDep, me: Council) -> Response:
    server = work.server_of(office)
    first, last = period(request, server.now())
    try:
        report = R.participation(server, first, last)
    except HeitjeError as exc:
        return period_refused(request, office, "reports/participation.html", first, last, exc)
    return csv_response(report.to_csv(), f"heitje-deelname-{first}-{last}.csv")


# -- the researchers' export -----------------------------------------------------------------------


@router.get("/reports/export")
def export_page(request: Request, office: OfficeDep, me: Research) -> Response:
    server = work.server_of(office)
    first, last = period(request, server.now())
    return work.page(
        office,
        request,
        "reports/export.html",
        {"first": first, "last": last, "minimum": R.MIN_RESIDENTS},
    )


def _export(
    request: Request, office: OfficeDep, me: SignedIn
) -> tuple[R.ResearcherExport, str] | Response:
    """The export of the asked period, audited; or the export page saying why not."""
    server = work.server_of(office)
    first, last = period(request, server.now())
    try:
        export = R.researcher_export(server, first, last)
    except HeitjeError as exc:
        return work.page(
            office,
            request,
            "reports/export.html",
            {
                "first": first,
                "last": last,
                "minimum": R.MIN_RESIDENTS,
                "error": exc.message(language_of(request)),
            },
            status=400,
        )
    with server.write() as conn:  # what left the server, when, for whom
        audit_change(
            conn,
            me,
            "export.research",
            None,
            {"first": first, "last": last, "suppressed": len(export.suppressed)},
            subject="research-export",
        )
    return export, f"{first}-{last}"


@router.get("/reports/export.zip")
def export_zip(request: Request, office: OfficeDep, me: Research) -> Response:
    made = _export(request, office, me)
    if isinstance(made, Response):
        return made
    export, span = made
    return Response(
        export.zip_bytes(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="heitje-onderzoek-{span}.zip"'},
    )


@router.get("/reports/export/buurten.csv")
def export_table(request: Request, office: OfficeDep, me: Research) -> Response:
    made = _export(request, office, me)
    if isinstance(made, Response):
        return made
    export, span = made
    return csv_response(export.table_csv, f"heitje-buurten-{span}.csv")
