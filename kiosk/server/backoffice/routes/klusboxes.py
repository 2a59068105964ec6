"""Klusboxes (admin): the list with each box's state, adding and editing a box (its
components too), maintenance on and off, and the box's label."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from kiosk.core.errors import HeitjeError
from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.listing import ListQueryDep, Page
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import klusboxes
from kiosk.server.backoffice.registers.texts import KLUSBOX_STATE_KEYS
from kiosk.server.backoffice.registers.web import (
    act,
    done,
    form_page,
    found,
    list_page,
    not_found,
    refused,
    save,
)
from kiosk.server.backoffice.sessions import SignedIn
from kiosk.server.loans import open_loans

router = APIRouter(include_in_schema=False)
Viewer = Annotated[SignedIn, require(P.REGISTERS_VIEW)]
Editor = Annotated[SignedIn, require(P.REGISTERS_EDIT)]
LIST = f"{PREFIX}/klusboxes"
Name = Annotated[str, Form(max_length=400)]
Kind = Annotated[str, Form(max_length=160)]
Choice = Annotated[str, Form(max_length=80)]
Components = Annotated[str, Form(max_length=10_000)]


@router.get("/klusboxes")
def klusbox_list(request: Request, office: OfficeDep, me: Viewer, query: ListQueryDep) -> Response:
    k, n = t.klusboxes.c, t.neighbourhoods.c
    stmt = select(
        k.id, k.name, k.kind, k.neighbourhood_id, k.components, k.maintenance,
        n.name.label("neighbourhood"),
    ).outerjoin(t.neighbourhoods, n.id == k.neighbourhood_id)  # fmt: skip

    def states(conn: Connection, page: Page) -> dict[str, Any]:
        loans = open_loans(conn, [row["id"] for row in page.rows])
        rows = [
            (
                row,
                t.components_of(row["components"]),
                KLUSBOX_STATE_KEYS[klusboxes.state(bool(row["maintenance"]), row["id"] in loans)],
                loans.get(row["id"]),
            )
            for row in page.rows
        ]
        return {"rows": rows}

    return list_page(
        request,
        office,
        "klusboxes/list.html",
        stmt,
        query,
        search=[k.id, k.name, k.kind, k.components, n.name],
        order_by=[k.name, k.id],
        path=LIST,
        more=states,
    )


def _form(
    request: Request,
    office: OfficeDep,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return form_page(
        request, office, "klusboxes/form.html", values, error, status, neighbourhoods=True
    )


@router.get("/klusboxes/new")
def klusbox_new(request: Request, office: OfficeDep, me: Editor) -> Response:
    values = {"id": "", "name": "", "kind": "", "neighbourhood": "", "components": ""}
    return _form(request, office, values)


@router.post("/klusboxes")
def klusbox_create(
    request: Request,
    office: OfficeDep,
    me: Editor,
    name: Name = "",
    kind: Kind = "",
    neighbourhood: Choice = "",
    components: Components = "",
) -> Response:
    values = {
        "id": "",
        "name": name,
        "kind": kind,
        "neighbourhood": neighbourhood,
        "components": components,
    }
    return save(
        request,
        lambda: klusboxes.create(
            office.server,
            me,
            name=name,
            kind=kind,
            neighbourhood_id=neighbourhood,
            components=components,
        ),
        lambda _: done(LIST, "done.klusbox_created"),
        lambda error: _form(request, office, values, error, 400),
    )


@router.get("/klusboxes/{box_id}/edit")
def klusbox_edit_form(request: Request, office: OfficeDep, me: Editor, box_id: str) -> Response:
    box = found(office, klusboxes.get, box_id)
    values = {
        "id": box.id,
        "name": box.name,
        "kind": box.kind,
        "neighbourhood": box.neighbourhood_id,
        "components": "\n".join(box.components),
    }
    return _form(request, office, values)


@router.post("/klusboxes/{box_id}")
def klusbox_edit(
    request: Request,
    office: OfficeDep,
    me: Editor,
    box_id: str,
    name: Name = "",
    kind: Kind = "",
    neighbourhood: Choice = "",
    components: Components = "",
) -> Response:
    values = {
        "id": box_id,
        "name": name,
        "kind": kind,
        "neighbourhood": neighbourhood,
        "components": components,
    }
    return save(
        request,
        lambda: klusboxes.edit(
            office.server,
            me,
            box_id,
            name=name,
            kind=kind,
            neighbourhood_id=neighbourhood,
            components=components,
        ),
        lambda _: done(LIST, "done.klusbox_saved"),
        lambda error: _form(request, office, values, error, 400),
        unknown="klusbox_unknown",
    )


@router.post("/klusboxes/{box_id}/maintenance")
def klusbox_maintenance_on(
    request: Request, office: OfficeDep, me: Editor, box_id: str
) -> Response:
    return act(
        request,
        office,
        lambda: klusboxes.set_maintenance(office.server, me, box_id, True),
        lambda _: done(LIST, "done.klusbox_maintenance_on"),
    )


@router.post("/klusboxes/{box_id}/available")
def klusbox_maintenance_off(
    request: Request, office: OfficeDep, me: Editor, box_id: str
) -> Response:
    return act(
        request,
        office,
        lambda: klusboxes.set_maintenance(office.server, me, box_id, False),
        lambda _: done(LIST, "done.klusbox_maintenance_off"),
    )


@router.get("/klusboxes/{box_id}/label.pdf")
def klusbox_label(request: Request, office: OfficeDep, me: Editor, box_id: str) -> Response:
    try:
        data = klusboxes.label_pdf(office.server, me, box_id)
    except HeitjeError as exc:
        if exc.code == "klusbox_unknown":
            not_found()
        return refused(request, office, exc)
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="heitje-{box_id}.pdf"'},
    )
