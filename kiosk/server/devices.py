"""Device administration: revoke, reinstate, list, and a device's chain head."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from kiosk.core import roles
from kiosk.server import tables as t
from kiosk.server.context import ServerCore
from kiosk.server.errors import Refusal
from kiosk.sync import protocol as p
from kiosk.sync.protocol import Ack


def set_device_status(core: ServerCore, device_id: str, status: str, reason: str = "") -> bool:
    with core.write() as conn:
        version = core.bump(conn)
        res = conn.execute(
            update(t.devices)
            .where(t.devices.c.id == device_id, t.devices.c.role != roles.SERVER)
            .values(status=status, version=version)
        )
        if res.rowcount == 0:
            return False
        event = {"revoked": "revoke", "active": "reinstate"}.get(status, status)
        core.audit(conn, event, {"reason": reason}, device_id=device_id)
    return True


def list_devices(core: ServerCore) -> list[dict[str, Any]]:
    """Every device with its role, bindings, status, chain head and refused-entry count."""
    refused = (
        select(t.ledger.c.device_id, func.count().label("refused"))
        .where(t.ledger.c.status == "refused")
        .group_by(t.ledger.c.device_id)
        .subquery()
    )
    with core.engine.connect() as conn:
        rows = conn.execute(
            select(
                t.devices.c.id,
                t.devices.c.role,
                t.devices.c.name,
                t.devices.c.status,
                t.devices.c.head_seq,
                t.devices.c.valid_until,
                t.devices.c.bindings,
                func.coalesce(refused.c.refused, 0).label("refused"),
            )
            .outerjoin(refused, refused.c.device_id == t.devices.c.id)
            .order_by(t.devices.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def head(core: ServerCore, device_id: str) -> Ack:
    with core.engine.connect() as conn:
        row = conn.execute(select(t.devices).where(t.devices.c.id == device_id)).mappings().first()
    if row is None:
        raise Refusal(p.UNKNOWN_DEVICE, status=404)
    return core.ack(
        device_id, row["head_seq"], row["head_hash"], row["head_seq"] + 1, status="head"
    )
