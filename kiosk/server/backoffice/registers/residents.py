"""Residents: register (with a card at once, if wanted), edit, block and unblock.

A resident's id is random (``r-…``): counters get resident ids without names in their
snapshot, so the id must say nothing about the person. Blocking a resident puts them on
the revocation list of the next snapshot: no device accepts their cards until they are
unblocked. Their balance stays; it is their wallet's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kiosk.core import accounts as acc
from kiosk.server import tables as t
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.registers import cards
from kiosk.server.backoffice.registers.common import known_neighbourhood, name_of, random_id
from kiosk.server.context import ServerCore

R = t.residents.c
ACTIVE, BLOCKED = "active", "blocked"  # kiosk.sync.protocol.ResidentRow


@dataclass(frozen=True)
class Resident:
    id: str
    name: str
    neighbourhood_id: str
    status: str
    flagged: bool

    def public(self) -> dict[str, Any]:
        return asdict(self)


def get(conn: Connection, resident_id: str) -> Resident | None:
    row = conn.execute(
        select(R.id, R.name, R.neighbourhood_id, R.status, R.flagged).where(R.id == resident_id)
    ).first()
    return None if row is None else Resident(row[0], row[1], row[2], row[3], bool(row[4]))


def balance(conn: Connection, resident_id: str) -> int:
    value = conn.execute(
        select(t.balances.c.balance).where(t.balances.c.account == acc.wallet(resident_id))
    ).scalar_one_or_none()
    return int(value or 0)


def create(
    server: ServerCore, who: Who, *, name: str, neighbourhood_id: str, with_card: bool
) -> tuple[Resident, cards.Card | None]:
    clean = name_of(name)
    at = who.as_actor().at
    with server.write() as conn:
        version = server.bump(conn)
        area = known_neighbourhood(conn, neighbourhood_id)
        while True:
            resident = Resident(random_id("r"), clean, area, ACTIVE, False)
            if get(conn, resident.id) is None:
                break
        conn.execute(insert(t.residents).values(**resident.public(), version=version))
        card = cards.insert_card(conn, version, at, resident_id=resident.id) if with_card else None
        audit_change(
            conn,
            who,
            "resident.create",
            None,
            {**resident.public(), "card": card.serial if card else None},
            subject=_subject(resident),
        )
    return resident, card


def edit(
    server: ServerCore, who: Who, resident_id: str, *, name: str, neighbourhood_id: str
) -> Resident:
    clean = name_of(name)
    with server.write() as conn:
        version = server.bump(conn)
        before = get(conn, resident_id)
        if before is None:
            raise OfficeError("resident_unknown")
        after = Resident(
            before.id,
            clean,
            known_neighbourhood(conn, neighbourhood_id),
            before.status,
            before.flagged,
        )
        if after == before:
            return before
        conn.execute(
            update(t.residents)
            .where(R.id == before.id)
            .values(name=after.name, neighbourhood_id=after.neighbourhood_id, version=version)
        )
        audit_change(
            conn, who, "resident.edit", before.public(), after.public(), subject=_subject(after)
        )
    return after


def set_status(server: ServerCore, who: Who, resident_id: str, status: str) -> Resident:
    assert status in (ACTIVE, BLOCKED)
    with server.write() as conn:
        version = server.bump(conn)
        before = get(conn, resident_id)
        if before is None:
            raise OfficeError("resident_unknown")
        if before.status == status:
            raise OfficeError(
                "resident_already_blocked" if status == BLOCKED else "resident_not_blocked"
            )
        conn.execute(
            update(t.residents).where(R.id == before.id).values(status=status, version=version)
        )
        after = Resident(**{**asdict(before), "status": status})
        audit_change(
            conn,
            who,
            "resident.block" if status == BLOCKED else "resident.unblock",
            before.public(),
            after.public(),
            subject=_subject(after),
        )
    return after


def _subject(r: Resident) -> str:
    return f"resident:{r.id}"
