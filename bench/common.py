"""Shared bits of the benchmarks: medians, temporary folders, printing one JSON object."""

from __future__ import annotations

import json
import os
import platform
import statistics
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


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


@contextmanager
def scratch_postgres(base_url: str, prefix: str = "kiosk_tmp") -> Iterator[str]:
    """A new, empty PostgreSQL database next to `base_url`'s, dropped afterwards.

    Used by the benchmarks and by the tests (tests/conftest.py).
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
