"""A device's own chain as the server holds it, for that device only (after a restore).

A device whose ledger was put back from a backup asks for its entries after its restored
head, so that it continues its chain instead of forking it. Every entry it sent is given back
exactly as signed, those stored as refused too: they are part of its chain (their seq was
used) even though they changed nothing. Only the device itself may ask (a request signed with
its own key): the entries name residents and amounts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select

from kiosk.server import tables as t
from kiosk.server.context import ServerCore
from kiosk.server.device_auth import authenticate_request
from kiosk.server.errors import Refusal
from kiosk.sync import protocol as p

__all__ = ["own_chain"]

_COLUMNS = (
    "v",
    "device_id",
    "seq",
    "prev_hash",
    "tx_id",
    "kind",
    "debit",
    "credit",
    "amount",
    "refs",
    "wall_time",
    "entry_hash",
    "signature",
)


def own_chain(
    core: ServerCore, device_id: str, after: int, headers: Mapping[str, str]
) -> p.ChainCopy:
    """Up to MAX_CHAIN_PAGE entries of `device_id`'s chain after seq `after`, for the device
    that signed the request; Refusal (403) for any other device."""
    device = authenticate_request(
        core,
        headers,
        lambda signer, at, nonce: p.chain_request_message(signer, after, at, nonce),
    )
    if device.id != device_id:
        raise Refusal(p.AUTH_BAD_SIGNATURE, detail="a device may read only its own chain")
    ledger = t.ledger
    with core.engine.connect() as conn:
        head = conn.execute(
            select(t.devices.c.head_seq).where(t.devices.c.id == device_id)
        ).scalar_one()
        rows = conn.execute(
            select(*(ledger.c[name] for name in _COLUMNS))
            .where(ledger.c.device_id == device_id, ledger.c.seq > after)
            .order_by(ledger.c.seq)
            .limit(p.MAX_CHAIN_PAGE)
        ).mappings()
        entries = [
            p.WireEntry.model_validate({**row, "refs": json.loads(row["refs"])}) for row in rows
        ]
    return p.ChainCopy(device_id=device_id, after=after, head_seq=int(head), entries=entries)
