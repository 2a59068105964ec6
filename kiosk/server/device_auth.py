"""Requests a device signs with its own key (snapshots, its own chain): who, when, a nonce.

The signed message is the request's own (kiosk.sync.protocol: snapshot_request_message,
chain_request_message), so a signature for one kind of request is never good for another.
A nonce is accepted once within the freshness window (the request_nonces table), so a
recorded request cannot be replayed; every accepted request counts as the device being seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from kiosk.core import roles
from kiosk.core.ids import is_ident
from kiosk.server import tables as t
from kiosk.server.context import DeviceView, ServerCore
from kiosk.server.errors import Refusal
from kiosk.sync import protocol as p

__all__ = ["authenticate_request"]

# (device_id, at_ms, nonce) -> the bytes the device signed
MessageFor = Callable[[str, int, str], bytes]


def authenticate_request(
    core: ServerCore, headers: Mapping[str, str], message_for: MessageFor
) -> DeviceView:
    """The active device that signed this request, or Refusal (401/403)."""
    device_id = headers.get(p.AUTH_DEVICE_HEADER, "")
    at_text = headers.get(p.AUTH_TIME_HEADER, "")
    nonce = headers.get(p.AUTH_NONCE_HEADER, "")
    signature = headers.get(p.AUTH_SIGNATURE_HEADER, "")
    if not (device_id and at_text and nonce and signature):
        raise Refusal(p.AUTH_MISSING)
    if not is_ident(device_id) or not at_text.isdigit() or len(at_text) > 19:
        raise Refusal(p.AUTH_BAD_SIGNATURE, detail="malformed header")
    if len(nonce) != 32 or any(ch not in "0123456789abcdef" for ch in nonce):
        raise Refusal(p.AUTH_BAD_SIGNATURE, detail="malformed nonce")
    at = int(at_text)
    with core.engine.connect() as conn:
        device = core.device_view(conn, device_id)
    if device.role == roles.SERVER:
        raise Refusal(p.AUTH_BAD_SIGNATURE, detail="not a device")
    try:
        VerifyKey(bytes.fromhex(device.public_key)).verify(
            message_for(device_id, at, nonce), bytes.fromhex(signature)
        )
    except (BadSignatureError, ValueError) as exc:
        raise Refusal(p.AUTH_BAD_SIGNATURE) from exc
    window = core.settings.get("snapshot", "request_window_s") * 1000
    now = core.now()
    if abs(now - at) > window:
        raise Refusal(p.AUTH_STALE)
    try:
        with core.write() as conn:
            conn.execute(delete(t.request_nonces).where(t.request_nonces.c.expires_at < now))
            conn.execute(
                insert(t.request_nonces).values(
                    nonce=nonce, device_id=device_id, expires_at=at + window
                )
            )
            conn.execute(  # for the back office's device list
                update(t.devices).where(t.devices.c.id == device_id).values(last_seen_at=now)
            )
    except IntegrityError as exc:
        raise Refusal(p.AUTH_REPLAYED) from exc
    return device
