"""Offline spending against the real server (issue 4): double spending across five offline
counters (each bound to its own shop), snapshot attacks on the device, and skewed device
clocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock, SystemClock
from kiosk.core.entries import Kind
from kiosk.core.errors import HeitjeError
from kiosk.core.offline_policy import DAY_MS, OfflineSpendRefused
from kiosk.db import sync_queries as q
from kiosk.server import admin
from kiosk.sync import protocol as p
from kiosk.sync.client import SyncError

from .conftest import Books, DeviceDir, ServerProcess, counter_code, signed_snapshot

BALANCE = 5_000
COUNTERS = 5


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[list[DeviceDir]]:
    opened: list[DeviceDir] = []
    yield opened
    for dev in opened:
        dev.close()


def open_counter(
    books: Books,
    server: ServerProcess,
    base: Path,
    name: str,
    devices: list[DeviceDir],
    merchant: str = "m-1",
    **kw: object,
) -> DeviceDir:
    """A counter of `merchant`, enrolled with a code bound to that shop."""
    dev = DeviceDir(base / name, **kw)  # type: ignore[arg-type]
    devices.append(dev)
    dev.client.enrol(server.url, counter_code(books.server, name, merchant), name=name)
    return dev


def seed(books: Books, merchants: int) -> None:
    server = books.server
    admin.add_neighbourhood(server, "nb-1", "Oost")
    admin.add_resident(server, "r-1", "Anna", "nb-1", card_serial="C-0001")
    for i in range(1, merchants + 1):
        admin.add_merchant(server, f"m-{i}", f"Winkel {i}", "nb-1")
    admin.grant(server, "r-1", BALANCE, "welkomstbonus")


def test_five_offline_counters_double_spend_within_bounds(
    server_proc: ServerProcess, books: Books, tmp_path: Path, devices: list[DeviceDir]
) -> None:
    server_proc.start()
    seed(books, COUNTERS + 1)
    counters = [
        open_counter(books, server_proc, tmp_path, f"counter-{i}", devices, f"m-{i}")
        for i in range(1, COUNTERS + 1)
    ]
    for dev in counters:
        dev.client.sync_once()
    limits = books.server.limits()
    per_counter = min(BALANCE, limits.offline_daily_cap_per_resident)

    # Offline now: each counter sees the same snapshot balance and only its own spends.
    kept: list[str] = []
    for i, dev in enumerate(counters, start=1):
        spent = 0
        while spent < per_counter:
            amount = min(limits.per_tx_cap, per_counter - spent)
            kept.append(dev.store.spend("r-1", f"m-{i}", amount, card_serial="C-0001").tx_id)
            spent += amount
        with pytest.raises(OfflineSpendRefused) as exc:
            dev.store.spend("r-1", f"m-{i}", 100, card_serial="C-0001")
        assert exc.value.code in {"offline_insufficient_balance", "over_daily_cap"}

    # A sixth counter with tampered software writes a spend over the per-transaction cap,
    # past the offline policy (signed correctly: the server honours it and queues it).
    rogue = open_counter(books, server_proc, tmp_path, "rogue", devices, f"m-{COUNTERS + 1}")
    rogue.client.sync_once()
    over = limits.per_tx_cap + 500
    with rogue.store.transaction() as conn:
        bad = rogue.store._append(
            conn,
            Kind.SPEND,
            debit=acc.wallet("r-1"),
            credit=acc.till(f"m-{COUNTERS + 1}"),
            amount=over,
            refs={"merchant": f"m-{COUNTERS + 1}", "resident": "r-1", "card": "C-0001"},
        )

    acked_reviews: set[tuple[str, int]] = set()
    for dev in [*counters, rogue]:
        up, _ = dev.client.sync_once()
        acked_reviews |= {(dev.device_id, seq) for seq in up.review_seqs}
        assert up.refused == ()  # signed spends are honoured, never refused

    # Every rule-keeping spend is honoured: on the server, paid into its shop's till.
    on_server = {tx for dev in counters for _, tx, _ in books.entries(dev.device_id)}
    assert set(kept) <= on_server
    for i in range(1, COUNTERS + 1):
        assert books.balance(f"till:m-{i}") == per_counter
    assert books.balance(f"till:m-{COUNTERS + 1}") == over
    # The overdraft is no more than the limits allow: (N - 1) counters' worth, plus the
    # rule-breaking spend. Held for review: that one for its cap, and the spends that took
    # the wallet further below zero than one resident's daily cap, summed over all counters.
    wallet = books.balance("wallet:r-1")
    assert wallet == BALANCE - COUNTERS * per_counter - over
    assert -(wallet + over) <= (COUNTERS - 1) * per_counter
    reviews = books.reviews()
    assert {(r["tx_id"], r["reason"]) for r in reviews if r["tx_id"] == bad.tx_id} == {
        (bad.tx_id, p.REVIEW_OVER_TX_CAP)
    }
    together = [r for r in reviews if r["tx_id"] != bad.tx_id]
    assert {r["reason"] for r in together} <= {p.REVIEW_OVER_RESIDENT_OVERDRAFT}
    assert {r["tx_id"] for r in together} <= set(kept)
    if (COUNTERS - 1) * per_counter > limits.offline_daily_cap_per_resident:
        assert together
    assert all(r["effect"] == "honoured" for r in reviews)
    # Each device heard from its acks which of its entries are in the review queue.
    assert acked_reviews == {(r["device_id"], int(r["seq"])) for r in reviews}
    assert sum(books.balances().values()) == 0

    # The card is flagged in the next snapshot, and every counter now refuses it.
    assert books.resident_flagged("r-1")
    snap = signed_snapshot(server_proc.url, counters[0])
    assert p.verify_snapshot(books.server.verify_key, snap)
    assert [r.flagged for r in snap.residents if r.id == "r-1"] == [True]
    for i, dev in enumerate(counters, start=1):
        dev.client.sync_once()  # the next snapshot (a delta for most counters)
        with pytest.raises(OfflineSpendRefused) as exc:
            dev.store.spend("r-1", f"m-{i}", 100, card_serial="C-0001")
        assert exc.value.code == "card_flagged"
        with dev.engine.connect() as conn:
            assert q.available_balance(conn, dev.device_id, "wallet:r-1") == wallet

    # Repaid by later rewards: the flag lifts in the next snapshot.
    admin.grant(books.server, "r-1", -wallet + 1_000, "beloning")
    for i, dev in enumerate(counters, start=1):
        dev.client.sync_once()
        # the flag is gone; these counters' own daily cap for this card still holds today
        with pytest.raises(OfflineSpendRefused) as exc:
            dev.store.spend("r-1", f"m-{i}", 500, card_serial="C-0001")
        assert exc.value.code == "over_daily_cap"
    rogue.client.sync_once()
    rogue.store.spend("r-1", f"m-{COUNTERS + 1}", 500, card_serial="C-0001")


def _state(dev: DeviceDir) -> dict[str, list[tuple[object, ...]]]:
    tables = ("sync_snapshot", "sync_snapshot_balances", "sync_flags", "residents", "cards")
    with dev.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
            for t in tables
        }


def test_device_refuses_an_older_and_a_forged_snapshot(
    server_proc: ServerProcess, books: Books, tmp_path: Path, devices: list[DeviceDir]
) -> None:
    server_proc.start()
    seed(books, 1)
    dev = open_counter(books, server_proc, tmp_path, "counter", devices)
    dev.client.sync_once()
    old = signed_snapshot(server_proc.url, dev)
    admin.add_resident(books.server, "r-2", "Bram", "nb-1", card_serial="C-0002")
    dev.client.sync_once()
    before = _state(dev)
    with dev.engine.connect() as conn:
        assert q.current_snapshot(conn).version > old.version  # type: ignore[union-attr]

    with pytest.raises(SyncError) as exc:
        dev.client.apply_snapshot(old)  # a replayed older snapshot, genuinely signed
    assert exc.value.code == p.STALE_SNAPSHOT
    fresh = signed_snapshot(server_proc.url, dev)
    richer = fresh.model_copy(
        update={"version": fresh.version + 1, "balances": {**fresh.balances, "wallet:r-1": 10**9}}
    )
    with pytest.raises(SyncError) as exc:
        dev.client.apply_snapshot(richer)
    assert exc.value.code == p.BAD_SNAPSHOT_SIGNATURE
    assert _state(dev) == before
    with pytest.raises(OfflineSpendRefused):
        dev.store.spend("r-1", "m-1", BALANCE + 1)


@pytest.mark.parametrize("skew_ms", [DAY_MS, -365 * DAY_MS], ids=["a-day-ahead", "a-year-behind"])
def test_a_skewed_device_clock_gets_no_snapshot_and_takes_no_offline_spends(
    server_proc: ServerProcess,
    books: Books,
    tmp_path: Path,
    devices: list[DeviceDir],
    skew_ms: int,
) -> None:
    """A snapshot request is signed with the device's time, which the server takes only inside
    its window: a skewed counter gets no snapshot, hears why, and takes no spend; with its
    clock put right it syncs like any other. (A skew the window lets through meets the offline
    policy: tests/sync/test_device_snapshot.py.)"""
    server_proc.start()
    seed(books, 1)
    clock = FixedClock(SystemClock().now_ms() + skew_ms)
    dev = open_counter(books, server_proc, tmp_path, "skewed", devices, clock=clock)
    with pytest.raises(SyncError) as exc:
        dev.client.sync_once()
    assert exc.value.code == p.AUTH_STALE
    assert exc.value.nl and exc.value.en
    with dev.engine.connect() as conn:
        assert q.current_snapshot(conn) is None
    with pytest.raises(HeitjeError):
        dev.store.spend("r-1", "m-1", 100, card_serial="C-0001")
    assert books.entries(dev.device_id) == []
    assert books.balance("wallet:r-1") == BALANCE

    clock.ms = SystemClock().now_ms()
    dev.client.sync_once()
    dev.store.spend("r-1", "m-1", 100, card_serial="C-0001")
    up, _ = dev.client.sync_once()
    assert up.entries_marked == 1
    assert books.balance("wallet:r-1") == BALANCE - 100
