"""The audit log (admin): every change, who made it, before and after. Read only: the
database refuses to change or delete its rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.listing import ListQueryDep, paginate
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_list(
    request: Request,
    office: OfficeDep,
    me: Annotated[SignedIn, require(P.AUDIT_VIEW)],
    query: ListQueryDep,
) -> Response:
    a = t.audit_log.c
    stmt = select(
        a.id,
        a.at,
        a.event,
        a.severity,
        a.actor,
        a.device_id,
        a.detail,
        a.before_json,
        a.after_json,
        t.users.c.username,
    ).outerjoin(t.users, t.users.c.id == a.user_id)
    with office.server.engine.connect() as conn:
        page = paginate(
            conn,
            stmt,
            query,
            search=[a.event, a.actor, t.users.c.username, a.detail, a.before_json, a.after_json],
            order_by=[a.id.desc()],
            path=f"{PREFIX}/audit",
        )
    return office.render(request, "audit/list.html", {"page": page})
