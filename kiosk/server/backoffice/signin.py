"""Sign-in with the attempt limit, shared by every server process through the database.

Each attempt is first written (``pending``) and committed, and only then are the failures
in the window counted, its own included. Every process counts after its own commit, so of
any attempts racing each other the last to commit sees all of them: past the limit no
password is checked, however many workers there are. Pending attempts count as failures
until they are decided (a crash leaves one that counts for one window). An attempt refused
by the limit (``locked``) does not itself count, so the lock lifts one window after the
failures stop, and somebody hammering an account cannot keep it locked for ever without
guessing at the rate the limit allows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, delete, func, insert, select, update

from kiosk.server import tables as t
from kiosk.server.backoffice import audit, passwords, sessions, users
from kiosk.server.backoffice.settings import OfficeSettings
from kiosk.server.context import ServerCore

log = logging.getLogger("kiosk.server.backoffice")

PENDING, WRONG, OK, LOCKED = "pending", "wrong", "ok", "locked"
FAILED = (PENDING, WRONG)
KEEP_MS = 30 * 86_400_000  # attempts are kept 30 days (who tried what, from where)


@dataclass(frozen=True)
class SigninResult:
    outcome: Literal["ok", "wrong", "locked"]
    token: str | None = None  # the new session's token, when ok
    retry_after_s: int = 0  # when locked


def _failures(conn: Connection, column: str, value: str, since: int) -> list[int]:
    col = t.signin_attempts.c[column]
    rows = conn.execute(
        select(t.signin_attempts.c.at)
        .where(col == value, t.signin_attempts.c.at > since)
        .where(t.signin_attempts.c.outcome.in_(FAILED))
        .order_by(t.signin_attempts.c.at)
    )
    return [int(r.at) for r in rows]


def _retry_after(failures: list[int], limit: int, window_ms: int, now: int) -> int:
    """Seconds until so many failures have left the window that one more attempt fits."""
    if len(failures) <= limit:
        return 0
    # `failures` ends with this attempt's own (pending, at `now`), which will not count
    frees_at = failures[len(failures) - limit - 1] + window_ms
    return max(1, -(-(frees_at - now) // 1000))


def check(
    server: ServerCore, cfg: OfficeSettings, username: str, password: str, client: str
) -> tuple[SigninResult, users.User | None]:
    """One attempt at `username`'s password, counted against the limit: refused unchecked
    when the account or the address is over it. No session (see sign_in)."""
    name = users.normalise_username(username)[:80]
    client = client[:100]
    now = server.now()
    with server.write() as conn:
        conn.execute(
            delete(t.signin_attempts).where(
                t.signin_attempts.c.username == name, t.signin_attempts.c.at < now - KEEP_MS
            )
        )
        attempt = conn.execute(
            insert(t.signin_attempts)
            .values(at=now, username=name, client=client, outcome=PENDING)
            .returning(t.signin_attempts.c.id)
        ).scalar_one()
    since = now - cfg.signin_window_ms
    with server.engine.connect() as conn:
        by_account = _failures(conn, "username", name, since)
        by_address = _failures(conn, "client", client, since)
        user = users.by_username(conn, name)
        stored_hash = users.password_hash_of(conn, user.id) if user else None
    # Own pending attempt included: with `limit` failures before it, this one is over.
    wait = max(
        _retry_after(by_account, cfg.max_failed_per_account, cfg.signin_window_ms, now),
        _retry_after(by_address, cfg.max_failed_per_address, cfg.signin_window_ms, now),
    )
    if wait:
        _decide(server, attempt, LOCKED)
        log.warning("sign-in refused unchecked (too many failures): %r from %s", name, client)
        return SigninResult("locked", retry_after_s=wait), None
    if user is None or stored_hash is None or not user.active:
        passwords.verify_nobody(password)
        _decide(server, attempt, WRONG)
        return SigninResult("wrong"), None
    if not passwords.verify(stored_hash, password):
        _decide(server, attempt, WRONG)
        return SigninResult("wrong"), None
    _decide(server, attempt, OK)
    if passwords.needs_rehash(stored_hash):
        users.rehash(server, user.id, stored_hash, password)
    return SigninResult("ok"), user


def sign_in(
    server: ServerCore, cfg: OfficeSettings, username: str, password: str, client: str
) -> SigninResult:
    """Check the password (within the limit) and, if right, start a session."""
    result, user = check(server, cfg, username, password, client)
    if user is None:
        return result
    now = server.now()
    with server.write() as conn:
        token = sessions.start_in(conn, user.id, client[:100], now)
        audit.audit_change(conn, audit.user(user.id, now), "signin", None, {"client": client})
    return SigninResult("ok", token=token)


def _decide(server: ServerCore, attempt: int, outcome: str) -> None:
    with server.write() as conn:
        conn.execute(
            update(t.signin_attempts)
            .where(t.signin_attempts.c.id == attempt)
            .values(outcome=outcome)
        )


def failures_now(server: ServerCore, cfg: OfficeSettings, username: str) -> int:
    """Failed attempts on `username` within the window (the users page shows a lock)."""
    since = server.now() - cfg.signin_window_ms
    with server.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(t.signin_attempts)
                .where(
                    t.signin_attempts.c.username == users.normalise_username(username),
                    t.signin_attempts.c.at > since,
                    t.signin_attempts.c.outcome.in_(FAILED),
                )
            ).scalar_one()
        )
