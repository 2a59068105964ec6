"""Residents (admin): the list, registering (with a card at once), a resident's page with
their balance, cards and history, editing, blocking and unblocking."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from kiosk.core import accounts as acc
from kiosk.core.amounts import format_amount
from kiosk.core.cards import format_serial
from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.i18n import language_of
from kiosk.server.backoffice.listing import ListQueryDep, Page
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import cards, history, residents
from kiosk.server.backoffice.registers.texts import card_words
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
LIST = f"{PREFIX}/residents"
Name = Annotated[str, Form(max_length=400)]
Choice = Annotated[str, Form(max_length=80)]
Tick = Annotated[str, Form(max_length=10)]


@router.get("/residents")
def resident_list(request: Request, office: OfficeDep, me: Viewer, query: ListQueryDep) -> Response:
    r, n, b = t.residents.c, t.neighbourhoods.c, t.balances.c
    stmt = select(r.id, r.name, r.status, r.flagged, n.name.label("neighbourhood")).outerjoin(
        t.neighbourhoods, n.id == r.neighbourhood_id
    )
    lang = language_of(request)

    def balances(conn: Connection, page: Page) -> dict[str, Any]:
        # the page's balances only (a join would read every wallet before the page is cut)
        wallets = [acc.wallet(row["id"]) for row in page.rows]
        stored = dict(
            conn.execute(select(b.account, b.balance).where(b.account.in_(wallets))).all()
        )
        amounts = {
            row["id"]: format_amount(int(stored.get(acc.wallet(row["id"]), 0)), lang)
            for row in page.rows
        }
        return {"amounts": amounts}

    return list_page(
        request,
        office,
        "residents/list.html",
        stmt,
        query,
        search=[r.id, r.name, n.name],
        order_by=[r.name, r.id],
        path=LIST,
        more=balances,
    )


def _form(
    request: Request,
    office: OfficeDep,
    template: str,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return form_page(request, office, template, values, error, status, neighbourhoods=True)


@router.get("/residents/new")
def resident_new(request: Request, office: OfficeDep, me: Editor) -> Response:
    values = {"name": "", "neighbourhood": "", "card": True}
    return _form(request, office, "residents/new.html", values)


@router.post("/residents")
def resident_create(
    request: Request,
    office: OfficeDep,
    me: Editor,
    name: Name = "",
    neighbourhood: Choice = "",
    card: Tick = "",
) -> Response:
    values = {"name": name, "neighbourhood": neighbourhood, "card": bool(card)}

    def registered(made: tuple[residents.Resident, cards.Card | None]) -> Response:
        resident, new_card = made
        key = "done.resident_created_card" if new_card else "done.resident_created"
        return done(f"{LIST}/{resident.id}", key)

    return save(
        request,
        lambda: residents.create(
            office.server, me, name=name, neighbourhood_id=neighbourhood, with_card=bool(card)
        ),
        registered,
        lambda error: _form(request, office, "residents/new.html", values, error, 400),
    )


@router.get("/residents/{resident_id}")
def resident_page(
    request: Request, office: OfficeDep, me: Viewer, resident_id: str, query: ListQueryDep
) -> Response:
    lang = language_of(request)
    path = f"{LIST}/{resident_id}"
    with office.server.engine.connect() as conn:
        resident = residents.get(conn, resident_id)
        if resident is None:
            not_found()
        area = conn.execute(
            select(t.neighbourhoods.c.name).where(
                t.neighbourhoods.c.id == resident.neighbourhood_id
            )
        ).scalar_one_or_none()
        owned = cards.of_resident(conn, resident_id)
        replaced = {c.serial for c in owned if cards.replacement_of(conn, c.serial)}
        balance = residents.balance(conn, resident_id)
        page, lines = history.page(conn, resident_id, query, path, lang, office.server.device_id)
    return office.render(
        request,
        "residents/page.html",
        {
            "resident": resident,
            "area": area or resident.neighbourhood_id,
            "balance": format_amount(balance, lang),
            "negative": balance < 0,
            "cards": [(c, format_serial(c.serial), card_words(c)) for c in owned],
            "replaced": replaced,
            "new_serial": new_card_of(request, owned),
            "page": page,
            "lines": lines,
        },
    )


@router.get("/residents/{resident_id}/edit")
def resident_edit_form(
    request: Request, office: OfficeDep, me: Editor, resident_id: str
) -> Response:
    resident = found(office, residents.get, resident_id)
    values = {"id": resident.id, "name": resident.name, "neighbourhood": resident.neighbourhood_id}
    return _form(request, office, "residents/edit.html", values)


@router.post("/residents/{resident_id}")
def resident_edit(
    request: Request,
    office: OfficeDep,
    me: Editor,
    resident_id: str,
    name: Name = "",
    neighbourhood: Choice = "",
) -> Response:
    values = {"id": resident_id, "name": name, "neighbourhood": neighbourhood}
    return save(
        request,
        lambda: residents.edit(
            office.server, me, resident_id, name=name, neighbourhood_id=neighbourhood
        ),
        lambda _: done(f"{LIST}/{resident_id}", "done.resident_saved"),
        lambda error: _form(request, office, "residents/edit.html", values, error, 400),
        unknown="resident_unknown",
    )


@router.post("/residents/{resident_id}/block")
def resident_block(request: Request, office: OfficeDep, me: Editor, resident_id: str) -> Response:
    return act(
        request,
        office,
        lambda: residents.set_status(office.server, me, resident_id, residents.BLOCKED),
        lambda _: done(f"{LIST}/{resident_id}", "done.resident_blocked"),
    )


@router.post("/residents/{resident_id}/unblock")
def resident_unblock(request: Request, office: OfficeDep, me: Editor, resident_id: str) -> Response:
    return act(
        request,
        office,
        lambda: residents.set_status(office.server, me, resident_id, residents.ACTIVE),
        lambda _: done(f"{LIST}/{resident_id}", "done.resident_unblocked"),
    )


@router.post("/residents/{resident_id}/cards")
def resident_card_issue(
    request: Request, office: OfficeDep, me: Editor, resident_id: str
) -> Response:
    return act(
        request,
        office,
        lambda: cards.issue(office.server, me, resident_id=resident_id),
        lambda card: done(f"{LIST}/{resident_id}", "done.card_issued", card=card.serial),
    )
