"""PINs: their form, and their slow hash (argon2id, argon2-cffi's default parameters).

A PIN is 4 to 6 digits. It is stored only as an argon2id hash (a salted, memory-hard hash
that takes tens of milliseconds on purpose), never in the ledger and never in a log.
"""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from kiosk.core.errors import HeitjeError
from kiosk.db.pin_queries import MAX_WRONG_TRIES, clear_wrong_tries, record_wrong_try
from kiosk.ops.errors import OpsError, pin_blocked, pin_needed, pin_wrong

PIN_MIN: Final = 4
PIN_MAX: Final = 6

_HASHER: Final = PasswordHasher()  # argon2id, RFC 9106 "low memory" profile


def check_pin_form(pin: object) -> str:
    if not isinstance(pin, str) or not (PIN_MIN <= len(pin) <= PIN_MAX) or not pin.isascii():
        raise _bad_form()
    if not pin.isdigit():
        raise _bad_form()
    return pin


def _bad_form() -> OpsError:
    return OpsError(
        "pin_bad_form",
        f"Een pincode is {PIN_MIN} tot {PIN_MAX} cijfers.",
        f"A PIN is {PIN_MIN} to {PIN_MAX} digits.",
    )


def hash_pin(pin: str) -> str:
    return _HASHER.hash(check_pin_form(pin))


def pin_matches(pin_hash: str, pin: object) -> bool:
    """True when `pin` is the PIN behind `pin_hash`; a malformed PIN or hash never matches."""
    if not isinstance(pin, str):
        return False
    try:
        return _HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def judge_pin(
    conn: Connection, serial: str, pin_hash: str, wrong_tries: int, pin: object, now_ms: int
) -> HeitjeError | None:
    """Judge `pin` for the card inside the caller's write transaction. A wrong PIN is counted
    (the third in a row blocks the card on this device) and returned as the error to raise
    once the transaction has committed, so the count survives; a right one clears it."""
    if pin is None:
        return pin_needed()
    if not pin_matches(pin_hash, pin):
        state = record_wrong_try(conn, serial, now_ms)
        if state.blocked:
            return pin_blocked()
        return pin_wrong(MAX_WRONG_TRIES - state.wrong_tries)
    if wrong_tries:
        clear_wrong_tries(conn, serial, now_ms)
    return None
