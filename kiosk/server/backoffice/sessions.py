"""Signed-in sessions.

The cookie holds a random token (256 bits); the database holds only its sha256, so a copy
of the database (a backup, a leak) signs nobody in. A session ends at sign-out, when its
user is disabled, when an admin ends it, after ``idle_timeout_s`` without a request, and
``session_lifetime_s`` after sign-in whatever happens. The CSRF token of a session is an
HMAC of its secret token: known to the page, never stored, different for every session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from kiosk.server import tables as t
from kiosk.server.backoffice.audit import Actor
from kiosk.server.backoffice.permissions import P, may
from kiosk.server.backoffice.settings import OfficeSettings
from kiosk.server.context import ServerCore

COOKIE = "heitje_session"
TOUCH_EVERY_MS = 60_000  # last_seen_at is written at most once a minute per session

SIGNED_OUT = "signed_out"
DISABLED = "disabled"
ENDED_BY_ADMIN = "ended_by_admin"
PASSWORD_CHANGED = "password_changed"
IDLE = "idle"
LIFETIME = "lifetime"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"heitje back office csrf", hashlib.sha256).hexdigest()


def csrf_ok(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request, checked against the database for this request."""

    user_id: int
    username: str
    display_name: str
    role: str
    token_hash: str
    csrf_token: str
    started_at: int
    expires_at: int  # the earlier of the idle and the absolute end, as of this request
    at: int  # the server's time of this request (audit rows use it)

    def may(self, permission: P) -> bool:
        return may(self.role, permission)

    def as_actor(self) -> Actor:
        return Actor(f"user:{self.user_id}", self.user_id, self.at)


def start(server: ServerCore, user_id: int, client: str) -> str:
    """A new session for `user_id`; returns the token for the cookie (shown once)."""
    with server.write() as conn:
        return start_in(conn, user_id, client, server.now())


def start_in(conn: Connection, user_id: int, client: str, now: int) -> str:
    token = new_token()
    conn.execute(
        insert(t.sessions).values(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            ended_at=None,
            end_reason=None,
            client=client[:100],
        )
    )
    return token


def _ends_at(cfg: OfficeSettings, created_at: int, last_seen_at: int) -> tuple[int, str]:
    idle_end = last_seen_at + cfg.idle_timeout_ms
    life_end = created_at + cfg.session_lifetime_ms
    return (idle_end, IDLE) if idle_end <= life_end else (life_end, LIFETIME)


def lookup(server: ServerCore, cfg: OfficeSettings, token: str) -> SignedIn | None:
    """The session of `token` if it is still open, its user active, and it has not timed
    out; marks it seen. None otherwise (and records why a timed-out session ended)."""
    digest = token_hash(token)
    now = server.now()
    query = (
        select(
            t.sessions.c.created_at,
            t.sessions.c.last_seen_at,
            t.sessions.c.ended_at,
            t.users.c.id,
            t.users.c.username,
            t.users.c.display_name,
            t.users.c.role,
            t.users.c.active,
        )
        .join(t.users, t.users.c.id == t.sessions.c.user_id)
        .where(t.sessions.c.token_hash == digest)
    )
    with server.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None or row["ended_at"] is not None or not row["active"]:
        return None
    ends_at, why = _ends_at(cfg, row["created_at"], row["last_seen_at"])
    if now >= ends_at:
        with server.write() as conn:
            end_in(conn, digest, ends_at, why)
        return None
    if now - row["last_seen_at"] >= TOUCH_EVERY_MS:
        with server.write() as conn:
            conn.execute(
                update(t.sessions)
                .where(t.sessions.c.token_hash == digest, t.sessions.c.ended_at.is_(None))
                .values(last_seen_at=now)
            )
        ends_at, _ = _ends_at(cfg, row["created_at"], now)
    return SignedIn(
        user_id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        token_hash=digest,
        csrf_token=csrf_for(token),
        started_at=row["created_at"],
        expires_at=ends_at,
        at=now,
    )


def end_in(conn: Connection, digest: str, at: int, reason: str) -> None:
    conn.execute(
        update(t.sessions)
        .where(t.sessions.c.token_hash == digest, t.sessions.c.ended_at.is_(None))
        .values(ended_at=at, end_reason=reason)
    )


def end(server: ServerCore, digest: str, reason: str = SIGNED_OUT) -> None:
    with server.write() as conn:
        end_in(conn, digest, server.now(), reason)


def end_all(
    conn: Connection, user_id: int, at: int, reason: str, *, keep: str | None = None
) -> int:
    """End every open session of `user_id` (but `keep`, a token hash); how many ended."""
    where = [t.sessions.c.user_id == user_id, t.sessions.c.ended_at.is_(None)]
    if keep is not None:
        where.append(t.sessions.c.token_hash != keep)
    result = conn.execute(update(t.sessions).where(*where).values(ended_at=at, end_reason=reason))
    return int(result.rowcount)


def open_counts(
    conn: Connection, cfg: OfficeSettings, user_ids: list[int], now: int
) -> dict[int, int]:
    """How many sessions of each of `user_ids` would still let a request in."""
    s = t.sessions.c
    rows = conn.execute(
        select(s.user_id, func.count())
        .where(
            s.user_id.in_(user_ids),
            s.ended_at.is_(None),
            s.last_seen_at > now - cfg.idle_timeout_ms,
            s.created_at > now - cfg.session_lifetime_ms,
        )
        .group_by(s.user_id)
    )
    return {int(uid): int(n) for uid, n in rows}
