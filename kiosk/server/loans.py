"""Which klusboxes are lent now, read from the ledger: a box's latest loan or return says
(the ledger's small partial index of loans and returns, `ix_ledger_klusbox_events`). Used by
the back office's klusbox register and by the desks' and kiosks' snapshots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select, text

from kiosk.server import tables as t

L = t.ledger.c


@dataclass(frozen=True)
class Loan:
    resident_id: str | None
    since: int  # the loan's wall time
    refs: dict[str, Any]  # the loan entry's: loan id, due time, what was handed out

    @property
    def loan_id(self) -> str | None:
        value = self.refs.get("loan")
        return value if isinstance(value, str) else None

    @property
    def due_at(self) -> int | None:
        value = self.refs.get("due")
        return value if type(value) is int else None


def open_loans(conn: Connection, box_ids: Sequence[str]) -> dict[str, Loan]:
    """The boxes of `box_ids` that are lent now (their latest loan or return is a loan)."""
    if not box_ids:
        return {}
    wanted = {f'"klusbox":{json.dumps(b)}': b for b in box_ids}  # canonical refs JSON
    latest: dict[str, Loan | None] = {}
    ids = list(wanted.items())
    for start in range(0, len(ids), 200):  # bounded OR lists
        part = dict(ids[start : start + 200])
        rows = conn.execute(
            select(L.kind, L.refs, L.resident_id, L.wall_time)
            .where(
                text(t.KLUSBOX_EVENTS),  # the partial index's own predicate, word for word
                L.status == "applied",
                or_(*(L.refs.contains(needle, autoescape=True) for needle in part)),
            )
            .order_by(L.id.desc())
        )
        for kind, refs, resident_id, wall_time in rows:
            box = next((b for needle, b in part.items() if needle in refs), None)
            if box is None or box in latest:
                continue
            latest[box] = (
                Loan(resident_id, int(wall_time), json.loads(refs)) if kind == "loan" else None
            )
    return {box: loan for box, loan in latest.items() if loan is not None}
