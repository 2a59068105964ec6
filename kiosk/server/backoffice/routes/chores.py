"""Chores (admin creates and publishes; admin and inspectors view): the list with search and
paging, the form that publishes a chore to the kiosks of its neighbourhood, and a chore's
page with its sign-ups, check-ins and check-outs (from the claims table and the ledger)."""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.backoffice import work
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.audit import audit_change
from kiosk.server.backoffice.i18n import Lang, OfficeError, language_of
from kiosk.server.backoffice.listing import ListQueryDep, paginate
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.pages import error_page
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
View = Annotated[SignedIn, require(P.CHORES_VIEW)]
Manage = Annotated[SignedIn, require(P.CHORES_MANAGE)]
LIST = f"{PREFIX}/chores"
MAX_CAPACITY = 10_000
HOUR_MS = 3_600_000
C = t.chores.c
L = t.ledger.c

# A claim's history before any entry is found (claim_history fills in what it finds).
NO_HISTORY: dict[str, Any] = dict.fromkeys(
    (
        "signed_up_at",
        "check_in",
        "check_out",
        "done_at",
        "earned",
        "earned_at",
        "decided",
        "worked_ms",
    )
)

# What happened to a claim, from its ledger entries that took effect.
CLAIM_KINDS = (
    Kind.CLAIM_SIGNUP.value,
    Kind.CHECK_IN.value,
    Kind.CHECK_OUT.value,
    Kind.CLAIM_DONE.value,
    Kind.APPROVAL.value,
    Kind.REJECTION.value,
    Kind.EARN.value,
)


def title_in(lang: Lang, title: str, title_en: str | None) -> str:
    return title_en if lang == "en" and title_en else title


def state_key(now: int, starts_at: int, ends_at: int) -> str:
    if now < starts_at:
        return "chores.state.upcoming"
    if now < ends_at:
        return "chores.state.open"
    return "chores.state.ended"


def _taken(conn: Connection, chore_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per chore: how many claims it has in each status."""
    cl = t.claims.c
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    if chore_ids:
        for chore_id, status, n in conn.execute(
            select(cl.chore_id, cl.status, func.count())
            .where(cl.chore_id.in_(list(chore_ids)))
            .group_by(cl.chore_id, cl.status)
        ):
            counts[chore_id][status] = int(n)
    return counts


@router.get("/chores")
def chore_list(request: Request, office: OfficeDep, me: View, query: ListQueryDep) -> Response:
    n = t.neighbourhoods.c
    stmt = select(
        C.id,
        C.title,
        C.title_en,
        C.neighbourhood_id,
        n.name.label("neighbourhood"),
        C.reward,
        C.capacity,
        C.starts_at,
        C.ends_at,
        C.klusbox_kind,
    ).outerjoin(t.neighbourhoods, n.id == C.neighbourhood_id)
    lang = language_of(request)
    with work.reading(office.server) as conn:
        page = paginate(
            conn,
            stmt,
            query,
            search=[C.id, C.title, C.title_en, n.name, C.neighbourhood_id],
            order_by=[C.starts_at.desc(), C.id],
            path=LIST,
        )
        counts = _taken(conn, [r["id"] for r in page.rows])
    now = office.server.now()
    rows = [
        {
            **r,
            "shown_title": title_in(lang, r["title"], r["title_en"]),
            "state": state_key(now, r["starts_at"], r["ends_at"]),
            "signed_up": sum(counts[r["id"]].values()),
            "taken": counts[r["id"]].get("approved", 0) + counts[r["id"]].get("rewarded", 0),
        }
        for r in page.rows
    ]
    return work.page(
        office,
        request,
        "chores/list.html",
        {"page": page, "rows": rows, "may_manage": me.may(P.CHORES_MANAGE)},
    )


# -- publishing ----------------------------------------------------------------------------------


@dataclass
class ChoreForm:
    title: str = ""
    title_en: str = ""
    neighbourhood_id: str = ""
    reward: str = ""
    capacity: str = "10"
    starts_at: str = ""
    ends_at: str = ""
    klusbox_kind: str = ""


def _kinds(conn: Connection) -> list[str]:
    return sorted(
        conn.execute(select(t.klusboxes.c.kind).distinct()).scalars().all(), key=str.lower
    )


def _form(
    request: Request,
    office: OfficeDep,
    values: ChoreForm,
    problems: work.Problems | None,
    status: int,
) -> Response:
    with work.reading(office.server) as conn:
        hoods = work.neighbourhood_options(conn)
        kinds = _kinds(conn)
    return work.page(
        office,
        request,
        "chores/new.html",
        {"values": values, "hoods": hoods, "kinds": [(k, k) for k in kinds], "problems": problems},
        status=status,
    )


@router.get("/chores/new")
def chore_new(request: Request, office: OfficeDep, me: Manage) -> Response:
    now = office.server.now()
    start = -(-now // HOUR_MS) * HOUR_MS  # the next whole hour
    values = ChoreForm(
        starts_at=work.local_input(start), ends_at=work.local_input(start + 7 * 24 * HOUR_MS)
    )
    return _form(request, office, values, None, 200)


def most_reward(office: OfficeDep) -> int:
    """A chore pays at most one entry's bound and at most a month's earn cap."""
    settings = office.server.settings
    return min(settings.get("bounds", "max_entry_amount"), settings.get("earn_caps", "month"))


@router.post("/chores")
def chore_create(
    request: Request,
    office: OfficeDep,
    me: Manage,
    title: Annotated[str, Form(max_length=1000)] = "",
    title_en: Annotated[str, Form(max_length=1000)] = "",
    neighbourhood_id: Annotated[str, Form(max_length=200)] = "",
    reward: Annotated[str, Form(max_length=100)] = "",
    capacity: Annotated[str, Form(max_length=100)] = "",
    starts_at: Annotated[str, Form(max_length=100)] = "",
    ends_at: Annotated[str, Form(max_length=100)] = "",
    klusbox_kind: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = ChoreForm(
        title, title_en, neighbourhood_id, reward, capacity, starts_at, ends_at, klusbox_kind
    )
    lang = language_of(request)
    problems = work.Problems(lang)
    with work.reading(office.server) as conn:
        hoods = dict(work.neighbourhood_options(conn))
        kinds = _kinds(conn)
    nl_title = problems.check("title", "chores.field.title", lambda: work.plain_text(title))
    en_title = problems.check(
        "title_en", "chores.field.title_en", lambda: work.plain_text(title_en)
    )
    if neighbourhood_id not in hoods:
        problems.add(
            "neighbourhood_id", "chores.field.neighbourhood", OfficeError("choose_neighbourhood")
        )
    cents = problems.check(
        "reward",
        "chores.field.reward",
        lambda: work.heitje_amount(reward, most=most_reward(office)),
    )
    places = problems.check(
        "capacity",
        "chores.field.capacity",
        lambda: work.whole_number(capacity, least=1, most=MAX_CAPACITY),
    )
    start = problems.check(
        "starts_at", "chores.field.starts_at", lambda: work.local_datetime(starts_at)
    )
    end = problems.check("ends_at", "chores.field.ends_at", lambda: work.local_datetime(ends_at))
    if start is not None and end is not None:
        if end <= start:
            problems.add("ends_at", "chores.field.ends_at", OfficeError("ends_before_start"))
        elif end <= office.server.now():
            problems.add("ends_at", "chores.field.ends_at", OfficeError("ends_in_past"))
    kind = klusbox_kind.strip() or None
    if kind is not None and kind not in kinds:
        problems.add(
            "klusbox_kind", "chores.field.klusbox_kind", OfficeError("choose_klusbox_kind")
        )
    if problems:
        return _form(request, office, values, problems, 400)
    assert nl_title and en_title and cents and places and start is not None and end is not None
    server = work.server_of(office)
    chore_id = f"ch-{secrets.token_hex(5)}"
    try:
        with server.write() as conn:
            version = server.bump(conn)
            stored = admin.publish_chore_in(
                server,
                conn,
                version,
                chore_id=chore_id,
                title=nl_title,
                title_en=en_title,
                neighbourhood_id=neighbourhood_id,
                reward=cents,
                capacity=places,
                starts_at=start,
                ends_at=end,
                klusbox_kind=kind,
            )
            audit_change(conn, me, "chore.publish", None, stored, subject=f"chore:{chore_id}")
    except IntegrityError:  # the same random id twice: vanishingly rare; nothing was stored
        problems.add("title", "chores.field.title", OfficeError("try_again"))
        return _form(request, office, values, problems, 409)
    return RedirectResponse(f"{LIST}/{chore_id}?done=done.chore_published", status_code=303)


# -- a chore's page ----------------------------------------------------------------------------


def claim_history(conn: Connection, claim_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per claim, from its ledger entries that took effect: when it was signed up for, first
    checked in, last checked out, reported done, decided (and by whom, why), and rewarded."""
    found: dict[str, dict[str, Any]] = {c: dict(NO_HISTORY) for c in claim_ids}
    if not claim_ids:
        return found
    ids = list(claim_ids)
    for claim_id, kind, first, last, amount in conn.execute(
        select(L.claim_id, L.kind, func.min(L.wall_time), func.max(L.wall_time), func.sum(L.amount))
        .where(L.claim_id.in_(ids), L.status == "applied", L.kind.in_(CLAIM_KINDS))
        .group_by(L.claim_id, L.kind)
    ):
        info = found[claim_id]
        if kind == Kind.CLAIM_SIGNUP.value:
            info["signed_up_at"] = first
        elif kind == Kind.CHECK_IN.value:
            info["check_in"] = first
        elif kind == Kind.CHECK_OUT.value:
            info["check_out"] = last
        elif kind == Kind.CLAIM_DONE.value:
            info["done_at"] = last
        elif kind == Kind.EARN.value:
            info["earned"] = int(amount or 0)
            info["earned_at"] = last
    for claim_id, kind, wall, refs in conn.execute(
        select(L.claim_id, L.kind, L.wall_time, L.refs)
        .where(
            L.claim_id.in_(ids),
            L.status == "applied",
            L.kind.in_((Kind.APPROVAL.value, Kind.REJECTION.value)),
        )
        .order_by(L.id)
    ):
        data = json.loads(refs)
        found[claim_id]["decided"] = {
            "kind": kind,
            "at": wall,
            "by": str(data.get("inspector", "")),
            "reason": str(data.get("reason", "")),
        }
    for info in found.values():
        start, end = info["check_in"], info["check_out"]
        if start is not None and end is not None and end >= start:
            info["worked_ms"] = end - start
    return found


def inspector_names(conn: Connection, history: dict[str, dict[str, Any]]) -> dict[str, str]:
    """ "user:<id>" (the back office's approvals name the account) -> its username."""
    refs = {str(i["decided"]["by"]) for i in history.values() if i["decided"]}
    ids = [r.removeprefix("user:") for r in refs if r.startswith("user:")]
    return {f"user:{uid}": name for uid, name in work.usernames(conn, ids).items()}


@router.get("/chores/{chore_id}")
def chore_page(
    request: Request, office: OfficeDep, me: View, chore_id: str, query: ListQueryDep
) -> Response:
    lang = language_of(request)
    cl = t.claims.c
    r = t.residents.c
    n = t.neighbourhoods.c
    with work.reading(office.server) as conn:
        chore = (
            conn.execute(
                select(t.chores, n.name.label("neighbourhood"))
                .outerjoin(t.neighbourhoods, n.id == C.neighbourhood_id)
                .where(C.id == chore_id)
            )
            .mappings()
            .first()
        )
        if chore is None:
            return error_page(request, 404, "refused.not_found")
        stmt = (
            select(cl.id, cl.status, cl.resident_id, r.name.label("resident"))
            .outerjoin(t.residents, r.id == cl.resident_id)
            .where(cl.chore_id == chore_id)
        )
        claims = paginate(
            conn,
            stmt,
            query,
            search=[cl.id, cl.resident_id, r.name, cl.status],
            order_by=[cl.id],
            path=f"{LIST}/{chore_id}",
        )
        history = claim_history(conn, [c["id"] for c in claims.rows])
        names = inspector_names(conn, history)
        counts = _taken(conn, [chore_id])[chore_id]
    now = office.server.now()
    rows = []
    for c in claims.rows:
        info = history[c["id"]]
        decided = info["decided"]
        rows.append(
            {
                **c,
                **info,
                "status_key": f"claim.status.{c['status']}",
                "decided_by": names.get(decided["by"], decided["by"]) if decided else "",
            }
        )
    return work.page(
        office,
        request,
        "chores/detail.html",
        {
            "chore": chore,
            "shown_title": title_in(lang, chore["title"], chore["title_en"]),
            "state": state_key(now, chore["starts_at"], chore["ends_at"]),
            "is_open": now < chore["ends_at"],
            "claims": claims,
            "rows": rows,
            "signed_up": sum(counts.values()),
            "taken": counts.get("approved", 0) + counts.get("rewarded", 0),
            "may_manage": me.may(P.CHORES_MANAGE),
        },
    )


@router.post("/chores/{chore_id}/close")
def chore_close(request: Request, office: OfficeDep, me: Manage, chore_id: str) -> Response:
    server = work.server_of(office)
    with server.write() as conn:
        version = server.bump(conn)
        before = conn.execute(select(C.ends_at).where(C.id == chore_id)).scalar()
        closed = before is not None and admin.close_chore_in(server, conn, version, chore_id)
        if closed:
            audit_change(
                conn,
                me,
                "chore.close",
                {"ends_at": before},
                {"ends_at": server.now()},
                subject=f"chore:{chore_id}",
            )
    if before is None:
        return error_page(request, 404, "refused.not_found")
    if not closed:
        message = OfficeError("chore_already_ended").message(language_of(request))
        return office.render(
            request, "error.html", {"key": "refused.action", "message": message}, status=409
        )
    return RedirectResponse(f"{LIST}/{chore_id}?done=done.chore_closed", status_code=303)
