"""Enrolment codes and enrolment (DESIGN.md §5): the admin's code fixes role, name and
bindings; the device brings only its public key. A key keeps its role for life."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import insert, select, update

from kiosk.core import roles
from kiosk.core.crypto import VerifyKey, device_id_for
from kiosk.core.entries import GENESIS_HASH
from kiosk.server import tables as t
from kiosk.server.context import DAY_MS, ServerCore
from kiosk.server.errors import Refusal
from kiosk.sync import protocol as p
from kiosk.sync.protocol import Bindings, DeviceCertificate, EnrolRequest

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed


def code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


def _check_bindings_exist(core: ServerCore, bindings: roles.Bindings) -> None:
    with core.engine.connect() as conn:
        if bindings.merchant_id is not None:
            found = conn.execute(
                select(t.merchants.c.id).where(t.merchants.c.id == bindings.merchant_id)
            ).first()
            if found is None:
                raise ValueError(f"unknown merchant {bindings.merchant_id!r}")
        if bindings.neighbourhoods:
            known = set(
                conn.execute(
                    select(t.neighbourhoods.c.id).where(
                        t.neighbourhoods.c.id.in_(sorted(bindings.neighbourhoods))
                    )
                ).scalars()
            )
            missing = sorted(bindings.neighbourhoods - known)
            if missing:
                raise ValueError(f"unknown neighbourhood(s): {', '.join(missing)}")


def create_enrol_code(
    core: ServerCore, role: str, name: str, bindings: roles.Bindings | None = None
) -> str:
    """A one-time code that enrols one device as `role`, named `name`, bound to `bindings`.
    Raises ValueError when the bindings do not fit the role or name unknown things."""
    bindings = bindings or roles.Bindings()
    problem = roles.binding_problem(role, bindings)
    if problem:
        raise ValueError(problem)
    wire = Bindings(
        merchant_id=bindings.merchant_id, neighbourhoods=sorted(bindings.neighbourhoods)
    )
    DeviceCertificate.model_validate(  # the name and bindings must fit the certificate
        {
            "device_id": "x",
            "role": role,
            "public_key": "0" * 64,
            "limits": core.limits().model_dump(),
            "valid_until": 0,
            "issued_at": 0,
            "name": name,
            "bindings": wire.model_dump(),
        }
    )
    _check_bindings_exist(core, bindings)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    now = core.now()
    with core.write() as conn:
        core.bump(conn)
        conn.execute(
            insert(t.enrol_codes).values(
                code_hash=code_hash(code),
                role=role,
                name=name,
                created_at=now,
                expires_at=now + core.settings.get("enrolment", "code_ttl_s") * 1000,
                bindings=wire.model_dump_json(),
            )
        )
        core.audit(conn, "enrol_code", {"role": role, "name": name, **wire.model_dump()})
    return code


def enrol(core: ServerCore, req: EnrolRequest) -> DeviceCertificate:
    try:
        verify_key = VerifyKey(bytes.fromhex(req.public_key))
    except (ValueError, TypeError) as exc:
        raise Refusal(p.BAD_PUBLIC_KEY) from exc
    device_id = device_id_for(verify_key)
    if device_id == core.device_id:  # the municipality key is never a device's key
        raise Refusal(p.BAD_PUBLIC_KEY)
    now = core.now()
    with core.write() as conn:
        version = core.bump(conn)
        code = (
            conn.execute(
                select(t.enrol_codes).where(t.enrol_codes.c.code_hash == code_hash(req.code))
            )
            .mappings()
            .first()
        )
        if code is None:
            raise Refusal(p.ENROL_CODE_INVALID)
        if code["used_at"] is not None:
            raise Refusal(p.ENROL_CODE_USED)
        if now > code["expires_at"]:
            raise Refusal(p.ENROL_CODE_EXPIRED)
        existing = (
            conn.execute(select(t.devices).where(t.devices.c.id == device_id)).mappings().first()
        )
        if existing is not None and existing["status"] != "active":
            raise Refusal(
                p.DEVICE_REVOKED if existing["status"] == "revoked" else p.DEVICE_QUARANTINED
            )
        if existing is not None and existing["role"] != code["role"]:
            core.audit(
                conn,
                "role_change_refused",
                {"role": existing["role"], "asked": code["role"]},
                device_id=device_id,
            )
            raise Refusal(p.ROLE_CHANGE_REFUSED)
        bindings = Bindings.model_validate_json(code["bindings"])
        # The name and role are the admin's (from the code); the device's own name is ignored.
        cert = p.sign_certificate(
            core.key,
            DeviceCertificate(
                device_id=device_id,
                role=code["role"],
                public_key=req.public_key,
                limits=core.limits(),
                valid_until=now + core.settings.get("certificates", "valid_days") * DAY_MS,
                issued_at=now,
                name=code["name"],
                key_epoch=1,
                bindings=bindings,
            ),
        )
        values = {
            "role": cert.role,
            "name": cert.name,
            "certificate": cert.model_dump_json(),
            "issued_at": cert.issued_at,
            "valid_until": cert.valid_until,
            "version": version,
            "bindings": bindings.model_dump_json(),
        }
        if existing is None:
            conn.execute(
                insert(t.devices).values(
                    id=device_id,
                    public_key=req.public_key,
                    status="active",
                    key_epoch=1,
                    enrolled_at=now,
                    head_seq=0,
                    head_hash=GENESIS_HASH,
                    **values,
                )
            )
        else:
            conn.execute(update(t.devices).where(t.devices.c.id == device_id).values(**values))
        conn.execute(
            update(t.enrol_codes)
            .where(t.enrol_codes.c.code_hash == code["code_hash"])
            .values(used_at=now, device_id=device_id)
        )
        core.audit(
            conn,
            "enrol",
            {"role": cert.role, "name": cert.name, "again": existing is not None},
            device_id=device_id,
        )
    return cert
