"""Identifiers: time-ordered random UUIDs (version 7 layout, RFC 9562).

Random enough to be unique across offline devices, and time-ordered so that new rows land
at the end of the unique index instead of on a random page (fewer pages per commit).
"""

from __future__ import annotations

import os
import re
import time
import uuid


def new_uuid(now_ms: int | None = None) -> str:
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | rand & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


# One pattern for every identifier (ids, accounts, card serials, id-valued refs): ASCII and
# bounded, the same on the device, at the server's door and in snapshots, so whatever is
# stored can always be sent again.
IDENT_PATTERN = r"^[A-Za-z0-9._:@-]+$"
IDENT_MAX = 80
_IDENT = re.compile(r"[A-Za-z0-9._:@-]{1,80}")
# Refs whose values are identifiers; the others ("reason", "note") are free text.
ID_REFS = frozenset(
    {
        "claim",
        "chore",
        "resident",
        "merchant",
        "card",
        "spend",
        "klusbox",
        "inspector",
        "staff",
        "loan",
    }
)


def is_ident(value: object) -> bool:
    return isinstance(value, str) and _IDENT.fullmatch(value) is not None
