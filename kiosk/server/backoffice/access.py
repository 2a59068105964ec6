"""Who may call a back-office route: the one dependency every route uses.

    @router.get("/residents")
    def residents(me: Annotated[SignedIn, require(P.REGISTERS_VIEW)], ...) -> Response:

``require(permission)`` finds the session of the request's cookie, checks that the user's
role holds `permission` (permissions.py) and, on every request that can change something
(POST, PUT, PATCH, DELETE), the session's CSRF token (a form's hidden ``csrf_token``
field, or an ``X-CSRF-Token`` header for scripts). Without a session a page answers 303 to
the sign-in page and an API route (below ``/office/api/``) 401 JSON; a role without the
permission gets 403, a missing or wrong CSRF token 403 too. Routes anybody may open (the
sign-in page, the language switch) say so with ``public``; tests check that every
back-office route has exactly one of the two.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from kiosk.server.backoffice import sessions
from kiosk.server.backoffice.office import Office, office_of
from kiosk.server.backoffice.permissions import P, may
from kiosk.server.backoffice.sessions import SignedIn

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PERMISSION_ATTR = "backoffice_permission"
PUBLIC_ATTR = "backoffice_public"

Reason = Literal["signin", "role", "csrf"]


class AccessRefused(Exception):
    """Raised by `require`; pages.py turns it into a redirect, a page or JSON."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


async def _csrf_given(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)  # parsed once, kept for the route
        return value if isinstance(value, str) else None
    return None


def require(permission: P) -> Any:
    """The dependency of a route only `permission`'s roles may call (see the module doc)."""

    async def signed_in(request: Request) -> SignedIn:
        office: Office = office_of(request)
        token = request.cookies.get(sessions.COOKIE)
        me = None
        if token:
            me = await run_in_threadpool(sessions.lookup, office.server, office.settings, token)
        if me is None:
            raise AccessRefused("signin")
        request.state.me = me
        if not may(me.role, permission):
            raise AccessRefused("role")
        if request.method not in SAFE_METHODS and not sessions.csrf_ok(
            me.csrf_token, await _csrf_given(request)
        ):
            raise AccessRefused("csrf")
        return me

    setattr(signed_in, PERMISSION_ATTR, permission)
    return Depends(signed_in)


def _public() -> None:
    """Marks a route anybody may call, signed in or not."""


setattr(_public, PUBLIC_ATTR, True)
public: Any = Depends(_public)


def current_user(office: Office, request: Request) -> SignedIn | None:
    """The signed-in user of a public route, if any (no permission, no CSRF check)."""
    token = request.cookies.get(sessions.COOKIE)
    me = sessions.lookup(office.server, office.settings, token) if token else None
    if me is not None:
        request.state.me = me
    return me
