"""Settlement in euros (kiosk/server/settlement.py) on SQLite and PostgreSQL: statements of spends
minus refunds without what is open in review, four eyes, never paying a ledger row twice (also
with two settlements prepared at the same moment, on two connections), the settle entries in
the server's chain, the SEPA file against its schema, the statement PDF."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.clock import FixedClock
from kiosk.core.entries import Entry, Kind
from kiosk.core.errors import HeitjeError
from kiosk.server import admin
from kiosk.server import settlement as S
from kiosk.server import tables as t
from kiosk.server.bank import BankError
from kiosk.server.periods import today
from kiosk.server.service import Server
from kiosk.server.statements_pdf import render_statement
from tests.server.conftest import NOW, SimDevice
from tests.server.ledger_kit import DAY_MS, Kit, city, fresh, open_server

HOUR_MS = 3_600_000
PER_TX_CAP = 2500  # config_defaults: a bigger spend is honoured and held for review
FIRST = "2026-01-01"
L = t.ledger.c


@dataclass
class Env:
    server: Server
    kit: Kit
    clock: FixedClock
    data_dir: Path
    db_url: str

    def counter(self, merchant: str) -> SimDevice:
        return self.kit.enrol(roles.MERCHANT_COUNTER, merchant=merchant)

    def resident(self, nb: str = "nb-1", grant: int = 100_000) -> str:
        rid = fresh("r")
        admin.add_resident(self.server, rid, "Bewoner", nb)
        if grant:
            admin.grant(self.server, rid, grant, "startsaldo")  # no overdraft reviews
        return rid

    def yesterday(self) -> str:
        """Move the clock into the next local day (a day after, or more when a DST night is
        25 hours) and return the day it was: a period that is over."""
        day = today(self.clock.ms)
        self.clock.advance(DAY_MS)
        while today(self.clock.ms) <= day:
            self.clock.advance(HOUR_MS)
        return day.isoformat()


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[Env]:
    clock = FixedClock(NOW)
    with open_server(db_url, tmp_path / "data", clock) as server:
        city(server, {"nb-1": "BU09170100", "nb-2": "BU09170200"}, {"m-a": "nb-1", "m-b": "nb-2"})
        yield Env(server, Kit(server, clock), clock, tmp_path / "data", db_url)


def settle_entries(server: Server, sid: int) -> list[tuple[str, int]]:
    """The settle entries of settlement `sid` in the ledger: (till, amount)."""
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(L.debit, L.amount, L.refs).where(L.kind == Kind.SETTLE.value)
        ).all()
    return [(d, a) for d, a, refs in rows if json.loads(refs).get("settlement") == sid]


def review_id(server: Server, spend: Entry) -> int:
    q = t.review_queue.c
    with server.engine.connect() as conn:
        return int(
            conn.execute(
                select(q.id).where(q.device_id == spend.device_id, q.seq == spend.seq)
            ).scalar_one()
        )


# -- statements --------------------------------------------------------------------------------


def test_statement_is_spends_minus_refunds_without_open_reviews(env: Env) -> None:
    r = env.resident()
    ca, cb = env.counter("m-a"), env.counter("m-b")
    s1 = ca.spend(r, 1000, merchant="m-a")
    ca.spend(r, 2000, merchant="m-a")
    held = ca.spend(r, 3000, merchant="m-a")  # over the per-transaction cap: open in review
    env.kit.refund(ca, s1, 400)
    env.kit.refund(ca, held, 100)  # a refund of the held spend waits with it
    cb.spend(r, 700, merchant="m-b")
    env.kit.send(ca)
    env.kit.send(cb)
    last = env.yesterday()

    prep = S.prepare(env.server, FIRST, last, by="anna")
    a = S.statement(env.server, prep.settlement.id, "m-a")
    assert (a.spends, a.spent, a.refunds, a.refunded) == (2, 3000, 1, 400)
    assert (a.heitje_cents, a.euro_cents) == (2600, 2600)
    assert (a.held, a.held_amount) == (1, 3000)
    assert S.statement(env.server, prep.settlement.id, "m-b").heitje_cents == 700
    assert prep.settlement.heitje_cents == 3300 == prep.settlement.euro_cents
    # prepared is not booked: the tills are untouched
    assert admin.balance(env.server, acc.till("m-a")) == 3000 + 3000 - 400 - 100

    done = S.approve(env.server, prep.settlement.id, by="bert")
    assert (done.status, done.prepared_by, done.approved_by) == ("approved", "anna", "bert")
    assert sorted(settle_entries(env.server, done.id)) == [("till:m-a", 2600), ("till:m-b", 700)]
    assert admin.balance(env.server, acc.till("m-a")) == 3000 - 100  # what waits in review
    assert admin.balance(env.server, acc.till("m-b")) == 0
    assert admin.balance(env.server, acc.REDEMPTION) == 3300

    # Once the review approves the spend, the next settlement pays it and its refund.
    admin.resolve_review(env.server, review_id(env.server, held), "approved", "staff-1")
    env.clock.advance(DAY_MS)
    nxt = S.prepare(
        env.server, today(env.clock.ms - DAY_MS), today(env.clock.ms - DAY_MS), by="bert"
    )
    a2 = S.statement(env.server, nxt.settlement.id, "m-a")
    assert (a2.spends, a2.refunds, a2.heitje_cents) == (1, 1, 2900)
    assert (a2.earlier, a2.earlier_amount) == (2, 2900)  # from before this period
    assert a2.held == 0
    assert [s.merchant_id for s in nxt.settlement.statements] == ["m-a"]
    S.approve(env.server, nxt.settlement.id, by="anna")
    assert admin.balance(env.server, acc.till("m-a")) == 0


def test_a_reversed_spend_is_paid_net_of_its_reversal(env: Env) -> None:
    r = env.resident()
    ca = env.counter("m-a")
    ca.spend(r, 1200, merchant="m-a")
    held = ca.spend(r, 2600, merchant="m-a")
    env.kit.send(ca)
    admin.resolve_review(env.server, review_id(env.server, held), "reversed", "staff-1")
    prep = S.prepare(env.server, FIRST, env.yesterday(), by="anna")
    a = S.statement(env.server, prep.settlement.id, "m-a")
    assert (a.spends, a.spent, a.adjustments, a.adjusted, a.heitje_cents) == (
        2,
        3800,
        1,
        -2600,
        1200,
    )


def test_merchants_without_an_iban_or_anything_to_pay_wait(env: Env) -> None:
    admin.add_merchant(env.server, "m-noiban", "Zonder rekening", "nb-1")
    r = env.resident()
    cn, ca, cb = env.counter("m-noiban"), env.counter("m-a"), env.counter("m-b")
    cn.spend(r, 900, merchant="m-noiban")
    s = ca.spend(r, 500, merchant="m-a")
    env.kit.refund(ca, s, 500)
    env.kit.send(cn)
    env.kit.send(ca)
    last = env.yesterday()
    with pytest.raises(S.SettlementError) as err:
        S.prepare(env.server, FIRST, last, by="anna")
    assert err.value.code == "nothing_to_settle"
    cb.spend(r, 100, merchant="m-b", wall_time=env.clock.ms - DAY_MS)
    env.kit.send(cb)
    prep = S.prepare(env.server, FIRST, last, by="anna")
    assert {(k.merchant_id, k.reason, k.heitje_cents) for k in prep.skipped} == {
        ("m-noiban", "no_iban", 900),
        ("m-a", "nothing_to_pay", 0),
    }
    assert [s.merchant_id for s in prep.settlement.statements] == ["m-b"]
    si = t.settlement_items.c
    with env.server.engine.connect() as conn:
        covered = conn.execute(select(si.merchant_id).distinct()).scalars().all()
    assert covered == ["m-b"]  # the others' rows wait for a later settlement


def test_a_period_that_has_not_ended_is_refused(env: Env) -> None:
    this_day = today(env.clock.ms).isoformat()
    for first, last, code in (
        (FIRST, this_day, "period_not_over"),
        ("2026-11-10", "2026-11-01", "period_reversed"),
        ("gisteren", "2026-11-01", "bad_date"),
    ):
        with pytest.raises(HeitjeError) as err:
            S.prepare(env.server, first, last, by="anna")
        assert err.value.code == code
        assert err.value.nl and err.value.en


def test_settle_entries_stay_within_the_entry_bound(db_url: str, tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    with open_server(db_url, tmp_path / "d", clock, bounds={"max_entry_amount": 2000}) as server:
        city(server, {"nb-1": None}, {"m-a": "nb-1"})
        env = Env(server, Kit(server, clock), clock, tmp_path / "d", db_url)
        r = env.resident(grant=0)  # a grant is one entry too
        ca = env.counter("m-a")
        for amount in (1500, 1900, 1500):  # 4900: under the daily cap
            ca.spend(r, amount, merchant="m-a")
        env.kit.send(ca)
        prep = S.prepare(server, FIRST, env.yesterday(), by="anna")
        S.approve(server, prep.settlement.id, by="bert")
        assert sorted(a for _, a in settle_entries(server, prep.settlement.id)) == [
            900,
            2000,
            2000,
        ]
        assert admin.balance(server, acc.till("m-a")) == 0


# -- four eyes, cancel, never twice ------------------------------------------------------------


def one_spend_settlement(env: Env, amount: int = 800) -> S.Prepared:
    r = env.resident()
    ca = env.counter("m-a")
    ca.spend(r, amount, merchant="m-a")
    env.kit.send(ca)
    return S.prepare(env.server, FIRST, env.yesterday(), by="anna")


def test_four_eyes_the_preparer_cannot_approve(env: Env) -> None:
    sid = one_spend_settlement(env).settlement.id
    with pytest.raises(S.SettlementError) as err:
        S.approve(env.server, sid, by="anna")
    assert err.value.code == "four_eyes"
    assert "Vier ogen" in err.value.nl and "Four eyes" in err.value.en
    assert S.get(env.server, sid).status == "prepared"
    assert settle_entries(env.server, sid) == []
    # the database holds the rule too, whatever code writes the row
    with pytest.raises(IntegrityError), env.server.engine.begin() as conn:
        conn.execute(
            update(t.settlements)
            .where(t.settlements.c.id == sid)
            .values(status="approved", approved_by="anna")
        )
    approved = S.approve(env.server, sid, by="bert")
    with pytest.raises(S.SettlementError) as again:
        S.approve(env.server, sid, by="carla")
    assert again.value.code == "settlement_approved"
    assert len(settle_entries(env.server, sid)) == 1 and approved.status == "approved"
    with pytest.raises(S.SettlementError) as late:
        S.cancel(env.server, sid, by="carla")
    assert late.value.code == "settlement_approved"


def test_a_cancelled_settlement_frees_its_rows(env: Env) -> None:
    first = one_spend_settlement(env)
    sid = first.settlement.id
    rows = S.covered_ledger_ids(env.server, sid)
    assert len(rows) == 1
    with pytest.raises(S.SettlementError) as busy:  # the row is taken
        S.prepare(env.server, FIRST, today(env.clock.ms - DAY_MS), by="bert")
    assert busy.value.code == "nothing_to_settle"
    S.cancel(env.server, sid, by="bert", reason="verkeerde periode")
    assert S.get(env.server, sid).status == "cancelled"
    with pytest.raises(S.SettlementError) as err:
        S.approve(env.server, sid, by="bert")
    assert err.value.code == "settlement_cancelled"
    with pytest.raises(S.SettlementError):
        S.sepa_file(env.server, sid)
    again = S.prepare(env.server, FIRST, today(env.clock.ms - DAY_MS), by="bert")
    assert S.covered_ledger_ids(env.server, again.settlement.id) == rows
    S.approve(env.server, again.settlement.id, by="anna")
    assert admin.balance(env.server, acc.till("m-a")) == 0


def test_the_database_refuses_a_ledger_row_in_two_live_settlements(env: Env) -> None:
    sid = one_spend_settlement(env).settlement.id
    (row,) = S.covered_ledger_ids(env.server, sid)
    with env.server.engine.begin() as conn:
        other = conn.execute(
            insert(t.settlements)
            .values(
                period_start=FIRST,
                period_end=FIRST,
                start_ms=0,
                end_ms=1,
                status="prepared",
                prepared_by="mallory",
                prepared_at=0,
                rate_heitje_cents=1,
                rate_euro_cents=1,
                heitje_cents=0,
                euro_cents=0,
            )
            .returning(t.settlements.c.id)
        ).scalar_one()
    item = {
        "settlement_id": other,
        "ledger_id": row,
        "merchant_id": "m-a",
        "kind": "spend",
        "wall_time": NOW,
        "amount": 800,
    }
    with pytest.raises(IntegrityError), env.server.engine.begin() as conn:
        conn.execute(insert(t.settlement_items).values(**item, active=True))
    with env.server.engine.begin() as conn:  # an inactive (cancelled) claim is no conflict
        conn.execute(insert(t.settlement_items).values(**item, active=False))


def prepare_together(servers: list[Server], last: str) -> list[S.Prepared | S.SettlementError]:
    """Each server (its own engine and connections) prepares at the same moment."""
    barrier = threading.Barrier(len(servers))
    out: list[S.Prepared | S.SettlementError] = [S.SettlementError("-", "-", "-")] * len(servers)
    crashed: list[BaseException] = []

    def run(i: int, server: Server) -> None:
        barrier.wait()
        try:
            out[i] = S.prepare(server, FIRST, last, by=f"finance-{i}")
        except S.SettlementError as exc:
            out[i] = exc
        except BaseException as exc:
            crashed.append(exc)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(servers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert crashed == []
    return out


def test_two_settlements_prepared_at_the_same_moment_never_share_a_row(env: Env) -> None:
    counters = [env.counter("m-a"), env.counter("m-b")]
    r = env.resident()
    for i in range(60):
        counters[i % 2].spend(r, 100 + i, merchant=("m-a", "m-b")[i % 2])
    for c in counters:
        env.kit.send(c)
    last = env.yesterday()
    with open_server(env.db_url, env.data_dir, env.clock) as second:
        results = prepare_together([env.server, second], last)
    prepared = [r for r in results if isinstance(r, S.Prepared)]
    assert prepared, results
    assert all(r.code == "nothing_to_settle" for r in results if isinstance(r, S.SettlementError))
    covered = [S.covered_ledger_ids(env.server, p.settlement.id) for p in prepared]
    flat = [i for c in covered for i in c]
    assert len(flat) == len(set(flat)) == 60
    assert sum(p.settlement.heitje_cents for p in prepared) == sum(100 + i for i in range(60))
    for p in prepared:
        S.approve(env.server, p.settlement.id, by="checker")
    assert admin.balance(env.server, acc.till("m-a")) == 0
    assert admin.balance(env.server, acc.till("m-b")) == 0


# -- the property: for any history, the statements are the ledger's and nothing is paid twice ---


@dataclass
class Row:
    entry: Entry
    merchant: str
    signed: int  # from the till's side


decisions = st.sampled_from(["open", "approved", "reversed"])
ops = st.lists(
    st.one_of(
        st.tuples(st.just("spend"), st.integers(0, 1), st.integers(0, 1), st.integers(50, 4000)),
        st.tuples(st.just("refund"), st.integers(0, 30), st.integers(1, 100), st.just(0)),
    ),
    min_size=1,
    max_size=12,
)


# Examples per database: a PostgreSQL example costs about three SQLite ones (two servers'
# connections, real locks); each run takes 10-20 s on the shared 2-core machine.
EXAMPLES = {"sqlite": 100, "postgres": 50}
REVERSE_AFTER_REFUNDS = [  # the histories of the CI failure of 2026-12-01 (see test docstring)
    [("spend", 0, 0, 3000), ("refund", 0, 30, 0)],  # reversed after a partial refund
    [("spend", 1, 1, 2600), ("refund", 0, 100, 0)],  # refunded in full, then reversed
]


def test_statements_are_the_ledgers_and_nothing_is_paid_twice(env: Env) -> None:
    """A random history of spends (some over the cap, so held for review) and refunds at two
    fresh shops; reviews left open, approved or reversed; then one settlement, or two prepared
    at the same moment on two connections, approved by another user. Then every review is
    decided and the rest is settled. After each round, for each shop: the covered rows are
    rows that took effect and are not held, no row is in two live settlements, each statement
    is the sum of its rows as the ledger has them, the settle entries book exactly the
    statements, and the till (as ingest keeps it) holds exactly what is not paid yet.

    (It failed once in CI: the test's own model booked a reversal as the whole spend, while
    admin.resolve_review reverses only what the shop has not refunded yet, and moves no
    money at all for a spend refunded in full. The model now follows the ledger's rule and
    checks the reversal entry against it; the explicit examples are those histories.)"""
    backend = "sqlite" if env.db_url.startswith("sqlite") else "postgres"

    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        history=ops,
        first_round=st.lists(decisions, min_size=8, max_size=8),
        together=st.booleans(),
    )
    @example(history=REVERSE_AFTER_REFUNDS[0], first_round=["reversed"] * 8, together=False)
    @example(history=REVERSE_AFTER_REFUNDS[1], first_round=["reversed"] * 8, together=True)
    def one_history(
        history: list[tuple[str, int, int, int]], first_round: list[str], together: bool
    ) -> None:
        settle_history(env, history, first_round, together)

    one_history()


def settle_history(
    env: Env, history: list[tuple[str, int, int, int]], first_round: list[str], together: bool
) -> None:
    shops = [fresh("m"), fresh("m")]
    for m in shops:
        admin.add_merchant(env.server, m, "Winkel", "nb-1", iban="NL69INGB0123456789")
    residents = [env.resident(), env.resident()]
    counters = {m: env.counter(m) for m in shops}
    rows: list[Row] = []
    spends: list[Row] = []
    for op, a, b, amount in history:
        if op == "spend":
            m = shops[b]
            e = counters[m].spend(residents[a], amount, merchant=m)
            rows.append(Row(e, m, amount))
            spends.append(rows[-1])
        elif spends:
            sp = spends[a % len(spends)]
            left = sp.signed + sum(
                r.signed for r in rows if r.entry.refs.get("spend") == sp.entry.tx_id
            )
            if left > 0:
                e = Kit.refund(counters[sp.merchant], sp.entry, max(1, left * b // 100))
                rows.append(Row(e, sp.merchant, -e.amount))
    for dev in counters.values():
        if dev.entries:
            env.kit.send(dev)
    q = t.review_queue.c
    with env.server.engine.connect() as conn:
        reviews = conn.execute(
            select(q.id, q.tx_id, q.amount, q.merchant_id).where(
                q.merchant_id.in_(shops), q.status == "open"
            )
        ).all()
    open_tx = set()
    for (rid, tx, amount, m), decision in zip(reviews, first_round * 4, strict=False):
        if decision == "open":
            open_tx.add(tx)
            continue
        admin.resolve_review(env.server, rid, decision, "staff")
        if decision == "reversed":
            # the reversal moves back only what the shop has not refunded of the spend yet
            spend = next(r for r in spends if r.entry.tx_id == tx)
            left = amount + sum(r.signed for r in rows if r.entry.refs.get("spend") == tx)
            reversal = _last_server_entry(env.server)
            if left > 0:
                assert (reversal.kind, reversal.amount) == (Kind.ADJUST, left)
                assert reversal.debit == acc.till(m) == acc.till(spend.merchant)
                rows.append(Row(reversal, m, -left))
            else:  # refunded in full: the decision moves no money
                assert reversal.kind is Kind.REVIEW

    def settle_round(parallel: bool) -> None:
        last = env.yesterday()
        with open_server(env.db_url, env.data_dir, env.clock) as second:
            servers = [env.server, second] if parallel else [env.server]
            for result in prepare_together(servers, last):
                if isinstance(result, S.Prepared):
                    S.approve(env.server, result.settlement.id, by="checker")
                else:
                    assert result.code == "nothing_to_settle"
        check(env.server, shops, rows, open_tx)

    settle_round(together)
    for rid, tx, _amount, _m in reviews:
        if tx in open_tx:
            admin.resolve_review(env.server, rid, "approved", "staff")
    open_tx.clear()
    settle_round(False)
    for m in shops:  # all decided and settled: what is left in a till adds up to nothing to pay
        assert admin.balance(env.server, acc.till(m)) <= 0


def _last_server_entry(server: Server) -> Entry:
    with server.engine.connect() as conn:
        row = conn.execute(
            select(L.tx_id, L.kind, L.debit, L.credit, L.amount, L.refs)
            .where(L.device_id == server.device_id)
            .order_by(L.id.desc())
            .limit(1)
        ).one()
    return Entry(
        device_id=server.device_id,
        seq=0,
        prev_hash="",
        tx_id=row.tx_id,
        kind=Kind(row.kind),
        debit=row.debit,
        credit=row.credit,
        amount=row.amount,
        refs=json.loads(row.refs),
        wall_time=0,
    )


def check(server: Server, shops: list[str], rows: list[Row], open_tx: set[str]) -> None:
    si, ss = t.settlement_items.c, t.settlement_statements.c
    by_tx = {r.entry.tx_id: r for r in rows}
    held = {  # spends open in review, and their refunds
        r.entry.tx_id
        for r in rows
        if r.entry.tx_id in open_tx
        or (r.entry.kind is Kind.REFUND and r.entry.refs.get("spend") in open_tx)
    }
    with server.engine.connect() as conn:
        covered = conn.execute(
            select(si.settlement_id, L.tx_id, si.amount, si.merchant_id)
            .join(t.ledger, L.id == si.ledger_id)
            .join(t.settlements, t.settlements.c.id == si.settlement_id)
            .where(si.active, si.merchant_id.in_(shops), t.settlements.c.status == "approved")
        ).all()
        twice = conn.execute(
            select(si.ledger_id).where(si.active).group_by(si.ledger_id).having(func.count() > 1)
        ).all()
        statements = conn.execute(
            select(ss.settlement_id, ss.merchant_id, ss.heitje_cents)
            .join(t.settlements, t.settlements.c.id == ss.settlement_id)
            .where(ss.merchant_id.in_(shops), t.settlements.c.status == "approved")
        ).all()
    assert twice == []
    per_statement: dict[tuple[int, str], int] = defaultdict(int)
    for sid, tx, amount, m in covered:
        assert tx in by_tx, "a settlement covered a row that did not take effect"
        assert tx not in held, "a settlement covered a spend still open in review"
        assert amount == by_tx[tx].signed and m == by_tx[tx].merchant
        per_statement[(sid, m)] += amount
    assert {(sid, m): h for sid, m, h in statements} == dict(per_statement)
    for sid, m, h in statements:
        assert sum(a for d, a in settle_entries(server, sid) if d == acc.till(m)) == h
    paid = {tx for _, tx, _, _ in covered}
    for m in shops:
        unpaid = sum(r.signed for r in rows if r.merchant == m and r.entry.tx_id not in paid)
        assert admin.balance(server, acc.till(m)) == unpaid


# -- IBANs, SEPA and the PDF -------------------------------------------------------------------


def test_merchant_ibans_are_checked(env: Env) -> None:
    with pytest.raises(BankError) as err:
        admin.add_merchant(env.server, "m-x", "Fout", "nb-1", iban="NL91ABNA0417164301")
    assert err.value.code == "bad_iban" and "IBAN" in err.value.nl
    with pytest.raises(BankError):
        admin.add_merchant(env.server, "m-y", "Fout", "nb-1", iban="XX00 1234")
    admin.add_merchant(env.server, "m-z", "Goed", "nb-1", iban="nl91 abna 0417 1643 00")
    with env.server.engine.connect() as conn:
        stored = conn.execute(
            select(t.merchants.c.iban).where(t.merchants.c.id == "m-z")
        ).scalar_one()
    assert stored == "NL91ABNA0417164300"


@pytest.mark.parametrize("schema", ["pain.001.001.09", "pain.001.001.03"])
def test_the_sepa_file_meets_its_schema_and_pays_the_statements(
    db_url: str, tmp_path: Path, schema: str
) -> None:
    clock = FixedClock(NOW)
    # 3 heitje cents are 2 euro cents: rounding shows (half a cent up, per statement)
    rate = {"rate_heitje_cents": 3, "rate_euro_cents": 2, "sepa_schema": schema}
    with open_server(db_url, tmp_path / "d", clock, settlement=rate) as server:
        city(server, {"nb-1": None}, {"m-a": "nb-1", "m-b": "nb-1", "m-c": "nb-1"})
        env = Env(server, Kit(server, clock), clock, tmp_path / "d", db_url)
        r = env.resident()
        for m, amounts in (("m-a", (1000, 1)), ("m-b", (1,)), ("m-c", (2000, 250))):
            c = env.counter(m)
            for a in amounts:
                c.spend(r, a, merchant=m)
            env.kit.send(c)
        prep = S.prepare(server, FIRST, env.yesterday(), by="anna")
        assert {s.merchant_id: s.euro_cents for s in prep.settlement.statements} == {
            "m-a": 667,  # 1001 * 2 / 3 = 667.33
            "m-b": 1,  # 0.67 -> 1
            "m-c": 1500,
        }
        with pytest.raises(S.SettlementError):
            S.sepa_file(server, prep.settlement.id)  # not approved: no file to pay with
        done = S.approve(server, prep.settlement.id, by="bert")
        xml = S.sepa_file(server, done.id)
        S.validate_sepa(xml, schema)  # raises on any schema error
        assert f"urn:iso:std:iso:20022:tech:xsd:{schema}".encode() in xml
        summary = S.read_sepa(xml)
        assert summary.msg_id == done.sepa_msg_id
        assert summary.control_sum_cents == summary.total_cents == done.euro_cents == 2168
        assert sorted(p[2] for p in summary.payments) == [1, 667, 1500]
        assert {p[1] for p in summary.payments} == {s.iban for s in done.statements}
        assert S.sepa_file(server, done.id) == xml  # the same file every time
        with pytest.raises(S.SettlementError) as bad:
            S.validate_sepa(xml.replace(b"<IBAN>NL", b"<IBAN>nl", 1), schema)
        assert bad.value.code == "sepa_invalid"


def test_the_statement_pdf_shows_the_statement(env: Env) -> None:
    r = env.resident()
    env.clock.advance(-DAY_MS)  # enrolled the day before: it may sign entries of that day
    ca = env.counter("m-a")
    env.clock.advance(DAY_MS)
    s = ca.spend(r, 1234, merchant="m-a")
    ca.spend(r, 2321, merchant="m-a", wall_time=env.clock.ms - DAY_MS)
    env.kit.refund(ca, s, 234)
    env.kit.send(ca)
    prep = S.prepare(env.server, FIRST, env.yesterday(), by="anna")
    done = S.approve(env.server, prep.settlement.id, by="bert")
    st_a = S.statement(env.server, done.id, "m-a")
    lines = S.day_lines(env.server, done.id, "m-a")
    assert [(x.spends, x.spent, x.refunds, x.refunded) for x in lines] == [
        (1, 2321, 0, 0),
        (1, 1234, 1, 234),
    ]
    pdf = render_statement(done, st_a, lines, S.SettlementConfig.of(env.server.settings.config))
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    shown = ("Winkel m-a", "NL02ABNA0123456789", "33,21", "23,21", "12,34", "-2,34", "bert")
    for needle in (*shown, "anna"):
        assert needle in text, needle
    with pytest.raises(S.SettlementError):
        S.statement(env.server, done.id, "m-b")
