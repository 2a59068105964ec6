"""The back office's shared parts: its settings, the templates, and one ``render``.

Every page is rendered through ``Office.render``, which hands the template the person
signed in (or nobody), their language and ``t()``, the CSRF token of their session, and
the navigation their role may see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kiosk.core.days import local
from kiosk.server.backoffice import i18n
from kiosk.server.backoffice.nav import NAV
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn
from kiosk.server.backoffice.settings import OfficeSettings
from kiosk.server.context import ServerCore

PREFIX = "/office"
API_PREFIX = PREFIX + "/api/"
STATIC_PREFIX = PREFIX + "/static"
SERVER_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = SERVER_DIR / "templates"
STATIC_DIR = SERVER_DIR / "static"
UNKNOWN_CLIENT = "unknown"


def when(ms: int | None) -> str:
    """Epoch ms as Amsterdam time, "2026-11-18 14:03" (the same in both languages)."""
    return "" if ms is None else local(ms).strftime("%Y-%m-%d %H:%M")


@cache
def static_url(name: str) -> str:
    """A static file's URL, with its content hash so a new version is never cached stale."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PREFIX}/{name}?v={digest}"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html",), default_for_string=True),
        undefined=StrictUndefined,  # a misspelt variable is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.globals["office"] = PREFIX
    env.globals["static"] = static_url
    env.globals["P"] = P
    return env


def client_of(request: Request) -> str:
    """The client's address as uvicorn sees it (behind a trusted proxy: the forwarded one)."""
    return request.client.host if request.client else UNKNOWN_CLIENT


class Office:
    """One per app: ``request.app.state.backoffice``."""

    def __init__(self, server: ServerCore) -> None:
        self.server = server
        self.settings = OfficeSettings.from_settings(server.settings)
        self.env = make_environment()

    def secure_cookies(self, request: Request) -> bool:
        return self.settings.always_secure_cookies or request.url.scheme == "https"

    def text(self, request: Request, key: str, **params: object) -> str:
        """`key` in the request's language (for messages a route hands to a template)."""
        return i18n.translate(i18n.language_of(request), key, **params)

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        lang = i18n.language_of(request)
        me: SignedIn | None = getattr(request.state, "me", None)

        def t(key: str, **params: object) -> str:
            return i18n.translate(lang, key, **params)

        done = request.query_params.get("done", "")
        values: dict[str, Any] = {
            "request": request,
            "lang": lang,
            "other_lang": "en" if lang == "nl" else "nl",
            "t": t,
            "me": me,
            "csrf_token": me.csrf_token if me else "",
            "nav": [item for item in NAV if me and me.may(item.permission)],
            "path": request.url.path,
            # a message after a change (303 to ?done=done.x): known keys only
            "done": done if done.startswith("done.") and done in i18n.TEXTS else "",
            "error": None,  # a message (already translated) shown above a form
        }
        values.update(context or {})
        html = self.env.get_template(template).render(values)
        return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def office_of(request: Request) -> Office:
    office: Office = request.app.state.backoffice
    return office


OfficeDep = Annotated[Office, Depends(office_of)]
