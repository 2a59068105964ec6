"""Staff (admin): inspectors, desk and kiosk staff, their staff cards and their PIN."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from kiosk.core.cards import format_serial
from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.listing import ListQueryDep
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import cards, staff
from kiosk.server.backoffice.registers.texts import STAFF_ROLE_KEYS, card_words
from kiosk.server.backoffice.registers.web import (
    act,
    done,
    form_page,
    found,
    list_page,
    new_card_of,
    not_found,
    save,
)
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Viewer = Annotated[SignedIn, require(P.REGISTERS_VIEW)]
Editor = Annotated[SignedIn, require(P.REGISTERS_EDIT)]
LIST = f"{PREFIX}/staff"
Name = Annotated[str, Form(max_length=400)]
Choice = Annotated[str, Form(max_length=40)]
Tick = Annotated[str, Form(max_length=10)]
Pin = Annotated[str, Form(max_length=40)]
ROLE_OPTIONS = [(role, STAFF_ROLE_KEYS[role]) for role in staff.ROLES]
STATUS_OPTIONS = [(staff.ACTIVE, "staff.status_active"), (staff.LEFT, "staff.status_left")]


@router.get("/staff")
def staff_list(request: Request, office: OfficeDep, me: Viewer, query: ListQueryDep) -> Response:
    s, c = t.staff.c, t.cards.c
    active_cards = (
        select(c.staff_id, func.count().label("n"))
        .where(c.status == "active", c.staff_id.is_not(None))
        .group_by(c.staff_id)
        .subquery()
    )
    stmt = select(
        s.id, s.name, s.role, s.status, func.coalesce(active_cards.c.n, 0).label("cards")
    ).outerjoin(active_cards, active_cards.c.staff_id == s.id)
    return list_page(
        request,
        office,
        "staff/list.html",
        stmt,
        query,
        search=[s.id, s.name, s.role],
        order_by=[s.name, s.id],
        path=LIST,
        role_keys=STAFF_ROLE_KEYS,
    )


def _form(
    request: Request,
    office: OfficeDep,
    template: str,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return form_page(
        request,
        office,
        template,
        values,
        error,
        status,
        role_options=ROLE_OPTIONS,
        status_options=STATUS_OPTIONS,
    )


@router.get("/staff/new")
def staff_new(request: Request, office: OfficeDep, me: Editor) -> Response:
    return _form(request, office, "staff/new.html", {"name": "", "role": "", "card": True})


@router.post("/staff")
def staff_create(
    request: Request,
    office: OfficeDep,
    me: Editor,
    name: Name = "",
    role: Choice = "",
    card: Tick = "",
) -> Response:
    values = {"name": name, "role": role, "card": bool(card)}

    def registered(made: tuple[staff.Staff, cards.Card | None]) -> Response:
        person, new_card = made
        key = "done.staff_created_card" if new_card else "done.staff_created"
        return done(f"{LIST}/{person.id}", key)

    return save(
        request,
        lambda: staff.create(office.server, me, name=name, role=role, with_card=bool(card)),
        registered,
        lambda error: _form(request, office, "staff/new.html", values, error, 400),
    )


@router.get("/staff/{staff_id}")
def staff_page(request: Request, office: OfficeDep, me: Viewer, staff_id: str) -> Response:
    with office.server.engine.connect() as conn:
        person = staff.get(conn, staff_id)
        if person is None:
            not_found()
        owned = cards.of_staff(conn, staff_id)
        replaced = {c.serial for c in owned if cards.replacement_of(conn, c.serial)}
    return office.render(
        request,
        "staff/page.html",
        {
            "person": person,
            "role_key": STAFF_ROLE_KEYS[person.role],
            "cards": [(c, format_serial(c.serial), card_words(c)) for c in owned],
            "replaced": replaced,
            "new_serial": new_card_of(request, owned),
        },
    )


@router.get("/staff/{staff_id}/edit")
def staff_edit_form(request: Request, office: OfficeDep, me: Editor, staff_id: str) -> Response:
    person = found(office, staff.get, staff_id)
    values = {"id": person.id, "name": person.name, "role": person.role, "status": person.status}
    return _form(request, office, "staff/edit.html", values)


@router.post("/staff/{staff_id}")
def staff_edit(
    request: Request,
    office: OfficeDep,
    me: Editor,
    staff_id: str,
    name: Name = "",
    role: Choice = "",
    status: Choice = "",
) -> Response:
    values = {"id": staff_id, "name": name, "role": role, "status": status}
    return save(
        request,
        lambda: staff.edit(office.server, me, staff_id, name=name, role=role, status=status),
        lambda _: done(f"{LIST}/{staff_id}", "done.staff_saved"),
        lambda error: _form(request, office, "staff/edit.html", values, error, 400),
        unknown="staff_unknown",
    )


@router.post("/staff/{staff_id}/cards")
def staff_card_issue(request: Request, office: OfficeDep, me: Editor, staff_id: str) -> Response:
    return act(
        request,
        office,
        lambda: cards.issue(office.server, me, staff_id=staff_id),
        lambda card: done(f"{LIST}/{staff_id}", "done.card_issued", card=card.serial),
    )


def _pin_form(
    request: Request,
    office: OfficeDep,
    person: staff.Staff,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return office.render(
        request, "staff/pin.html", {"person": person, "error": error}, status=status
    )


@router.get("/staff/{staff_id}/pin")
def staff_pin_form(request: Request, office: OfficeDep, me: Editor, staff_id: str) -> Response:
    return _pin_form(request, office, found(office, staff.get, staff_id))


@router.post("/staff/{staff_id}/pin")
def staff_pin_set(
    request: Request, office: OfficeDep, me: Editor, staff_id: str, pin: Pin = "", repeat: Pin = ""
) -> Response:
    person = found(office, staff.get, staff_id)
    return save(
        request,
        lambda: staff.set_pin(office.server, me, staff_id, pin, repeat),
        lambda _: done(f"{LIST}/{staff_id}", "done.pin_set"),
        lambda error: _pin_form(request, office, person, error, 400),
    )


@router.post("/staff/{staff_id}/pin/remove")
def staff_pin_remove(request: Request, office: OfficeDep, me: Editor, staff_id: str) -> Response:
    return act(
        request,
        office,
        lambda: staff.remove_pin(office.server, me, staff_id),
        lambda _: done(f"{LIST}/{staff_id}", "done.pin_removed"),
    )
