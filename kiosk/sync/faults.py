"""Fault injection for crash tests: `KIOSK_FAULT=<point>` makes the process SIGKILL itself at
that exact point, so the tests crash the real program where it hurts most.

Points on the device: ``device_before_send`` (the batch is stored, nothing sent yet),
``device_after_ack`` (the server's ack arrived and verified, nothing recorded yet) and
``device_snapshot_uncommitted`` (a snapshot written, its transaction not yet committed). Unset in
production; checking it costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "KIOSK_FAULT"
DEVICE_BEFORE_SEND = "device_before_send"
DEVICE_AFTER_ACK = "device_after_ack"
DEVICE_SNAPSHOT_UNCOMMITTED = "device_snapshot_uncommitted"


def fault_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
