"""Shared bits of the benchmarks: medians, temporary folders, printing one JSON object."""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Sequence
from typing import Any


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "system": platform.system(),
    }


def emit(result: dict[str, Any]) -> None:
    print(json.dumps({**result, "machine": machine()}, sort_keys=True))
