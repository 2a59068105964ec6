"""The offline limits' wire names (kiosk.sync.protocol.Limits) and policy names
(kiosk.core.offline_policy.OfflineLimits) are translated in one table, kiosk.core.limit_names,
which the protocol and the device's database layer both use."""

from __future__ import annotations

from dataclasses import fields

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.limit_names import WIRE_TO_POLICY, policy_limits
from kiosk.core.offline_policy import OfflineLimits
from kiosk.sync.protocol import Limits

POLICY_FIELDS = {f.name for f in fields(OfflineLimits)}
caps = st.integers(min_value=0, max_value=10**12)


def test_the_table_covers_every_wire_limit_and_names_policy_fields() -> None:
    assert set(WIRE_TO_POLICY) == set(Limits.model_fields)
    targets = [target for target, _ in WIRE_TO_POLICY.values()]
    assert len(set(targets)) == len(targets)
    assert set(targets) <= POLICY_FIELDS


@given(caps, caps, caps, caps)
def test_wire_limits_become_the_same_policy_limits(tx: int, day: int, exp: int, age: int) -> None:
    wire = Limits(
        per_tx_cap=tx,
        offline_daily_cap_per_resident=day,
        offline_exposure_cap=exp,
        snapshot_max_age_s=age,
    )
    policy = OfflineLimits.from_mapping(wire.as_policy_mapping())
    assert (policy.per_tx_cap, policy.resident_daily_cap, policy.device_exposure_cap) == (
        tx,
        day,
        exp,
    )
    assert policy.snapshot_max_age_ms == age * 1000
    # policy names pass through unchanged, so a stored policy mapping reads back the same
    assert policy_limits(policy.to_mapping()) == policy.to_mapping()


def test_a_value_that_is_not_an_int_is_left_for_the_policy_to_refuse() -> None:
    assert policy_limits({"snapshot_max_age_s": True}) == {"snapshot_max_age_ms": True}
    assert policy_limits({"per_tx_cap": "5"}) == {"per_tx_cap": "5"}
