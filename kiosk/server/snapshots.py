"""Signed snapshots, private to enrolled devices (DESIGN.md §5, *Snapshots are private*).

A device asks with a signature over (device id, since, its time, a fresh nonce): no
signature, a bad or stale one, a replayed nonce or a device that is not active is refused.
Each role gets only what it needs (AVG/GDPR data minimisation):

* merchant-counter: every resident without name or neighbourhood (id, status, flag); resident
  cards (with "PIN needed"); wallet balances and its own till; no chores or klusboxes.
* resident-kiosk: the residents of its neighbourhood with a display name, their cards and
  wallet balances; the chores and klusboxes of its neighbourhood.
* klusbox-desk: the residents of its neighbourhood with a display name, their cards and the
  staff cards; no balances; the chores and klusboxes of its neighbourhood.
* inspector: the residents of its neighbourhoods with a display name, the staff cards; no
  balances; the chores of its neighbourhoods.

Nobody gets other shops' tills or the list of approved claims. Merchants (shop names) and
the revocation lists go to every role.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nacl.exceptions import BadSignatureError
from sqlalchemy import Connection, String, delete, func, insert, literal, select, true, update
from sqlalchemy.exc import IntegrityError

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.crypto import VerifyKey
from kiosk.core.ids import is_ident
from kiosk.server import tables as t
from kiosk.server.context import DeviceView, ServerCore
from kiosk.server.errors import Refusal
from kiosk.sync import protocol as p
from kiosk.sync.protocol import (
    CardRow,
    ChoreRow,
    KlusboxRow,
    MerchantRow,
    ResidentRow,
    Snapshot,
)

_NAMED_ROLES = frozenset({roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK, roles.INSPECTOR})


def authenticate(core: ServerCore, headers: Mapping[str, str], since: int | None) -> DeviceView:
    """The active device that signed this snapshot request, or Refusal (401/403)."""
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
    message = p.snapshot_request_message(device_id, since, at, nonce)
    try:
        VerifyKey(bytes.fromhex(device.public_key)).verify(message, bytes.fromhex(signature))
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


def build(core: ServerCore, device: DeviceView, since: int | None = None) -> Snapshot:
    """The signed snapshot of `device`'s view: full, or what changed after `since`."""
    with core.engine.connect() as raw:
        conn = raw
        if raw.dialect.name == "postgresql":
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            version = int(conn.execute(select(t.server_state.c.version)).scalar_one())
            if since is not None and since > version:
                raise Refusal(p.SNAPSHOT_VERSION_UNKNOWN)
            floor = -1 if since is None else since
            position = conn.execute(select(func.coalesce(func.max(t.ledger.c.id), 0))).scalar_one()
            body = _view(conn, device, floor)
    now = core.now()
    snap = Snapshot(
        version=version,
        base_version=since,
        ledger_position=int(position),
        server_time=now,
        expires_at=now + core.settings.get("snapshot", "ttl_s") * 1000,
        limits=device.limits,
        role=device.role,  # type: ignore[arg-type]  # a device role, checked at enrolment
        **body,
    )
    return p.sign_snapshot(core.key, snap)


def _view(conn: Connection, device: DeviceView, floor: int) -> dict[str, Any]:
    role = device.role
    areas = sorted(device.bindings.neighbourhoods)
    R, C, B = t.residents.c, t.cards.c, t.balances.c
    named = role in _NAMED_ROLES
    # Which residents and cards this role may know of at all: the same filters serve the
    # rows and the (always whole) revocation lists.
    resident_scope = R.neighbourhood_id.in_(areas) if named else true()
    area_residents = select(R.id).where(R.neighbourhood_id.in_(areas))
    if role == roles.MERCHANT_COUNTER:
        card_scope = C.kind == "resident"
    elif role == roles.RESIDENT_KIOSK:
        card_scope = (C.kind == "resident") & C.resident_id.in_(area_residents)
    elif role == roles.KLUSBOX_DESK:
        card_scope = (C.kind == "staff") | (
            (C.kind == "resident") & C.resident_id.in_(area_residents)
        )
    else:
        card_scope = C.kind == "staff"
    residents_q = select(t.residents).where(R.version > floor, resident_scope).order_by(R.id)
    residents = [
        ResidentRow(
            id=r["id"],
            name=r["name"] if named else "",
            neighbourhood_id=r["neighbourhood_id"] if named else None,
            status=r["status"],
            flagged=bool(r["flagged"]),
        )
        for r in conn.execute(residents_q).mappings()
    ]
    cards_q = select(t.cards).where(C.version > floor, card_scope).order_by(C.serial)
    cards = [
        CardRow(
            serial=r["serial"],
            kind=r["kind"],
            resident_id=r["resident_id"],
            status=r["status"],
            pin_needed=r["pin_hash"] is not None,
        )
        for r in conn.execute(cards_q).mappings()
    ]
    balances: dict[str, int] = {}
    if role in (roles.MERCHANT_COUNTER, roles.RESIDENT_KIOSK):
        balances_q = select(B.account, B.balance).where(B.version > floor).order_by(B.account)
        wallets = B.account.like(acc.WALLET_PREFIX + "%")
        if role == roles.MERCHANT_COUNTER and device.bindings.merchant_id:
            balances_q = balances_q.where(
                wallets | (B.account == acc.till(device.bindings.merchant_id))
            )
        else:
            area_wallets = select(literal(acc.WALLET_PREFIX, String) + R.id).where(
                R.neighbourhood_id.in_(areas)
            )
            balances_q = balances_q.where(B.account.in_(area_wallets))
        balances = {a: int(b) for a, b in conn.execute(balances_q)}
    merchants = [
        MerchantRow(
            id=r["id"], name=r["name"], neighbourhood_id=r["neighbourhood_id"], status=r["status"]
        )
        for r in conn.execute(
            select(t.merchants).where(t.merchants.c.version > floor).order_by(t.merchants.c.id)
        ).mappings()
    ]
    chores: list[ChoreRow] = []
    klusboxes: list[KlusboxRow] = []
    if named:
        chores = [
            ChoreRow(
                id=r["id"],
                title=r["title"],
                neighbourhood_id=r["neighbourhood_id"],
                reward=r["reward"],
                capacity=r["capacity"],
                starts_at=r["starts_at"],
                ends_at=r["ends_at"],
                klusbox_kind=r["klusbox_kind"],
            )
            for r in conn.execute(
                select(t.chores)
                .where(t.chores.c.version > floor, t.chores.c.neighbourhood_id.in_(areas))
                .order_by(t.chores.c.id)
            ).mappings()
        ]
    if role in (roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK):
        klusboxes = [
            KlusboxRow(
                id=r["id"], kind=r["kind"], name=r["name"], neighbourhood_id=r["neighbourhood_id"]
            )
            for r in conn.execute(
                select(t.klusboxes)
                .where(t.klusboxes.c.version > floor, t.klusboxes.c.neighbourhood_id.in_(areas))
                .order_by(t.klusboxes.c.id)
            ).mappings()
        ]
    # Revocation lists are always whole (small; a device simply replaces them), within the
    # role's scope: a kiosk need not know who is blocked in another neighbourhood.
    revoked_cards = list(
        conn.execute(
            select(C.serial).where(C.status == "revoked", card_scope).order_by(C.serial)
        ).scalars()
    )
    revoked_residents = list(
        conn.execute(
            select(R.id).where(R.status != "active", resident_scope).order_by(R.id)
        ).scalars()
    )
    revoked_devices = list(
        conn.execute(
            select(t.devices.c.id).where(t.devices.c.status != "active").order_by(t.devices.c.id)
        ).scalars()
    )
    return {
        "residents": residents,
        "cards": cards,
        "balances": balances,
        "merchants": merchants,
        "chores": chores,
        "klusboxes": klusboxes,
        "revoked_cards": revoked_cards,
        "revoked_residents": revoked_residents,
        "revoked_devices": revoked_devices,
    }
