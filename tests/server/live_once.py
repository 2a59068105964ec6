"""One live server for many tests (a module or one Hypothesis run), on SQLite or PostgreSQL.

tests/server/conftest.py's `live` starts a server per test; the role matrix, the snapshot
access tests and the trust state machine share one per database instead, and keep their
examples apart by fresh ids and fresh device keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from bench.common import scratch_postgres
from kiosk.core.clock import FixedClock
from kiosk.server.config import Settings
from kiosk.server.service import Server
from tests.conftest import postgres_url
from tests.server.conftest import NOW, LiveServer

DATABASES = ["sqlite", "postgres"]


@contextmanager
def live_server(database: str, folder: Path) -> Iterator[LiveServer]:
    """A started LiveServer on a new, empty database (`database`: sqlite | postgres)."""
    with ExitStack() as stack:
        if database == "sqlite":
            url = f"sqlite+pysqlite:///{folder / 'server.sqlite3'}"
        else:
            base = postgres_url()
            if base is None:
                pytest.skip("KIOSK_TEST_POSTGRES_URL is not set")
            url = stack.enter_context(scratch_postgres(base, "kiosk_lo"))
        clock = FixedClock(NOW)
        server = Server(Settings(data_dir=folder / "data", database_url=url, clock=clock))
        stack.callback(server.close)
        live = LiveServer(server, clock)
        stack.callback(live.stop)
        yield live
