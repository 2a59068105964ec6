"""The inspection queue, for inspectors who work from the office (and admins): claims marked
done (checked out, or reported done) of chores in the inspector's neighbourhoods, with
their check-in and check-out times. Approving records the approval and the earn — exactly
the chore's reward — as entries of the server's own chain, in one transaction; rejecting
records a rejection with its reason. What the ledger's rules refuse is shown in their words
and changes nothing.

Which neighbourhoods an inspector's account works in is set by an admin on the Inspectors
page (table ``user_neighbourhoods``); an admin's queue holds every neighbourhood.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, select

from kiosk.core.errors import HeitjeError
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.backoffice import work
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.audit import audit_change
from kiosk.server.backoffice.i18n import OfficeError, language_of, translate
from kiosk.server.backoffice.listing import ListQuery, ListQueryDep, paginate
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.pages import error_page
from kiosk.server.backoffice.permissions import ADMIN, INSPECTOR, P
from kiosk.server.backoffice.routes.chores import claim_history, title_in
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Inspect = Annotated[SignedIn, require(P.INSPECTIONS)]
Assign = Annotated[SignedIn, require(P.USERS_MANAGE)]
QUEUE = f"{PREFIX}/inspection"
INSPECTORS = f"{PREFIX}/inspectors"
WAITING = "done"  # checked out or reported done: waiting for an inspector

# Reasons an inspector picks from (or "other", typed); the Dutch words go into the ledger.
REJECT_REASONS = ("not_done", "not_finished", "poor_quality", "no_one_there", "duplicate", "other")

cl = t.claims.c
ch = t.chores.c
R = t.residents.c
N = t.neighbourhoods.c


def areas(conn: Connection, me: SignedIn) -> list[str] | None:
    """The neighbourhoods whose claims `me` inspects; None: all of them (an admin)."""
    if me.role == ADMIN:
        return None
    return work.areas_of(conn, me.user_id)


def inspector_ref(me: SignedIn) -> str:
    """How the server's approval names the person who decided (an identifier)."""
    return f"user:{me.user_id}"


def _queue_stmt(where_areas: list[str] | None) -> Any:
    stmt = (
        select(
            cl.id,
            cl.resident_id,
            cl.status,
            R.name.label("resident"),
            ch.id.label("chore_id"),
            ch.title,
            ch.title_en,
            ch.reward,
            ch.neighbourhood_id,
            N.name.label("neighbourhood"),
        )
        .select_from(
            t.claims.join(t.chores, ch.id == cl.chore_id)
            .outerjoin(t.residents, R.id == cl.resident_id)
            .outerjoin(t.neighbourhoods, N.id == ch.neighbourhood_id)
        )
        .where(cl.status == WAITING)
    )
    if where_areas is not None:
        stmt = stmt.where(ch.neighbourhood_id.in_(where_areas))
    return stmt


def _queue(
    request: Request,
    office: OfficeDep,
    me: SignedIn,
    query: ListQuery,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    lang = language_of(request)
    with work.reading(office.server) as conn:
        mine = areas(conn, me)
        page = paginate(
            conn,
            _queue_stmt(mine),
            query,
            search=[ch.title, ch.title_en, R.name, cl.id, cl.resident_id, N.name],
            order_by=[cl.version, cl.id],  # oldest first: waiting longest
            path=QUEUE,
        )
        history = claim_history(conn, [r["id"] for r in page.rows])
        names = dict(work.neighbourhood_options(conn))
    rows = [
        {**r, **history[r["id"]], "shown_title": title_in(lang, r["title"], r["title_en"])}
        for r in page.rows
    ]
    return work.page(
        office,
        request,
        "inspection/queue.html",
        {
            "page": page,
            "rows": rows,
            "areas": None if mine is None else [names.get(a, a) for a in mine],
            "error": error,
        },
        status=status,
    )


@router.get("/inspection")
def queue(request: Request, office: OfficeDep, me: Inspect, query: ListQueryDep) -> Response:
    return _queue(request, office, me, query)


def _waiting_claim(conn: Connection, me: SignedIn, claim_id: str) -> dict[str, Any]:
    """The claim, if it waits in `me`'s queue; OfficeError otherwise."""
    row = conn.execute(_queue_stmt(None).where(cl.id == claim_id)).mappings().first()
    if row is None:
        known = conn.execute(select(cl.status).where(cl.id == claim_id)).scalar()
        raise OfficeError("claim_unknown" if known is None else "claim_not_waiting")
    mine = areas(conn, me)
    if mine is not None and row["neighbourhood_id"] not in mine:
        raise OfficeError("claim_outside_area")
    return dict(row)


def _refused(request: Request, office: OfficeDep, me: SignedIn, message: str) -> Response:
    return _queue(request, office, me, ListQuery(q="", page=1), error=message, status=409)


@router.post("/inspection/{claim_id}/approve")
def approve(request: Request, office: OfficeDep, me: Inspect, claim_id: str) -> Response:
    lang = language_of(request)
    server = work.server_of(office)
    try:
        with server.write() as conn:
            version = server.bump(conn)
            claim = _waiting_claim(conn, me, claim_id)
            approval, earn = admin.approve_claim_in(
                server, conn, version, claim_id, inspector_ref(me)
            )
            audit_change(
                conn,
                me,
                "claim.approve",
                {"status": claim["status"], "resident": claim["resident_id"]},
                {
                    "status": "rewarded" if earn else "approved",
                    "approval": approval.tx_id,
                    "earn": earn.tx_id if earn else None,
                    "amount": earn.amount if earn else 0,
                },
                subject=f"claim:{claim_id}",
            )
    except OfficeError as exc:
        if exc.code == "claim_unknown":
            return error_page(request, 404, "refused.not_found")
        return _refused(request, office, me, exc.message(lang))
    except HeitjeError as exc:  # the ledger's rules: capacity, caps, decided elsewhere, ...
        return _refused(request, office, me, work.refusal_message(exc, lang))
    return RedirectResponse(f"{QUEUE}?done=done.claim_approved", status_code=303)


def _reject_form(
    request: Request,
    office: OfficeDep,
    claim: dict[str, Any],
    values: dict[str, str],
    problems: work.Problems | None,
    status: int,
) -> Response:
    lang = language_of(request)
    with work.reading(office.server) as conn:
        history = claim_history(conn, [claim["id"]])[claim["id"]]
    return work.page(
        office,
        request,
        "inspection/reject.html",
        {
            "claim": {**claim, **history},
            "shown_title": title_in(lang, claim["title"], claim["title_en"]),
            "reasons": [(r, f"inspection.reason.{r}", None) for r in REJECT_REASONS],
            "values": values,
            "problems": problems,
        },
        status=status,
    )


@router.get("/inspection/{claim_id}/reject")
def reject_form(request: Request, office: OfficeDep, me: Inspect, claim_id: str) -> Response:
    try:
        with work.reading(office.server) as conn:
            claim = _waiting_claim(conn, me, claim_id)
    except OfficeError as exc:
        if exc.code == "claim_unknown":
            return error_page(request, 404, "refused.not_found")
        return _refused(request, office, me, exc.message(language_of(request)))
    return _reject_form(request, office, claim, {"reason": "", "note": ""}, None, 200)


def rejection_text(reason: str, note: str) -> str:
    """What the ledger keeps as the reason: the chosen reason in Dutch, and the note."""
    if reason == "other":
        return note
    chosen = translate("nl", f"inspection.reason.{reason}")
    return f"{chosen}: {note}" if note else chosen


@router.post("/inspection/{claim_id}/reject")
def reject(
    request: Request,
    office: OfficeDep,
    me: Inspect,
    claim_id: str,
    reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    lang = language_of(request)
    server = work.server_of(office)
    values = {"reason": reason, "note": note}
    problems = work.Problems(lang)
    try:
        with work.reading(office.server) as conn:
            claim = _waiting_claim(conn, me, claim_id)
    except OfficeError as exc:
        if exc.code == "claim_unknown":
            return error_page(request, 404, "refused.not_found")
        return _refused(request, office, me, exc.message(lang))
    if reason not in REJECT_REASONS:
        problems.add("reason", "inspection.reason", OfficeError("choose_reason"))
    text = problems.check(
        "note",
        "inspection.note",
        lambda: work.reason_text(note) if reason == "other" or note.strip() else "",
    )
    if problems:
        return _reject_form(request, office, claim, values, problems, 400)
    why = rejection_text(reason, text or "")
    try:
        with server.write() as conn:
            version = server.bump(conn)
            claim = _waiting_claim(conn, me, claim_id)
            entry = admin.reject_claim_in(server, conn, version, claim_id, inspector_ref(me), why)
            audit_change(
                conn,
                me,
                "claim.reject",
                {"status": claim["status"], "resident": claim["resident_id"]},
                {"status": "rejected", "rejection": entry.tx_id, "reason": why},
                subject=f"claim:{claim_id}",
            )
    except OfficeError as exc:
        return _refused(request, office, me, exc.message(lang))
    except HeitjeError as exc:  # the ledger's rules
        return _refused(request, office, me, work.refusal_message(exc, lang))
    return RedirectResponse(f"{QUEUE}?done=done.claim_rejected", status_code=303)


# -- which neighbourhoods an inspector works in (admin) -----------------------------------------


@router.get("/inspectors")
def inspectors(request: Request, office: OfficeDep, me: Assign, query: ListQueryDep) -> Response:
    u = t.users.c
    stmt = select(u.id, u.username, u.display_name, u.active).where(u.role == INSPECTOR)
    with work.reading(office.server) as conn:
        page = paginate(
            conn,
            stmt,
            query,
            search=[u.username, u.display_name],
            order_by=[u.username],
            path=INSPECTORS,
        )
        names = dict(work.neighbourhood_options(conn))
        rows = [
            {**r, "areas": [names.get(a, a) for a in work.areas_of(conn, int(r["id"]))]}
            for r in page.rows
        ]
    return work.page(office, request, "inspection/inspectors.html", {"page": page, "rows": rows})


def _inspector(conn: Connection, user_id: int) -> dict[str, Any] | None:
    u = t.users.c
    row = (
        conn.execute(
            select(u.id, u.username, u.display_name).where(u.id == user_id, u.role == INSPECTOR)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


@router.get("/inspectors/{user_id}")
def inspector_form(request: Request, office: OfficeDep, me: Assign, user_id: int) -> Response:
    with work.reading(office.server) as conn:
        person = _inspector(conn, user_id)
        hoods = work.neighbourhood_options(conn)
        chosen = work.areas_of(conn, user_id)
    if person is None:
        return error_page(request, 404, "refused.not_found")
    return work.page(
        office,
        request,
        "inspection/inspector.html",
        {"person": person, "hoods": hoods, "chosen": chosen},
    )


@router.post("/inspectors/{user_id}")
def inspector_save(
    request: Request,
    office: OfficeDep,
    me: Assign,
    user_id: int,
    neighbourhood: Annotated[list[str] | None, Form(max_length=80)] = None,
) -> Response:
    chosen = sorted(set(neighbourhood or []))
    with office.server.write() as conn:
        person = _inspector(conn, user_id)
        known = {h for h, _ in work.neighbourhood_options(conn)}
        if person is not None and set(chosen) <= known:
            before = work.areas_of(conn, user_id)
            work.set_areas(conn, user_id, chosen)
            audit_change(
                conn,
                me,
                "inspector.areas",
                {"neighbourhoods": before},
                {"neighbourhoods": chosen},
                subject=f"user:{user_id}",
            )
    if person is None:
        return error_page(request, 404, "refused.not_found")
    if not set(chosen) <= known:
        return error_page(request, 400, "refused.bad_request")
    return RedirectResponse(f"{INSPECTORS}?done=done.inspector_areas", status_code=303)
