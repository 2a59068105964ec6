"""The offline spend policy's invariants (DESIGN.md §6), with Hypothesis.

Every case starts from a spend built to keep every rule (`kept_cases`), with each cap's slack
often exactly zero, so the boundaries are hit. Each rule then has its own property that breaks
that rule alone, by construction, and expects its own code: a check removed from the policy
or moved by one cent fails its property instead of hiding behind another rule's refusal.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import event, given, target
from hypothesis import strategies as st

from kiosk.core.days import day_start_ms
from kiosk.core.offline_policy import (
    REFUSAL_CODES,
    OfflineLimits,
    OfflineSpendRefused,
    SpendContext,
    check_offline_spend,
)

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
NOW = 1_767_225_600_000 + 9 * HOUR_MS  # 2026-01-01 10:00 Amsterdam
MAX_CENTS = 1_000_000

cents = st.integers(min_value=0, max_value=MAX_CENTS)


def room(upto: int) -> st.SearchStrategy[int]:
    """A slack from 0 to `upto`, often exactly 0 (the boundary itself)."""
    return st.one_of(st.just(0), st.integers(0, upto))


def over(upto: int) -> st.SearchStrategy[int]:
    """By how much a rule is broken: 1 to `upto`, often exactly 1 (one past the boundary)."""
    return st.one_of(st.just(1), st.integers(1, upto))


@dataclasses.dataclass(frozen=True)
class Case:
    ctx: SpendContext
    lim: OfflineLimits

    def ctx_with(self, **changes: Any) -> Case:
        return Case(dataclasses.replace(self.ctx, **changes), self.lim)

    def lim_with(self, **changes: Any) -> Case:
        return Case(self.ctx, dataclasses.replace(self.lim, **changes))

    @property
    def skew(self) -> int:
        """How far the device clock was ahead of the server's when the snapshot arrived."""
        return self.ctx.snapshot_received_at_ms - self.ctx.snapshot_server_time_ms

    @property
    def age(self) -> int:
        return self.ctx.now_ms - self.ctx.snapshot_server_time_ms


@st.composite
def kept_cases(draw: st.DrawFn, *, min_amount: int = 1, min_age_ms: int | None = None) -> Case:
    """A spend that keeps every rule of the policy, each with a slack that is often zero."""
    tol = draw(room(HOUR_MS))
    skew = draw(st.integers(-tol, tol))  # device clock minus server clock at receipt
    # Device time passed since receipt; a clock set back by up to the tolerance is allowed.
    lowest = -tol if min_age_ms is None else max(-tol, min_age_ms - skew)
    since = draw(st.integers(lowest, 3 * DAY_MS))
    age = skew + since
    now = draw(st.integers(NOW - 400 * DAY_MS, NOW + 400 * DAY_MS))
    amount = draw(st.integers(min_amount, MAX_CENTS))
    spent, exposure = draw(cents), draw(cents)
    ctx = SpendContext(
        amount=amount,
        now_ms=now,
        snapshot_server_time_ms=now - since - skew,
        snapshot_received_at_ms=now - since,
        available_balance=amount + draw(room(MAX_CENTS)),
        resident_spent_today=spent,
        device_exposure=exposure,
        card_flagged=False,
    )
    lim = OfflineLimits(
        per_tx_cap=amount + draw(room(MAX_CENTS)),
        resident_daily_cap=spent + amount + draw(room(MAX_CENTS)),
        device_exposure_cap=exposure + amount + draw(room(MAX_CENTS)),
        snapshot_max_age_ms=max(age, 0) + draw(room(7 * DAY_MS)),
        clock_tolerance_ms=tol,
    )
    return Case(ctx, lim)


def refusal(case: Case) -> str | None:
    """The code the policy refuses `case` with, or None if it accepts it."""
    try:
        check_offline_spend(case.ctx, case.lim)
    except OfflineSpendRefused as exc:
        assert exc.code in REFUSAL_CODES
        assert exc.nl.strip() and exc.en.strip() and exc.nl != exc.en
        return exc.code
    return None


@given(kept_cases())
def test_a_spend_that_keeps_every_rule_is_accepted(case: Case) -> None:
    assert refusal(case) is None


# One property per rule: the kept case is accepted, the same case with that rule broken is
# refused with that rule's code.


@given(kept_cases(), st.one_of(st.integers(-MAX_CENTS, 0), st.just(True)))
def test_an_amount_that_is_not_a_positive_int_alone_is_refused(case: Case, amount: int) -> None:
    assert refusal(case) is None
    assert refusal(case.ctx_with(amount=amount)) == "amount_not_positive"


@given(kept_cases(min_age_ms=1), st.data())
def test_a_device_clock_ahead_at_receipt_alone_is_refused(case: Case, data: st.DataObject) -> None:
    """Ahead by x at receipt means the snapshot is at least x old now, so the case has an
    age of at least 1 ms and the clock is ahead by at most that age."""
    assert refusal(case) is None
    x = data.draw(over(case.age), label="ahead beyond tolerance")
    received = case.ctx.snapshot_server_time_ms + case.lim.clock_tolerance_ms + x
    assert refusal(case.ctx_with(snapshot_received_at_ms=received)) == "device_clock_ahead"


@given(kept_cases(), over(DAY_MS))
def test_a_device_clock_behind_at_receipt_alone_is_refused(case: Case, x: int) -> None:
    assert refusal(case) is None
    received = case.ctx.snapshot_server_time_ms - case.lim.clock_tolerance_ms - x
    assert refusal(case.ctx_with(snapshot_received_at_ms=received)) == "device_clock_behind"


@given(kept_cases(), over(DAY_MS))
def test_a_device_clock_set_back_since_receipt_alone_is_refused(case: Case, x: int) -> None:
    assert refusal(case) is None
    now = case.ctx.snapshot_received_at_ms - case.lim.clock_tolerance_ms - x
    assert refusal(case.ctx_with(now_ms=now)) == "device_clock_behind"


@given(kept_cases(), over(7 * DAY_MS))
def test_a_snapshot_over_its_maximum_age_alone_is_refused(case: Case, x: int) -> None:
    assert refusal(case) is None
    now = case.ctx.snapshot_server_time_ms + case.lim.snapshot_max_age_ms + x
    assert refusal(case.ctx_with(now_ms=now)) == "snapshot_too_old"


@given(kept_cases())
def test_a_flagged_card_alone_is_refused(case: Case) -> None:
    assert refusal(case) is None
    assert refusal(case.ctx_with(card_flagged=True)) == "card_flagged"


@given(kept_cases(), st.data())
def test_a_spend_over_the_transaction_cap_alone_is_refused(case: Case, data: st.DataObject) -> None:
    assert refusal(case) is None
    x = data.draw(over(case.ctx.amount), label="over the cap")
    assert refusal(case.lim_with(per_tx_cap=case.ctx.amount - x)) == "over_transaction_cap"


@given(kept_cases(), over(2 * MAX_CENTS))
def test_a_spend_over_the_available_balance_alone_is_refused(case: Case, x: int) -> None:
    """The available balance is the snapshot's minus this device's spends since; it may be
    negative already."""
    assert refusal(case) is None
    short = case.ctx_with(available_balance=case.ctx.amount - x)
    assert refusal(short) == "offline_insufficient_balance"


@given(kept_cases(), over(MAX_CENTS))
def test_a_spend_over_the_residents_daily_cap_alone_is_refused(case: Case, x: int) -> None:
    assert refusal(case) is None
    spent = case.lim.resident_daily_cap - case.ctx.amount + x
    assert refusal(case.ctx_with(resident_spent_today=spent)) == "over_daily_cap"


@given(kept_cases(), over(MAX_CENTS))
def test_a_spend_over_the_devices_exposure_cap_alone_is_refused(case: Case, x: int) -> None:
    assert refusal(case) is None
    exposure = case.lim.device_exposure_cap - case.ctx.amount + x
    assert refusal(case.ctx_with(device_exposure=exposure)) == "over_device_exposure"


RULE_PROPERTIES = {
    "amount_not_positive": [test_an_amount_that_is_not_a_positive_int_alone_is_refused],
    "device_clock_ahead": [test_a_device_clock_ahead_at_receipt_alone_is_refused],
    "device_clock_behind": [
        test_a_device_clock_behind_at_receipt_alone_is_refused,
        test_a_device_clock_set_back_since_receipt_alone_is_refused,
    ],
    "snapshot_too_old": [test_a_snapshot_over_its_maximum_age_alone_is_refused],
    "card_flagged": [test_a_flagged_card_alone_is_refused],
    "over_transaction_cap": [test_a_spend_over_the_transaction_cap_alone_is_refused],
    "offline_insufficient_balance": [test_a_spend_over_the_available_balance_alone_is_refused],
    "over_daily_cap": [test_a_spend_over_the_residents_daily_cap_alone_is_refused],
    "over_device_exposure": [test_a_spend_over_the_devices_exposure_cap_alone_is_refused],
}


def test_every_refusal_code_has_its_own_property() -> None:
    assert set(RULE_PROPERTIES) == REFUSAL_CODES


@given(kept_cases(min_amount=2), st.data())
def test_a_smaller_spend_is_accepted_when_a_larger_one_is(case: Case, data: st.DataObject) -> None:
    assert refusal(case) is None
    ctx, lim = case.ctx, case.lim
    # Which money rule the larger spend only just keeps, so the statistics show each one.
    for name, left in (
        ("transaction cap", lim.per_tx_cap - ctx.amount),
        ("balance", ctx.available_balance - ctx.amount),
        ("daily cap", lim.resident_daily_cap - ctx.resident_spent_today - ctx.amount),
        ("exposure cap", lim.device_exposure_cap - ctx.device_exposure - ctx.amount),
    ):
        if left == 0:
            event(f"the larger spend is exactly at the {name}")
    smaller = data.draw(st.integers(1, ctx.amount - 1), label="smaller")
    assert refusal(case.ctx_with(amount=smaller)) is None


limits_st = st.builds(
    OfflineLimits,
    per_tx_cap=cents,
    resident_daily_cap=cents,
    device_exposure_cap=cents,
    snapshot_max_age_ms=st.integers(0, 7 * DAY_MS),
    clock_tolerance_ms=st.integers(0, HOUR_MS),
)


@given(limits_st, limits_st)
def test_tighten_is_the_stricter_of_both(a: OfflineLimits, b: OfflineLimits) -> None:
    t = a.tighten(b)
    assert t == b.tighten(a)
    for name, value in t.to_mapping().items():
        assert value == min(a.to_mapping()[name], b.to_mapping()[name])


# Caps a shop would set, so that most attempts are accepted and overdrafts do happen.
counter_limits = st.builds(
    OfflineLimits,
    per_tx_cap=st.integers(1_000, 20_000),
    resident_daily_cap=st.integers(1, 100_000),
    device_exposure_cap=st.integers(1, 200_000),
    snapshot_max_age_ms=st.integers(60_000, 7 * DAY_MS),
    clock_tolerance_ms=st.integers(0, HOUR_MS),
)


@given(
    st.integers(1, 6),
    st.integers(0, 20_000),
    counter_limits,
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 5_000)), min_size=5, max_size=60),
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
        if refusal(Case(ctx, lim)) is None:
            spent[device] += amount
    overdraft = sum(spent) - balance
    event("overdrawn" if overdraft > 0 else "not overdrawn")
    target(float(overdraft), label="overdraft")
    per_device = min(balance, lim.resident_daily_cap, lim.device_exposure_cap)
    assert all(s <= per_device for s in spent)
    assert sum(spent) - balance <= (devices - 1) * per_device


@given(st.integers(0, 4_000_000_000_000))
def test_day_start_is_a_local_midnight_at_or_before_now(now: int) -> None:
    start = day_start_ms(now)
    assert start <= now < start + 25 * HOUR_MS
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
