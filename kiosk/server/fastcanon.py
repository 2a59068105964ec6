"""Canonical bytes of entries and batches, built directly for the server's hot path.

Equal, byte for byte, to ``kiosk.core.canonical.canonical_bytes`` of the same values (a
Hypothesis test holds this), but without the generic walk and sort: the field set of a
validated strict ``WireEntry`` is fixed, hex fields need no escaping, and the batch message
reuses each entry's JSON instead of encoding every entry a second time.
"""

from __future__ import annotations

import json

from kiosk.core.entries import ENTRY_DOMAIN
from kiosk.sync.protocol import BATCH_DOMAIN, Batch, WireEntry

_text = json.JSONEncoder(ensure_ascii=False).encode
_sorted = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
ENTRY_PREFIX = ENTRY_DOMAIN.encode() + b"\x00"
BATCH_PREFIX = BATCH_DOMAIN + "\x00"


def _opt(value: str | None) -> str:
    return "null" if value is None else _text(value)


def entry_json(w: WireEntry) -> tuple[str, str]:
    """(JSON of the signed body, JSON of the whole wire entry), both canonical.

    Keys in sorted order: amount credit debit device_id [entry_hash] kind prev_hash refs seq
    [signature] tx_id v wall_time.
    """
    head = (
        f'{{"amount":{w.amount},"credit":{_opt(w.credit)},"debit":{_opt(w.debit)},'
        f'"device_id":{_text(w.device_id)}'
    )
    mid = (
        f',"kind":{_text(w.kind)},"prev_hash":"{w.prev_hash}","refs":{_sorted(w.refs)},'
        f'"seq":{w.seq}'
    )
    tail = f',"tx_id":{_text(w.tx_id)},"v":{w.v},"wall_time":{w.wall_time}}}'
    body = head + mid + tail
    wire = f'{head},"entry_hash":"{w.entry_hash}"{mid},"signature":"{w.signature}"{tail}'
    return body, wire


def batch_message(batch: Batch, wire_jsons: list[str]) -> bytes:
    """canonical_bytes(BATCH_DOMAIN, batch.body()) from the entries' canonical wire JSON."""
    return (
        f'{BATCH_PREFIX}{{"device_id":{_text(batch.device_id)},"entries":[{",".join(wire_jsons)}],'
        f'"first_seq":{batch.first_seq},"key_epoch":{batch.key_epoch},'
        f'"last_seq":{batch.last_seq},"prev_hash":"{batch.prev_hash}"}}'
    ).encode()
