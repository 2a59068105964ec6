"""Identifiers: time-ordered random UUIDs (version 7 layout, RFC 9562).

Random enough to be unique across offline devices, and time-ordered so that new rows land
at the end of the unique index instead of on a random page (fewer pages per commit).
"""

from __future__ import annotations

import os
import time
import uuid


def new_uuid(now_ms: int | None = None) -> str:
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | rand & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))
