"""Settlements in euros (finance prepares and approves; admins may look): pick a period,
prepare (each merchant's statement: spends minus refunds, spends still open in review left
out, in euros), download each statement's PDF and, once approved, the SEPA credit transfer
file (pain.001). Four eyes: another finance user approves; the one who prepared it is
refused. A prepared settlement can be cancelled. The work itself is kiosk.server.settlement's
(which also writes the audit rows, in its own transactions)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from kiosk.core.errors import HeitjeError
from kiosk.server import settlement as S
from kiosk.server import tables as t
from kiosk.server.backoffice import work
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.i18n import language_of
from kiosk.server.backoffice.listing import PER_PAGE, ListQueryDep
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.pages import error_page
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn
from kiosk.server.service import Server
from kiosk.server.statements_pdf import render_statement

router = APIRouter(include_in_schema=False)
View = Annotated[SignedIn, require(P.SETTLEMENT_VIEW)]
Prepare = Annotated[SignedIn, require(P.SETTLEMENT_PREPARE)]
Approve = Annotated[SignedIn, require(P.SETTLEMENT_APPROVE)]
LIST = f"{PREFIX}/settlements"
NOT_FOUND = {"unknown_settlement", "unknown_statement"}


def by(me: SignedIn) -> str:
    """How settlement.py names the person: the account's id (four eyes compares these)."""
    return str(me.user_id)


@router.get("/settlements")
def settlement_list(request: Request, office: OfficeDep, me: View, query: ListQueryDep) -> Response:
    return _list(request, office, me, query.page)


def _list(
    request: Request,
    office: OfficeDep,
    me: SignedIn,
    page_number: int,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    server = work.server_of(office)
    with work.reading(server) as conn:
        total = int(conn.execute(select(func.count()).select_from(t.settlements)).scalar_one())
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(page_number, 1), pages)
    found = S.list_settlements(server, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    with work.reading(server) as conn:
        names = work.usernames(
            conn, [x for s in found for x in (s.prepared_by, s.approved_by, s.cancelled_by)]
        )
    first, last = work.previous_month(server.now())
    return work.page(
        office,
        request,
        "settlements/list.html",
        {
            "settlements": found,
            "status_keys": {x: f"settle.status.{x}" for x in (S.PREPARED, S.APPROVED, S.CANCELLED)},
            "names": names,
            "number": number,
            "pages": pages,
            "total": total,
            "values": values or {"first": first, "last": last},
            "may_prepare": me.may(P.SETTLEMENT_PREPARE),
            "error": error,
        },
        status=status,
    )


@router.post("/settlements")
def settlement_prepare(
    request: Request,
    office: OfficeDep,
    me: Prepare,
    first: Annotated[str, Form(max_length=40)] = "",
    last: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    server = work.server_of(office)
    try:
        prepared = S.prepare(server, first, last, by=by(me))
    except HeitjeError as exc:  # a period not over, unreadable or reversed; nothing to pay
        return _list(
            request,
            office,
            me,
            1,
            values={"first": first, "last": last},
            error=exc.message(language_of(request)),
            status=409 if isinstance(exc, S.SettlementError) else 400,
        )
    sid = prepared.settlement.id
    return RedirectResponse(f"{LIST}/{sid}?done=done.settlement_prepared", status_code=303)


def _skipped(server: Server, sid: int) -> dict[str, str]:
    """The merchants a settlement left out at preparation, and why (its audit row keeps them:
    settlement.prepare writes them there)."""
    a = t.audit_log.c
    with work.reading(server) as conn:
        after = conn.execute(
            select(a.after_json)
            .where(
                a.event == "settlement.prepare",
                a.detail.contains(f'"settlement:{sid}"', autoescape=True),
            )
            .order_by(a.id.desc())
            .limit(1)
        ).scalar()
    if not after:
        return {}
    skipped = json.loads(after).get("skipped", {})
    return {str(k): str(v) for k, v in skipped.items()} if isinstance(skipped, dict) else {}


def _page(
    request: Request,
    office: OfficeDep,
    me: SignedIn,
    sid: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    server = work.server_of(office)
    try:
        settlement = S.get(server, sid)
    except S.SettlementError:
        return error_page(request, 404, "refused.not_found")
    skipped = _skipped(server, sid)
    m = t.merchants.c
    with work.reading(server) as conn:
        names = work.usernames(
            conn, [settlement.prepared_by, settlement.approved_by, settlement.cancelled_by]
        )
        merchants = {
            mid: name
            for mid, name in conn.execute(select(m.id, m.name).where(m.id.in_(list(skipped))))
        }
    prepared = settlement.status == S.PREPARED
    return work.page(
        office,
        request,
        "settlements/detail.html",
        {
            "s": settlement,
            "names": names,
            "status_key": f"settle.status.{settlement.status}",
            "skipped": [
                (mid, merchants.get(mid, mid), f"settle.skipped.{reason}")
                for mid, reason in sorted(skipped.items())
            ],
            "held": sum(st.held_amount for st in settlement.statements),
            "may_approve": prepared and me.may(P.SETTLEMENT_APPROVE),
            "own": settlement.prepared_by == by(me),
            "may_cancel": prepared and me.may(P.SETTLEMENT_PREPARE),
            "error": error,
        },
        status=status,
    )


@router.get("/settlements/{sid}")
def settlement_page(request: Request, office: OfficeDep, me: View, sid: int) -> Response:
    return _page(request, office, me, sid)


def _refusal(
    request: Request, office: OfficeDep, me: SignedIn, sid: int, exc: HeitjeError
) -> Response:
    if exc.code == "unknown_settlement":
        return error_page(request, 404, "refused.not_found")
    return _page(request, office, me, sid, error=exc.message(language_of(request)), status=409)


@router.post("/settlements/{sid}/approve")
def settlement_approve(request: Request, office: OfficeDep, me: Approve, sid: int) -> Response:
    try:
        S.approve(work.server_of(office), sid, by=by(me))
    except HeitjeError as exc:  # four eyes, already approved or cancelled, a bad SEPA file
        return _refusal(request, office, me, sid, exc)
    return RedirectResponse(f"{LIST}/{sid}?done=done.settlement_approved", status_code=303)


@router.post("/settlements/{sid}/cancel")
def settlement_cancel(
    request: Request,
    office: OfficeDep,
    me: Prepare,
    sid: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        why = work.reason_text(reason)
        S.cancel(work.server_of(office), sid, by=by(me), reason=why)
    except HeitjeError as exc:
        return _refusal(request, office, me, sid, exc)
    return RedirectResponse(f"{LIST}/{sid}?done=done.settlement_cancelled", status_code=303)


@router.get("/settlements/{sid}/statement/{merchant_id}")
def statement_pdf(
    request: Request, office: OfficeDep, me: View, sid: int, merchant_id: str
) -> Response:
    server = work.server_of(office)
    try:
        settlement = S.get(server, sid)
        statement = S.statement(server, sid, merchant_id)
    except S.SettlementError:
        return error_page(request, 404, "refused.not_found")
    with work.reading(server) as conn:
        names = work.usernames(conn, [settlement.prepared_by, settlement.approved_by])
    pdf = render_statement(
        settlement,
        statement,
        S.day_lines(server, sid, merchant_id),
        S.SettlementConfig.of(server.settings.config),
        names=names,
    )
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in merchant_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="heitje-afrekening-{sid}-{safe}.pdf"'
        },
    )


@router.get("/settlements/{sid}/sepa")
def sepa(request: Request, office: OfficeDep, me: View, sid: int) -> Response:
    try:
        xml = S.sepa_file(work.server_of(office), sid)
    except S.SettlementError as exc:
        if exc.code in NOT_FOUND:
            return error_page(request, 404, "refused.not_found")
        return _page(request, office, me, sid, error=exc.message(language_of(request)), status=409)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="heitje-sepa-{sid}.xml"'},
    )
