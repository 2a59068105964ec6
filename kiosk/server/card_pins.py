"""PIN hashes that arrive in card events: a resident kiosk's "pin_set" entry carries the new
PIN's argon2id hash (never the PIN, kiosk/ops/resident.py), and the server stores it on the
card, so the next snapshots hand it to the counters (and the card's neighbourhood's kiosks;
kiosk/server/snapshots.py). A PIN set in the back office is stored there directly.

`record_pin_events` runs in the ingest's transaction, over the entries that took effect,
with the batch's version: the card row gets the hash and that version (a delta carries it).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, update

from kiosk.core.entries import Entry, Kind
from kiosk.server import tables as t
from kiosk.sync import protocol as p


def pin_hash_of(entry: Entry) -> tuple[str, str] | None:
    """(card serial, hash) of a "pin_set" card event with a well-formed argon2id hash."""
    if entry.kind is not Kind.CARD_EVENT or entry.refs.get("event") != "pin_set":
        return None
    serial, pin_hash = entry.refs.get("card"), entry.refs.get("pin_hash")
    if not isinstance(serial, str) or not isinstance(pin_hash, str):
        return None
    if not p.pin_hash_ok(pin_hash):
        return None
    return serial, pin_hash


def record_pin_events(conn: Connection, applied: Iterable[Entry], version: int) -> int:
    """Store the hashes of the applied "pin_set" card events on their (resident) cards, the
    last one per card winning; returns how many cards changed."""
    latest: dict[str, str] = {}
    for entry in applied:
        found = pin_hash_of(entry)
        if found is not None:
            latest[found[0]] = found[1]
    changed = 0
    for serial, pin_hash in sorted(latest.items()):
        changed += conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == serial, t.cards.c.kind == "resident")
            .values(pin_hash=pin_hash, version=version)
        ).rowcount
    return changed
