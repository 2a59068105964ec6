"""Shared test setup: Qt offscreen, the shared data folder, PostgreSQL databases per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"kiosk_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
