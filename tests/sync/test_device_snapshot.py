"""The device side of snapshots and offline spending, on real SQLite ledger files.

Snapshots here are signed with a test municipality key the device has pinned, exactly as the
server would sign them; the server itself is exercised in tests/e2e.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from kiosk.core.clock import FixedClock
from kiosk.core.crypto import SigningKey
from kiosk.core.offline_policy import DAY_MS, OfflineSpendRefused
from kiosk.db import sync_queries as q
from kiosk.db.engine import current_revision, head_revision, open_data_dir_engine
from kiosk.db.ledger_store import LedgerStore
from kiosk.db.models import Resident
from kiosk.db.verify import verify_ledger
from kiosk.sync import protocol as p
from kiosk.sync.client import SyncClient, SyncError, _parse, _refusal
from kiosk.sync.loop import SyncLoop, backoff_delay

NOW = 1_767_225_600_000 + 10 * 3_600_000
SERVER_KEY = SigningKey(bytes(range(32)))
LIMITS = p.Limits(
    per_tx_cap=2_000,
    offline_daily_cap_per_resident=3_000,
    offline_exposure_cap=10_000,
    snapshot_max_age_s=24 * 3600,
)


def snapshot(
    version: int,
    *,
    balances: dict[str, int] | None = None,
    flagged: tuple[str, ...] = (),
    revoked_cards: tuple[str, ...] = (),
    base_version: int | None = None,
    server_time: int = NOW,
    key: SigningKey = SERVER_KEY,
    limits: p.Limits = LIMITS,
) -> p.Snapshot:
    snap = p.Snapshot(
        version=version,
        base_version=base_version,
        ledger_position=version * 10,
        server_time=server_time,
        expires_at=server_time + DAY_MS,
        residents=[
            p.ResidentRow(
                id=r,
                name=f"Bewoner {r}",
                neighbourhood_id="nb",
                status="active",
                flagged=r in flagged,
            )
            for r in ("r1", "r2")
        ],
        cards=[p.CardRow(serial="R1CARD", kind="resident", resident_id="r1", status="active")],
        balances=balances if balances is not None else {"wallet:r1": 5_000, "wallet:r2": 0},
        merchants=[p.MerchantRow(id="m1", name="Bakker", neighbourhood_id="nb", status="active")],
        chores=[],
        klusboxes=[],
        limits=limits,
        revoked_cards=list(revoked_cards),
        revoked_residents=[],
        revoked_devices=[],
    )
    return p.sign_snapshot(key, snap)


class Device:
    def __init__(self, data_dir: Path, clock: FixedClock) -> None:
        self.clock = clock
        self.engine: Engine = open_data_dir_engine(data_dir)
        self.key = SigningKey.generate()
        self.store = LedgerStore(self.engine, self.key, clock, role="merchant-counter")
        self.client = SyncClient(self.engine, self.key, clock)
        with self.engine.begin() as conn:
            q.store_enrolment(
                conn,
                self.store.device_id,
                url="http://127.0.0.1:9",
                server_public_key=bytes(SERVER_KEY.verify_key).hex(),
                role="merchant-counter",
                name="test counter",
                certificate_json="{}",
                now_ms=clock.now_ms(),
            )

    def close(self) -> None:
        self.client.close()
        self.store.close()
        self.engine.dispose()

    def state(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table that a refused snapshot must leave alone."""
        tables = (
            "sync_snapshot",
            "sync_snapshot_balances",
            "sync_flags",
            "residents",
            "merchants",
            "cards",
            "balances",
            "ledger_entries",
        )
        with self.engine.connect() as conn:
            return {
                t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in tables
            }


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    d = Device(tmp_path / "dev", FixedClock(NOW))
    yield d
    d.close()


def test_migration_reaches_the_sync_revision(device: Device) -> None:
    assert current_revision(device.engine) == head_revision() == "0006"


def test_without_a_snapshot_the_local_rules_hold(device: Device) -> None:
    assert device.client.apply_snapshot(snapshot(1)).applied
    # A second device without snapshot: the plain local balance check still answers.
    with device.engine.begin() as conn:
        conn.execute(text("DELETE FROM sync_snapshot"))
    with pytest.raises(Exception) as exc:
        device.store.spend("r1", "m1", 100)
    assert getattr(exc.value, "code", None) == "insufficient_balance"


def test_snapshot_apply_then_spends_follow_the_available_balance(device: Device) -> None:
    result = device.client.apply_snapshot(snapshot(1))
    assert result.applied and result.version == 1
    with device.engine.connect() as conn:
        assert q.available_balance(conn, device.store.device_id, "wallet:r1") == 5_000
        assert conn.execute(select(Resident.status).where(Resident.id == "r1")).scalar() == "active"
    device.store.spend("r1", "m1", 2_000, card_serial="R1CARD")
    device.store.spend("r1", "m1", 1_000)
    with device.engine.connect() as conn:
        assert q.available_balance(conn, device.store.device_id, "wallet:r1") == 2_000
    # the daily cap (30.00) is reached before the balance is
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 500)
    assert exc.value.code == "over_daily_cap"
    assert exc.value.nl and exc.value.en
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 2_001)
    assert exc.value.code == "over_transaction_cap"
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r2", "m1", 1)
    assert exc.value.code == "offline_insufficient_balance"
    # the next day the cap starts again; the balance is what is left
    device.clock.advance(14 * 3_600_000)  # 00:00 Amsterdam time, within the snapshot's age
    device.store.spend("r1", "m1", 2_000)
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 1)
    assert exc.value.code == "offline_insufficient_balance"
    # the local ledger stays consistent: snapshot data never touches entries or balances
    assert verify_ledger(device.engine).ok
    assert device.store.balance("wallet:r1") == -5_000


def test_a_newer_snapshot_counts_only_own_entries_it_does_not_hold(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    device.store.spend("r1", "m1", 1_000)  # seq 1
    device.store.spend("r1", "m1", 1_000)  # seq 2
    with device.engine.begin() as conn:
        q.mark_synced(conn, device.store.device_id, 1, "0" * 64, NOW)
    # The server has applied seq 1: its snapshot balance already holds that spend.
    device.client.apply_snapshot(snapshot(2, balances={"wallet:r1": 4_000}), acked_seq_hint=1)
    with device.engine.connect() as conn:
        assert q.current_snapshot(conn).self_acked_seq == 1  # type: ignore[union-attr]
        assert q.available_balance(conn, device.store.device_id, "wallet:r1") == 3_000


def test_an_older_snapshot_is_refused_and_changes_nothing(device: Device) -> None:
    device.client.apply_snapshot(snapshot(5))
    before = device.state()
    with pytest.raises(SyncError) as exc:
        device.client.apply_snapshot(snapshot(4, balances={"wallet:r1": 99_999}))
    assert exc.value.code == p.STALE_SNAPSHOT
    assert device.state() == before
    # the same version again is no news, not an error
    assert not device.client.apply_snapshot(snapshot(5)).applied


def test_a_badly_signed_snapshot_is_refused_and_changes_nothing(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    before = device.state()
    forged = snapshot(2, balances={"wallet:r1": 99_999}, key=SigningKey.generate())
    with pytest.raises(SyncError) as exc:
        device.client.apply_snapshot(forged)
    assert exc.value.code == p.BAD_SNAPSHOT_SIGNATURE
    # a good signature over other contents: a balance changed after signing
    good = snapshot(2)
    tampered = good.model_copy(update={"balances": {"wallet:r1": 99_999}})
    with pytest.raises(SyncError) as exc:
        device.client.apply_snapshot(tampered)
    assert exc.value.code == p.BAD_SNAPSHOT_SIGNATURE
    unsigned = good.model_copy(update={"signature": ""})
    with pytest.raises(SyncError) as exc:
        device.client.apply_snapshot(unsigned)
    assert exc.value.code == p.BAD_SNAPSHOT_SIGNATURE
    assert device.state() == before


def test_a_delta_must_fit_the_version_the_device_has(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    before = device.state()
    with pytest.raises(SyncError) as exc:
        device.client.apply_snapshot(snapshot(3, base_version=2))
    assert exc.value.code == "snapshot_base_mismatch"
    assert device.state() == before
    assert device.client.apply_snapshot(snapshot(2, base_version=1, flagged=("r1",))).applied
    with pytest.raises(OfflineSpendRefused) as err:
        device.store.spend("r1", "m1", 100)
    assert err.value.code == "card_flagged"
    # repaid: the next delta lifts the flag
    device.client.apply_snapshot(snapshot(3, base_version=2))
    device.store.spend("r1", "m1", 100)


def test_revoked_card_is_refused(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1, revoked_cards=("R1CARD",)))
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 100, card_serial="R1CARD")
    assert exc.value.code == "card_revoked"


@pytest.mark.parametrize(
    ("skew_ms", "code"),
    [(DAY_MS, "device_clock_ahead"), (-365 * DAY_MS, "device_clock_behind")],
    ids=["a-day-ahead", "a-year-behind"],
)
def test_a_skewed_device_clock_refuses_offline_spends(
    tmp_path: Path, skew_ms: int, code: str
) -> None:
    dev = Device(tmp_path / "skewed", FixedClock(NOW + skew_ms))
    try:
        dev.client.apply_snapshot(snapshot(1))  # made by the server at NOW
        with pytest.raises(OfflineSpendRefused) as exc:
            dev.store.spend("r1", "m1", 100)
        assert exc.value.code == code
        assert dev.store.head()[0] == 0  # nothing reached the ledger
    finally:
        dev.close()


def test_a_clock_turned_forward_after_the_snapshot_makes_it_too_old(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    device.clock.advance(2 * DAY_MS)
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 100)
    assert exc.value.code == "snapshot_too_old"


def test_exposure_cap_counts_unacknowledged_spends_only(device: Device) -> None:
    tight = LIMITS.model_copy(update={"offline_exposure_cap": 5_000})
    device.client.apply_snapshot(
        snapshot(1, balances={"wallet:r1": 50_000, "wallet:r2": 50_000}, limits=tight)
    )
    device.store.spend("r1", "m1", 2_000)
    device.store.spend("r1", "m1", 1_000)
    device.store.spend("r2", "m1", 2_000)  # 50.00 waiting: the cap
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r2", "m1", 1)
    assert exc.value.code == "over_device_exposure"
    head, head_hash = device.store.head()
    with device.engine.begin() as conn:
        q.mark_synced(conn, device.store.device_id, head, head_hash, NOW)
        assert q.count_unsynced(conn, device.store.device_id) == 0
    device.store.spend("r2", "m1", 1_000)


def test_backoff_grows_with_jitter_and_stays_under_the_cap() -> None:
    rng = random.Random(4)
    assert backoff_delay(0, rng) == 0
    for failures in range(1, 40):
        ceiling = min(900.0, 5.0 * 2 ** (failures - 1))
        delays = {backoff_delay(failures, rng) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jitter: not every kiosk waits the same


def test_loop_step_without_server_reports_offline_and_keeps_entries(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    device.store.spend("r1", "m1", 500)
    seen = []
    loop = SyncLoop(device.client, clock=device.clock, rng=random.Random(1), on_status=seen.append)
    delay = loop.step()
    status = loop.status
    assert not status.online
    assert status.last_error_code == "server_unreachable"
    assert status.entries_waiting == 1
    assert status.snapshot_age_ms == 0 and status.snapshot_version == 1
    assert 2.5 <= delay <= 5.0 and status.failures == 1
    assert seen == [status]
    loop.step()
    assert loop.status.failures == 2
    with device.engine.connect() as conn:
        assert q.count_unsynced(conn, device.store.device_id) == 1
        assert q.stored_status(conn).last_error == "server_unreachable"


def test_a_revoked_or_expired_device_takes_no_spends(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    with device.engine.begin() as conn:
        conn.execute(
            text("UPDATE devices SET certificate = :c WHERE is_self"),
            {"c": json.dumps({"valid_until": NOW - 1})},
        )
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 100)
    assert exc.value.code == "certificate_expired"
    with device.engine.begin() as conn:
        conn.execute(text("UPDATE devices SET certificate = NULL WHERE is_self"))
        conn.execute(
            q.FLAGS.insert().values(kind="device", ident=device.store.device_id, flag="revoked")
        )
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 100)
    assert exc.value.code == "device_revoked"
    assert device.store.head()[0] == 0


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_server_answer_becomes_a_sync_error_or_a_message(body: bytes) -> None:
    """Whatever bytes come back, the client raises its own SyncError with a code, never
    something else (the loop relies on that to back off instead of dying)."""
    assert isinstance(_refusal(body, 400), SyncError)
    for model in (p.Ack, p.Snapshot, p.DeviceCertificate):
        try:
            _parse(model, body)
        except SyncError as exc:
            assert exc.code == "bad_server_answer"


def test_an_unchanged_version_confirmed_later_renews_the_snapshot_age(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    device.clock.advance(2 * DAY_MS)
    with pytest.raises(OfflineSpendRefused) as exc:
        device.store.spend("r1", "m1", 100)
    assert exc.value.code == "snapshot_too_old"
    # the server says "still version 1" at its current time
    result = device.client.apply_snapshot(snapshot(1, server_time=NOW + 2 * DAY_MS))
    assert not result.applied
    device.store.spend("r1", "m1", 100)
    # an old copy of the same version does not make anything fresher (or staler)
    device.client.apply_snapshot(snapshot(1))
    with device.engine.connect() as conn:
        assert q.current_snapshot(conn).server_time == NOW + 2 * DAY_MS  # type: ignore[union-attr]
