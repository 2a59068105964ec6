"""Amounts and canonical bytes: parsers of outside input never crash, and round-trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.amounts import AmountError, check_amount, format_amount, parse_amount
from kiosk.core.canonical import NotCanonical, canonical_bytes, canonical_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["nl", "en"]))
def test_format_then_parse_round_trips(cents: int, lang: str) -> None:
    text = format_amount(cents, lang)
    if cents >= 0:
        assert parse_amount(text) == cents
    else:
        with pytest.raises(AmountError):
            parse_amount(text)


@given(st.text())
def test_parse_amount_never_crashes(text: str) -> None:
    try:
        value = parse_amount(text)
    except AmountError as exc:
        assert exc.code == "amount_unreadable"
        assert text in exc.message("nl")
    else:
        assert isinstance(value, int) and value >= 0


@pytest.mark.parametrize(
    ("text", "cents"), [("12", 1200), ("12,5", 1250), ("12.50", 1250), (" 0,05 ", 5), (",5", 50)]
)
def test_parse_amount_examples(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "1,234", "1.2.3", "abc", "12,-5", "-3", "1e3", "٣"])
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


@pytest.mark.parametrize("bad", [0, -1, True, 1.0, "5", None])
def test_check_amount_refuses_non_positive_and_non_int(bad: object) -> None:
    with pytest.raises(AmountError):
        check_amount(bad)


@given(json_values)
def test_canonical_json_is_stable_and_parses_back(value: object) -> None:
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


@given(st.dictionaries(st.text(), st.integers(), min_size=2))
def test_key_order_does_not_matter(d: dict[str, int]) -> None:
    assert canonical_json(dict(reversed(list(d.items())))) == canonical_json(d)


@pytest.mark.parametrize("bad", [1.5, {"a": 0.1}, [1, {"b": float("nan")}], {1: "x"}, object()])
def test_floats_and_foreign_types_are_refused(bad: object) -> None:
    with pytest.raises(NotCanonical):
        canonical_json(bad)


def test_domain_tag_separates_signatures() -> None:
    assert canonical_bytes("heitje/entry/v1", {"a": 1}) != canonical_bytes(
        "heitje/ack/v1", {"a": 1}
    )
    with pytest.raises(NotCanonical):
        canonical_bytes("", {})
