"""Neighbourhoods (admin): the list with their CBS buurt codes, adding and editing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from kiosk.core.errors import HeitjeError
from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.listing import ListQueryDep, paginate
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import neighbourhoods
from kiosk.server.backoffice.registers.web import done, message, not_found
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Viewer = Annotated[SignedIn, require(P.REGISTERS_VIEW)]
Editor = Annotated[SignedIn, require(P.REGISTERS_EDIT)]
LIST = f"{PREFIX}/neighbourhoods"
Name = Annotated[str, Form(max_length=400)]
Code = Annotated[str, Form(max_length=40)]


def _count(table: Any) -> Any:
    return (
        select(table.c.neighbourhood_id, func.count().label("n"))
        .group_by(table.c.neighbourhood_id)
        .subquery()
    )


@router.get("/neighbourhoods")
def neighbourhood_list(
    request: Request, office: OfficeDep, me: Viewer, query: ListQueryDep
) -> Response:
    n = t.neighbourhoods.c
    people, shops = _count(t.residents), _count(t.merchants)
    stmt = (
        select(
            n.id,
            n.name,
            n.cbs_code,
            func.coalesce(people.c.n, 0).label("residents"),
            func.coalesce(shops.c.n, 0).label("merchants"),
        )
        .outerjoin(people, people.c.neighbourhood_id == n.id)
        .outerjoin(shops, shops.c.neighbourhood_id == n.id)
    )
    with office.server.engine.connect() as conn:
        page = paginate(
            conn, stmt, query, search=[n.id, n.name, n.cbs_code], order_by=[n.name, n.id], path=LIST
        )
    return office.render(request, "neighbourhoods/list.html", {"page": page})


def _form(
    request: Request,
    office: OfficeDep,
    values: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return office.render(
        request, "neighbourhoods/form.html", {"values": values, "error": error}, status=status
    )


@router.get("/neighbourhoods/new")
def neighbourhood_new(request: Request, office: OfficeDep, me: Editor) -> Response:
    return _form(request, office, {"id": "", "name": "", "cbs_code": ""})


@router.post("/neighbourhoods")
def neighbourhood_create(
    request: Request, office: OfficeDep, me: Editor, name: Name = "", cbs_code: Code = ""
) -> Response:
    values = {"id": "", "name": name, "cbs_code": cbs_code}
    try:
        neighbourhoods.create(office.server, me, name=name, cbs_code=cbs_code)
    except HeitjeError as exc:
        return _form(request, office, values, message(request, exc), 400)
    return done(LIST, "done.neighbourhood_created")


@router.get("/neighbourhoods/{neighbourhood_id}/edit")
def neighbourhood_edit_form(
    request: Request, office: OfficeDep, me: Editor, neighbourhood_id: str
) -> Response:
    with office.server.engine.connect() as conn:
        found = neighbourhoods.get(conn, neighbourhood_id)
    if found is None:
        not_found()
    return _form(
        request, office, {"id": found.id, "name": found.name, "cbs_code": found.cbs_code or ""}
    )


@router.post("/neighbourhoods/{neighbourhood_id}")
def neighbourhood_edit(
    request: Request,
    office: OfficeDep,
    me: Editor,
    neighbourhood_id: str,
    name: Name = "",
    cbs_code: Code = "",
) -> Response:
    values = {"id": neighbourhood_id, "name": name, "cbs_code": cbs_code}
    try:
        neighbourhoods.edit(office.server, me, neighbourhood_id, name=name, cbs_code=cbs_code)
    except HeitjeError as exc:
        if exc.code == "neighbourhood_unknown":
            not_found()
        return _form(request, office, values, message(request, exc), 400)
    return done(LIST, "done.neighbourhood_saved")
