"""Taking back this device's own entries from the server's copy of its chain (after a restore).

A ledger restored from a backup ends at some seq k while the server may hold this device's
entries up to m > k. Those entries were signed by this device's key and already took effect on
the server; writing new ones from k + 1 would fork the chain. So they are put back first,
exactly as signed: each must link to the chain so far, hash to its stored hash and verify
against this device's own key (check_link, as `ledger verify` does), or nothing is taken.
Their local effects are those the original write had: the balance moves, the claim steps, the
refund's link to its spend; they are marked synced (the server has them).

A PIN set after the backup is not in the entry (only the event is), so it is not restored; the
resident sets it again (or the next snapshot brings it where snapshots carry PIN hashes).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update

from kiosk.core.crypto import VerifyKey
from kiosk.core.entries import Entry, Kind, check_link
from kiosk.db.errors import LedgerError
from kiosk.db.ledger_store import BALANCES, CLAIMS, ENTRIES, HEADS, entry_row
from kiosk.db.models import Chore
from kiosk.db.registry import ensure_account

__all__ = ["adopt_own_entries"]

_CLAIM_STEPS: dict[Kind, str] = {
    Kind.CHECK_IN: "checked_in",
    Kind.CHECK_OUT: "done",
    Kind.APPROVAL: "approved",
    Kind.REJECTION: "rejected",
    Kind.EARN: "rewarded",
}


def _refused(detail: str) -> LedgerError:
    return LedgerError(
        "restore_chain_mismatch",
        "De kopie van de server past niet op dit grootboek; er is niets veranderd. "
        f"Vraag om hulp ({detail}).",
        "The server's copy does not fit this ledger; nothing was changed. "
        f"Ask for help ({detail}).",
    )


def _claim_effect(conn: Connection, entry: Entry) -> None:
    claim_id = entry.refs.get("claim")
    if not isinstance(claim_id, str):
        return
    if entry.kind is Kind.CLAIM_SIGNUP:
        chore_id, resident_id = entry.refs.get("chore"), entry.refs.get("resident")
        known = conn.execute(select(Chore.id).where(Chore.id == chore_id)).first()
        exists = conn.execute(select(CLAIMS.c.id).where(CLAIMS.c.id == claim_id)).first()
        if known is not None and exists is None:
            conn.execute(
                insert(CLAIMS).values(
                    id=claim_id,
                    chore_id=chore_id,
                    resident_id=resident_id,
                    status="signed_up",
                    updated_at=entry.wall_time,
                )
            )
        return
    status = _CLAIM_STEPS.get(entry.kind)
    if status is None:
        return
    values: dict[str, object] = {"status": status, "updated_at": entry.wall_time}
    if entry.kind is Kind.APPROVAL:
        values["approval_tx"] = entry.tx_id
    elif entry.kind is Kind.EARN:
        values["earn_tx"] = entry.tx_id
    elif entry.kind is Kind.REJECTION and isinstance(entry.refs.get("reason"), str):
        values["reason"] = entry.refs["reason"]
    conn.execute(update(CLAIMS).where(CLAIMS.c.id == claim_id).values(**values))


def adopt_own_entries(
    conn: Connection,
    device_id: str,
    key: VerifyKey,
    entries: Sequence[Entry],
    synced_at: int,
) -> int:
    """Append `entries` (this device's, seq order, continuing its head) in the caller's
    transaction; returns the new head seq. Raises LedgerError and writes nothing when one does
    not fit."""
    head = conn.execute(
        select(HEADS.c.last_seq, HEADS.c.head_hash).where(HEADS.c.device_id == device_id)
    ).one()
    seq, prev = int(head.last_seq), str(head.head_hash)
    for entry in entries:
        if entry.device_id != device_id:
            raise _refused(f"entry {entry.seq} is of device {entry.device_id}")
        fault = check_link(entry, seq + 1, prev, key)
        if fault is not None:
            raise _refused(str(fault))
        refs = entry.refs
        claim = refs.get("claim")
        spend = refs.get("spend") if entry.kind is Kind.REFUND else None
        row = entry_row(
            entry,
            claim if isinstance(claim, str) else None,
            spend if isinstance(spend, str) else None,
        )
        conn.execute(insert(ENTRIES).values(**row, synced_at=synced_at))
        if entry.debit is not None and entry.credit is not None:
            for account, delta in ((entry.debit, -entry.amount), (entry.credit, entry.amount)):
                ensure_account(conn, account)
                conn.execute(
                    update(BALANCES)
                    .where(BALANCES.c.account_id == account)
                    .values(balance=BALANCES.c.balance + delta)
                )
        _claim_effect(conn, entry)
        seq, prev = entry.seq, entry.entry_hash
    conn.execute(
        update(HEADS).where(HEADS.c.device_id == device_id).values(last_seq=seq, head_hash=prev)
    )
    return seq
