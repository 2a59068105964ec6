"""Neighbourhoods, each with the CBS buurt code its participation figures are published
under (kiosk.server.reports.check_cbs_code; the code is unique)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kiosk.server import tables as t
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.registers.common import name_of, readable_id
from kiosk.server.context import ServerCore
from kiosk.server.reports import check_cbs_code

N = t.neighbourhoods.c


@dataclass(frozen=True)
class Neighbourhood:
    id: str
    name: str
    cbs_code: str | None

    def public(self) -> dict[str, Any]:
        return asdict(self)


def get(conn: Connection, neighbourhood_id: str) -> Neighbourhood | None:
    row = conn.execute(select(N.id, N.name, N.cbs_code).where(N.id == neighbourhood_id)).first()
    return None if row is None else Neighbourhood(row.id, row.name, row.cbs_code)


def _cbs_code(conn: Connection, value: str, own_id: str | None) -> str | None:
    """The checked code ("" is none), or a refusal; also when another neighbourhood has it."""
    if not value.strip():
        return None
    code = check_cbs_code(value)  # ReportError: says what a buurt code looks like
    holder = conn.execute(
        select(N.name).where(N.cbs_code == code, N.id != (own_id or ""))
    ).scalar_one_or_none()
    if holder is not None:
        raise OfficeError("cbs_code_taken", cbs=code, name=holder)
    return code


def create(server: ServerCore, who: Who, *, name: str, cbs_code: str) -> Neighbourhood:
    clean = name_of(name)
    with server.write() as conn:
        server.bump(conn)
        code = _cbs_code(conn, cbs_code, None)
        made = Neighbourhood(readable_id(conn, N.id, "nb", clean), clean, code)
        conn.execute(insert(t.neighbourhoods).values(**made.public()))
        audit_change(conn, who, "neighbourhood.create", None, made.public(), subject=_subject(made))
    return made


def edit(
    server: ServerCore, who: Who, neighbourhood_id: str, *, name: str, cbs_code: str
) -> Neighbourhood:
    clean = name_of(name)
    with server.write() as conn:
        server.bump(conn)
        before = get(conn, neighbourhood_id)
        if before is None:
            raise OfficeError("neighbourhood_unknown")
        after = Neighbourhood(before.id, clean, _cbs_code(conn, cbs_code, before.id))
        if after == before:
            return before
        conn.execute(
            update(t.neighbourhoods)
            .where(N.id == before.id)
            .values(name=after.name, cbs_code=after.cbs_code)
        )
        audit_change(
            conn,
            who,
            "neighbourhood.edit",
            before.public(),
            after.public(),
            subject=_subject(after),
        )
    return after


def _subject(n: Neighbourhood) -> str:
    return f"neighbourhood:{n.id}"
