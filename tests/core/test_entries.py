"""Entries: shape rules, hashing and signing, and the wire parser under Hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core import accounts as acc
from kiosk.core.crypto import SigningKey
from kiosk.core.entries import (
    GENESIS_HASH,
    Entry,
    EntryError,
    Kind,
    check_link,
    compute_hash,
    make_entry,
)
from kiosk.core.errors import HeitjeError

KEY = SigningKey(b"\x01" * 32)
OTHER = SigningKey(b"\x02" * 32)


def spend(seq: int = 1, prev: str = GENESIS_HASH, amount: int = 250) -> Entry:
    return make_entry(
        KEY,
        "dev-a",
        seq,
        prev,
        Kind.SPEND,
        debit=acc.wallet("r1"),
        credit=acc.till("m1"),
        amount=amount,
        refs={"merchant": "m1"},
        wall_time=1_767_225_600_000,
    )


def test_chain_of_entries_checks_out() -> None:
    first = spend()
    second = spend(2, first.entry_hash)
    assert check_link(first, 1, GENESIS_HASH, KEY.verify_key) is None
    assert check_link(second, 2, first.entry_hash, KEY.verify_key) is None
    assert compute_hash(second) == second.entry_hash


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": 251}, "hash_mismatch"),
        ({"seq": 2}, "seq_gap"),
        ({"prev_hash": "1" * 64}, "chain_broken"),
        ({"signature": ""}, "bad_signature"),
    ],
)
def test_any_change_is_caught(change: dict[str, object], code: str) -> None:
    tampered = Entry(**{**spend().__dict__, **change})
    fault = check_link(tampered, 1, GENESIS_HASH, KEY.verify_key)
    assert fault is not None and fault.code == code


def test_other_key_is_caught() -> None:
    fault = check_link(spend(), 1, GENESIS_HASH, OTHER.verify_key)
    assert fault is not None and fault.code == "bad_signature"


@pytest.mark.parametrize(
    ("kind", "debit", "credit", "amount", "refs", "code"),
    [
        (Kind.SPEND, acc.till("m1"), acc.wallet("r1"), 5, {}, "wrong_accounts"),
        (Kind.EARN, acc.wallet("r1"), acc.ISSUANCE, 5, {}, "wrong_accounts"),
        (Kind.SPEND, acc.wallet("r1"), acc.wallet("r1"), 5, {}, "same_account"),
        (Kind.ADJUST, acc.ISSUANCE, acc.wallet("r1"), 5, {}, "reason_missing"),
        (Kind.SPEND, None, acc.till("m1"), 5, {}, "accounts_missing"),
        (Kind.APPROVAL, None, None, 5, {}, "event_with_money"),
        (Kind.SPEND, "bank:x", acc.till("m1"), 5, {}, "unknown_account"),
        (Kind.SPEND, acc.wallet("r1"), acc.till("m1"), 0, {}, "amount_not_positive"),
    ],
)
def test_shape_rules(
    kind: Kind, debit: str | None, credit: str | None, amount: int, refs: dict, code: str
) -> None:
    with pytest.raises(HeitjeError) as exc:
        make_entry(
            KEY,
            "dev-a",
            1,
            GENESIS_HASH,
            kind,
            debit=debit,
            credit=credit,
            amount=amount,
            refs=refs,
            wall_time=0,
        )
    assert exc.value.code == code


def test_wire_round_trip() -> None:
    entry = spend()
    again = Entry.from_wire(entry.to_wire())
    assert again == entry
    assert check_link(again, 1, GENESIS_HASH, KEY.verify_key) is None


@given(
    st.dictionaries(st.sampled_from(list(spend().to_wire())), st.none() | st.text() | st.integers())
)
def test_from_wire_never_crashes_on_garbage(mutation: dict[str, object]) -> None:
    data = {**spend().to_wire(), **mutation}
    try:
        entry = Entry.from_wire(data)
    except EntryError as exc:
        assert exc.code == "entry_malformed"
    else:
        # Whatever parsed must still be judged by the chain check, never trusted as is.
        fault = check_link(entry, 1, GENESIS_HASH, KEY.verify_key)
        assert fault is None or fault.code in {
            "seq_gap",
            "chain_broken",
            "hash_mismatch",
            "bad_signature",
            "bad_shape",
        }


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "250"},
        {"amount": 250.0},
        {"seq": True},
        {"device_id": 5},
        {"refs": {"a": 1.5}},
        {"refs": {"a": True}},
        {"refs": []},
        {"debit": 7},
    ],
)
def test_from_wire_does_not_coerce(change: dict[str, object]) -> None:
    with pytest.raises(EntryError) as exc:
        Entry.from_wire({**spend().to_wire(), **change})
    assert exc.value.code == "entry_malformed"


def test_from_wire_refuses_a_non_object() -> None:
    with pytest.raises(EntryError):
        Entry.from_wire(["not", "an", "entry"])
