"""The offline limits under their two sets of names, translated in this one place.

On the wire (kiosk.sync.protocol.Limits: the device certificate, the snapshot, the server's
config) the limits have the names and units an admin reads; the offline policy
(kiosk.core.offline_policy.OfflineLimits) has its own. Core owns the table because both the
device's database layer and the wire protocol need it, and neither may import the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

__all__ = ["WIRE_TO_POLICY", "policy_limits"]

# wire name -> (OfflineLimits field, factor from the wire's unit to the policy's)
WIRE_TO_POLICY: Final[Mapping[str, tuple[str, int]]] = MappingProxyType(
    {
        "per_tx_cap": ("per_tx_cap", 1),
        "offline_daily_cap_per_resident": ("resident_daily_cap", 1),
        "offline_exposure_cap": ("device_exposure_cap", 1),
        "snapshot_max_age_s": ("snapshot_max_age_ms", 1000),  # seconds on the wire
    }
)


def policy_limits(limits: Mapping[str, Any]) -> dict[str, Any]:
    """Limits under OfflineLimits' names, whether they came in wire or policy names.

    A value that is not an int is passed through unconverted, for OfflineLimits to refuse."""
    out: dict[str, Any] = {}
    for name, value in limits.items():
        if name in WIRE_TO_POLICY:
            target, factor = WIRE_TO_POLICY[name]
            ok = isinstance(value, int) and not isinstance(value, bool)
            out[target] = value * factor if ok else value
        else:
            out[name] = value
    return out
