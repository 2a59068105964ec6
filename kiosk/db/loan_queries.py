"""Klusbox loans on the device: what a desk needs to lend, take back and list boxes.

A loan is a signed "loan" entry and a row of `loans`; a return a "return" entry and the row's
`returned_at`. Components travel in the entries as indexes into the box's component lines
(refs are short texts): "0,1,3". A return with something missing or broken puts the box in
maintenance here at once; the server does the same for every desk and the back office.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from kiosk.db import models as m
from kiosk.db.errors import LedgerError

LOANS = m.Loan.__table__
BOXES = m.Klusbox.__table__
COMPONENTS = m.KlusboxComponent.__table__
CARDS = m.Card.__table__
RESIDENTS = m.Resident.__table__
CONDITIONS = ("good", "worn", "damaged")  # noted at a return; "damaged" means repair


@dataclass(frozen=True)
class Box:
    id: str
    name: str
    kind: str
    neighbourhood_id: str
    components: tuple[str, ...]
    maintenance: bool


@dataclass(frozen=True)
class OpenLoan:
    id: str
    klusbox_id: str
    klusbox_name: str
    resident_id: str
    resident_name: str
    lent_at: int
    due_at: int
    handed_out: tuple[str, ...]  # the component lines handed out
    override_staff: str | None

    def lines_out(self, of: Box) -> frozenset[str]:
        """The box's lines that went out. A loan lent at another desk (from a snapshot)
        comes without its lines: everything went out."""
        return frozenset(self.handed_out) or frozenset(of.components)


def box(conn: Connection, box_id: str) -> Box | None:
    row = conn.execute(select(BOXES).where(BOXES.c.id == box_id)).first()
    if row is None:
        return None
    parts = conn.execute(
        select(COMPONENTS.c.name, COMPONENTS.c.count)
        .where(COMPONENTS.c.klusbox_id == box_id)
        .order_by(COMPONENTS.c.id)
    )
    # one line each, as the desk ticks them: the server's lines carry their count in the
    # text ("2 bezems", count 1); a box registered here has it apart ("bezem", 2)
    lines = tuple(name if count == 1 else f"{count} {name}" for name, count in parts)
    return Box(row.id, row.name, row.kind, row.neighbourhood_id, lines, bool(row.maintenance))


def label_box_id(conn: Connection, serial: str) -> tuple[str, bool]:
    """The box a scanned label names and whether the label is revoked: the card row's
    klusbox_id where this device holds the label (the demo's), else the serial itself (on
    the server a box's id is its label's serial)."""
    card = conn.execute(
        select(CARDS.c.klusbox_id, CARDS.c.status).where(
            CARDS.c.serial == serial, CARDS.c.kind == "klusbox"
        )
    ).first()
    if card is None:
        return serial, False
    return card.klusbox_id or serial, card.status != "active"


def replace_components(conn: Connection, box_id: str, lines: Sequence[str]) -> None:
    """The box's component lines as the server sent them (in the snapshot's transaction)."""
    conn.execute(delete(COMPONENTS).where(COMPONENTS.c.klusbox_id == box_id))
    if lines:
        conn.execute(
            insert(COMPONENTS), [{"klusbox_id": box_id, "name": x, "count": 1} for x in lines]
        )


def _open(conn: Connection, where: object) -> list[OpenLoan]:
    rows = conn.execute(
        select(LOANS, BOXES.c.name.label("box_name"), RESIDENTS.c.name.label("resident_name"))
        .join(BOXES, BOXES.c.id == LOANS.c.klusbox_id)
        .join(RESIDENTS, RESIDENTS.c.id == LOANS.c.resident_id)
        .where(LOANS.c.returned_at.is_(None), where)  # type: ignore[arg-type]
        .order_by(LOANS.c.due_at, LOANS.c.id)
    )
    return [
        OpenLoan(
            r.id,
            r.klusbox_id,
            r.box_name,
            r.resident_id,
            r.resident_name,
            int(r.lent_at),
            int(r.due_at),
            tuple(_lines(r.handed_out)),
            r.override_staff,
        )
        for r in rows
    ]


def open_loan_of_box(conn: Connection, box_id: str) -> OpenLoan | None:
    found = _open(conn, LOANS.c.klusbox_id == box_id)
    return found[0] if found else None


def open_loan(conn: Connection, loan_id: str) -> OpenLoan | None:
    found = _open(conn, LOANS.c.id == loan_id)
    return found[0] if found else None


def overdue(conn: Connection, now_ms: int, resident_id: str | None = None) -> list[OpenLoan]:
    """Loans past their due time, longest overdue first (optionally one resident's)."""
    where = LOANS.c.due_at < now_ms
    if resident_id is not None:
        where = where & (LOANS.c.resident_id == resident_id)
    return _open(conn, where)


def all_open(conn: Connection) -> list[OpenLoan]:
    return _open(conn, LOANS.c.id.is_not(None))


def in_maintenance(conn: Connection) -> list[Box]:
    ids = conn.execute(
        select(BOXES.c.id).where(BOXES.c.maintenance.is_(True)).order_by(BOXES.c.name)
    ).scalars()
    return [b for b in (box(conn, i) for i in ids) if b is not None]


def indexes(picked: Sequence[int], of: Sequence[str]) -> str:
    """The entry's form of a set of component lines: sorted indexes, "0,2"."""
    clean = sorted(set(picked))
    if any(type(i) is not int or not 0 <= i < len(of) for i in clean):
        raise LedgerError(
            "component_unknown",
            "Dat onderdeel hoort niet bij deze klusbox.",
            "That component does not belong to this klusbox.",
        )
    return ",".join(str(i) for i in clean)


def _lines(stored: str | None) -> list[str]:
    try:
        value = json.loads(stored or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def record_loan(
    conn: Connection,
    *,
    loan_id: str,
    the_box: Box,
    resident_id: str,
    lent_at: int,
    due_at: int,
    handed_out: Sequence[int],
    override_staff: str | None,
    claim_id: str | None,
) -> None:
    lines = [the_box.components[i] for i in sorted(set(handed_out))]
    conn.execute(
        insert(LOANS).values(
            id=loan_id,
            klusbox_id=the_box.id,
            resident_id=resident_id,
            lent_at=lent_at,
            due_at=due_at,
            handed_out=json.dumps(lines, ensure_ascii=False),
            override_staff=override_staff,
            claim_id=claim_id,
        )
    )


def record_return(
    conn: Connection,
    loan: OpenLoan,
    *,
    returned_at: int,
    returned: Sequence[str],
    missing: Sequence[str],
    condition: str,
    note: str,
    to_maintenance: bool,
) -> None:
    conn.execute(
        update(LOANS)
        .where(LOANS.c.id == loan.id)
        .values(
            returned_at=returned_at,
            returned=json.dumps(list(returned), ensure_ascii=False),
            missing=json.dumps(list(missing), ensure_ascii=False) if missing else None,
            condition=condition,
            note=note or None,
        )
    )
    if to_maintenance:
        conn.execute(update(BOXES).where(BOXES.c.id == loan.klusbox_id).values(maintenance=True))


def apply_server_loans(
    conn: Connection, loans: Sequence[dict[str, object]], keep: set[str], now_ms: int
) -> None:
    """The server's whole list of boxes lent now (a snapshot, in its transaction): a loan we
    do not hold is added (lent at another desk); an open loan of ours the server no longer
    holds was returned elsewhere. Loans in `keep` (an entry of ours not yet acknowledged)
    are left alone."""
    server = {str(x["id"]): x for x in loans}
    known_boxes = set(conn.execute(select(BOXES.c.id)).scalars())
    known_residents = set(conn.execute(select(m.Resident.id)).scalars())
    ours = {r.id: r for r in conn.execute(select(LOANS))}
    for loan_id, x in sorted(server.items()):
        if loan_id in ours or loan_id in keep:
            continue
        if x["klusbox_id"] not in known_boxes or x["resident_id"] not in known_residents:
            continue
        conn.execute(
            insert(LOANS).values(
                id=loan_id,
                klusbox_id=x["klusbox_id"],
                resident_id=x["resident_id"],
                lent_at=x["lent_at"],
                due_at=x["due_at"],
            )
        )
    for loan_id, row in ours.items():
        if row.returned_at is None and loan_id not in server and loan_id not in keep:
            conn.execute(update(LOANS).where(LOANS.c.id == loan_id).values(returned_at=now_ms))
