"""What a verified snapshot brings beyond the rows kiosk.db.sync_queries.apply_snapshot
merges: the PIN hashes (counters, kiosks), the claims (kiosks, desks) and the residents'
newest money lines (kiosks). Applied in the snapshot's own transaction, so a snapshot is
applied whole or not at all."""

from __future__ import annotations

from sqlalchemy import Connection

from kiosk.db import ops_queries as oq
from kiosk.db import pin_queries as pq
from kiosk.sync import protocol as p


def apply_contents(
    conn: Connection, snap: p.Snapshot, device_id: str, acked_seq: int, now_ms: int
) -> None:
    full = snap.base_version is None
    pins = {c.serial: c.pin_hash for c in snap.cards if c.kind == "resident"}
    if pins:
        keep = pq.pending_pin_cards(conn, device_id, acked_seq)
        pq.apply_server_pins(conn, pins, keep, now_ms)
    if snap.claims:
        oq.apply_claims(conn, [c.model_dump() for c in snap.claims])
    if full or snap.history:
        oq.apply_money_lines(
            conn,
            [
                line.model_dump(exclude={"resident_id"}) | {"resident_id": line.resident_id}
                for line in snap.history
            ],
            full=full,
        )
