"""The device-side reads behind the inspector (kiosk/ops/inspector.py): the claims marked done
in the inspector's neighbourhoods with who did them and when, and this device's own decisions
(approvals and rejections) with where each stands on the server. Plain rows."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, select

import kiosk.db.models as m
from kiosk.core.entries import Kind
from kiosk.db.sync_models import SyncRefused

ENTRIES = m.LedgerEntry.__table__
CLAIMS = m.ChoreClaim.__table__
CHORES = m.Chore.__table__
RESIDENTS = m.Resident.__table__
REFUSED = SyncRefused.__table__

DECISION_KINDS = (Kind.APPROVAL.value, Kind.REJECTION.value)


@dataclass(frozen=True)
class InspectClaim:
    """A claim with its chore and its resident, as the inspector sees it."""

    id: str
    chore_id: str
    chore_title: str
    chore_title_en: str | None
    reward: int
    neighbourhood_id: str
    resident_id: str
    resident_name: str
    status: str
    reason: str | None
    checked_in_at: int | None
    done_at: int | None
    updated_at: int


def _claims_query() -> Select[Any]:
    return (
        select(
            CLAIMS.c.id,
            CLAIMS.c.chore_id,
            CLAIMS.c.resident_id,
            CLAIMS.c.status,
            CLAIMS.c.reason,
            CLAIMS.c.checked_in_at,
            CLAIMS.c.done_at,
            CLAIMS.c.updated_at,
            CHORES.c.title,
            CHORES.c.title_en,
            CHORES.c.reward,
            CHORES.c.neighbourhood_id,
            RESIDENTS.c.name,
        )
        .join(CHORES, CHORES.c.id == CLAIMS.c.chore_id)
        .join(RESIDENTS, RESIDENTS.c.id == CLAIMS.c.resident_id)
    )


def _row(r: Row[Any]) -> InspectClaim:
    return InspectClaim(
        id=r.id,
        chore_id=r.chore_id,
        chore_title=r.title,
        chore_title_en=r.title_en,
        reward=int(r.reward),
        neighbourhood_id=r.neighbourhood_id,
        resident_id=r.resident_id,
        resident_name=r.name,
        status=r.status,
        reason=r.reason,
        checked_in_at=_int(r.checked_in_at),
        done_at=_int(r.done_at),
        updated_at=int(r.updated_at),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def done_claims(conn: Connection, neighbourhoods: Collection[str]) -> list[InspectClaim]:
    """The claims marked done of chores in `neighbourhoods` (all, for an empty collection: a
    demo device bound to none), the longest waiting first (by check-out time)."""
    query = _claims_query().where(CLAIMS.c.status == "done")
    if neighbourhoods:
        query = query.where(CHORES.c.neighbourhood_id.in_(sorted(neighbourhoods)))
    rows = [_row(r) for r in conn.execute(query)]
    rows.sort(key=lambda c: (c.done_at or c.updated_at, c.id))
    return rows


def claim(conn: Connection, claim_id: str) -> InspectClaim | None:
    row = conn.execute(_claims_query().where(CLAIMS.c.id == claim_id)).first()
    return None if row is None else _row(row)


def claims(conn: Connection, claim_ids: Iterable[str]) -> dict[str, InspectClaim]:
    ids = sorted(set(claim_ids))
    if not ids:
        return {}
    return {r.id: _row(r) for r in conn.execute(_claims_query().where(CLAIMS.c.id.in_(ids)))}


@dataclass(frozen=True)
class Decision:
    """An approval or rejection this device signed, with where it stands on the server."""

    tx_id: str
    seq: int
    kind: Kind  # approval | rejection
    claim_id: str
    reason: str | None
    wall_time: int
    synced: bool
    refused_code: str | None


def decisions_between(
    conn: Connection, device_id: str, start_ms: int, end_ms: int
) -> list[Decision]:
    """This device's approvals and rejections with a wall time in [start_ms, end_ms), oldest
    first."""
    rows = conn.execute(
        select(
            ENTRIES.c.tx_id,
            ENTRIES.c.seq,
            ENTRIES.c.kind,
            ENTRIES.c.refs,
            ENTRIES.c.wall_time,
            ENTRIES.c.synced_at,
            REFUSED.c.code,
        )
        .outerjoin(
            REFUSED, and_(REFUSED.c.seq == ENTRIES.c.seq, REFUSED.c.tx_id == ENTRIES.c.tx_id)
        )
        .where(
            ENTRIES.c.device_id == device_id,
            ENTRIES.c.kind.in_(DECISION_KINDS),
            ENTRIES.c.wall_time.between(start_ms, end_ms - 1),
        )
        .order_by(ENTRIES.c.wall_time, ENTRIES.c.seq)
    )
    out = []
    for r in rows:
        refs = json.loads(r.refs)
        reason = refs.get("reason")
        out.append(
            Decision(
                tx_id=r.tx_id,
                seq=int(r.seq),
                kind=Kind(r.kind),
                claim_id=str(refs.get("claim", "")),
                reason=reason if isinstance(reason, str) else None,
                wall_time=int(r.wall_time),
                synced=r.synced_at is not None,
                refused_code=r.code,
            )
        )
    return out


def entry_claims(conn: Connection, device_id: str, seqs: Iterable[int]) -> dict[int, str]:
    """The claim each of these entries of this device names (approval, rejection, earn)."""
    wanted = sorted(set(seqs))
    if not wanted:
        return {}
    rows = conn.execute(
        select(ENTRIES.c.seq, ENTRIES.c.refs).where(
            ENTRIES.c.device_id == device_id, ENTRIES.c.seq.in_(wanted)
        )
    )
    out = {}
    for r in rows:
        named = json.loads(r.refs).get("claim")
        if isinstance(named, str):
            out[int(r.seq)] = named
    return out
