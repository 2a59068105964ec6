"""`python -m bench reports`: the participation report and a settlement for a city of 90,000
residents, 200 merchants and 2,000,000 ledger entries, on PostgreSQL.

The city is bulk-loaded with COPY straight into the server's tables (a fresh database,
migrated by the server itself): a year of chores (sign-up, check-in, check-out, approval,
reward), spends (six in ten at a shop of the resident's own neighbourhood), refunds, klusbox
loans and returns, and spends held in review, with the balances they leave. The entries are
not signed (nothing here checks signatures; the timings are about the queries).

Timed, on that database:

- report_s: ``kiosk.server.reports.participation`` for the twelve months (target <= 2 s),
  each time after a day of new entries (3,000), so each includes folding them into the
  rollups (``report_fold_s_runs``); the median of three runs, all three printed;
  report_first_s: the first report, which builds the rollups from the whole ledger;
- settlement_s: ``kiosk.server.settlement.prepare`` of the year by one user and ``approve`` by
  another (statements, settlement items, settle entries in the server's signed chain, the
  SEPA file checked against its schema; target <= 10 s);
- baseline_count_s: a bare ``SELECT count(*) FROM ledger`` in the same run, so the figures can
  be read against the machine's speed at that moment (median of three).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from schwifty import IBAN
from sqlalchemy import create_engine, text

from bench.common import emit, median, scratch_postgres
from kiosk.core.clock import FixedClock
from kiosk.server import reports, rollups, settlement
from kiosk.server.config import Settings
from kiosk.server.periods import date_start_ms
from kiosk.server.service import Server

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
YEAR = 2025
HOUR = 3_600_000
HOODS = 30
# What the 2,000,000 entries are made of (5 entries a rewarded claim).
SHARE = {"claims": 0.5, "spends": 0.45, "refunds": 0.015, "loans": 0.035}

SPEND, REFUND, SIGNUP, CHECK_IN, CHECK_OUT, APPROVAL, EARN, LOAN, RETURN = range(9)
KINDS = (
    "spend",
    "refund",
    "claim_signup",
    "check_in",
    "check_out",
    "approval",
    "earn",
    "loan",
    "return",
)


def copy_rows(dbapi: Any, table: str, cols: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with dbapi.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def month_bounds() -> list[tuple[int, int]]:
    out = []
    for m in range(1, 13):
        start = date_start_ms(dt.date(YEAR, m, 1))
        end = date_start_ms(dt.date(YEAR + (m == 12), m % 12 + 1, 1))
        out.append((start, end))
    return out


def build_events(
    entries: int, residents: int, merchants: int, rng: random.Random
) -> tuple[list[tuple[int, ...]], int]:
    """Events (wall_time, kind, resident, merchant, amount, ref) in time order; ref is the
    claim number, or for a refund the index of its spend in the list of spends."""
    months = month_bounds()
    day = 86_400_000
    claims = int(entries * SHARE["claims"]) // 5
    spends = int(entries * SHARE["spends"])
    refunds = int(entries * SHARE["refunds"])
    loans = int(entries * SHARE["loans"]) // 2
    spends += entries - (claims * 5 + spends + refunds + loans * 2)  # exactly `entries`
    active = rng.sample(range(residents), k=int(residents * 0.4))  # who does chores
    events: list[tuple[int, ...]] = []
    for c in range(claims):
        r = rng.choice(active)
        start, end = months[rng.randrange(12)]
        base = start + rng.randrange((end - start) // day - 1) * day
        minutes = rng.randrange(30, 180)
        events += [
            (base + 9 * HOUR, SIGNUP, r, -1, 0, c),
            (base + 10 * HOUR, CHECK_IN, r, -1, 0, c),
            (base + 10 * HOUR + minutes * 60_000, CHECK_OUT, r, -1, 0, c),
            (base + 15 * HOUR, APPROVAL, r, -1, 0, c),
            (base + 15 * HOUR + 1_800_000, EARN, r, -1, 1000, c),
        ]
    year_start, year_end = months[0][0], months[-1][1]
    spend_list = []
    for _ in range(spends):
        r = rng.randrange(residents)
        home = r % HOODS
        if rng.random() < 0.6:
            m = rng.randrange(home, merchants, HOODS) if home < merchants else 0
        else:
            m = rng.randrange(merchants)
        when = rng.randrange(year_start, year_end - day)
        spend_list.append((when, SPEND, r, m, rng.randrange(100, 2500), -1))
    spend_list.sort()
    events += spend_list
    for _ in range(refunds):
        i = rng.randrange(len(spend_list))
        when, _, r, m, amount, _ = spend_list[i]
        events.append((when + HOUR, REFUND, r, m, rng.randrange(1, amount + 1), i))
    for _ in range(loans):
        r = rng.choice(active)
        when = rng.randrange(year_start, year_end - 3 * day)
        events.append((when, LOAN, r, -1, 0, -1))
        events.append((when + 2 * day, RETURN, r, -1, 0, -1))
    events.sort()
    return events, len(spend_list)


class Loader:
    """Writes events as ledger rows (with COPY), keeping each device's seq, the spends for
    their refunds, the review items and the balances."""

    ZEROS64, ZEROS128 = "0" * 64, "0" * 128
    LEDGER_COLS = (
        "device_id, seq, v, tx_id, prev_hash, entry_hash, kind, debit, credit, amount, refs, "
        "wall_time, signature, received_at, batch_id, claim_id, resident_id, overdraft, status, "
        "refusal"
    )

    def __init__(self, held: set[int], approved: set[int]) -> None:
        self.seqs: dict[str, int] = defaultdict(int)
        self.spend_tx: list[str] = []
        self.balances: dict[str, int] = defaultdict(int)
        self.reviews: list[tuple[Any, ...]] = []
        self.held, self.approved = held, approved
        self.n = 0

    def rows(
        self, events: Iterable[tuple[int, ...]], prefix: str = ""
    ) -> Iterable[tuple[Any, ...]]:
        for when, kind, r, m, amount, ref in events:
            self.n += 1
            rid = f"r-{r:05d}"
            nb = r % HOODS
            wallet = f"wallet:{rid}"
            claim = (
                f"cl-{prefix}{ref}"
                if kind in (SIGNUP, CHECK_IN, CHECK_OUT, APPROVAL, EARN)
                else None
            )
            debit = credit = None
            if kind == SPEND:
                device, debit, credit = f"counter-{m}", wallet, f"till:m-{m:03d}"
                refs = f'{{"merchant":"m-{m:03d}","resident":"{rid}"}}'
            elif kind == REFUND:
                device, debit, credit = f"counter-{m}", f"till:m-{m:03d}", wallet
                claim = self.spend_tx[ref]
                refs = f'{{"spend":"{claim}"}}'
            elif kind == EARN:
                device, debit, credit = f"inspector-{nb}", "issuance", wallet
                refs = f'{{"claim":"{claim}"}}'
            elif kind == APPROVAL:
                device, refs = f"inspector-{nb}", f'{{"claim":"{claim}","inspector":"S-1"}}'
            elif kind in (LOAN, RETURN):
                device, refs = f"desk-{nb}", f'{{"klusbox":"kb-{nb}","resident":"{rid}"}}'
            else:
                device, refs = f"kiosk-{nb}", f'{{"claim":"{claim}"}}'
            self.seqs[device] += 1
            seq = self.seqs[device]
            tx = str(uuid.UUID(int=self.n))
            if kind == SPEND:
                i = len(self.spend_tx)
                self.spend_tx.append(tx)
                if i in self.held or i in self.approved:
                    status = "open" if i in self.held else "approved"
                    self.reviews.append(
                        (
                            tx,
                            device,
                            seq,
                            "over_transaction_cap",
                            "bench",
                            amount,
                            f"m-{m:03d}",
                            rid,
                            status,
                            when,
                            "spend",
                            "honoured",
                        )
                    )
            if debit is not None and credit is not None:
                self.balances[debit] -= amount
                self.balances[credit] += amount
            yield (
                device,
                seq,
                1,
                tx,
                self.ZEROS64,
                self.ZEROS64,
                KINDS[kind],
                debit,
                credit,
                amount,
                refs,
                when,
                self.ZEROS128,
                when + 60_000,
                None,
                claim,
                rid,
                0,
                "applied",
                None,
            )

    def copy(self, dbapi: Any, events: Iterable[tuple[int, ...]], prefix: str = "") -> None:
        copy_rows(dbapi, "ledger", self.LEDGER_COLS, self.rows(events, prefix))


def _without_ledger_indexes(conn: Any, work: Callable[[], None]) -> None:
    """Run `work` (a bulk load) with the ledger's indexes dropped, and build them again after:
    a bulk load is several times faster that way. The same definitions come back."""
    uniques = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'ledger'::regclass AND contype = 'u'"
        )
    ).all()
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ledger' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'ledger'::regclass)"
        )
    ).all()
    for name, _ in uniques:
        conn.execute(text(f'ALTER TABLE ledger DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    work()
    for _, definition in indexes:
        conn.execute(text(definition))
    for name, definition in uniques:
        conn.execute(text(f'ALTER TABLE ledger ADD CONSTRAINT "{name}" {definition}'))


def load_city(
    url: str, residents: int, merchants: int, entries: int, seed: int
) -> tuple[dict[str, int], Loader]:
    """Registry, ledger, balances and review queue of the city, with COPY."""
    rng = random.Random(seed)
    events, n_spends = build_events(entries, residents, merchants, rng)
    held = set(rng.sample(range(n_spends), k=min(2000, n_spends)))
    approved = set(rng.sample(sorted(set(range(n_spends)) - held), k=min(1000, n_spends // 10)))
    loader = Loader(held, approved)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            dbapi: Any = conn.connection.dbapi_connection
            copy_rows(
                dbapi,
                "neighbourhoods",
                "id, name, cbs_code",
                ((f"nb-{i:02d}", f"Buurt {i}", f"BU0917{i:02d}00") for i in range(HOODS)),
            )
            copy_rows(
                dbapi,
                "residents",
                "id, name, neighbourhood_id, status, flagged, version",
                (
                    (f"r-{i:05d}", f"Bewoner {i}", f"nb-{i % HOODS:02d}", "active", False, 1)
                    for i in range(residents)
                ),
            )
            copy_rows(
                dbapi,
                "merchants",
                "id, name, neighbourhood_id, status, iban, version",
                (
                    (
                        f"m-{i:03d}",
                        f"Winkel {i}",
                        f"nb-{i % HOODS:02d}",
                        "active",
                        str(IBAN.generate("NL", bank_code="ABNA", account_code=f"{i + 1:010d}")),
                        1,
                    )
                    for i in range(merchants)
                ),
            )
            copy_rows(
                dbapi,
                "chores",
                "id, title, neighbourhood_id, reward, capacity, starts_at, ends_at, version",
                (
                    (f"ch-{i:02d}", "Plein vegen", f"nb-{i:02d}", 1000, 10**6, 0, 2**62, 1)
                    for i in range(HOODS)
                ),
            )
            _without_ledger_indexes(conn, lambda: loader.copy(dbapi, events))
            write_side_tables(dbapi, loader)
        vacuum(engine)
    finally:
        engine.dispose()
    return {"entries": len(events), "held_reviews": len(held), "spends": n_spends}, loader


def write_side_tables(dbapi: Any, loader: Loader) -> None:
    copy_rows(
        dbapi,
        "review_queue",
        "tx_id, device_id, seq, reason, detail, amount, merchant_id, resident_id, status, "
        "created_at, kind, effect",
        loader.reviews,
    )
    loader.reviews = []
    with dbapi.cursor() as cur:
        cur.execute("DELETE FROM balances")
    copy_rows(
        dbapi,
        "balances",
        "account, balance, version",
        ((a, b, 1) for a, b in loader.balances.items() if b),
    )


def vacuum(engine: Any) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def a_day_more(
    url: str, loader: Loader, day: int, residents: int, merchants: int, rng: random.Random
) -> int:
    """A day of new traffic in December (chores, spends): what the rollups fold before the
    next report."""
    start = date_start_ms(dt.date(YEAR, 12, 1 + day))
    events: list[tuple[int, ...]] = []
    for c in range(300):
        r = rng.randrange(residents)
        base = start + rng.randrange(8 * HOUR)
        events += [
            (base, SIGNUP, r, -1, 0, c),
            (base + HOUR, CHECK_IN, r, -1, 0, c),
            (base + 2 * HOUR, CHECK_OUT, r, -1, 0, c),
            (base + 3 * HOUR, APPROVAL, r, -1, 0, c),
            (base + 4 * HOUR, EARN, r, -1, 1000, c),
        ]
    for _ in range(1500):
        r = rng.randrange(residents)
        events.append(
            (start + rng.randrange(20 * HOUR), SPEND, r, rng.randrange(merchants), 700, -1)
        )
    events.sort()
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            dbapi: Any = conn.connection.dbapi_connection
            loader.copy(dbapi, events, prefix=f"d{day}-")
            write_side_tables(dbapi, loader)
    finally:
        engine.dispose()
    return len(events)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def count_ledger(url: str) -> float:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            conn.execute(text("SELECT count(*) FROM ledger")).scalar_one()
            return time.perf_counter() - t0
    finally:
        engine.dispose()


def run(url: str, residents: int, merchants: int, entries: int, seed: int) -> dict[str, Any]:
    clock = FixedClock(date_start_ms(dt.date(YEAR + 1, 1, 10)) + 12 * HOUR)
    rng = random.Random(seed + 1)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Settings(data_dir=Path(tmp), database_url=url, clock=clock))
        try:
            t0 = time.perf_counter()
            city, loader = load_city(url, residents, merchants, entries, seed)
            load_s = time.perf_counter() - t0
            baseline = [count_ledger(url) for _ in range(3)]
            first, last = f"{YEAR}-01", f"{YEAR}-12"
            # The first report after a deploy counts the whole ledger into the rollups.
            first_s, _ = timed(lambda: reports.participation(server, first, last))
            report_runs, fold_runs, added = [], [], 0
            for day in range(3):  # each report after a day of new entries: fold + report
                added += a_day_more(url, loader, day, residents, merchants, rng)
                fold_s, _ = timed(lambda: rollups.refresh(server))
                seconds, report = timed(lambda: reports.participation(server, first, last))
                fold_runs.append(fold_s)
                report_runs.append(fold_s + seconds)
            taking_part = sum(report.city(m).residents for m in report.months)
            prepare_s, prepared = timed(
                lambda: settlement.prepare(server, f"{YEAR}-01-01", f"{YEAR}-12-31", by="fin-1")
            )
            sid = prepared.settlement.id
            approve_s, approved = timed(lambda: settlement.approve(server, sid, by="fin-2"))
            sepa = settlement.read_sepa(settlement.sepa_file(server, sid))
            assert sepa.total_cents == approved.euro_cents == sepa.control_sum_cents
            items = len(settlement.covered_ledger_ids(server, sid))
            baseline += [count_ledger(url) for _ in range(3)]
        finally:
            server.close()
    report_s = median(report_runs)
    return {
        "benchmark": "reports",
        "database": "postgresql",
        "residents": residents,
        "merchants": merchants,
        **city,
        "entries_added_between_reports": added,
        "load_s": round(load_s, 1),
        "baseline_count_s": round(median(baseline), 4),
        "baseline_count_s_samples": [round(b, 4) for b in baseline],
        "report_s": round(report_s, 3),
        "report_s_runs": [round(s, 3) for s in report_runs],
        "report_fold_s_runs": [round(s, 3) for s in fold_runs],
        "report_target_s": 2.0,
        "report_over_baseline": round(report_s / median(baseline), 1),
        "report_first_s": round(first_s, 3),
        "resident_months_taking_part": taking_part,
        "settlement_s": round(prepare_s + approve_s, 3),
        "settlement_prepare_s": round(prepare_s, 3),
        "settlement_approve_s": round(approve_s, 3),
        "settlement_target_s": 10.0,
        "settlement_statements": len(approved.statements),
        "settlement_items": items,
        "settlement_euro_cents": approved.euro_cents,
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench reports")
    ap.add_argument("--residents", type=int, default=90_000)
    ap.add_argument("--merchants", type=int, default=200)
    ap.add_argument("--entries", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument(
        "--postgres-url", default=os.environ.get("KIOSK_TEST_POSTGRES_URL") or DEFAULT_PG
    )
    args = ap.parse_args(argv)
    with scratch_postgres(args.postgres_url, "kiosk_bench") as url:
        result = run(url, args.residents, args.merchants, args.entries, args.seed)
    emit(result)
    return 0
