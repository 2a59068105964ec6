"""Merchants: the shops that take heitjes, with their address and the IBAN they are paid
to (checked with schwifty by kiosk.server.bank.check_iban). A blocked shop's counters
are told so in their snapshot."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kiosk.server import tables as t
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.registers.common import (
    clean_text,
    known_neighbourhood,
    name_of,
    readable_id,
)
from kiosk.server.bank import check_iban
from kiosk.server.context import ServerCore

M = t.merchants.c
STATUSES = ("active", "blocked")  # kiosk.sync.protocol.MerchantRow
MAX_ADDRESS = 300


@dataclass(frozen=True)
class Merchant:
    id: str
    name: str
    address: str | None
    neighbourhood_id: str
    iban: str | None
    status: str

    def public(self) -> dict[str, Any]:
        return asdict(self)


def get(conn: Connection, merchant_id: str) -> Merchant | None:
    row = conn.execute(
        select(M.id, M.name, M.address, M.neighbourhood_id, M.iban, M.status).where(
            M.id == merchant_id
        )
    ).first()
    return None if row is None else Merchant(*row)


def _address(value: str) -> str | None:
    try:
        return clean_text(value, max_length=MAX_ADDRESS) or None
    except ValueError:
        raise OfficeError("address_invalid", n=MAX_ADDRESS) from None


def _iban(value: str) -> str | None:
    """The IBAN in compact form, None when left empty, or BankError (schwifty's reason)."""
    return check_iban(value) if value.strip() else None


def create(
    server: ServerCore, who: Who, *, name: str, address: str, neighbourhood_id: str, iban: str
) -> Merchant:
    clean, where, account = name_of(name), _address(address), _iban(iban)
    with server.write() as conn:
        version = server.bump(conn)
        made = Merchant(
            readable_id(conn, M.id, "m", clean),
            clean,
            where,
            known_neighbourhood(conn, neighbourhood_id),
            account,
            "active",
        )
        conn.execute(insert(t.merchants).values(**made.public(), version=version))
        audit_change(conn, who, "merchant.create", None, made.public(), subject=_subject(made))
    return made


def edit(
    server: ServerCore,
    who: Who,
    merchant_id: str,
    *,
    name: str,
    address: str,
    neighbourhood_id: str,
    iban: str,
    status: str,
) -> Merchant:
    clean, where, account = name_of(name), _address(address), _iban(iban)
    if status not in STATUSES:
        raise OfficeError("merchant_status_invalid")
    with server.write() as conn:
        version = server.bump(conn)
        before = get(conn, merchant_id)
        if before is None:
            raise OfficeError("merchant_unknown")
        after = Merchant(
            before.id, clean, where, known_neighbourhood(conn, neighbourhood_id), account, status
        )
        if after == before:
            return before
        values = after.public()
        del values["id"]
        conn.execute(update(t.merchants).where(M.id == before.id).values(**values, version=version))
        audit_change(
            conn, who, "merchant.edit", before.public(), after.public(), subject=_subject(after)
        )
    return after


def _subject(m: Merchant) -> str:
    return f"merchant:{m.id}"
