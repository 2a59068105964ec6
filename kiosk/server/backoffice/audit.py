"""The back office's writes to the audit log: who, what, when, before and after.

Every change made through the back office calls ``audit_change`` in the same transaction
as the change, so the change and its audit row commit together or not at all. The
database refuses to change or delete an audit row (triggers from migration s0003), so
nothing here can, either: there is no update or delete function, by design.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, insert

from kiosk.server import tables as t

MAX_WHAT = 40  # audit_log.event


@dataclass(frozen=True)
class Actor:
    """Who made a change, and when: a signed-in user, a device, or the system itself (the
    command line, the server's own jobs)."""

    actor: str  # "user:<id>" | "device:<id>" | "system"
    user_id: int | None
    at: int  # ms since the epoch, from the server's clock

    def as_actor(self) -> Actor:
        return self


class Who(Protocol):
    def as_actor(self) -> Actor: ...


def system(at: int) -> Actor:
    return Actor("system", None, at)


def user(user_id: int, at: int) -> Actor:
    return Actor(f"user:{user_id}", user_id, at)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def audit_change(
    conn: Connection,
    who: Who,
    what: str,
    before: Any,
    after: Any,
    *,
    subject: str | None = None,
    alert: bool = False,
) -> None:
    """One audit row: `who` (a SignedIn user or an Actor) did `what` (a short stable name
    such as "resident.block", at most 40 characters) to `subject` (e.g. "resident:r-1"),
    changing `before` into `after` (anything JSON can hold; None for "did not exist" or
    "no longer exists"). Call it inside the transaction that makes the change."""
    if not what or len(what) > MAX_WHAT:
        raise ValueError(f"audit 'what' must be 1..{MAX_WHAT} characters, not {what!r}")
    actor = who.as_actor()
    conn.execute(
        insert(t.audit_log).values(
            at=actor.at,
            event=what,
            severity="alert" if alert else "info",
            device_id=None,
            detail=json.dumps({"subject": subject} if subject else {}, ensure_ascii=False),
            actor=actor.actor,
            user_id=actor.user_id,
            before_json=_json(before),
            after_json=_json(after),
        )
    )
