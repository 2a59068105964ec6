"""Klusboxes: the tool kits a desk lends out, with what is in each box, and maintenance.

A box made here gets a klusbox serial as its id (``K…``, kiosk.core.cards), so its label
is a signed QR like a card's: the desk scans the label and finds the box. A box is
*available*, *lent* (its latest loan or return in the ledger is a loan) or in
*maintenance* (set here: away for repair or cleaning). The kind ("bezems") is what a chore
asks for.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kiosk.core.cards import CardError, CardKind, issue_card, new_serial
from kiosk.core.days import local
from kiosk.core.ids import is_ident
from kiosk.printing.cards_pdf import PrintableCard, render_cards_pdf
from kiosk.server import tables as t
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.registers.common import clean_text, known_neighbourhood, name_of
from kiosk.server.context import ServerCore

K = t.klusboxes.c
MAX_COMPONENTS = 50
MAX_COMPONENT = 100
AVAILABLE, LENT, MAINTENANCE = "available", "lent", "maintenance"


@dataclass(frozen=True)
class Klusbox:
    id: str
    name: str
    kind: str
    neighbourhood_id: str
    components: tuple[str, ...]
    maintenance: bool

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        d["components"] = list(self.components)
        return d


def get(conn: Connection, box_id: str) -> Klusbox | None:
    row = conn.execute(
        select(K.id, K.name, K.kind, K.neighbourhood_id, K.components, K.maintenance).where(
            K.id == box_id
        )
    ).first()
    if row is None:
        return None
    return Klusbox(
        row.id, row.name, row.kind, row.neighbourhood_id, t.components_of(row.components),
        bool(row.maintenance),
    )  # fmt: skip


def parse_components(value: str) -> tuple[str, ...]:
    """One component a line ("2 bezems", "1 prikstok"); empty lines are left out."""
    lines = []
    for line in value.splitlines():
        try:
            clean = clean_text(line, max_length=MAX_COMPONENT)
        except ValueError:
            raise OfficeError("component_invalid", n=MAX_COMPONENT) from None
        if clean:
            lines.append(clean)
    if len(lines) > MAX_COMPONENTS:
        raise OfficeError("components_too_many", n=MAX_COMPONENTS)
    return tuple(lines)


def _kind(value: str) -> str:
    kind = value.strip().lower()
    if not kind:
        raise OfficeError("klusbox_kind_missing")
    if not is_ident(kind):
        raise OfficeError("klusbox_kind_invalid")
    return kind


def create(
    server: ServerCore,
    who: Who,
    *,
    name: str,
    kind: str,
    neighbourhood_id: str,
    components: str,
) -> Klusbox:
    clean, sort, parts = name_of(name), _kind(kind), parse_components(components)
    with server.write() as conn:
        version = server.bump(conn)
        while True:
            box_id = new_serial(CardKind.KLUSBOX)
            if get(conn, box_id) is None:
                break
        box = Klusbox(
            box_id, clean, sort, known_neighbourhood(conn, neighbourhood_id), parts, False
        )
        conn.execute(
            insert(t.klusboxes).values(
                **{**box.public(), "components": json.dumps(list(parts), ensure_ascii=False)},
                version=version,
            )
        )
        audit_change(conn, who, "klusbox.create", None, box.public(), subject=_subject(box))
    return box


def edit(
    server: ServerCore,
    who: Who,
    box_id: str,
    *,
    name: str,
    kind: str,
    neighbourhood_id: str,
    components: str,
) -> Klusbox:
    clean, sort, parts = name_of(name), _kind(kind), parse_components(components)
    with server.write() as conn:
        version = server.bump(conn)
        before = get(conn, box_id)
        if before is None:
            raise OfficeError("klusbox_unknown")
        after = Klusbox(
            before.id, clean, sort, known_neighbourhood(conn, neighbourhood_id), parts,
            before.maintenance,
        )  # fmt: skip
        if after == before:
            return before
        conn.execute(
            update(t.klusboxes)
            .where(K.id == before.id)
            .values(
                name=clean,
                kind=sort,
                neighbourhood_id=after.neighbourhood_id,
                components=json.dumps(list(parts), ensure_ascii=False),
                version=version,
            )
        )
        audit_change(
            conn, who, "klusbox.edit", before.public(), after.public(), subject=_subject(after)
        )
    return after


def set_maintenance(server: ServerCore, who: Who, box_id: str, on: bool) -> Klusbox:
    with server.write() as conn:
        version = server.bump(conn)
        before = get(conn, box_id)
        if before is None:
            raise OfficeError("klusbox_unknown")
        if before.maintenance == on:
            raise OfficeError("klusbox_in_maintenance" if on else "klusbox_not_in_maintenance")
        conn.execute(
            update(t.klusboxes).where(K.id == before.id).values(maintenance=on, version=version)
        )
        after = Klusbox(**{**asdict(before), "maintenance": on})
        audit_change(
            conn,
            who,
            "klusbox.maintenance_on" if on else "klusbox.maintenance_off",
            before.public(),
            after.public(),
            subject=_subject(after),
        )
    return after


def state(maintenance: bool, lent: bool) -> str:
    """Maintenance wins: a box away for repair is not at the desk, lent or not."""
    if maintenance:
        return MAINTENANCE
    return LENT if lent else AVAILABLE


def label_pdf(server: ServerCore, who: Who, box_id: str) -> bytes:
    """The box's label: its serial as a signed QR (the card sheet's layout, kind klusbox)."""
    with server.engine.connect() as conn:
        box = get(conn, box_id)
        if box is None:
            raise OfficeError("klusbox_unknown")
        area = conn.execute(
            select(t.neighbourhoods.c.name).where(t.neighbourhoods.c.id == box.neighbourhood_id)
        ).scalar_one_or_none()
    try:
        signed = issue_card(server.key, CardKind.KLUSBOX, box.id, local(server.now()).date())
    except CardError:
        raise OfficeError("klusbox_not_printable") from None
    data = render_cards_pdf([PrintableCard(signed, box.name, area or "")])
    with server.write() as conn:
        audit_change(conn, who, "klusbox.print", None, {"id": box.id}, subject=_subject(box))
    return data


def _subject(box: Klusbox) -> str:
    return f"klusbox:{box.id}"
