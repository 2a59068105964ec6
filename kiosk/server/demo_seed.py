"""`python -m kiosk.server.demo_seed --data-dir D < spec.json`: fill a server's registry from a
JSON description, through the admin functions, and print what the devices need as JSON.

Used by the demo (kiosk/demo_system.py), which may not import the server itself: it describes
the demo's neighbourhoods, residents (with their card serials), shops, chores, klusboxes,
staff (with their cards and PINs), grants and the devices to enrol, and gets back the
municipality's public key,
each card's signed QR payload (signed with the server's key, so every enrolled device accepts
the printed cards) and one enrolment code per device.

The registry is filled only when it is empty (a second run on the same data folder leaves it
as it is); card payloads and enrolment codes are made on every run.

    spec = {"issued": "2026-12-01",
            "neighbourhoods": [["grasbroek", "Grasbroek"]],
            "residents": [{"id": "res-001", "name": "Annie", "neighbourhood": "grasbroek",
                           "card": "R..."}],
            "merchants": [["mer-bakker", "Bakkerij", "grasbroek"]],
            "chores": [{"id": ..., "title": ..., "neighbourhood": ..., "reward": 500,
                        "capacity": 4, "starts_at": ms, "ends_at": ms, "klusbox_kind": ...}],
            "klusboxes": [["K...", "sweeping", "Veegbox", "grasbroek", ["2 bezems"]]],
            "staff": [{"id": "staff-1", "name": "Inspecteur ...", "role": "inspector",
                       "pin": "1234", "card": "S..."}],
            "grants": [["res-001", 500, "Beloning: ..."]],
            "devices": [{"key": "kiosk-grasbroek", "role": "resident-kiosk", "name": "...",
                         "merchant": null, "neighbourhoods": ["grasbroek"]}]}
    -> {"public_key": hex, "seeded": bool, "cards": {serial: payload}, "codes": {key: code}}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kiosk.core.cards import CardKind, issue_card, serial_kind
from kiosk.core.roles import Bindings
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.config import Settings
from kiosk.server.service import Server


def registry_empty(server: Server) -> bool:
    with server.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.neighbourhoods)).scalar_one()
    return int(count) == 0


def fill_registry(server: Server, spec: dict[str, Any]) -> None:
    for nid, name in spec.get("neighbourhoods", []):
        admin.add_neighbourhood(server, nid, name)
    for r in spec.get("residents", []):
        admin.add_resident(server, r["id"], r["name"], r["neighbourhood"], card_serial=r["card"])
    for mid, name, nid in spec.get("merchants", []):
        admin.add_merchant(server, mid, name, nid)
    for c in spec.get("chores", []):
        admin.add_chore(
            server,
            c["id"],
            c["title"],
            c["neighbourhood"],
            reward=int(c["reward"]),
            capacity=int(c["capacity"]),
            starts_at=int(c["starts_at"]),
            ends_at=int(c["ends_at"]),
            klusbox_kind=c.get("klusbox_kind"),
        )
    for box_id, kind, name, nid, *parts in spec.get("klusboxes", []):
        admin.add_klusbox(server, box_id, kind, name, nid, tuple(parts[0] if parts else ()))
    for s in spec.get("staff", []):
        admin.add_staff(server, s["id"], s["name"], s["role"], pin=s.get("pin"))
        admin.add_staff_card(server, s["card"], s["name"], staff_id=s["id"])
    for resident, amount, reason in spec.get("grants", []):
        admin.grant(server, resident, int(amount), reason)


def card_payloads(server: Server, spec: dict[str, Any]) -> dict[str, str]:
    """The QR payload of every card in the spec, signed with the server's (municipality) key."""
    issued = dt.date.fromisoformat(spec["issued"])
    serials = [r["card"] for r in spec.get("residents", [])]
    serials += [s["card"] for s in spec.get("staff", [])]
    serials += [box[0] for box in spec.get("klusboxes", [])]  # a box's id is its label's
    out: dict[str, str] = {}
    for serial in serials:
        kind: CardKind = serial_kind(serial)
        out[serial] = issue_card(server.key, kind, serial, issued).payload
    return out


def enrol_codes(server: Server, spec: dict[str, Any]) -> dict[str, str]:
    codes: dict[str, str] = {}
    for d in spec.get("devices", []):
        bindings = Bindings(d.get("merchant"), frozenset(d.get("neighbourhoods") or ()))
        codes[d["key"]] = server.create_enrol_code(d["role"], d["name"], bindings)
    return codes


def seed(server: Server, spec: dict[str, Any]) -> dict[str, Any]:
    seeded = registry_empty(server)
    if seeded:
        fill_registry(server, spec)
    return {
        "public_key": server.public_key_hex,
        "seeded": seeded,
        "cards": card_payloads(server, spec),
        "codes": enrol_codes(server, spec),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.server.demo_seed", description=__doc__)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("spec", nargs="?", type=Path, help="the JSON spec (default: stdin)")
    args = ap.parse_args(argv)
    text = args.spec.read_text() if args.spec else sys.stdin.read()
    spec: dict[str, Any] = json.loads(text)
    server = Server(Settings(data_dir=args.data_dir, database_url=args.database_url))
    try:
        result = seed(server, spec)
    finally:
        server.close()
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
