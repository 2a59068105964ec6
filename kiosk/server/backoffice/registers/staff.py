"""Staff: inspectors, klusbox desk staff and kiosk staff, with their staff cards and an
optional PIN for overrides at a device.

An inspector's approvals name their staff card; desk and kiosk staff sign in at a device
with theirs (staff cards reach desks and inspectors in the snapshot). When someone leaves,
their active cards are revoked in the same step. Ids are random (``st-…``), like residents'.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kiosk.server import tables as t
from kiosk.server.backoffice import passwords
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.registers import cards
from kiosk.server.backoffice.registers.common import name_of, random_id
from kiosk.server.context import ServerCore

S = t.staff.c
ROLES = t.STAFF_ROLES
ACTIVE, LEFT = "active", "left"


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    role: str
    status: str
    has_pin: bool
    created_at: int

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("created_at")
        return d


def get(conn: Connection, staff_id: str) -> Staff | None:
    row = conn.execute(
        select(
            S.id, S.name, S.role, S.status, S.pin_hash.is_not(None).label("has_pin"), S.created_at
        ).where(S.id == staff_id)
    ).first()
    if row is None:
        return None
    return Staff(row.id, row.name, row.role, row.status, bool(row.has_pin), int(row.created_at))


def _role(role: str) -> str:
    if role not in ROLES:
        raise OfficeError("staff_role_invalid")
    return role


def create(
    server: ServerCore, who: Who, *, name: str, role: str, with_card: bool
) -> tuple[Staff, cards.Card | None]:
    clean, chosen = name_of(name), _role(role)
    at = who.as_actor().at
    with server.write() as conn:
        version = server.bump(conn)
        while True:
            person = Staff(random_id("st"), clean, chosen, ACTIVE, False, at)
            if get(conn, person.id) is None:
                break
        conn.execute(
            insert(t.staff).values(
                id=person.id, name=clean, role=chosen, status=ACTIVE, pin_hash=None, created_at=at
            )
        )
        card = cards.insert_card(conn, version, at, staff_id=person.id) if with_card else None
        audit_change(
            conn,
            who,
            "staff.create",
            None,
            {**person.public(), "card": card.serial if card else None},
            subject=_subject(person),
        )
    return person, card


def edit(
    server: ServerCore, who: Who, staff_id: str, *, name: str, role: str, status: str
) -> Staff:
    """Change a name, a role, or mark someone as left (revoking their active cards)."""
    clean, chosen = name_of(name), _role(role)
    if status not in (ACTIVE, LEFT):
        raise OfficeError("staff_status_invalid")
    at = who.as_actor().at
    with server.write() as conn:
        version = server.bump(conn)
        before = get(conn, staff_id)
        if before is None:
            raise OfficeError("staff_unknown")
        after = Staff(before.id, clean, chosen, status, before.has_pin, before.created_at)
        if after == before:
            return before
        conn.execute(
            update(t.staff).where(S.id == before.id).values(name=clean, role=chosen, status=status)
        )
        revoked = cards.revoke_all_of_staff(conn, before.id, version, at) if status == LEFT else []
        audit_change(
            conn,
            who,
            "staff.edit",
            before.public(),
            {**after.public(), **({"cards_revoked": revoked} if revoked else {})},
            subject=_subject(after),
        )
    return after


def set_pin(server: ServerCore, who: Who, staff_id: str, pin: str, repeat: str) -> Staff:
    pin_hash = passwords.hash_password(cards.check_pin(pin, repeat))
    with server.write() as conn:
        server.bump(conn)
        before = get(conn, staff_id)
        if before is None:
            raise OfficeError("staff_unknown")
        if before.status != ACTIVE:
            raise OfficeError("staff_left")
        conn.execute(update(t.staff).where(S.id == before.id).values(pin_hash=pin_hash))
        after = Staff(**{**asdict(before), "has_pin": True})
        audit_change(
            conn,
            who,
            "staff.pin_reset" if before.has_pin else "staff.pin_set",
            before.public(),
            after.public(),
            subject=_subject(after),
        )
    return after


def remove_pin(server: ServerCore, who: Who, staff_id: str) -> Staff:
    with server.write() as conn:
        server.bump(conn)
        before = get(conn, staff_id)
        if before is None:
            raise OfficeError("staff_unknown")
        if not before.has_pin:
            raise OfficeError("staff_has_no_pin")
        conn.execute(update(t.staff).where(S.id == before.id).values(pin_hash=None))
        after = Staff(**{**asdict(before), "has_pin": False})
        audit_change(
            conn, who, "staff.pin_remove", before.public(), after.public(), subject=_subject(after)
        )
    return after


def _subject(s: Staff) -> str:
    return f"staff:{s.id}"
