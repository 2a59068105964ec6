"""Card PINs on this device (table card_pins): the slow hash, wrong tries, the block.

The hashing itself is kiosk/ops/pins.py (argon2id); this module only stores its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, delete, insert, select, update

from kiosk.db.pin_models import CardPin

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
    """Set (or replace) the card's PIN hash; the wrong tries start from nothing."""
    conn.execute(delete(PINS).where(PINS.c.serial == serial))
    conn.execute(
        insert(PINS).values(
            serial=serial, pin_hash=pin_hash, wrong_tries=0, blocked_at=None, updated_at=now_ms
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
