"""A person's own account: change the password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kiosk.server.backoffice import signin, users
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.i18n import OfficeError, language_of
from kiosk.server.backoffice.office import PREFIX, OfficeDep, client_of
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
PATH = "/account/password"


@router.get(PATH)
def password_form(
    request: Request, office: OfficeDep, me: Annotated[SignedIn, require(P.HOME)]
) -> Response:
    return office.render(request, "account/password.html")


@router.post(PATH)
def password_change(
    request: Request,
    office: OfficeDep,
    me: Annotated[SignedIn, require(P.HOME)],
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    def again(message: str, status: int) -> Response:
        return office.render(request, "account/password.html", {"error": message}, status=status)

    # The current password is checked like a sign-in: counted, and refused when locked.
    result, _ = signin.check(
        office.server, office.settings, me.username, current, client_of(request)
    )
    if result.outcome == "locked":
        return again(office.text(request, "signin.locked", s=result.retry_after_s), 429)
    if result.outcome != "ok":
        return again(office.text(request, "account.current_wrong"), 400)
    if new != repeat:
        return again(office.text(request, "account.mismatch"), 400)
    try:
        users.change_password(
            office.server, office.settings, me, me.user_id, new, keep_session=me.token_hash
        )
    except OfficeError as exc:
        return again(exc.message(language_of(request)), 400)
    return RedirectResponse(f"{PREFIX}{PATH}?done=done.password_changed", status_code=303)
