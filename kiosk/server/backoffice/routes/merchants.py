"""Merchants (admin): the list, adding and editing a shop (name, address, neighbourhood,
IBAN, blocked or not)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.listing import ListQueryDep
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import merchants
from kiosk.server.backoffice.registers.web import done, form_page, found, list_page, save
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Viewer = Annotated[SignedIn, require(P.REGISTERS_VIEW)]
Editor = Annotated[SignedIn, require(P.REGISTERS_EDIT)]
LIST = f"{PREFIX}/merchants"
Name = Annotated[str, Form(max_length=400)]
Address = Annotated[str, Form(max_length=600)]
Choice = Annotated[str, Form(max_length=80)]
Iban = Annotated[str, Form(max_length=80)]
STATUS_OPTIONS = [("active", "merchants.status_active"), ("blocked", "merchants.status_blocked")]


@router.get("/merchants")
def merchant_list(request: Request, office: OfficeDep, me: Viewer, query: ListQueryDep) -> Response:
    m, n = t.merchants.c, t.neighbourhoods.c
    stmt = select(
        m.id, m.name, m.address, m.iban, m.status, n.name.label("neighbourhood")
    ).outerjoin(t.neighbourhoods, n.id == m.neighbourhood_id)
    return list_page(
        request,
        office,
        "merchants/list.html",
        stmt,
        query,
        search=[m.id, m.name, m.address, m.iban, n.name],
        order_by=[m.name, m.id],
        path=LIST,
    )


def _form(
    request: Request,
    office: OfficeDep,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return form_page(
        request,
        office,
        "merchants/form.html",
        values,
        error,
        status,
        neighbourhoods=True,
        status_options=STATUS_OPTIONS,
    )


@router.get("/merchants/new")
def merchant_new(request: Request, office: OfficeDep, me: Editor) -> Response:
    values = {"id": "", "name": "", "address": "", "neighbourhood": "", "iban": "", "status": ""}
    return _form(request, office, values)


@router.post("/merchants")
def merchant_create(
    request: Request,
    office: OfficeDep,
    me: Editor,
    name: Name = "",
    address: Address = "",
    neighbourhood: Choice = "",
    iban: Iban = "",
) -> Response:
    values = {
        "id": "",
        "name": name,
        "address": address,
        "neighbourhood": neighbourhood,
        "iban": iban,
        "status": "",
    }
    return save(
        request,
        lambda: merchants.create(
            office.server,
            me,
            name=name,
            address=address,
            neighbourhood_id=neighbourhood,
            iban=iban,
        ),
        lambda _: done(LIST, "done.merchant_created"),
        lambda error: _form(request, office, values, error, 400),
    )


@router.get("/merchants/{merchant_id}/edit")
def merchant_edit_form(
    request: Request, office: OfficeDep, me: Editor, merchant_id: str
) -> Response:
    shop = found(office, merchants.get, merchant_id)
    values = {
        "id": shop.id,
        "name": shop.name,
        "address": shop.address or "",
        "neighbourhood": shop.neighbourhood_id,
        "iban": shop.iban or "",
        "status": shop.status,
    }
    return _form(request, office, values)


@router.post("/merchants/{merchant_id}")
def merchant_edit(
    request: Request,
    office: OfficeDep,
    me: Editor,
    merchant_id: str,
    name: Name = "",
    address: Address = "",
    neighbourhood: Choice = "",
    iban: Iban = "",
    status: Choice = "",
) -> Response:
    values = {
        "id": merchant_id,
        "name": name,
        "address": address,
        "neighbourhood": neighbourhood,
        "iban": iban,
        "status": status,
    }
    return save(
        request,
        lambda: merchants.edit(
            office.server,
            me,
            merchant_id,
            name=name,
            address=address,
            neighbourhood_id=neighbourhood,
            iban=iban,
            status=status,
        ),
        lambda _: done(LIST, "done.merchant_saved"),
        lambda error: _form(request, office, values, error, 400),
        unknown="merchant_unknown",
    )
