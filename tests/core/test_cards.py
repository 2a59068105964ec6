"""The signed card format and the typed serial: every input ends in a Card or a CardError."""

from __future__ import annotations

import base64
import datetime
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from kiosk.core.cards import (
    PAYLOAD_LENGTH,
    SERIAL_ALPHABET,
    SERIAL_LENGTH,
    Card,
    CardError,
    CardKind,
    format_serial,
    issue_card,
    new_serial,
    parse_manual_serial,
    read_card,
    serial_kind,
)

KEY = SigningKey(bytes(range(32)))
OTHER_KEY = SigningKey(bytes(range(1, 33)))
VK = KEY.verify_key
DAY = datetime.date(2026, 11, 22)

QR_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

kinds = st.sampled_from(list(CardKind))
dates = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31))
seeds = st.integers(min_value=0, max_value=2**32)


def make(kind: CardKind = CardKind.RESIDENT, seed: int = 7, day: datetime.date = DAY) -> Card:
    return issue_card(KEY, kind, new_serial(kind, random.Random(seed)), day)


CARD = make()


def code_of(payload: str) -> str:
    with pytest.raises(CardError) as info:
        read_card(payload, VK, revoked={"R0000000"})
    return info.value.code


# --- round trip -----------------------------------------------------------------------------


@given(kind=kinds, seed=seeds, day=dates)
def test_signed_card_round_trips(kind: CardKind, seed: int, day: datetime.date) -> None:
    card = issue_card(KEY, kind, new_serial(kind, random.Random(seed)), day)
    assert len(card.payload) == PAYLOAD_LENGTH
    assert set(card.payload) <= set(QR_ALNUM)
    assert read_card(card.payload, VK) == card
    assert serial_kind(card.serial) is kind
    assert parse_manual_serial(format_serial(card.serial)) == card.serial


def test_each_kind_has_its_own_prefix_letter() -> None:
    letters = {new_serial(kind)[0] for kind in CardKind}
    assert len(letters) == len(CardKind)
    for kind in CardKind:
        assert make(kind).payload.startswith("HT1" + kind.letter)


def test_payload_is_short_and_qr_alphanumeric() -> None:
    assert len(CARD.payload) == PAYLOAD_LENGTH == 121
    assert CARD.payload.startswith("HT1" + CARD.serial + "261122")


def test_scanner_noise_around_the_code_is_tolerated() -> None:
    # Hand scanners end with CR/LF; Caps Lock makes a keyboard wedge type all lower case.
    assert read_card(CARD.payload + "\r\n", VK) == CARD
    assert read_card("  " + CARD.payload.lower() + "\n", VK) == CARD


def test_new_serials_differ_and_are_valid() -> None:
    serials = {new_serial(CardKind.STAFF) for _ in range(1000)}
    assert len(serials) == 1000
    for serial in serials:
        assert len(serial) == SERIAL_LENGTH and serial[0] == "S"
        assert parse_manual_serial(serial) == serial


# --- every error code -----------------------------------------------------------------------


def test_wrong_key_is_bad_signature() -> None:
    with pytest.raises(CardError) as info:
        read_card(CARD.payload, OTHER_KEY.verify_key)
    assert info.value.code == "bad_signature"


def test_card_signed_by_someone_else_is_bad_signature() -> None:
    forged = issue_card(OTHER_KEY, CARD.kind, CARD.serial, CARD.issued)
    assert code_of(forged.payload) == "bad_signature"


def test_altered_fields_are_bad_signature() -> None:
    # A valid other serial and a valid other date: everything parses, only the signature fails.
    other = new_serial(CardKind.RESIDENT, random.Random(99))
    p = CARD.payload
    assert code_of(p[:3] + other + p[12:]) == "bad_signature"
    assert code_of(p[:12] + "261123" + p[18:]) == "bad_signature"
    # The same serial and date under another kind cannot exist: the kind letter is the serial's
    # first character and is covered by the check character.
    assert code_of(p[:3] + "S" + p[4:]) == "bad_check_char"


def test_revoked_serial() -> None:
    with pytest.raises(CardError) as info:
        read_card(CARD.payload, VK, revoked={CARD.serial})
    assert info.value.code == "revoked"
    # A forged card for a revoked serial is a forgery first.
    with pytest.raises(CardError) as info:
        read_card(CARD.payload, OTHER_KEY.verify_key, revoked={CARD.serial})
    assert info.value.code == "bad_signature"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("", "not_a_card"),
        ("   ", "not_a_card"),
        ("https://example.org/menu", "not_a_card"),
        ("4006381333931", "not_a_card"),  # an EAN-13 product barcode
        ("WIFI:S:cafe;T:WPA;P:secret;;", "not_a_card"),
        ("Ht1" + CARD.payload[3:], "not_a_card"),
        ("HT", "truncated"),
        ("HT1", "truncated"),
        (CARD.payload[:60], "truncated"),
        (CARD.payload[:-1], "truncated"),
        (CARD.payload + "A", "bad_encoding"),
        (CARD.payload + "A" * 10_000, "bad_encoding"),
        (CARD.payload[:-1] + "é", "bad_encoding"),
        (CARD.payload[:50] + "a" + CARD.payload[51:], "bad_encoding"),  # mixed case
        (CARD.payload[:-5] + "1" + CARD.payload[-4:], "bad_encoding"),  # not base32
        ("HT2" + CARD.payload[3:], "unknown_version"),
        ("HTX" + CARD.payload[3:], "not_a_card"),
        ("HTTPS://EXAMPLE.ORG/MENU", "not_a_card"),
        ("HT1Q" + CARD.payload[4:], "unknown_kind"),
        ("HT1" + CARD.serial[:3] + "Z" + CARD.payload[7:], "bad_serial"),  # Z not in alphabet
        ("HT1" + CARD.serial[:3] + "O" + CARD.payload[7:], "bad_serial"),
        (CARD.payload[:12] + "261341" + CARD.payload[18:], "bad_date"),
        (CARD.payload[:12] + "26A122" + CARD.payload[18:], "bad_date"),
    ],
)
def test_error_codes(payload: str, code: str) -> None:
    assert code_of(payload) == code


def test_bad_check_char() -> None:
    p = CARD.payload
    wrong = SERIAL_ALPHABET[(SERIAL_ALPHABET.index(p[11]) + 1) % len(SERIAL_ALPHABET)]
    assert code_of(p[:11] + wrong + p[12:]) == "bad_check_char"


def test_spare_base32_bits_must_be_zero() -> None:
    # 64 bytes in base32 leave 3 unused bits in the last character: a string that differs only
    # there would decode to the same signature, so it must be refused, not accepted as equal.
    last = CARD.payload[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    sibling = alphabet[alphabet.index(last) ^ 1]
    assert code_of(CARD.payload[:-1] + sibling) == "bad_encoding"


def test_not_a_string_is_not_a_card() -> None:
    with pytest.raises(CardError) as info:
        read_card(b"HT1...", VK)  # type: ignore[arg-type]
    assert info.value.code == "not_a_card"


def test_every_code_has_plain_dutch_and_english() -> None:
    from kiosk.core import cards

    for code, (nl, en) in cards._MESSAGES.items():
        error = CardError(code, nl, en)
        assert error.message("nl") == nl and error.message("en") == en
        assert code not in nl and "Exception" not in en
        assert nl.endswith(".") and en.endswith(".")


def test_issue_card_refuses_a_serial_of_another_kind_or_with_a_bad_check() -> None:
    staff = new_serial(CardKind.STAFF, random.Random(1))
    with pytest.raises(CardError) as info:
        issue_card(KEY, CardKind.RESIDENT, staff, DAY)
    assert info.value.code == "bad_serial"
    with pytest.raises(CardError) as info:
        issue_card(KEY, CardKind.STAFF, staff[:-1] + ("0" if staff[-1] != "0" else "1"), DAY)
    assert info.value.code == "bad_check_char"
    with pytest.raises(CardError) as info:
        issue_card(KEY, CardKind.STAFF, staff, datetime.date(2100, 1, 1))
    assert info.value.code == "bad_date"


# --- Hypothesis: every string ends in a Card or a CardError -----------------------------------


def outcome(payload: str) -> Card | str:
    try:
        return read_card(payload, VK)
    except CardError as error:
        assert error.code and error.message("nl") and error.message("en")
        return error.code


@given(st.text(max_size=400))
@settings(max_examples=500)
def test_any_text_gives_card_or_card_error(payload: str) -> None:
    result = outcome(payload)
    assert not isinstance(result, Card)  # no random string is a valid signed card


@given(st.binary(max_size=300))
def test_binary_decoded_as_latin1_or_ascii(raw: bytes) -> None:
    outcome(raw.decode("latin-1"))
    outcome(raw.decode("ascii", errors="replace"))
    outcome(bytes(b & 0x7F for b in raw).decode("ascii"))  # every ASCII byte, controls too
    outcome(base64.b32encode(raw).decode())
    outcome("HT1" + base64.b32encode(raw).decode().rstrip("="))


@given(st.text(alphabet=QR_ALNUM, max_size=200))
def test_qr_alphanumeric_noise(payload: str) -> None:
    outcome("HT1" + payload)
    outcome(payload)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[set[tuple[object, ...]], str]:
    card = make(draw(kinds), draw(seeds), draw(dates))
    p = card.payload
    allowed = {(card.kind, card.serial, card.issued)}
    op = draw(st.sampled_from(["replace", "delete", "insert", "swap", "truncate", "splice"]))
    i = draw(st.integers(0, len(p) - 1))
    ch = draw(st.one_of(st.sampled_from(QR_ALNUM), st.characters()))
    if op == "replace":
        p = p[:i] + ch + p[i + 1 :]
    elif op == "delete":
        p = p[:i] + p[i + 1 :]
    elif op == "insert":
        p = p[:i] + ch + p[i:]
    elif op == "swap":
        j = min(i + 1, len(p) - 1)
        p = p[:i] + p[j] + p[i] + p[j + 1 :] if j > i else p
    elif op == "truncate":
        p = p[:i]
    else:
        other = make(draw(kinds), draw(seeds), draw(dates))
        allowed.add((other.kind, other.serial, other.issued))
        p = p[:i] + other.payload[i:]
    return allowed, p


@given(mutated())
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_payloads_are_never_another_card(
    case: tuple[set[tuple[object, ...]], str],
) -> None:
    allowed, payload = case
    result = outcome(payload)
    if isinstance(result, Card):
        # Only a no-op mutation (a swap of equal neighbours, whitespace added at an end, a
        # splice at position 0) may succeed, and then it is one of the cards it was made from.
        assert (result.kind, result.serial, result.issued) in allowed


@given(kind=kinds, seed=seeds, day=dates, data=st.data())
@settings(max_examples=500)
def test_one_changed_character_is_always_caught(
    kind: CardKind, seed: int, day: datetime.date, data: st.DataObject
) -> None:
    card = make(kind, seed, day)
    i = data.draw(st.integers(0, len(card.payload) - 1))
    ch = data.draw(st.one_of(st.sampled_from(QR_ALNUM), st.characters()))
    assume(ch != card.payload[i])
    changed = card.payload[:i] + ch + card.payload[i + 1 :]
    result = outcome(changed)
    assert isinstance(result, str), f"{changed!r} was accepted"


def test_every_single_character_change_is_caught_exhaustively() -> None:
    # Every position x every QR alphanumeric character, for one card of each kind.
    for kind in CardKind:
        p = make(kind).payload
        for i in range(len(p)):
            for ch in QR_ALNUM:
                if ch != p[i]:
                    assert isinstance(outcome(p[:i] + ch + p[i + 1 :]), str)


# --- typed serials ----------------------------------------------------------------------------


def all_serial_errors(serial: str) -> list[str]:
    """Every single substitution and adjacent swap of `serial` that is NOT caught."""
    missed = []
    for i in range(len(serial)):
        for ch in SERIAL_ALPHABET:
            if ch != serial[i]:
                typo = serial[:i] + ch + serial[i + 1 :]
                try:
                    parse_manual_serial(typo)
                    missed.append(typo)
                except CardError:
                    pass
    for i in range(len(serial) - 1):
        if serial[i] != serial[i + 1]:
            typo = serial[:i] + serial[i + 1] + serial[i] + serial[i + 2 :]
            try:
                parse_manual_serial(typo)
                missed.append(typo)
            except CardError:
                pass
    return missed


@given(kind=kinds, seed=seeds)
def test_check_char_catches_every_substitution_and_swap(kind: CardKind, seed: int) -> None:
    assert all_serial_errors(new_serial(kind, random.Random(seed))) == []


def test_check_char_scheme_is_proven_for_every_position_and_pair() -> None:
    # The check is sum(w_i * v_i) == 0 mod 31 with weights 1..9. A substitution at position i
    # shifts the sum by w_i * d, a swap at i by (w_i - w_(i+1)) * d, for d in 1..30. Over the
    # prime 31 neither can be 0; check every case rather than trusting the algebra.
    n, mod = SERIAL_LENGTH, len(SERIAL_ALPHABET)
    assert mod == 31
    for d in range(1, mod):
        for i in range(n):
            assert (i + 1) * d % mod != 0
        for i in range(n - 1):
            assert ((i + 1) - (i + 2)) * d % mod != 0


def test_manual_entry_is_forgiving_about_layout() -> None:
    s = CARD.serial
    assert parse_manual_serial(s.lower()) == s
    assert parse_manual_serial(format_serial(s)) == s
    assert parse_manual_serial(" " + "-".join(format_serial(s).split()) + " \n") == s
    # O / I / L are read as 0 / 1 / 1 (they are not in the alphabet).
    zeroes = new_serial(CardKind.KLUSBOX, random.Random(3))
    for seed in range(200):
        zeroes = new_serial(CardKind.KLUSBOX, random.Random(seed))
        if "0" in zeroes[1:] or "1" in zeroes[1:]:
            break
    assert parse_manual_serial(zeroes.replace("0", "o").replace("1", "l")) == zeroes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_serial"),
        ("   ", "bad_serial"),
        ("R12", "bad_serial"),
        ("R" * 40, "bad_serial"),
        ("X2345678A", "unknown_kind"),
        ("R234567Z8", "bad_serial"),
        ("R2345678é", "bad_serial"),
        ("x" * 100_000, "bad_serial"),
    ],
)
def test_manual_serial_errors(text: str, code: str) -> None:
    with pytest.raises(CardError) as info:
        parse_manual_serial(text)
    assert info.value.code == code


@given(st.text(max_size=60))
def test_manual_serial_any_text(text: str) -> None:
    try:
        serial = parse_manual_serial(text)
    except CardError:
        return
    assert len(serial) == SERIAL_LENGTH and serial_kind(serial) in CardKind


def test_every_error_code_is_reachable() -> None:
    from kiosk.core import cards

    other = OTHER_KEY.verify_key
    p = CARD.payload
    reached = set()
    for payload, key, revoked in [
        ("hello", VK, frozenset()),
        (p + "A", VK, frozenset()),
        (p[:-1], VK, frozenset()),
        ("HT9" + p[3:], VK, frozenset()),
        ("HT1Q" + p[4:], VK, frozenset()),
        ("HT1" + p[3:6] + "Z" + p[7:], VK, frozenset()),
        (p[:11] + ("0" if p[11] != "0" else "1") + p[12:], VK, frozenset()),
        (p[:12] + "261341" + p[18:], VK, frozenset()),
        (p, other, frozenset()),
        (p, VK, frozenset({CARD.serial})),
    ]:
        with pytest.raises(CardError) as info:
            read_card(payload, key, revoked)
        reached.add(info.value.code)
    assert reached == set(cards._MESSAGES)
