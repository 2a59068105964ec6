"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kiosk.server.backoffice import audit, i18n, sessions, signin
from kiosk.server.backoffice.access import current_user, public, require
from kiosk.server.backoffice.office import PREFIX, OfficeDep, client_of
from kiosk.server.backoffice.pages import SIGNIN_PATH, error_page
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)

# Sign-in has no session yet: its CSRF token is tied to a cookie of its own instead.
SIGNIN_COOKIE = "heitje_signin"
LANG_MAX_AGE = 365 * 86_400


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path of the back office itself (no open
    redirect to somewhere else)."""
    if not target or "\\" in target or any(ord(c) < 0x20 for c in target):
        return PREFIX
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return PREFIX
    if parts.path != PREFIX and not parts.path.startswith(PREFIX + "/"):
        return PREFIX
    return target


def _signin_page(
    request: Request,
    office: OfficeDep,
    *,
    next_url: str,
    username: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(32)
    response = office.render(
        request,
        "signin.html",
        {
            "csrf_token": sessions.csrf_for(token),
            "next_url": next_url,
            "username": username,
            "error": error,
        },
        status=status,
        headers=headers,
    )
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        path=SIGNIN_PATH,
        httponly=True,
        samesite="strict",
        secure=office.secure_cookies(request),
    )
    return response


@router.get("/sign-in", dependencies=[public])
def signin_form(request: Request, office: OfficeDep, next: str | None = None) -> Response:
    if current_user(office, request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _signin_page(request, office, next_url=safe_next(next))


@router.post("/sign-in", dependencies=[public])
def signin_submit(
    request: Request,
    office: OfficeDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    cookie = request.cookies.get(SIGNIN_COOKIE)
    if not cookie or not sessions.csrf_ok(sessions.csrf_for(cookie), csrf_token):
        return error_page(request, 403, "refused.csrf_invalid")
    next_url = safe_next(next)
    if not username or not password:
        return _signin_page(
            request, office, next_url=next_url, username=username,
            error=office.text(request, "signin.missing"), status=400,
        )  # fmt: skip
    result = signin.sign_in(office.server, office.settings, username, password, client_of(request))
    if result.outcome == "locked":
        return _signin_page(
            request, office, next_url=next_url, username=username,
            error=office.text(request, "signin.locked", s=result.retry_after_s), status=429,
            headers={"Retry-After": str(result.retry_after_s)},
        )  # fmt: skip
    if result.token is None:
        return _signin_page(
            request, office, next_url=next_url, username=username,
            error=office.text(request, "signin.wrong"), status=401,
        )  # fmt: skip
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        result.token,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=office.secure_cookies(request),
    )  # a session cookie: gone when the browser closes; the server ends it anyway
    response.delete_cookie(SIGNIN_COOKIE, path=SIGNIN_PATH)
    return response


@router.post("/sign-out")
def sign_out(office: OfficeDep, me: Annotated[SignedIn, require(P.HOME)]) -> Response:
    with office.server.write() as conn:
        sessions.end_in(conn, me.token_hash, me.at, sessions.SIGNED_OUT)
        audit.audit_change(conn, me, "signout", None, None)
    response = RedirectResponse(SIGNIN_PATH + "?done=done.signed_out", status_code=303)
    response.delete_cookie(sessions.COOKIE, path=PREFIX)
    return response


@router.get("/lang/{lang}", dependencies=[public])
def choose_language(
    request: Request, office: OfficeDep, lang: str, next: str | None = None
) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            lang,
            max_age=LANG_MAX_AGE,
            path=PREFIX,
            samesite="lax",
            secure=office.secure_cookies(request),
        )
    return response
