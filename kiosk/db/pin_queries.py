"""Card PINs on this device (table card_pins): the slow hash, wrong tries, the block.

The hashing itself is kiosk/ops/pins.py (argon2id); this module only stores its result, and
the hashes a snapshot brings (`apply_server_pins`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, delete, insert, select, update

from kiosk.core.entries import Kind
from kiosk.db.pin_models import CardPin
from kiosk.db.sync_queries import unacked_refs

PINS = CardPin.__table__
MAX_WRONG_TRIES: Final = 3


@dataclass(frozen=True)
class PinState:
    serial: str
    pin_hash: str
    wrong_tries: int
    blocked: bool


def pin_state(conn: Connection, serial: str) -> PinState | None:
    row = conn.execute(select(PINS).where(PINS.c.serial == serial)).first()
    if row is None:
        return None
    return PinState(row.serial, row.pin_hash, int(row.wrong_tries), row.blocked_at is not None)


def store_pin_hash(conn: Connection, serial: str, pin_hash: str, now_ms: int) -> None:
    """Set (or replace) the card's PIN hash here; the wrong tries start from nothing."""
    conn.execute(delete(PINS).where(PINS.c.serial == serial))
    conn.execute(
        insert(PINS).values(
            serial=serial,
            pin_hash=pin_hash,
            wrong_tries=0,
            blocked_at=None,
            updated_at=now_ms,
            source=SOURCE_DEVICE,
        )
    )


def record_wrong_try(conn: Connection, serial: str, now_ms: int) -> PinState:
    """One more wrong try; the MAX_WRONG_TRIES-th blocks the card on this device."""
    row = pin_state(conn, serial)
    assert row is not None, "a wrong try needs a PIN"
    tries = row.wrong_tries + 1
    blocked = tries >= MAX_WRONG_TRIES
    conn.execute(
        update(PINS)
        .where(PINS.c.serial == serial)
        .values(wrong_tries=tries, blocked_at=now_ms if blocked else None, updated_at=now_ms)
    )
    return PinState(serial, row.pin_hash, tries, blocked)


def clear_wrong_tries(conn: Connection, serial: str, now_ms: int) -> None:
    conn.execute(
        update(PINS).where(PINS.c.serial == serial).values(wrong_tries=0, updated_at=now_ms)
    )


def unblock(conn: Connection, serial: str, now_ms: int) -> bool:
    """Staff lift a block made by wrong tries here; True if the card was blocked."""
    changed = conn.execute(
        update(PINS)
        .where(PINS.c.serial == serial, PINS.c.blocked_at.is_not(None))
        .values(wrong_tries=0, blocked_at=None, updated_at=now_ms)
    ).rowcount
    return bool(changed)


# -- what a snapshot brings ------------------------------------------------------------------

SOURCE_DEVICE: Final = "device"  # set at this device
SOURCE_SERVER: Final = "server"  # from a snapshot


def pending_pin_cards(conn: Connection, device_id: str, acked_seq: int) -> set[str]:
    """The cards whose PIN this device set in a card event the server has not acknowledged
    yet: a snapshot's hash for them is older than ours."""
    return {
        refs["card"]
        for refs in unacked_refs(conn, device_id, acked_seq, (Kind.CARD_EVENT,))
        if refs.get("event") == "pin_set" and isinstance(refs.get("card"), str)
    }


def apply_server_pins(
    conn: Connection, pins: Mapping[str, str | None], keep: set[str], now_ms: int
) -> None:
    """The snapshot's PIN hashes (serial -> hash, None: no PIN on the server), in the
    snapshot's transaction. A new hash replaces ours and starts the wrong tries again (a
    block made here stays until staff lift it); the same hash keeps them; no hash removes a
    hash that came from the server, and leaves one set here (the server may not know it yet).
    Cards in `keep` (a PIN set here, not yet acknowledged) are left alone."""
    held = {r.serial: r for r in conn.execute(select(PINS))}  # a small table: read it once
    for serial, pin_hash in sorted(pins.items()):
        if serial in keep:
            continue
        row = held.get(serial)
        if pin_hash is None:
            if row is not None and row.source == SOURCE_SERVER:
                conn.execute(delete(PINS).where(PINS.c.serial == serial))
            continue
        if row is None:
            conn.execute(
                insert(PINS).values(
                    serial=serial,
                    pin_hash=pin_hash,
                    wrong_tries=0,
                    blocked_at=None,
                    updated_at=now_ms,
                    source=SOURCE_SERVER,
                )
            )
        elif row.pin_hash != pin_hash:
            conn.execute(
                update(PINS)
                .where(PINS.c.serial == serial)
                .values(pin_hash=pin_hash, wrong_tries=0, updated_at=now_ms, source=SOURCE_SERVER)
            )
        elif row.source != SOURCE_SERVER:
            conn.execute(update(PINS).where(PINS.c.serial == serial).values(source=SOURCE_SERVER))
