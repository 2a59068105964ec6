"""Password hashing: argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile).

``VERIFY_HOOKS`` are called on every password check, before it runs: tests count checks
with it (to prove a locked account is refused without checking its password), and an
operator could meter them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id

VERIFY_HOOKS: list[Callable[[], None]] = []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    for hook in VERIFY_HOOKS:
        hook()
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no such account")


def verify_nobody(password: str) -> bool:
    """A check as slow as a real one, for an unknown or disabled account: the time a
    refusal takes does not tell whether the account exists."""
    verify(_dummy_hash(), password)
    return False
