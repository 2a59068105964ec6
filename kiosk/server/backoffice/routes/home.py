"""The home page of each role, and who-am-I for scripts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.office import OfficeDep
from kiosk.server.backoffice.permissions import ROLE_PERMISSIONS, P
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)


@router.get("")
def home(
    request: Request, office: OfficeDep, me: Annotated[SignedIn, require(P.HOME)]
) -> HTMLResponse:
    return office.render(request, f"home/{me.role}.html")


@router.get("/api/me")
def whoami(me: Annotated[SignedIn, require(P.HOME)]) -> dict[str, Any]:
    return {
        "username": me.username,
        "display_name": me.display_name,
        "role": me.role,
        "permissions": sorted(ROLE_PERMISSIONS[me.role]),
        "session_expires_at": me.expires_at,
    }
