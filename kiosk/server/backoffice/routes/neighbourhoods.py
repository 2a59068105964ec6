"""Neighbourhoods (admin): the list with their CBS buurt codes, adding and editing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.listing import ListQueryDep
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import neighbourhoods
from kiosk.server.backoffice.registers.web import done, form_page, found, list_page, save
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
    return list_page(
        request,
        office,
        "neighbourhoods/list.html",
        stmt,
        query,
        search=[n.id, n.name, n.cbs_code],
        order_by=[n.name, n.id],
        path=LIST,
    )


def _form(
    request: Request,
    office: OfficeDep,
    values: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return form_page(request, office, "neighbourhoods/form.html", values, error, status)


@router.get("/neighbourhoods/new")
def neighbourhood_new(request: Request, office: OfficeDep, me: Editor) -> Response:
    return _form(request, office, {"id": "", "name": "", "cbs_code": ""})


@router.post("/neighbourhoods")
def neighbourhood_create(
    request: Request, office: OfficeDep, me: Editor, name: Name = "", cbs_code: Code = ""
) -> Response:
    values = {"id": "", "name": name, "cbs_code": cbs_code}
    return save(
        request,
        lambda: neighbourhoods.create(office.server, me, name=name, cbs_code=cbs_code),
        lambda _: done(LIST, "done.neighbourhood_created"),
        lambda error: _form(request, office, values, error, 400),
    )


@router.get("/neighbourhoods/{neighbourhood_id}/edit")
def neighbourhood_edit_form(
    request: Request, office: OfficeDep, me: Editor, neighbourhood_id: str
) -> Response:
    area = found(office, neighbourhoods.get, neighbourhood_id)
    return _form(
        request, office, {"id": area.id, "name": area.name, "cbs_code": area.cbs_code or ""}
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
    return save(
        request,
        lambda: neighbourhoods.edit(
            office.server, me, neighbourhood_id, name=name, cbs_code=cbs_code
        ),
        lambda _: done(LIST, "done.neighbourhood_saved"),
        lambda error: _form(request, office, values, error, 400),
        unknown="neighbourhood_unknown",
    )
