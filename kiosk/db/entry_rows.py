"""A stored ledger row back to the core Entry it was written from.

Its own module because the ledger store, the sync queries and `ledger verify` all read
entries back, and the store imports the sync queries (no import cycle).
"""

from __future__ import annotations

import json

from kiosk.core.entries import Entry, Kind

__all__ = ["row_to_entry"]


def row_to_entry(row: object) -> Entry:
    """A ledger_entries row (mapping-like) back to the core Entry it was written from."""
    m = row._mapping  # type: ignore[attr-defined]
    return Entry(
        version=m["version"],
        device_id=m["device_id"],
        seq=m["seq"],
        prev_hash=m["prev_hash"],
        tx_id=m["tx_id"],
        kind=Kind(m["kind"]),
        debit=m["debit"],
        credit=m["credit"],
        amount=m["amount"],
        refs=json.loads(m["refs"]),
        wall_time=m["wall_time"],
        entry_hash=m["entry_hash"],
        signature=m["signature"],
    )
