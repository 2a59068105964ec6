"""The offline spend policy's invariants (DESIGN.md §6), with Hypothesis."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.offline_policy import (
    DAY_MS,
    REFUSAL_CODES,
    OfflineLimits,
    OfflineSpendRefused,
    SpendContext,
    check_offline_spend,
    day_start_ms,
)

NOW = 1_767_225_600_000 + 9 * 3_600_000  # 2026-01-01 10:00 Amsterdam

cents = st.integers(min_value=0, max_value=1_000_000)
limits_st = st.builds(
    OfflineLimits,
    per_tx_cap=cents,
    resident_daily_cap=cents,
    device_exposure_cap=cents,
    snapshot_max_age_ms=st.integers(0, 7 * DAY_MS),
    clock_tolerance_ms=st.integers(0, 3_600_000),
)


@st.composite
def contexts(draw: st.DrawFn) -> SpendContext:
    server_time = NOW - draw(st.integers(-DAY_MS, 10 * DAY_MS))
    return SpendContext(
        amount=draw(st.integers(-10, 1_000_000)),
        now_ms=NOW,
        snapshot_server_time_ms=server_time,
        snapshot_received_at_ms=server_time + draw(st.integers(-2 * DAY_MS, 2 * DAY_MS)),
        available_balance=draw(st.integers(-100_000, 1_000_000)),
        resident_spent_today=draw(cents),
        device_exposure=draw(cents),
        card_flagged=draw(st.booleans()),
    )


def rules_kept(ctx: SpendContext, lim: OfflineLimits) -> bool:
    skew = ctx.snapshot_received_at_ms - ctx.snapshot_server_time_ms
    return (
        ctx.amount > 0
        and abs(skew) <= lim.clock_tolerance_ms
        and ctx.now_ms >= ctx.snapshot_received_at_ms - lim.clock_tolerance_ms
        and ctx.now_ms - ctx.snapshot_server_time_ms <= lim.snapshot_max_age_ms
        and not ctx.card_flagged
        and ctx.amount <= lim.per_tx_cap
        and ctx.amount <= ctx.available_balance
        and ctx.resident_spent_today + ctx.amount <= lim.resident_daily_cap
        and ctx.device_exposure + ctx.amount <= lim.device_exposure_cap
    )


def accepted(ctx: SpendContext, lim: OfflineLimits) -> bool:
    try:
        check_offline_spend(ctx, lim)
    except OfflineSpendRefused as exc:
        assert exc.code in REFUSAL_CODES
        assert exc.nl.strip() and exc.en.strip() and exc.nl != exc.en
        return False
    return True


@given(contexts(), limits_st)
def test_accepts_exactly_when_every_rule_is_kept(ctx: SpendContext, lim: OfflineLimits) -> None:
    assert accepted(ctx, lim) == rules_kept(ctx, lim)


@given(contexts(), limits_st, st.integers(1, 1_000_000))
def test_a_smaller_spend_is_accepted_when_a_larger_one_is(
    ctx: SpendContext, lim: OfflineLimits, smaller: int
) -> None:
    if accepted(ctx, lim) and smaller < ctx.amount:
        assert accepted(dataclasses.replace(ctx, amount=smaller), lim)


@given(limits_st, limits_st)
def test_tighten_is_the_stricter_of_both(a: OfflineLimits, b: OfflineLimits) -> None:
    t = a.tighten(b)
    assert t == b.tighten(a)
    for name, value in t.to_mapping().items():
        assert value == min(a.to_mapping()[name], b.to_mapping()[name])


@given(
    st.integers(1, 6),
    st.integers(0, 200_000),
    limits_st,
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 20_000)), max_size=60),
)
def test_overdraft_across_offline_counters_is_bounded(
    devices: int,
    balance: int,
    lim: OfflineLimits,
    attempts: list[tuple[int, int]],
) -> None:
    """N counters, one snapshot, one day: each counter sees only its own spends. The total
    they accept never exceeds N * min(balance, daily cap, exposure cap), so the overdraft
    is at most (N - 1) times that."""
    spent = [0] * devices
    for device, amount in attempts:
        device %= devices
        ctx = SpendContext(
            amount=amount,
            now_ms=NOW,
            snapshot_server_time_ms=NOW - 60_000,
            snapshot_received_at_ms=NOW - 60_000,
            available_balance=balance - spent[device],
            resident_spent_today=spent[device],
            device_exposure=spent[device],
        )
        if accepted(ctx, lim):
            spent[device] += amount
    per_device = min(balance, lim.resident_daily_cap, lim.device_exposure_cap)
    assert all(s <= per_device for s in spent)
    assert sum(spent) - balance <= (devices - 1) * per_device


@given(st.integers(0, 4_000_000_000_000))
def test_day_start_is_a_local_midnight_at_or_before_now(now: int) -> None:
    start = day_start_ms(now)
    assert start <= now < start + 25 * 3_600_000
    assert day_start_ms(start) == start


def test_clock_a_day_ahead_and_a_year_behind_have_their_own_codes() -> None:
    lim = OfflineLimits(1000, 1000, 1000, 3 * DAY_MS)
    base = SpendContext(
        amount=100,
        now_ms=NOW,
        snapshot_server_time_ms=NOW,
        snapshot_received_at_ms=NOW,
        available_balance=500,
        resident_spent_today=0,
        device_exposure=0,
    )
    check_offline_spend(base, lim)
    ahead = dataclasses.replace(base, now_ms=NOW + DAY_MS, snapshot_received_at_ms=NOW + DAY_MS)
    behind = dataclasses.replace(
        base, now_ms=NOW - 365 * DAY_MS, snapshot_received_at_ms=NOW - 365 * DAY_MS
    )
    with pytest.raises(OfflineSpendRefused) as exc:
        check_offline_spend(ahead, lim)
    assert exc.value.code == "device_clock_ahead"
    with pytest.raises(OfflineSpendRefused) as exc:
        check_offline_spend(behind, lim)
    assert exc.value.code == "device_clock_behind"
    # A clock turned back after the snapshot arrived.
    with pytest.raises(OfflineSpendRefused) as exc:
        check_offline_spend(dataclasses.replace(base, now_ms=NOW - 365 * DAY_MS), lim)
    assert exc.value.code == "device_clock_behind"
    with pytest.raises(OfflineSpendRefused) as exc:
        check_offline_spend(dataclasses.replace(base, now_ms=NOW + 4 * DAY_MS), lim)
    assert exc.value.code == "snapshot_too_old"


def test_limits_from_mapping_fill_in_and_validate() -> None:
    lim = OfflineLimits.from_mapping({"per_tx_cap": 7})
    assert lim.per_tx_cap == 7
    with pytest.raises(ValueError):
        OfflineLimits.from_mapping({"per_tx_cap": -1})
    with pytest.raises(ValueError):
        OfflineLimits.from_mapping({"per_tx_cap": 1.5})
