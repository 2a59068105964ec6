"""How the back office answers when it refuses: pages for people, JSON for scripts, and the
security headers on everything below the prefix."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.server.backoffice import i18n, sessions
from kiosk.server.backoffice.access import AccessRefused
from kiosk.server.backoffice.office import API_PREFIX, PREFIX, STATIC_PREFIX, office_of
from kiosk.sync.protocol import ErrorBody

SIGNIN_PATH = PREFIX + "/sign-in"

# reason -> (status, stable code for scripts)
REFUSALS = {
    "signin": (401, "signin_required"),
    "role": (403, "forbidden"),
    "csrf": (403, "csrf_invalid"),
}

# The pages are plain: no inline script or style, nothing from elsewhere, never in a frame.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
NO_STORE = (b"cache-control", b"no-store")


def is_office(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)


def json_error(status: int, code: str, lang_key: str) -> JSONResponse:
    body = ErrorBody(
        code=code,
        message_nl=i18n.translate("nl", lang_key),
        message_en=i18n.translate("en", lang_key),
    )
    return JSONResponse(status_code=status, content=body.model_dump())


def error_page(request: Request, status: int, key: str) -> Response:
    """The error page, `key` naming its title (`key`) and its advice (`key`.advice)."""
    if is_api(request.url.path):
        return json_error(status, key.removeprefix("refused."), key)
    return office_of(request).render(request, "error.html", {"key": key}, status=status)


def signin_redirect(request: Request) -> RedirectResponse:
    target = SIGNIN_PATH
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(here, safe="")
    response = RedirectResponse(target, status_code=303)
    if sessions.COOKIE in request.cookies:  # ended or expired: forget it
        response.delete_cookie(sessions.COOKIE, path=PREFIX)
    return response


def install(app: FastAPI) -> None:
    """Handlers for the back office's refusals; the API's own handlers stay as they were
    for every path outside the back office."""
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_invalid = app.exception_handlers.get(RequestValidationError)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AccessRefused)
        status, code = REFUSALS[exc.reason]
        if exc.reason == "signin" and not is_api(request.url.path):
            return signin_redirect(request)
        if is_api(request.url.path):
            return json_error(status, code, f"refused.{code}")
        return error_page(request, status, f"refused.{code}")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_office(request.url.path) and not request.url.path.startswith(STATIC_PREFIX):
            key = {404: "refused.not_found", 405: "refused.method"}.get(
                exc.status_code, "refused.bad_request"
            )
            return error_page(request, exc.status_code, key)
        return await _delegate(api_http, request, exc)

    async def invalid(request: Request, exc: Exception) -> Response:
        if is_office(request.url.path):
            return error_page(request, 422, "refused.invalid")
        return await _delegate(api_invalid, request, exc)

    app.add_exception_handler(AccessRefused, refused)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


async def _delegate(handler: Any, request: Request, exc: Exception) -> Response:
    if handler is None:
        raise exc
    response: Response = await handler(request, exc)
    return response


class SecurityHeaders:
    """CSP and friends on every back-office response; ``no-store`` on all but static files
    (a page may hold personal data: the browser must not keep it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not is_office(path):
            await self.app(scope, receive, send)
            return
        extra = HEADERS if path.startswith(STATIC_PREFIX) else [*HEADERS, NO_STORE]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
