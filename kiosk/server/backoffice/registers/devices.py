"""Devices: one-time enrolment codes with the role and bindings the admin chooses, the list
of devices with what the server knows of each, and revocation.

The server cannot know how many entries a device still holds (it only learns of an entry
when it arrives); the list shows what it does know: the last sequence number it has (the
chain head), when the last batch came in, when the device was last seen (a batch or a
snapshot request), and how many of its entries were refused.

An enrolment code is made by kiosk.server.enrolment (which writes its own audit row as
the system); the audit row naming the admin follows in a second transaction. The code
itself is a secret: it is shown once, never stored (only its hash) and never logged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.constants
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage
from sqlalchemy import Connection, func, select, update

from kiosk.core import roles
from kiosk.server import enrolment
from kiosk.server import tables as t
from kiosk.server.backoffice.audit import Who, audit_change
from kiosk.server.backoffice.i18n import OfficeError
from kiosk.server.backoffice.registers.common import name_of
from kiosk.server.context import ServerCore
from kiosk.sync.protocol import Bindings

D = t.devices.c
ROLES = roles.DEVICE_ROLES
QR_PX = 240


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    role: str
    status: str
    bindings: roles.Bindings
    head_seq: int
    last_seen_at: int | None
    last_batch_at: int | None
    refused: int
    valid_until: int


def _bindings(stored: str) -> roles.Bindings:
    return Bindings.model_validate_json(stored or "{}").to_core()


def listing_select() -> Any:
    """The device list's select (no rows yet: listing.paginate pages it)."""
    # Every refused entry has its row in the (small) review queue: counted there, not by
    # reading the whole ledger (kiosk.server.devices.list_devices counts the ledger's).
    q = t.review_queue.c
    refused = (
        select(q.device_id, func.count().label("refused"))
        .where(q.effect == "refused")
        .group_by(q.device_id)
        .subquery()
    )
    last_batch = (
        select(t.batches.c.device_id, func.max(t.batches.c.received_at).label("last_batch_at"))
        .group_by(t.batches.c.device_id)
        .subquery()
    )
    return (
        select(
            D.id,
            D.name,
            D.role,
            D.status,
            D.bindings,
            D.head_seq,
            D.last_seen_at,
            D.valid_until,
            last_batch.c.last_batch_at,
            func.coalesce(refused.c.refused, 0).label("refused"),
        )
        .outerjoin(refused, refused.c.device_id == D.id)
        .outerjoin(last_batch, last_batch.c.device_id == D.id)
        .where(D.role != roles.SERVER)
    )


def device_of(row: Any) -> Device:
    return Device(
        id=row["id"],
        name=row["name"],
        role=row["role"],
        status=row["status"],
        bindings=_bindings(row["bindings"]),
        head_seq=int(row["head_seq"]),
        last_seen_at=row["last_seen_at"],
        last_batch_at=row["last_batch_at"],
        refused=int(row["refused"]),
        valid_until=int(row["valid_until"]),
    )


def chosen_bindings(role: str, merchant_id: str, neighbourhoods: list[str]) -> roles.Bindings:
    """The bindings a form chose for `role`, or a refusal that says what the role needs
    (the same rules as kiosk.core.roles.binding_problem, in words for the admin)."""
    areas = frozenset(n for n in neighbourhoods if n)
    if role == roles.MERCHANT_COUNTER:
        if not merchant_id:
            raise OfficeError("device_merchant_missing")
        return roles.Bindings(merchant_id=merchant_id)
    if role in (roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK):
        if len(areas) != 1:
            raise OfficeError("device_one_neighbourhood")
        return roles.Bindings(neighbourhoods=areas)
    if role == roles.INSPECTOR:
        if not areas:
            raise OfficeError("device_neighbourhoods_missing")
        return roles.Bindings(neighbourhoods=areas)
    raise OfficeError("device_role_invalid")


def _known(conn: Connection, bindings: roles.Bindings) -> None:
    if bindings.merchant_id is not None:
        found = conn.execute(
            select(t.merchants.c.id).where(t.merchants.c.id == bindings.merchant_id)
        ).first()
        if found is None:
            raise OfficeError("merchant_unknown")
    if bindings.neighbourhoods:
        known = set(
            conn.execute(
                select(t.neighbourhoods.c.id).where(
                    t.neighbourhoods.c.id.in_(sorted(bindings.neighbourhoods))
                )
            ).scalars()
        )
        if known != bindings.neighbourhoods:
            raise OfficeError("neighbourhood_unknown")


def create_code(
    server: ServerCore,
    who: Who,
    *,
    role: str,
    name: str,
    merchant_id: str,
    neighbourhoods: list[str],
) -> str:
    """A one-time enrolment code (shown once) for a device of `role`, named `name`."""
    if role not in ROLES:
        raise OfficeError("device_role_invalid")
    clean = name_of(name)
    bindings = chosen_bindings(role, merchant_id, neighbourhoods)
    with server.engine.connect() as conn:
        _known(conn, bindings)
    code = enrolment.create_enrol_code(server, role, clean, bindings)
    with server.write() as conn:
        audit_change(
            conn,
            who,
            "device.enrol_code",
            None,
            {
                "role": role,
                "name": clean,
                "merchant_id": bindings.merchant_id,
                "neighbourhoods": sorted(bindings.neighbourhoods),
            },
            subject=f"enrol_code:{role}",
        )
    return code


def revoke(server: ServerCore, who: Who, device_id: str, reason: str) -> None:
    """Revoke a device: its batches and snapshot requests are refused from now on, and it
    goes on every device's revocation list. Final: enrol a new key to replace it."""
    why = " ".join(reason.split())[:200]
    with server.write() as conn:
        version = server.bump(conn)
        row = conn.execute(
            select(D.id, D.name, D.role, D.status).where(D.id == device_id, D.role != roles.SERVER)
        ).first()
        if row is None:
            raise OfficeError("device_unknown")
        if row.status == "revoked":
            raise OfficeError("device_already_revoked")
        conn.execute(
            update(t.devices).where(D.id == device_id).values(status="revoked", version=version)
        )
        before = {"id": row.id, "name": row.name, "role": row.role, "status": row.status}
        audit_change(
            conn,
            who,
            "device.revoke",
            before,
            {**before, "status": "revoked", "reason": why},
            subject=f"device:{device_id}",
        )


def qr_svg(code: str, label: str) -> Markup:
    """The code as a QR, an inline SVG drawn by the server (no script, nothing fetched)."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=SvgPathFillImage,
    )
    qr.add_data(code)
    qr.make(fit=True)
    image = qr.make_image()
    svg = image.get_image()
    svg.set("width", str(QR_PX))
    svg.set("height", str(QR_PX))
    svg.set("role", "img")
    svg.set("aria-label", label)
    out = io.BytesIO()
    image.save(out)
    # the XML declaration is not wanted inside HTML
    text = out.getvalue().decode()
    return Markup(text[text.index("<svg") :])
