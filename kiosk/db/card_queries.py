"""Cards to print: each card with the name and neighbourhood that go on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from kiosk.db.models import Card, Klusbox, Neighbourhood, Resident, Staff

__all__ = ["CardToPrint", "cards_to_print"]

_KIND_ORDER = {"resident": 0, "staff": 1, "klusbox": 2}


@dataclass(frozen=True)
class CardToPrint:
    serial: str
    kind: str  # resident | staff | klusbox
    payload: str
    issued_on: dt.date
    status: str  # active | revoked
    holder: str  # the resident's or staff member's name, or the klusbox's name
    neighbourhood: str  # "" for staff, who work across neighbourhoods


def cards_to_print(session: Session, serials: Sequence[str] | None = None) -> list[CardToPrint]:
    """The cards with these serials (in that order; unknown serials are left out), or, without
    serials, every active card sorted by neighbourhood, kind and name -- the order in which a
    desk hands them out."""
    res_hood = aliased(Neighbourhood)
    box_hood = aliased(Neighbourhood)
    query = (
        select(
            Card.serial,
            Card.kind,
            Card.payload,
            Card.issued_on,
            Card.status,
            Resident.name,
            res_hood.name,
            Staff.name,
            Klusbox.name,
            box_hood.name,
        )
        .outerjoin(Resident, Resident.id == Card.resident_id)
        .outerjoin(res_hood, res_hood.id == Resident.neighbourhood_id)
        .outerjoin(Staff, Staff.id == Card.staff_id)
        .outerjoin(Klusbox, Klusbox.id == Card.klusbox_id)
        .outerjoin(box_hood, box_hood.id == Klusbox.neighbourhood_id)
    )
    if serials is not None:
        query = query.where(Card.serial.in_(list(serials)))
    else:
        query = query.where(Card.status == "active")
    rows = []
    for serial, kind, payload, issued, status, rname, rhood, sname, bname, bhood in session.execute(
        query
    ):
        rows.append(
            CardToPrint(
                serial=serial,
                kind=kind,
                payload=payload,
                issued_on=issued,
                status=status,
                holder=rname or sname or bname or "",
                neighbourhood=rhood or bhood or "",
            )
        )
    if serials is not None:
        position = {s: i for i, s in enumerate(serials)}
        rows.sort(key=lambda r: position[r.serial])
    else:
        rows.sort(key=lambda r: (r.neighbourhood, _KIND_ORDER.get(r.kind, 9), r.holder, r.serial))
    return rows
