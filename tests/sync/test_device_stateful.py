"""A device's ledger, acks and snapshots interleaved at random (Hypothesis stateful), on a
real SQLite ledger file. The model is the server's truth; the invariants are the ones money
depends on: nothing is deleted, acks mark exactly a prefix, and the available balance is
the server's balance as of the snapshot minus this device's spends it did not yet hold."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from kiosk.core.clock import FixedClock
from kiosk.core.crypto import SigningKey
from kiosk.core.offline_policy import OfflineSpendRefused
from kiosk.db import sync_queries as q
from kiosk.db.engine import open_data_dir_engine
from kiosk.db.ledger_store import ENTRIES, LedgerStore
from kiosk.db.verify import verify_ledger
from kiosk.sync import protocol as p
from kiosk.sync.client import SyncClient

from .test_device_snapshot import NOW, SERVER_KEY, snapshot

GRANT = 20_000
_TEMPLATE: Path | None = None


def template() -> Path:
    """One migrated, empty ledger file, copied for every example (migrating is the slow part)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        folder = Path(tempfile.mkdtemp(prefix="heitje-template-"))
        atexit.register(shutil.rmtree, folder, True)
        engine = open_data_dir_engine(folder)
        engine.dispose()
        _TEMPLATE = folder
    return _TEMPLATE


class DeviceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="heitje-dev-"))
        shutil.copytree(template(), self.dir, dirs_exist_ok=True)
        self.clock = FixedClock(NOW)
        self.engine = open_data_dir_engine(self.dir)
        self.key = SigningKey.generate()
        self.store = LedgerStore(self.engine, self.key, self.clock)
        self.client = SyncClient(self.engine, self.key, self.clock)
        with self.engine.begin() as conn:
            q.store_enrolment(
                conn,
                self.store.device_id,
                url="http://127.0.0.1:9",
                server_public_key=bytes(SERVER_KEY.verify_key).hex(),
                role="merchant-counter",
                name="stateful",
                certificate_json="{}",
                now_ms=NOW,
            )
        self.version = 0
        self.acked = 0  # the server's head of this device
        self.own: list[int] = []  # amounts of this device's spends, by seq - 1
        self.external = 0  # what other devices spent, as the server has it
        self.snap_external = 0
        self.limits = p.Limits(
            per_tx_cap=3_000,
            offline_daily_cap_per_resident=10**9,
            offline_exposure_cap=10**9,
            snapshot_max_age_s=10**6,
        )

    def teardown(self) -> None:
        report = verify_ledger(self.engine)
        self.client.close()
        self.store.close()
        self.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)
        assert report.ok, report.summary()

    def server_balance(self) -> int:
        return GRANT - self.external - sum(self.own[: self.acked])

    @rule()
    def new_snapshot(self) -> None:
        self.version += 1
        self.snap_external = self.external
        snap = snapshot(
            self.version,
            balances={"wallet:r1": self.server_balance(), "wallet:r2": 0},
            server_time=self.clock.now_ms(),
            limits=self.limits,
        )
        assert self.client.apply_snapshot(snap, acked_seq_hint=self.acked).applied

    @precondition(lambda self: self.version > 0)
    @rule(amount=st.integers(1, 4_000))
    def spend(self, amount: int) -> None:
        with self.engine.connect() as conn:
            available = q.available_balance(conn, self.store.device_id, "wallet:r1")
        assert available is not None
        try:
            self.store.spend("r1", "m1", amount)
        except OfflineSpendRefused as exc:
            assert exc.code in {"offline_insufficient_balance", "over_transaction_cap"}
            assert amount > available or amount > self.limits.per_tx_cap
            return
        assert amount <= available and amount <= self.limits.per_tx_cap
        self.own.append(amount)

    @rule(amount=st.integers(1, 5_000))
    def others_spend(self, amount: int) -> None:
        self.external += amount

    @precondition(lambda self: len(self.own) > self.acked)
    @rule(data=st.data())
    def ack(self, data: st.DataObject) -> None:
        upto = data.draw(st.integers(self.acked + 1, len(self.own)))
        with self.engine.begin() as conn:
            entry_hash = q.entry_hash_at(conn, self.store.device_id, upto)
            assert entry_hash is not None
            q.mark_synced(conn, self.store.device_id, upto, entry_hash, self.clock.now_ms())
        self.acked = upto

    @rule(ms=st.integers(0, 3_600_000))
    def time_passes(self, ms: int) -> None:
        self.clock.advance(ms)

    @invariant()
    def nothing_deleted_and_acks_are_a_prefix(self) -> None:
        with self.engine.connect() as conn:
            seqs = [
                s
                for (s,) in conn.execute(
                    select(ENTRIES.c.seq)
                    .where(ENTRIES.c.device_id == self.store.device_id)
                    .order_by(ENTRIES.c.seq)
                )
            ]
            synced_max = conn.execute(
                select(func.max(ENTRIES.c.seq)).where(ENTRIES.c.synced_at.is_not(None))
            ).scalar()
            waiting = q.count_unsynced(conn, self.store.device_id)
        assert seqs == list(range(1, len(self.own) + 1))
        assert (synced_max or 0) == self.acked
        assert waiting == len(self.own) - self.acked

    @invariant()
    def available_is_the_servers_view_minus_own_spends_it_lacks(self) -> None:
        if self.version == 0:
            return
        with self.engine.connect() as conn:
            available = q.available_balance(conn, self.store.device_id, "wallet:r1")
        # snapshot balance = GRANT - external then - own acked then; own movements since add
        # every later own spend: all own spends are subtracted exactly once.
        assert available == GRANT - self.snap_external - sum(self.own)


DeviceMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDeviceMachine = DeviceMachine.TestCase
