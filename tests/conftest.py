"""Shared test setup: Qt offscreen, the shared data folder, PostgreSQL databases per test, and
a check of the pragmas on every SQLite connection any test opens (device or server)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from tests.sqlite_pragmas import database_file, pragma_problems

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
QR_PHOTOS = SHARED / "data" / "qr-photos"


@pytest.fixture(scope="session")
def qr_photos() -> Path:
    if not QR_PHOTOS.is_dir():
        pytest.fail(f"the shared QR photos are missing at {QR_PHOTOS}")
    return QR_PHOTOS


def postgres_url() -> str | None:
    return os.environ.get("KIOSK_TEST_POSTGRES_URL") or None


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    base = postgres_url()
    if base is None:
        pytest.skip("KIOSK_TEST_POSTGRES_URL is not set")
    from bench.common import scratch_postgres

    with scratch_postgres(base, "kiosk_t") as url:
        yield url


# -- SQLite pragmas on every connection -------------------------------------------------------

_bad_sqlite: list[str] = []
_bad_sqlite_lock = threading.Lock()


@event.listens_for(Pool, "checkout")
def _check_sqlite_pragmas(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """Every pool of every engine, whichever thread (the live server's too): each new SQLite
    connection is checked once, at its first checkout, and a bad one is noted for the test
    running at the time."""
    if not isinstance(dbapi_conn, sqlite3.Connection) or record.info.get("pragmas_checked"):
        return
    record.info["pragmas_checked"] = True
    problems = pragma_problems(dbapi_conn)
    if problems:
        with _bad_sqlite_lock:
            _bad_sqlite.append(f"{database_file(dbapi_conn) or '(memory)'}: {problems}")


@pytest.fixture(autouse=True)
def _sqlite_pragmas_on_every_connection() -> Iterator[None]:
    yield
    with _bad_sqlite_lock:
        bad = list(_bad_sqlite)
        _bad_sqlite.clear()
    if bad:
        pytest.fail(
            "SQLite connections opened without kiosk.sql's pragmas (WAL, synchronous=FULL, "
            "foreign keys):\n  " + "\n  ".join(bad)
        )
