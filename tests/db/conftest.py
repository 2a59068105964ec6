"""Ledgers on real SQLite files (and real PostgreSQL where KIOSK_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.core.clock import FixedClock
from kiosk.core.crypto import SigningKey
from kiosk.db import registry as reg
from kiosk.db.engine import migrate, open_engine, sqlite_url
from kiosk.db.ledger_store import LedgerStore

RESIDENTS = ("r1", "r2", "r3")
MERCHANTS = ("m1", "m2")


def seed_small(store: LedgerStore, reward: int = 1000) -> None:
    """Two neighbourhood-agnostic shops, three residents, one chore with room for all."""
    with store.transaction() as conn:
        reg.ensure_municipality_accounts(conn)
        reg.add_neighbourhood(conn, "nb", "Grasbroek")
        for rid in RESIDENTS:
            reg.add_resident(conn, rid, f"Bewoner {rid}", "nb", created_at=0)
        for mid in MERCHANTS:
            reg.add_merchant(conn, mid, f"Winkel {mid}", "nb")
        reg.add_chore(
            conn, "ch", "Vegen", "nb", reward=reward, capacity=100, starts_at=0, ends_at=10**13
        )


def rewarded(store: LedgerStore, resident: str, chore: str = "ch") -> str:
    claim = store.sign_up(chore, resident)
    store.check_in(claim)
    store.check_out(claim)
    store.approve(claim, "insp")
    store.earn(claim)
    return claim


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "ledger.sqlite3")
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    eng = open_engine(url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def store(engine: Engine) -> Iterator[LedgerStore]:
    s = LedgerStore(engine, SigningKey.generate(), FixedClock())
    seed_small(s)
    yield s
    s.close()
