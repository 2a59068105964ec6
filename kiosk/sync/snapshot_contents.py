"""What a verified snapshot brings beyond the rows kiosk.db.sync_queries.apply_snapshot
merges: the PIN hashes (counters, kiosks), the claims (kiosks, desks, inspectors), the
residents' newest money lines (kiosks), the staff with their override PINs (desks,
inspectors, kiosks), what is in each klusbox and the boxes lent now (desks, kiosks). Applied
in the snapshot's own transaction, so a snapshot is applied whole or not at all."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from kiosk.core.entries import Kind
from kiosk.db import loan_queries as lq
from kiosk.db import models as m
from kiosk.db import ops_queries as oq
from kiosk.db import pin_queries as pq
from kiosk.db import sync_queries as q
from kiosk.sync import protocol as p

STAFF = m.Staff.__table__
CARDS = m.Card.__table__


def apply_contents(
    conn: Connection, snap: p.Snapshot, device_id: str, acked_seq: int, now_ms: int
) -> None:
    full = snap.base_version is None
    pins = {c.serial: c.pin_hash for c in snap.cards if c.kind == "resident"}
    if snap.staff is not None:
        pins |= _staff_pins(conn, snap.staff)
    if pins:
        keep = pq.pending_pin_cards(conn, device_id, acked_seq)
        pq.apply_server_pins(conn, pins, keep, now_ms)
    if snap.claims:
        pending = _pending_claims(conn, device_id, acked_seq)
        oq.apply_claims(conn, [c.model_dump() for c in snap.claims], pending)
    if full or snap.history:
        oq.apply_money_lines(
            conn,
            [
                line.model_dump(exclude={"resident_id"}) | {"resident_id": line.resident_id}
                for line in snap.history
            ],
            full=full,
        )

    for box in snap.klusboxes:
        lq.replace_components(conn, box.id, box.components)
    if snap.loans is not None:
        lq.apply_server_loans(
            conn,
            [x.model_dump() for x in snap.loans],
            _pending_loans(conn, device_id, acked_seq),
            now_ms,
        )


def apply_staff(conn: Connection, snap: p.Snapshot) -> None:
    """The staff, before the snapshot's cards (a staff card names its holder). The list is
    whole: someone no longer on it has left (kept, as old entries and cards name them)."""
    if snap.staff is None:
        return
    listed = {s.id for s in snap.staff}
    conn.execute(STAFF.update().where(STAFF.c.id.not_in(listed)).values(status="left"))
    held = set(conn.execute(select(STAFF.c.id)).scalars())
    for s in snap.staff:
        values = {"name": s.name, "role": s.role, "status": s.status}
        if s.id in held:
            conn.execute(STAFF.update().where(STAFF.c.id == s.id).values(**values))
        else:
            conn.execute(insert(STAFF).values(id=s.id, **values))


def _staff_pins(conn: Connection, staff: list[p.StaffRow]) -> dict[str, str | None]:
    """Each staff card's override PIN hash (its holder's, while they work for the scheme),
    for the PIN table: a staff PIN is checked and blocked like a card's."""
    hashes = {s.id: (s.pin_hash if s.status == "active" else None) for s in staff}
    cards = conn.execute(
        select(CARDS.c.serial, CARDS.c.staff_id).where(CARDS.c.kind == "staff")
    ).all()
    return {serial: hashes.get(staff_id) if staff_id else None for serial, staff_id in cards}


def _pending_claims(conn: Connection, device_id: str, acked_seq: int) -> set[str]:
    """The claims of this device's entries the server has not acknowledged yet."""
    return {
        refs["claim"]
        for refs in q.unacked_refs(conn, device_id, acked_seq)
        if isinstance(refs.get("claim"), str)
    }


def _pending_loans(conn: Connection, device_id: str, acked_seq: int) -> set[str]:
    """The loans this device lent or took back in entries the server has not acknowledged."""
    return {
        refs["loan"]
        for refs in q.unacked_refs(conn, device_id, acked_seq, (Kind.LOAN, Kind.RETURN))
        if isinstance(refs.get("loan"), str)
    }
