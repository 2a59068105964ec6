"""Back-office accounts (admin): list, create, disable and enable, end sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from kiosk.server import tables as t
from kiosk.server.backoffice import sessions, users
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.i18n import OfficeError, language_of
from kiosk.server.backoffice.listing import ListQueryDep, paginate
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import ROLES, P
from kiosk.server.backoffice.sessions import SignedIn
from kiosk.server.backoffice.signin import FAILED

router = APIRouter(include_in_schema=False)
Admin = Annotated[SignedIn, require(P.USERS_MANAGE)]
LIST = f"{PREFIX}/users"


@router.get("/users")
def user_list(request: Request, office: OfficeDep, me: Admin, query: ListQueryDep) -> Response:
    u = t.users.c
    stmt = select(u.id, u.username, u.display_name, u.role, u.active, u.created_at)
    now = me.at
    with office.server.engine.connect() as conn:
        page = paginate(
            conn,
            stmt,
            query,
            search=[u.username, u.display_name, u.role],
            order_by=[u.username],
            path=LIST,
        )
        ids = [int(r["id"]) for r in page.rows]
        open_sessions = sessions.open_counts(conn, office.settings, ids, now)
        a = t.signin_attempts.c
        failing = [
            r.username
            for r in conn.execute(
                select(a.username).where(
                    a.username.in_([r["username"] for r in page.rows]),
                    a.at > now - office.settings.signin_window_ms,
                    a.outcome.in_(FAILED),
                )
            )
        ]
    locked = {
        name
        for name in set(failing)
        if failing.count(name) >= office.settings.max_failed_per_account
    }
    return office.render(
        request,
        "users/list.html",
        {"page": page, "open_sessions": open_sessions, "locked": locked},
    )


def _form(
    request: Request, office: OfficeDep, values: dict[str, str], error: str | None, status: int
) -> Response:
    return office.render(
        request,
        "users/new.html",
        {"values": values, "role_options": [(r, f"role.{r}") for r in ROLES], "error": error},
        status=status,
    )


@router.get("/users/new")
def user_new(request: Request, office: OfficeDep, me: Admin) -> Response:
    return _form(request, office, {"username": "", "display_name": "", "role": ""}, None, 200)


@router.post("/users")
def user_create(
    request: Request,
    office: OfficeDep,
    me: Admin,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    values = {"username": username, "display_name": display_name, "role": role}
    if password != repeat:
        return _form(request, office, values, office.text(request, "account.mismatch"), 400)
    try:
        users.create_user(
            office.server,
            office.settings,
            me,
            username=username,
            display_name=display_name,
            role=role,
            password=password,
        )
    except OfficeError as exc:
        return _form(request, office, values, exc.message(language_of(request)), 400)
    return RedirectResponse(f"{LIST}?done=done.user_created", status_code=303)


def _run(request: Request, office: OfficeDep, action: Callable[[], object], done: str) -> Response:
    """Do `action`, then back to the list with `done`'s message; a refusal as a page."""
    try:
        action()
    except OfficeError as exc:
        status = 404 if exc.code == "user_unknown" else 409
        message = exc.message(language_of(request))
        return office.render(
            request, "error.html", {"key": "refused.action", "message": message}, status=status
        )
    return RedirectResponse(f"{LIST}?done={done}", status_code=303)


@router.post("/users/{user_id}/disable")
def user_disable(request: Request, office: OfficeDep, me: Admin, user_id: int) -> Response:
    return _run(
        request, office, lambda: users.set_active(office.server, me, user_id, False),
        "done.user_disabled",
    )  # fmt: skip


@router.post("/users/{user_id}/enable")
def user_enable(request: Request, office: OfficeDep, me: Admin, user_id: int) -> Response:
    return _run(
        request, office, lambda: users.set_active(office.server, me, user_id, True),
        "done.user_enabled",
    )  # fmt: skip


@router.post("/users/{user_id}/end-sessions")
def user_end_sessions(request: Request, office: OfficeDep, me: Admin, user_id: int) -> Response:
    return _run(
        request, office, lambda: users.end_sessions(office.server, me, user_id),
        "done.sessions_ended",
    )  # fmt: skip
