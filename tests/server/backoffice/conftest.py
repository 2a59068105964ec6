"""Fixtures of the back-office tests (helpers in kit.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.server.backoffice import passwords
from tests.server.backoffice.kit import Office
from tests.server.conftest import LiveServer


@pytest.fixture
def office(live: LiveServer) -> Iterator[Office]:
    o = Office(live)
    try:
        yield o
    finally:
        o.close()


@pytest.fixture
def verify_calls() -> Iterator[list[int]]:
    """Counts every password check the server makes (passwords.VERIFY_HOOKS)."""
    calls: list[int] = []

    def hook() -> None:
        calls.append(1)

    passwords.VERIFY_HOOKS.append(hook)
    try:
        yield calls
    finally:
        passwords.VERIFY_HOOKS.remove(hook)
