"""Cards (admin): the list of every resident and staff card, a card's PDF, marking a card
lost, replacing it, and a resident card's PIN."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from kiosk.core.cards import format_serial
from kiosk.core.errors import HeitjeError
from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.listing import ListQueryDep, Page
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import cards
from kiosk.server.backoffice.registers.texts import card_words
from kiosk.server.backoffice.registers.web import (
    act,
    done,
    list_page,
    not_found,
    refused,
    save,
)
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Viewer = Annotated[SignedIn, require(P.REGISTERS_VIEW)]
Editor = Annotated[SignedIn, require(P.REGISTERS_EDIT)]
LIST = f"{PREFIX}/cards"
Pin = Annotated[str, Form(max_length=40)]


def holder_path(card: cards.Card) -> str:
    if card.resident_id is not None:
        return f"{PREFIX}/residents/{card.resident_id}"
    return f"{PREFIX}/staff/{card.staff_id}"


@router.get("/cards")
def card_list(request: Request, office: OfficeDep, me: Viewer, query: ListQueryDep) -> Response:
    c, r, s = t.cards.c, t.residents.c, t.staff.c
    stmt = (
        select(*cards.COLUMNS, r.name.label("resident_name"), s.name.label("staff_name"))
        .outerjoin(t.residents, r.id == c.resident_id)
        .outerjoin(t.staff, s.id == c.staff_id)
        .where(c.kind.in_(("resident", "staff")))
    )

    def shown(conn: Connection, page: Page) -> dict[str, Any]:
        rows = [
            (
                row,
                cards.from_row(row),
                format_serial(row["serial"]),
                card_words(cards.from_row(row)),
            )
            for row in page.rows
        ]
        return {"rows": rows}

    return list_page(
        request,
        office,
        "cards/list.html",
        stmt,
        query,
        search=[c.serial, r.name, s.name, c.resident_id],
        order_by=[c.serial],
        path=LIST,
        more=shown,
    )


def _card_or_404(office: OfficeDep, serial: str) -> cards.Card:
    with office.server.engine.connect() as conn:
        card = cards.get(conn, serial)
    if card is None or card.kind not in ("resident", "staff"):
        not_found()
    return card


@router.get("/cards/{serial}/card.pdf")
def card_pdf(request: Request, office: OfficeDep, me: Editor, serial: str) -> Response:
    _card_or_404(office, serial)
    try:
        data = cards.pdf(office.server, me, serial)
    except HeitjeError as exc:
        return refused(request, office, exc)
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="heitje-{serial}.pdf"'},
    )


@router.post("/cards/{serial}/lost")
def card_lost(request: Request, office: OfficeDep, me: Editor, serial: str) -> Response:
    card = _card_or_404(office, serial)
    return act(
        request,
        office,
        lambda: cards.mark_lost(office.server, me, serial),
        lambda _: done(holder_path(card), "done.card_lost"),
    )


@router.post("/cards/{serial}/replace")
def card_replace(request: Request, office: OfficeDep, me: Editor, serial: str) -> Response:
    card = _card_or_404(office, serial)
    return act(
        request,
        office,
        lambda: cards.replace(office.server, me, serial),
        lambda new: done(holder_path(card), "done.card_replaced", card=new.serial),
    )


def _pin_form(
    request: Request,
    office: OfficeDep,
    card: cards.Card,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return office.render(
        request,
        "cards/pin.html",
        {
            "card": card,
            "display": format_serial(card.serial),
            "back": holder_path(card),
            "error": error,
        },
        status=status,
    )


@router.get("/cards/{serial}/pin")
def card_pin_form(request: Request, office: OfficeDep, me: Editor, serial: str) -> Response:
    return _pin_form(request, office, _card_or_404(office, serial))


@router.post("/cards/{serial}/pin")
def card_pin_set(
    request: Request, office: OfficeDep, me: Editor, serial: str, pin: Pin = "", repeat: Pin = ""
) -> Response:
    card = _card_or_404(office, serial)
    return save(
        request,
        lambda: cards.set_pin(office.server, me, serial, pin, repeat),
        lambda _: done(holder_path(card), "done.pin_set"),
        lambda error: _pin_form(request, office, card, error, 400),
    )


@router.post("/cards/{serial}/pin/remove")
def card_pin_remove(request: Request, office: OfficeDep, me: Editor, serial: str) -> Response:
    card = _card_or_404(office, serial)
    return act(
        request,
        office,
        lambda: cards.remove_pin(office.server, me, serial),
        lambda _: done(holder_path(card), "done.pin_removed"),
    )
