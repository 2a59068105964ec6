"""Shared test setup: Qt offscreen, the shared data folder, PostgreSQL databases per test."""

from __future__ import annotations

import os
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
    from bench.common import scratch_postgres

    with scratch_postgres(base, "kiosk_t") as url:
        yield url
