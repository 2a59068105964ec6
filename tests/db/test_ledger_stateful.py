"""Hypothesis drives random earns, spends, refunds, adjustments and reopenings of a real
SQLite ledger file, and checks the ledger's invariants after every step."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock
from kiosk.core.crypto import load_or_create_key
from kiosk.core.errors import HeitjeError
from kiosk.db import registry as reg
from kiosk.db.engine import open_data_dir_engine
from kiosk.db.ledger_store import ENTRIES, LedgerStore
from kiosk.db.models import Balance
from kiosk.db.verify import verify_ledger
from tests.db.conftest import MERCHANTS, RESIDENTS, seed_small

amounts = st.integers(min_value=1, max_value=5_000)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="heitje-stateful-"))
        self.clock = FixedClock()
        self._open()
        seed_small(self.store)
        self.expected: dict[str, int] = {a: 0 for a in acc.MUNICIPALITY_ACCOUNTS}
        self.expected |= {acc.wallet(r): 0 for r in RESIDENTS}
        self.expected |= {acc.till(m): 0 for m in MERCHANTS}
        self.committed: set[str] = set()
        self.spends: dict[str, list[int]] = {}  # tx_id -> [amount, refunded so far]
        self.spend_accounts: dict[str, tuple[str, str]] = {}
        self.chores = 0

    def _open(self) -> None:
        self.engine = open_data_dir_engine(self.dir)
        self.store = LedgerStore(self.engine, load_or_create_key(self.dir / "k"), self.clock)

    def _move(self, debit: str, credit: str, amount: int, tx_id: str) -> None:
        self.expected[debit] -= amount
        self.expected[credit] += amount
        self.committed.add(tx_id)

    def teardown(self) -> None:
        self.store.close()
        self.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(resident=st.sampled_from(RESIDENTS), reward=amounts)
    def earn(self, resident: str, reward: int) -> None:
        self.chores += 1
        chore = f"ch{self.chores}"
        with self.store.transaction() as conn:
            reg.add_chore(conn, chore, "k", "nb", reward=reward, capacity=1, starts_at=0, ends_at=1)
        claim = self.store.sign_up(chore, resident)
        for step in (self.store.check_in, self.store.check_out):
            self.committed.add(step(claim).tx_id)
        self.committed.add(self.store.approve(claim, "insp").tx_id)
        entry = self.store.earn(claim)
        self._move(acc.ISSUANCE, acc.wallet(resident), reward, entry.tx_id)

    @rule(resident=st.sampled_from(RESIDENTS), merchant=st.sampled_from(MERCHANTS), amount=amounts)
    def spend(self, resident: str, merchant: str, amount: int) -> None:
        wallet = acc.wallet(resident)
        try:
            entry = self.store.spend(resident, merchant, amount)
        except HeitjeError as exc:
            assert exc.code == "insufficient_balance"
            assert amount > self.expected[wallet]
            return
        assert amount <= self.expected[wallet]
        self._move(wallet, acc.till(merchant), amount, entry.tx_id)
        self.spends[entry.tx_id] = [amount, 0]
        self.spend_accounts[entry.tx_id] = (wallet, acc.till(merchant))

    @precondition(lambda self: bool(self.spends))
    @rule(data=st.data(), amount=amounts)
    def refund(self, data: st.DataObject, amount: int) -> None:
        tx_id = data.draw(st.sampled_from(sorted(self.spends)))
        spent, refunded = self.spends[tx_id]
        wallet, till = self.spend_accounts[tx_id]
        try:
            entry = self.store.refund(tx_id, amount)
        except HeitjeError as exc:
            assert exc.code in {"refund_exceeds_spend", "till_insufficient"}
            assert amount > spent - refunded or amount > self.expected[till]
            return
        assert amount <= spent - refunded
        self.spends[tx_id][1] += amount
        self._move(till, wallet, amount, entry.tx_id)

    @rule(
        debit=st.sampled_from([acc.ISSUANCE, *map(acc.wallet, RESIDENTS)]),
        credit=st.sampled_from([acc.WRITEOFF, *map(acc.wallet, RESIDENTS)]),
        amount=amounts,
    )
    def adjust(self, debit: str, credit: str, amount: int) -> None:
        try:
            entry = self.store.adjust(debit, credit, amount, reason="correctie", staff_id="s1")
        except HeitjeError as exc:
            assert exc.code == "same_account" and debit == credit
            return
        self._move(debit, credit, amount, entry.tx_id)

    @rule()
    def reopen(self) -> None:
        self.store.close()
        self.engine.dispose()
        self._open()

    @invariant()
    def holds(self) -> None:
        with self.engine.connect() as conn:
            balances = dict(conn.execute(select(Balance.account_id, Balance.balance)).all())
            present = set(conn.execute(select(ENTRIES.c.tx_id)).scalars())
            count = conn.execute(select(func.count()).select_from(ENTRIES)).scalar_one()
        assert sum(balances.values()) == 0
        assert balances == self.expected
        assert self.committed <= present
        report = verify_ledger(self.engine)
        assert report.ok, report.faults
        assert report.entries == count


LedgerMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerStateful = LedgerMachine.TestCase
