"""Back-office accounts: create, list, find, disable and enable, change a password.

Usernames are stored lower-case (sign-in ignores case). Passwords are argon2id hashes only.
Disabling an account ends its sessions in the same transaction. Every change writes an
audit row (who did it, before, after; never a password or a hash).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kiosk.server import tables as t
from kiosk.server.backoffice import passwords, sessions
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.permissions import ADMIN, ROLES
from kiosk.server.backoffice.settings import OfficeSettings
from kiosk.server.context import ServerCore

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MAX_DISPLAY_NAME = 200
MAX_PASSWORD = 1024  # argon2 takes any length; this only bounds the work a request can ask


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    created_at: int

    def public(self) -> dict[str, Any]:
        """What the audit log may hold of an account (no hash)."""
        d = asdict(self)
        d.pop("created_at")
        return d


COLUMNS = (
    t.users.c.id,
    t.users.c.username,
    t.users.c.display_name,
    t.users.c.role,
    t.users.c.active,
    t.users.c.created_at,
)


def _user(row: Any) -> User:
    return User(
        id=int(row.id),
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        active=bool(row.active),
        created_at=int(row.created_at),
    )


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().lower()


def check_password(cfg: OfficeSettings, password: str) -> None:
    if len(password) < cfg.min_password_length:
        raise OfficeError("password_too_short", n=cfg.min_password_length)
    if len(password) > MAX_PASSWORD:
        raise OfficeError("password_too_long", n=MAX_PASSWORD)


def create_user(
    server: ServerCore,
    cfg: OfficeSettings,
    who: Who,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
) -> User:
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise OfficeError("username_invalid")
    display = display_name.strip() or name
    if len(display) > MAX_DISPLAY_NAME or not display.isprintable():
        raise OfficeError("display_name_invalid", n=MAX_DISPLAY_NAME)
    if role not in ROLES:
        raise OfficeError("role_invalid", roles=", ".join(ROLES))
    check_password(cfg, password)
    password_hash = passwords.hash_password(password)  # slow: outside the transaction
    try:
        with server.write() as conn:
            user_id = conn.execute(
                insert(t.users)
                .values(
                    username=name,
                    display_name=display,
                    role=role,
                    password_hash=password_hash,
                    active=True,
                    created_at=who.as_actor().at,
                )
                .returning(t.users.c.id)
            ).scalar_one()
            user = User(int(user_id), name, display, role, True, who.as_actor().at)
            audit_change(conn, who, "user.create", None, user.public(), subject=_subject(user))
    except IntegrityError:
        raise OfficeError("username_taken", username=name) from None
    return user


def _subject(user: User) -> str:
    return f"user:{user.id}"


def get(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(*COLUMNS).where(t.users.c.id == user_id)).first()
    return None if row is None else _user(row)


def by_username(conn: Connection, username: str) -> User | None:
    row = conn.execute(
        select(*COLUMNS).where(t.users.c.username == normalise_username(username))
    ).first()
    return None if row is None else _user(row)


def password_hash_of(conn: Connection, user_id: int) -> str | None:
    return conn.execute(
        select(t.users.c.password_hash).where(t.users.c.id == user_id)
    ).scalar_one_or_none()


def list_all(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(*COLUMNS).order_by(t.users.c.username))]


def _active_admins(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(t.users)
            .where(t.users.c.role == ADMIN, t.users.c.active.is_(True))
        ).scalar_one()
    )


def set_active(server: ServerCore, who: Who, user_id: int, active: bool) -> User:
    """Disable (ending every session of the account) or enable an account. An admin cannot
    disable their own account, nor the last active admin."""
    actor = who.as_actor()
    with server.write() as conn:
        before = get(conn, user_id)
        if before is None:
            raise OfficeError("user_unknown")
        if not active and actor.user_id == user_id:
            raise OfficeError("cannot_disable_self")
        if not active and before.role == ADMIN and before.active and _active_admins(conn) <= 1:
            raise OfficeError("last_admin")
        if before.active == active:
            return before
        conn.execute(update(t.users).where(t.users.c.id == user_id).values(active=active))
        after = User(**{**asdict(before), "active": active})
        ended = 0 if active else sessions.end_all(conn, user_id, actor.at, sessions.DISABLED)
        audit_change(
            conn,
            who,
            "user.enable" if active else "user.disable",
            before.public(),
            {**after.public(), **({} if active else {"sessions_ended": ended})},
            subject=_subject(before),
        )
    return after


def end_sessions(server: ServerCore, who: Who, user_id: int) -> int:
    """An admin ends every open session of an account (the person must sign in again)."""
    actor = who.as_actor()
    with server.write() as conn:
        user = get(conn, user_id)
        if user is None:
            raise OfficeError("user_unknown")
        ended = sessions.end_all(conn, user_id, actor.at, sessions.ENDED_BY_ADMIN)
        audit_change(
            conn,
            who,
            "user.end_sessions",
            None,
            {"sessions_ended": ended},
            subject=_subject(user),
        )
    return ended


def change_password(
    server: ServerCore,
    cfg: OfficeSettings,
    who: Who,
    user_id: int,
    new_password: str,
    *,
    keep_session: str | None = None,
) -> None:
    """Set a new password; every other session of the account ends."""
    check_password(cfg, new_password)
    new_hash = passwords.hash_password(new_password)
    actor = who.as_actor()
    with server.write() as conn:
        user = get(conn, user_id)
        if user is None:
            raise OfficeError("user_unknown")
        conn.execute(update(t.users).where(t.users.c.id == user_id).values(password_hash=new_hash))
        ended = sessions.end_all(
            conn, user_id, actor.at, sessions.PASSWORD_CHANGED, keep=keep_session
        )
        audit_change(
            conn,
            who,
            "user.password",
            None,
            {"password": "changed", "sessions_ended": ended},
            subject=_subject(user),
        )


def rehash(server: ServerCore, user_id: int, old_hash: str, password: str) -> None:
    """After a good sign-in with a hash of weaker parameters: store today's (no audit row:
    nothing a person decided changed)."""
    new_hash = passwords.hash_password(password)
    with server.write() as conn:
        conn.execute(
            update(t.users)
            .where(t.users.c.id == user_id, t.users.c.password_hash == old_hash)
            .values(password_hash=new_hash)
        )
