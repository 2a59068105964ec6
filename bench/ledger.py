"""`python -m bench ledger`: durable ledger writes against bare SQLite commits, and balance
lookups in a ledger of one million entries.

- ledger_entries_per_s: entries through LedgerStore (Ed25519 signature, hash chain, both
  balances and the chain head), one entry per durable transaction; spend_entries_per_s: the
  counter's payment, the same write plus its look-ups (resident, shop, balance, offline policy).
- baseline_commits_per_s: bare sqlite3 `BEGIN IMMEDIATE; INSERT; COMMIT` of a row of the same
  size, same pragmas (WAL, synchronous=FULL), same disk, same run.
Both are measured in alternating rounds and the medians compared, since this machine is noisy.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import emit, median
from kiosk.core import accounts as acc
from kiosk.core.entries import GENESIS_HASH, Kind, make_entry
from kiosk.db import registry as reg
from kiosk.db.engine import DB_FILENAME, SQLITE_PRAGMAS
from kiosk.db.ledger_store import HotSql, LedgerStore, entry_row
from kiosk.device import open_device


def seed(store: LedgerStore, residents: int) -> None:
    with store.transaction() as conn:
        reg.ensure_municipality_accounts(conn)
        reg.add_neighbourhood(conn, "nb", "Grasbroek")
        reg.add_merchant(conn, "m1", "Bakker", "nb")
        for i in range(residents):
            reg.add_resident(conn, f"r{i}", f"Bewoner {i}", "nb", created_at=0)
    # Fund the wallets in one go (admin adjustments), so spends have something to spend.
    for i in range(min(residents, 50)):
        store.adjust(acc.ISSUANCE, acc.wallet(f"r{i}"), 10**9, reason="bench", staff_id="b")


def spend_round(store: LedgerStore, n: int) -> float:
    """Payments at the counter: every check of LedgerStore.spend, then the entry."""
    start = time.perf_counter()
    for i in range(n):
        store.spend(f"r{i % 50}", "m1", 1)
    return n / (time.perf_counter() - start)


def adjust_round(store: LedgerStore, n: int) -> float:
    """The bare ledger write: a signed, chained entry moving money, no business look-ups."""
    start = time.perf_counter()
    for i in range(n):
        store.adjust(acc.ISSUANCE, acc.wallet(f"r{i % 50}"), 1, reason="bench", staff_id="b")
    return n / (time.perf_counter() - start)


def baseline_round(path: Path, row: dict[str, object], n: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        db.execute(pragma)
    db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    body = "|".join(str(v) for v in row.values())
    start = time.perf_counter()
    for _ in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (body) VALUES (?)", (body,))
        db.execute("COMMIT")
    rate = n / (time.perf_counter() - start)
    db.close()
    return rate


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


def per_round_ratio(baseline: list[float], measured: list[float]) -> float:
    """Median of baseline/measured per round (both measured back to back in each round)."""
    return median([b / m for b, m in zip(baseline, measured, strict=True)])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ledger")
    parser.add_argument("--writes", type=int, default=1500, help="entries per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the big ledger")
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="heitje-bench-") as tmp:
        root = Path(tmp)
        device = open_device(root / "device")
        seed(device.store, 200)
        sample = entry_row(device.store.spend("r0", "m1", 1), None, None)
        spend_rates, adjust_rates, baseline_rates = [], [], []
        for r in range(args.rounds):
            baseline_rates.append(
                baseline_round(root / f"baseline{r}.sqlite3", sample, args.writes)
            )
            spend_rates.append(spend_round(device.store, args.writes))
            adjust_rates.append(adjust_round(device.store, args.writes))
        device.close()

        started = time.perf_counter()
        store, wallets = fill_million(root / "big", args.entries, 10_000)
        fill_s = time.perf_counter() - started
        rng = random.Random(2)
        lookups = []
        for _ in range(args.lookups):
            account = rng.choice(wallets)
            t0 = time.perf_counter()
            store.balance(account)
            lookups.append((time.perf_counter() - t0) * 1000)
        history = []
        for _ in range(200):
            account = rng.choice(wallets)
            t0 = time.perf_counter()
            store.history(account, 20)
            history.append((time.perf_counter() - t0) * 1000)
        db_mb = (root / "big" / DB_FILENAME).stat().st_size / 1e6
        store.close()
        store.engine.dispose()

    spend, baseline, adjust = median(spend_rates), median(baseline_rates), median(adjust_rates)
    emit(
        {
            "benchmark": "ledger",
            "ledger_entries_per_s": round(adjust, 1),
            "baseline_commits_per_s": round(baseline, 1),
            # A slow spell of the shared disk hits both sides of one round's ratio.
            "ratio": round(per_round_ratio(baseline_rates, adjust_rates), 3),
            "ratio_target": 2.0,
            "spend_entries_per_s": round(spend, 1),
            "spend_ratio": round(per_round_ratio(baseline_rates, spend_rates), 3),
            "rounds": args.rounds,
            "writes_per_round": args.writes,
            "ledger_rounds": [round(x, 1) for x in adjust_rates],
            "spend_rounds": [round(x, 1) for x in spend_rates],
            "baseline_rounds": [round(x, 1) for x in baseline_rates],
            "entries_in_big_ledger": args.entries,
            "balance_lookup_ms_at_1m": round(median(lookups), 4),
            "balance_lookup_target_ms": 1.0,
            "history_20_ms_at_1m": round(median(history), 3),
            "big_ledger_fill_s": round(fill_s, 1),
            "big_ledger_mb": round(db_mb, 1),
        }
    )
    return 0
