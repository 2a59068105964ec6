"""Cards of residents and staff: issue, print, mark lost, replace, and a resident card's PIN.

A card's serial is made by kiosk.core.cards (a kind letter, seven random characters and a
check character); its QR is signed with the municipality key at printing, with the date
the card was issued, so printing a card again gives the very same QR. A lost card is
revoked: it goes on the revocation list of the next snapshot. Replacing a card issues a
new serial for the same holder and revokes the old one; the balance stays where it is,
because it belongs to the resident's wallet, not to the card.

A PIN is 4 to 6 digits, stored only as an argon2id hash; the snapshot then tells the
counters the card needs its PIN above their threshold (``pin_needed``). Nobody ever sees
the PIN or its hash again, and the audit log says only that a PIN was set or removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from kiosk.core.cards import CardError, CardKind, issue_card, new_serial
from kiosk.core.days import local
from kiosk.printing.cards_pdf import PrintableCard, render_cards_pdf
from kiosk.server import tables as t
from kiosk.server.backoffice import passwords
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.context import ServerCore

C = t.cards.c
PIN_MIN, PIN_MAX = 4, 6  # the devices' rule too (kiosk/ops/pins.py)
LOST, REPLACED, REVOKED = "lost", "replaced", "revoked"


@dataclass(frozen=True)
class Card:
    serial: str
    kind: str  # resident | staff
    resident_id: str | None
    staff_id: str | None
    status: str  # active | revoked
    issued_at: int | None
    revoked_at: int | None
    revoke_reason: str | None
    replaces: str | None
    has_pin: bool

    @property
    def holder(self) -> str:
        return f"resident:{self.resident_id}" if self.resident_id else f"staff:{self.staff_id}"

    def public(self) -> dict[str, Any]:
        """What the audit log holds of a card: whether it has a PIN, never the hash."""
        return asdict(self)


COLUMNS = (
    C.serial,
    C.kind,
    C.resident_id,
    C.staff_id,
    C.status,
    C.issued_at,
    C.revoked_at,
    C.revoke_reason,
    C.replaces,
    C.pin_hash.is_not(None).label("has_pin"),
)


def from_row(row: RowMapping) -> Card:
    return Card(
        serial=row["serial"],
        kind=row["kind"],
        resident_id=row["resident_id"],
        staff_id=row["staff_id"],
        status=row["status"],
        issued_at=row["issued_at"],
        revoked_at=row["revoked_at"],
        revoke_reason=row["revoke_reason"],
        replaces=row["replaces"],
        has_pin=bool(row["has_pin"]),
    )


def get(conn: Connection, serial: str) -> Card | None:
    row = conn.execute(select(*COLUMNS).where(C.serial == serial)).mappings().first()
    return None if row is None else from_row(row)


def of_resident(conn: Connection, resident_id: str) -> list[Card]:
    rows = conn.execute(
        select(*COLUMNS).where(C.resident_id == resident_id).order_by(C.status, C.serial)
    ).mappings()
    return [from_row(r) for r in rows]


def of_staff(conn: Connection, staff_id: str) -> list[Card]:
    rows = conn.execute(
        select(*COLUMNS).where(C.staff_id == staff_id).order_by(C.status, C.serial)
    ).mappings()
    return [from_row(r) for r in rows]


def replacement_of(conn: Connection, serial: str) -> str | None:
    found = conn.execute(select(C.serial).where(C.replaces == serial)).scalar_one_or_none()
    return None if found is None else str(found)


def insert_card(
    conn: Connection,
    version: int,
    at: int,
    *,
    resident_id: str | None = None,
    staff_id: str | None = None,
    replaces: str | None = None,
) -> Card:
    """A new active card with a fresh serial for a resident or a staff member (in the
    caller's transaction, after its version bump)."""
    kind = CardKind.RESIDENT if resident_id else CardKind.STAFF
    while True:
        serial = new_serial(kind)
        if get(conn, serial) is None:  # 31**7 serials: a repeat is rare, but possible
            break
    card = Card(
        serial, kind.value, resident_id, staff_id, "active", at, None, None, replaces, False
    )
    values = card.public()
    del values["has_pin"]
    conn.execute(insert(t.cards).values(**values, version=version))
    return card


def _revoke(conn: Connection, card: Card, version: int, at: int, reason: str) -> Card:
    conn.execute(
        update(t.cards)
        .where(C.serial == card.serial)
        .values(status="revoked", revoked_at=at, revoke_reason=reason, version=version)
    )
    return Card(**{**asdict(card), "status": "revoked", "revoked_at": at, "revoke_reason": reason})


def revoke_all_of_staff(conn: Connection, staff_id: str, version: int, at: int) -> list[str]:
    """Revoke the active cards of a staff member who left; their serials."""
    active = [c for c in of_staff(conn, staff_id) if c.status == "active"]
    for card in active:
        _revoke(conn, card, version, at, REVOKED)
    return [c.serial for c in active]


def _holder_exists(conn: Connection, *, resident_id: str | None, staff_id: str | None) -> None:
    if resident_id is not None:
        status = conn.execute(
            select(t.residents.c.status).where(t.residents.c.id == resident_id)
        ).scalar_one_or_none()
        if status is None:
            raise OfficeError("resident_unknown")
        if status != "active":
            raise OfficeError("resident_blocked")
    else:
        status = conn.execute(
            select(t.staff.c.status).where(t.staff.c.id == staff_id)
        ).scalar_one_or_none()
        if status is None:
            raise OfficeError("staff_unknown")
        if status != "active":
            raise OfficeError("staff_left")


def issue(
    server: ServerCore, who: Who, *, resident_id: str | None = None, staff_id: str | None = None
) -> Card:
    """A new card for an active resident or staff member; their other cards stay as they are
    (mark a lost one as lost, or replace it, to revoke it)."""
    assert (resident_id is None) != (staff_id is None)
    at = who.as_actor().at
    with server.write() as conn:
        version = server.bump(conn)
        _holder_exists(conn, resident_id=resident_id, staff_id=staff_id)
        card = insert_card(conn, version, at, resident_id=resident_id, staff_id=staff_id)
        audit_change(conn, who, "card.issue", None, card.public(), subject=_subject(card))
    return card


def mark_lost(server: ServerCore, who: Who, serial: str) -> Card:
    at = who.as_actor().at
    with server.write() as conn:
        version = server.bump(conn)
        before = _editable(conn, serial)
        if before.status != "active":
            raise OfficeError("card_not_active")
        after = _revoke(conn, before, version, at, LOST)
        audit_change(
            conn, who, "card.lost", before.public(), after.public(), subject=_subject(after)
        )
    return after


def replace(server: ServerCore, who: Who, serial: str) -> Card:
    """A new card for the holder of `serial`; `serial` is revoked (if it was not yet, for
    example because it was marked lost first). A card is replaced once."""
    at = who.as_actor().at
    with server.write() as conn:
        version = server.bump(conn)
        old = _editable(conn, serial)
        newer = replacement_of(conn, serial)
        if newer is not None:
            raise OfficeError("card_already_replaced", serial=newer)
        _holder_exists(conn, resident_id=old.resident_id, staff_id=old.staff_id)
        revoked = _revoke(conn, old, version, at, REPLACED) if old.status == "active" else old
        new = insert_card(
            conn,
            version,
            at,
            resident_id=old.resident_id,
            staff_id=old.staff_id,
            replaces=old.serial,
        )
        audit_change(
            conn,
            who,
            "card.replace",
            {"old": old.public()},
            {"old": revoked.public(), "new": new.public()},
            subject=_subject(new),
        )
    return new


def check_pin(pin: str, repeat: str) -> str:
    if not (PIN_MIN <= len(pin) <= PIN_MAX and pin.isascii() and pin.isdigit()):
        raise OfficeError("pin_form", low=PIN_MIN, high=PIN_MAX)
    if pin != repeat:
        raise OfficeError("pin_mismatch")
    return pin


def set_pin(server: ServerCore, who: Who, serial: str, pin: str, repeat: str) -> Card:
    """Set (or set again: a forgotten PIN) the PIN of an active resident card."""
    pin_hash = passwords.hash_password(check_pin(pin, repeat))  # slow: before the transaction
    with server.write() as conn:
        version = server.bump(conn)
        before = _editable(conn, serial)
        if before.kind != CardKind.RESIDENT.value:
            raise OfficeError("pin_resident_cards_only")
        if before.status != "active":
            raise OfficeError("card_not_active")
        conn.execute(
            update(t.cards).where(C.serial == serial).values(pin_hash=pin_hash, version=version)
        )
        after = Card(**{**asdict(before), "has_pin": True})
        audit_change(
            conn,
            who,
            "card.pin_reset" if before.has_pin else "card.pin_set",
            before.public(),
            after.public(),
            subject=_subject(after),
        )
    return after


def remove_pin(server: ServerCore, who: Who, serial: str) -> Card:
    with server.write() as conn:
        version = server.bump(conn)
        before = _editable(conn, serial)
        if not before.has_pin:
            raise OfficeError("card_has_no_pin")
        conn.execute(
            update(t.cards).where(C.serial == serial).values(pin_hash=None, version=version)
        )
        after = Card(**{**asdict(before), "has_pin": False})
        audit_change(
            conn, who, "card.pin_remove", before.public(), after.public(), subject=_subject(after)
        )
    return after


def _editable(conn: Connection, serial: str) -> Card:
    card = get(conn, serial)
    if card is None or card.kind not in (CardKind.RESIDENT.value, CardKind.STAFF.value):
        raise OfficeError("card_unknown")
    return card


def _subject(card: Card) -> str:
    return f"card:{card.serial}"


# -- printing --------------------------------------------------------------------------------


def issued_on(card: Card, now: int) -> dt.date:
    """The date in the card's QR: the local day it was issued (today for a card made before
    the back office kept that date)."""
    return local(card.issued_at if card.issued_at is not None else now).date()


def printable(server: ServerCore, conn: Connection, card: Card) -> PrintableCard:
    """The card signed with the municipality key, with its holder's name on it. A card made
    by hand with a serial of another form (the command line takes any id) cannot be
    printed: replace it to get one that can."""
    if card.resident_id is not None:
        row = conn.execute(
            select(t.residents.c.name, t.neighbourhoods.c.name.label("area"))
            .select_from(t.residents)
            .outerjoin(t.neighbourhoods, t.neighbourhoods.c.id == t.residents.c.neighbourhood_id)
            .where(t.residents.c.id == card.resident_id)
        ).first()
        holder, area = (row.name, row.area or "") if row else ("", "")
    else:
        name = conn.execute(
            select(t.staff.c.name).where(t.staff.c.id == card.staff_id)
        ).scalar_one_or_none()
        holder, area = (name or "", "")
    try:
        signed = issue_card(
            server.key, CardKind(card.kind), card.serial, issued_on(card, server.now())
        )
    except CardError:
        raise OfficeError("card_not_printable") from None
    return PrintableCard(signed, holder, area)


def pdf(server: ServerCore, who: Who, serial: str) -> bytes:
    """The card's PDF (one card on an A4 sheet of ten, with cut marks). Printing is
    written in the audit log: a printed card is a way into a wallet."""
    with server.engine.connect() as conn:
        card = _editable(conn, serial)
        if card.status != "active":
            raise OfficeError("card_not_active")
        item = printable(server, conn, card)
    data = render_cards_pdf([item])
    with server.write() as conn:
        audit_change(conn, who, "card.print", None, {"serial": serial}, subject=_subject(card))
    return data
