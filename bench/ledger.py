"""`python -m bench ledger`: durable ledger writes and counter payments against bare SQLite
commits, and the one balance function on a device whose ledger holds a million entries.

Writes are measured in interleaved rounds: one bare commit, one counter payment, one ledger
write, back to back, each timed on its own, so all three meet the shared disk in the same
moment; medians are compared (throughput over blocks of 100 rounds is printed beside them).

- spend_ratio: a full counter payment through the pay op's write path
  (kiosk.ops.counter.CounterOps.pay_now, what the writer thread runs: the card and its PIN
  state, the role, resident and shop, the offline policy on the snapshot with the spendable
  balance, flags and the day's and the device's sums, the signed entry with both balances
  and the chain head, the event to the listeners, the result with what remains) on an
  enrolled counter with a snapshot whose server acknowledges every SYNC_EVERY payments,
  over one bare durable commit.
- ratio: a bare ledger write (LedgerStore.adjust: signature, chain, both balances, head)
  over one bare durable commit.
- the bare commit: sqlite3 `BEGIN IMMEDIATE; INSERT; COMMIT` of a row of a payment's size,
  the ledger's pragmas (WAL, synchronous=FULL), same disk, same run.
- balance_lookup_ms_at_1m: kiosk.db.sync_queries.spendable_balance (the balance every screen
  shows and the policy enforces), with its read transaction, on a device holding a million
  signed entries and a snapshot whose self_acked_seq leaves the newest 1,000 of them to be
  added; checked against the plain definition (snapshot + own movements since) first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import emit, median
from kiosk.core import accounts as acc
from kiosk.core.canonical import canonical_json
from kiosk.core.entries import GENESIS_HASH, Kind, make_entry
from kiosk.core.limit_names import policy_limits
from kiosk.db import ops_queries as oq
from kiosk.db import registry as reg
from kiosk.db import sync_queries as q
from kiosk.db.engine import DB_FILENAME, SQLITE_PRAGMAS
from kiosk.db.ledger_store import HotSql, LedgerStore, entry_row
from kiosk.db.ops_queries import read_only
from kiosk.device import open_device
from kiosk.ops.device import Device, DeviceOptions, build_device

MERCHANT = "m1"
FUNDS = 10**8  # per wallet, in the counter's snapshot
SYNC_EVERY = 100  # payments between two acks from the server
# Residents with a card at the bench counter: with rounds x writes payments (9,000 by
# default) each pays about twice in the day, as at a real shop.
COUNTER_RESIDENTS = 5_000
LIMITS = {  # wire names, as a certificate carries them; generous, so no bench spend is refused
    "per_tx_cap": 2_500,
    "offline_daily_cap_per_resident": 10**9,
    "offline_exposure_cap": 10**9,
    "snapshot_max_age_s": 7 * 86_400,
}


def seed(store: LedgerStore, residents: int) -> None:
    with store.transaction() as conn:
        reg.ensure_municipality_accounts(conn)
        reg.add_neighbourhood(conn, "nb", "Grasbroek")
        reg.add_merchant(conn, MERCHANT, "Bakker", "nb")
        for i in range(residents):
            reg.add_resident(conn, f"r{i}", f"Bewoner {i}", "nb", created_at=0)
    # Fund the wallets in one go (admin adjustments), so spends have something to spend.
    for i in range(min(residents, 50)):
        store.adjust(acc.ISSUANCE, acc.wallet(f"r{i}"), 10**9, reason="bench", staff_id="b")


def card(i: int) -> str:
    return f"C{i:05d}"


def snapshot_data(
    version: int, balances: dict[str, int], self_acked_seq: int, now: int
) -> q.SnapshotData:
    return q.SnapshotData(
        version=version,
        ledger_position=version,
        self_acked_seq=self_acked_seq,
        server_time=now,
        expires_at=now + 86_400_000,
        limits=policy_limits(LIMITS),
        balances=balances,
    )


def enrolled_counter(data_dir: Path, residents: int) -> tuple[Device, list[str]]:
    """A merchant counter as enrolment and a first sync leave it: the certificate (role,
    merchant, limits) on its devices row, the server pinned, cards and a snapshot applied. Set
    up through the device's own database functions, without a server (not measured)."""
    handle = open_device(data_dir)
    now = int(time.time() * 1000)
    with handle.store.transaction() as conn:
        reg.ensure_municipality_accounts(conn)
        reg.add_neighbourhood(conn, "nb", "Grasbroek")
        reg.add_merchant(conn, MERCHANT, "Bakker", "nb")
        for i in range(residents):
            reg.add_resident(conn, f"r{i}", f"Bewoner {i}", "nb", created_at=0)
            reg.add_card(conn, card(i), "resident", "", dt.date(2026, 1, 1), resident_id=f"r{i}")
        cert = {
            "role": "merchant-counter",
            "name": "bench counter",
            "bindings": {"merchant_id": MERCHANT, "neighbourhoods": []},
            "valid_until": now + 365 * 86_400_000,
            "limits": LIMITS,
        }
        q.store_enrolment(
            conn,
            handle.store.device_id,
            url="http://127.0.0.1:9",
            server_public_key="00" * 32,
            role="merchant-counter",
            name="bench counter",
            certificate_json=canonical_json(cert).decode(),
            now_ms=now,
        )
        wallets = {acc.wallet(f"r{i}"): FUNDS for i in range(residents)}
        q.apply_snapshot(conn, snapshot_data(1, wallets, 0, now), now)
    handle.close()
    device = build_device(
        data_dir, lambda fn: fn(), DeviceOptions(sync=False, readers=1), start=False
    )
    assert device.counter is not None and device.role == "merchant-counter"
    return device, [card(i) for i in range(residents)]


def acknowledge(device: Device) -> None:
    """What a sync round records after the server's ack: everything so far is on the server."""
    seq, head = device.store.head()
    with device.store.engine.begin() as conn:
        q.mark_synced(conn, device.device_id, seq, head, int(time.time() * 1000))


class Baseline:
    """Bare sqlite3 `BEGIN IMMEDIATE; INSERT; COMMIT` of a row of a payment's size, with the
    ledger's pragmas (WAL, synchronous=FULL), on the same disk."""

    def __init__(self, path: Path, row: dict[str, object]) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            self.db.execute(pragma)
        self.db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
        self.body = "|".join(str(v) for v in row.values())

    def commit(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO t (body) VALUES (?)", (self.body,))
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def measure_writes(
    baseline: Baseline, counter: Device, cards: list[str], plain: LedgerStore, n: int
) -> dict[str, list[float]]:
    """n rounds of one bare commit, one counter payment (the pay op's write path) and one
    bare ledger write, back to back, each timed on its own (microseconds): the three see the
    same disk at the same moment, which this shared machine's disk needs. The server
    acknowledges every SYNC_EVERY payments (untimed: the sync thread's work)."""
    ops = counter.counter
    assert ops is not None
    times: dict[str, list[float]] = {"baseline": [], "pay": [], "ledger": []}
    clock = time.perf_counter
    for i in range(n):
        t0 = clock()
        baseline.commit()
        t1 = clock()
        ops.pay_now(cards[i % len(cards)], 1)
        t2 = clock()
        plain.adjust(acc.ISSUANCE, acc.wallet(f"r{i % 50}"), 1, reason="bench", staff_id="b")
        t3 = clock()
        times["baseline"].append((t1 - t0) * 1e6)
        times["pay"].append((t2 - t1) * 1e6)
        times["ledger"].append((t3 - t2) * 1e6)
        if i % SYNC_EVERY == SYNC_EVERY - 1:
            acknowledge(counter)
    return times


def block_ratio(base: list[float], measured: list[float], block: int) -> float:
    """Median over blocks of `block` consecutive rounds of sum(measured) / sum(base): the
    throughput view (waits and checkpoints included), against the same moments' baseline."""
    ratios = [
        sum(measured[i : i + block]) / sum(base[i : i + block])
        for i in range(0, len(base) - block + 1, block)
    ]
    return median(ratios)


def fill_million(data_dir: Path, total: int, accounts: int) -> tuple[LedgerStore, list[str]]:
    """A ledger of `total` real signed, chained entries. Setup, not measured: bulk-inserted
    50,000 per transaction through sqlite3's executemany."""
    device = open_device(data_dir)
    store = device.store
    with store.transaction() as conn:
        reg.ensure_municipality_accounts(conn)
        reg.add_neighbourhood(conn, "nb", "Grasbroek")
        for i in range(accounts):
            reg.add_resident(conn, f"r{i}", f"Bewoner {i}", "nb", created_at=0)
    wallets = [acc.wallet(f"r{i}") for i in range(accounts)]
    rng = random.Random(1)
    seq, prev = 0, GENESIS_HASH
    balances = dict.fromkeys(wallets, 0)
    balances[acc.ISSUANCE] = 0
    db = sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    while seq < total:
        rows = []
        for _ in range(min(50_000, total - seq)):
            seq += 1
            wallet, amount = rng.choice(wallets), rng.randint(1, 1000)
            entry = make_entry(
                store.key,
                store.device_id,
                seq,
                prev,
                Kind.ADJUST,
                debit=acc.ISSUANCE,
                credit=wallet,
                amount=amount,
                refs={"reason": "bench", "staff": "b"},
                wall_time=1_767_225_600_000 + seq,
            )
            prev = entry.entry_hash
            balances[wallet] += amount
            balances[acc.ISSUANCE] -= amount
            rows.append(entry_row(entry, None, None))
        db.execute("BEGIN IMMEDIATE")
        db.executemany(HotSql.insert_entry, rows)
        db.execute(
            "UPDATE chain_heads SET last_seq = ?, head_hash = ? WHERE device_id = ?",
            (seq, prev, store.device_id),
        )
        db.execute("COMMIT")
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "UPDATE balances SET balance = ? WHERE account_id = ?",
        [(v, k) for k, v in balances.items()],
    )
    db.execute("COMMIT")
    db.close()
    return store, wallets


def give_snapshot(store: LedgerStore, wallets: list[str], not_yet: int) -> None:
    """A snapshot as the server would send it: the server's balance of every wallet, holding
    this device's entries up to all but the newest `not_yet` (a device in mid-day)."""
    seq, _ = store.head()
    acked = max(seq - not_yet, 0)
    rng = random.Random(3)
    now = int(time.time() * 1000)
    with store.transaction() as conn:
        q.apply_snapshot(
            conn, snapshot_data(1, {w: rng.randint(0, 10**6) for w in wallets}, acked, now), now
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ledger")
    parser.add_argument("--writes", type=int, default=6000, help="rounds of the three writes")
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the big ledger")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--not-yet", type=int, default=1000, help="entries after the snapshot")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="heitje-bench-") as tmp:
        root = Path(tmp)
        plain = open_device(root / "device")
        seed(plain.store, 200)
        counter, cards = enrolled_counter(root / "counter", COUNTER_RESIDENTS)
        sample = entry_row(plain.store.spend("r0", MERCHANT, 1), None, None)
        baseline = Baseline(root / "baseline.sqlite3", sample)
        measure_writes(baseline, counter, cards, plain.store, 200)  # warm: caches, files
        times = measure_writes(baseline, counter, cards, plain.store, args.writes)
        baseline.close()
        counter.close()
        plain.close()

        started = time.perf_counter()
        store, wallets = fill_million(root / "big", args.entries, 10_000)
        give_snapshot(store, wallets, args.not_yet)
        fill_s = time.perf_counter() - started
        rng = random.Random(2)
        with read_only(store.engine) as conn:
            snap = q.current_snapshot(conn)
            assert snap is not None
            for account in rng.sample(wallets, 20):
                expected = (q.snapshot_balance(conn, account) or 0) + q.own_movements_since(
                    conn, store.device_id, account, snap.self_acked_seq
                )
                assert q.spendable_balance(conn, store.device_id, account) == expected
        lookups = []
        for _ in range(args.lookups):
            account = rng.choice(wallets)
            t0 = time.perf_counter()
            with read_only(store.engine) as conn:
                q.spendable_balance(conn, store.device_id, account)
            lookups.append((time.perf_counter() - t0) * 1000)
        history = []
        for _ in range(200):
            account = rng.choice(wallets)
            t0 = time.perf_counter()
            with read_only(store.engine) as conn:
                oq.account_history(conn, account, 20)  # the resident screen's lines
            history.append((time.perf_counter() - t0) * 1000)
        db_mb = (root / "big" / DB_FILENAME).stat().st_size / 1e6
        store.close()
        store.engine.dispose()

    base, pay, ledger = (median(times[k]) for k in ("baseline", "pay", "ledger"))
    emit(
        {
            "benchmark": "ledger",
            "method": "interleaved: one bare commit, one payment, one ledger write per round",
            "rounds": args.writes,
            "baseline_commit_us_median": round(base, 1),
            "baseline_commits_per_s": round(1e6 / base, 1),
            "spend_us_median": round(pay, 1),
            "spend_entries_per_s": round(1e6 / pay, 1),
            "spend_ratio": round(pay / base, 3),
            "spend_ratio_target": 1.5,
            "spend_ratio_blocks_of_100": round(
                block_ratio(times["baseline"], times["pay"], 100), 3
            ),
            "ledger_write_us_median": round(ledger, 1),
            "ledger_entries_per_s": round(1e6 / ledger, 1),
            "ratio": round(ledger / base, 3),
            "ratio_target": 2.0,
            "spend_us_p95": round(sorted(times["pay"])[int(len(times["pay"]) * 0.95)], 1),
            "entries_in_big_ledger": args.entries,
            "entries_after_snapshot": args.not_yet,
            "balance_lookup_ms_at_1m": round(median(lookups), 4),
            "balance_lookup_p95_ms_at_1m": round(sorted(lookups)[int(len(lookups) * 0.95)], 4),
            "balance_lookup_target_ms": 1.0,
            "history_20_ms_at_1m": round(median(history), 3),
            "big_ledger_fill_s": round(fill_s, 1),
            "big_ledger_mb": round(db_mb, 1),
        }
    )
    return 0
