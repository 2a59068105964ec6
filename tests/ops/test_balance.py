"""The one balance (kiosk.db.sync_queries.spendable_balance): whatever payments, refunds and
snapshots come, it equals its plain definition — the snapshot's balance plus this device's own
movements since (a scan of the ledger) — and the payment's "what will remain", and the offline
policy refuses exactly what it does not cover. Hypothesis drives a real counter's ops on a
real ledger file; the ledger verifies at the end. Also: migration 0004 gives a device that
already held a snapshot the right balances."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import text

from kiosk.core import accounts as acc
from kiosk.core.canonical import canonical_json
from kiosk.core.clock import FixedClock
from kiosk.core.crypto import SigningKey
from kiosk.core.errors import HeitjeError
from kiosk.core.limit_names import policy_limits
from kiosk.db import sync_queries as q
from kiosk.db.engine import alembic_config, open_data_dir_engine
from kiosk.db.ledger_store import LedgerStore
from kiosk.db.ops_queries import read_only
from kiosk.db.verify import verify_ledger
from kiosk.ops.device import Device, DeviceOptions, build_device
from tests.server.conftest import NOW

from .conftest import FUNDS, Gui, seed_local

RESIDENTS = ("r-1", "r-2", "r-3")
CAP = 2_500
LIMITS = {
    "per_tx_cap": CAP,
    "offline_daily_cap_per_resident": 10**9,
    "offline_exposure_cap": 10**9,
    "snapshot_max_age_s": 10**6,
}


def make_counter(data_dir: Path, gui: Gui) -> Device:
    """A counter as enrolment and a first snapshot leave it (set up through the device's own
    database functions; the real server is in test_counter_ops)."""
    clock = FixedClock(NOW)
    seed_local(data_dir, clock)
    engine = open_data_dir_engine(data_dir)
    store = LedgerStore(engine, _key(data_dir), clock)
    cert = {
        "role": "merchant-counter",
        "bindings": {"merchant_id": "m-1", "neighbourhoods": []},
        "valid_until": NOW + 10**10,
        "limits": LIMITS,
    }
    with store.transaction() as conn:
        q.store_enrolment(
            conn,
            store.device_id,
            url="http://127.0.0.1:9",
            server_public_key="00" * 32,
            role="merchant-counter",
            name="counter",
            certificate_json=canonical_json(cert).decode(),
            now_ms=NOW,
        )
    store.close()
    engine.dispose()
    return build_device(data_dir, gui.call, DeviceOptions(sync=False, clock=clock), start=False)


def _key(data_dir: Path) -> SigningKey:
    from kiosk.core.crypto import load_or_create_key
    from kiosk.paths import device_key_path

    return load_or_create_key(device_key_path(data_dir))


def apply(device: Device, version: int, balances: dict[str, int], acked: int, full: bool) -> None:
    snap = q.SnapshotData(
        version=version,
        ledger_position=version,
        self_acked_seq=acked,
        server_time=NOW,
        expires_at=NOW + 10**9,
        limits=policy_limits(LIMITS),
        full=full,
        balances=balances,
    )
    with device.store.transaction() as conn:
        q.apply_snapshot(conn, snap, NOW)


class OneBalance(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="heitje-balance-"))
        self.gui = Gui()
        self.device = make_counter(self.dir / "counter", self.gui)
        assert self.device.counter is not None
        self.counter = self.device.counter
        self.version = 1
        # The server's books apart from this device's entries (other devices' doings).
        self.server = {acc.wallet(r): 3_000 for r in RESIDENTS}
        # (seq, wallet, change) of this device's entries: seq 1-3 funded each wallet.
        self.moves = [(i + 1, acc.wallet(r), FUNDS) for i, r in enumerate(RESIDENTS)]
        self.spends: list[tuple[str, str, int]] = []  # (tx, wallet, left)
        self.acked = 3
        self.snap = {w: b + FUNDS for w, b in self.server.items()}
        apply(self.device, 1, dict(self.snap), self.acked, True)

    def teardown(self) -> None:
        report = verify_ledger(self.device.store.engine)
        self.device.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        assert report.ok, report.summary()

    def expected(self, wallet: str) -> int:
        return self.snap[wallet] + sum(
            c for s, w, c in self.moves if w == wallet and s > self.acked
        )

    def head(self) -> int:
        return self.device.store.head()[0]

    @rule(resident=st.sampled_from(RESIDENTS), amount=st.integers(1, 3_000))
    def pay(self, resident: str, amount: int) -> None:
        wallet = acc.wallet(resident)
        before = self.expected(wallet)
        outcome: Any = self.gui.outcome(self.counter.pay(f"C-000{resident[-1]}", amount))
        if amount > CAP:
            assert isinstance(outcome, HeitjeError) and outcome.code == "over_transaction_cap"
        elif amount > before:
            assert isinstance(outcome, HeitjeError), outcome
            assert outcome.code == "offline_insufficient_balance"
        else:
            assert not isinstance(outcome, HeitjeError), outcome
            assert outcome.remaining == before - amount
            self.moves.append((outcome.seq, wallet, -amount))
            self.spends.append((outcome.tx_id, wallet, amount))

    @precondition(lambda self: any(left > 0 for _, _, left in self.spends))
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        open_spends = [i for i, (_, _, left) in enumerate(self.spends) if left > 0]
        i = data.draw(st.sampled_from(open_spends))
        tx, wallet, left = self.spends[i]
        amount = data.draw(st.integers(1, left))
        done = self.gui.ok(self.counter.refund(tx, amount))
        self.spends[i] = (tx, wallet, left - amount)
        self.moves.append((self.head(), wallet, amount))
        assert done.remaining == self.expected(wallet)

    @rule(
        data=st.data(),
        external=st.lists(st.integers(-500, 500), min_size=3, max_size=3),
        full=st.booleans(),
    )
    def snapshot(self, data: st.DataObject, external: list[int], full: bool) -> None:
        """The server's books: what it has of ours up to the new acked seq, plus what other
        counters did. The acked seq only grows (the device never lowers it)."""
        acked = data.draw(st.integers(self.acked, self.head()))
        for wallet, delta in zip(self.server, external, strict=True):
            self.server[wallet] += delta
        ours = {w: sum(c for s, ww, c in self.moves if ww == w and s <= acked) for w in self.server}
        balances = {w: self.server[w] + ours[w] for w in self.server}
        changed = balances if full else {w: b for w, b in balances.items() if b != self.snap[w]}
        self.version += 1
        apply(self.device, self.version, changed, acked, full)
        self.snap, self.acked = balances, acked

    @invariant()
    def the_one_balance_is_its_definition(self) -> None:
        with read_only(self.device.store.engine) as conn:
            snap = q.current_snapshot(conn)
            assert snap is not None
            for wallet in self.server:
                plain = (q.snapshot_balance(conn, wallet) or 0) + q.own_movements_since(
                    conn, self.device.device_id, wallet, snap.self_acked_seq
                )
                one = q.spendable_balance(conn, self.device.device_id, wallet)
                assert one == plain == self.expected(wallet)


OneBalance.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOneBalance = OneBalance.TestCase


def test_without_a_snapshot_the_one_balance_is_the_local_one(tmp_path: Path) -> None:
    gui = Gui()
    seed_local(tmp_path / "demo", FixedClock(NOW))
    engine = open_data_dir_engine(tmp_path / "demo")
    try:
        with read_only(engine) as conn:
            device_id = conn.execute(text("SELECT id FROM devices WHERE is_self")).scalar_one()
            assert q.spendable_balance(conn, device_id, acc.wallet("r-1")) == FUNDS
            try:
                q.spendable_balance(conn, device_id, acc.wallet("nobody"))
            except HeitjeError as exc:
                assert exc.code == "unknown_account"
            else:
                raise AssertionError("an unknown account has no balance")
    finally:
        engine.dispose()
    assert gui.pending.empty()


def test_migration_0004_gives_a_device_with_a_snapshot_its_own_base(tmp_path: Path) -> None:
    """A device that synced under 0003 (a snapshot holding its entries up to seq 2 of 4)
    upgrades: its spendable balance is still the snapshot + its own movements since."""
    clock = FixedClock(NOW)
    seed_local(tmp_path / "old", clock)  # 3 adjustments: seq 1..3
    engine = open_data_dir_engine(tmp_path / "old")
    store = LedgerStore(engine, _key(tmp_path / "old"), clock)
    store.adjust(acc.wallet("r-1"), acc.ISSUANCE, 400, reason="terug", staff_id="s")  # seq 4
    device_id = store.device_id
    store.close()
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        conn.execute(
            text(
                "INSERT INTO sync_snapshot (id, version, ledger_position, self_acked_seq,"
                " server_time, received_at, expires_at, limits)"
                " VALUES (1, 5, 50, 2, :t, :t, :t, '{}')"
            ),
            {"t": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO sync_snapshot_balances VALUES ('wallet:r-1', 9000), ('wallet:r-3', 1)"
            )
        )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with read_only(engine) as conn:
        for resident, snap in (("r-1", 9_000), ("r-2", 0), ("r-3", 1)):
            wallet = acc.wallet(resident)
            plain = snap + q.own_movements_since(conn, device_id, wallet, 2)
            assert q.spendable_balance(conn, device_id, wallet) == plain
        # r-1 was funded at seq 1 (in the snapshot) and paid 400 back at seq 4 (not yet).
        assert q.spendable_balance(conn, device_id, acc.wallet("r-1")) == 9_000 - 400
        assert q.spendable_balance(conn, device_id, acc.wallet("r-3")) == 1 + FUNDS
    engine.dispose()
