"""The wire protocol on its own: round trips, signatures, and Hypothesis on the parsers."""

from __future__ import annotations

import contextlib
import json

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from kiosk.core.canonical import canonical_bytes
from kiosk.core.crypto import device_id_for
from kiosk.core.entries import GENESIS_HASH, Entry, Kind, make_entry
from kiosk.sync import protocol as p

KEY = SigningKey.generate()
OTHER = SigningKey.generate()
DEV = device_id_for(KEY.verify_key)


def entries(n: int, amount: int = 100) -> list[Entry]:
    out: list[Entry] = []
    prev = GENESIS_HASH
    for i in range(n):
        e = make_entry(
            KEY,
            DEV,
            i + 1,
            prev,
            Kind.SPEND,
            debit="wallet:r-1",
            credit="till:m-1",
            amount=amount + i,
            refs={"merchant": "m-1", "resident": "r-1", "naam": "Zoë ☕"},
            wall_time=1_795_000_000_000 + i,
        )
        out.append(e)
        prev = e.entry_hash
    return out


BATCH = p.make_batch(KEY, entries(3))
RAW = BATCH.model_dump_json().encode()


def test_batch_round_trip_is_byte_exact() -> None:
    parsed = p.Batch.model_validate_json(RAW)
    assert parsed == BATCH
    assert p.verify_batch(KEY.verify_key, parsed)
    assert not p.verify_batch(OTHER.verify_key, parsed)
    assert p.signed_bytes(parsed, p.BATCH_DOMAIN) == canonical_bytes(p.BATCH_DOMAIN, parsed.body())
    assert [w.to_entry().to_wire() for w in parsed.entries] == [
        w.model_dump(mode="json") for w in BATCH.entries
    ]


def test_every_signed_message_verifies_and_detects_change() -> None:
    limits = p.Limits(
        per_tx_cap=1, offline_daily_cap_per_resident=2, offline_exposure_cap=3, snapshot_max_age_s=4
    )
    cert = p.sign_certificate(
        KEY,
        p.DeviceCertificate(
            device_id=DEV,
            role="merchant-counter",
            public_key=bytes(KEY.verify_key).hex(),
            limits=limits,
            valid_until=2,
            issued_at=1,
            bindings=p.Bindings(merchant_id="m-1"),
        ),
    )
    refused = [p.RefusedEntry(seq=2, tx_id="t-2", code=p.NOT_OWN_TILL)]
    ack = p.sign_ack(
        KEY,
        p.Ack(
            device_id=DEV,
            acked_seq=3,
            head_hash="a" * 64,
            server_time=5,
            next_seq=4,
            refused=refused,
        ),
    )
    snap = p.sign_snapshot(
        KEY,
        p.Snapshot(
            version=7,
            ledger_position=3,
            server_time=5,
            expires_at=6,
            residents=[],
            cards=[],
            balances={"wallet:r-1": -5},
            merchants=[],
            chores=[],
            klusboxes=[],
            limits=limits,
            revoked_cards=["C-1"],
            revoked_residents=[],
            revoked_devices=[],
        ),
    )
    for msg, verify in (
        (cert, p.verify_certificate),
        (ack, p.verify_ack),
        (snap, p.verify_snapshot),
    ):
        again = type(msg).model_validate_json(msg.model_dump_json())
        assert verify(KEY.verify_key, again)
        assert not verify(OTHER.verify_key, again)
        assert not verify(KEY.verify_key, again.model_copy(update={"signature": ""}))
    assert not p.verify_ack(KEY.verify_key, ack.model_copy(update={"acked_seq": 4}))
    # the refused list and the bindings are signed too: nobody in between hides a refusal or
    # rebinds a counter to another shop
    assert not p.verify_ack(KEY.verify_key, ack.model_copy(update={"refused": []}))
    rebound = cert.model_copy(update={"bindings": p.Bindings(merchant_id="m-2")})
    assert not p.verify_certificate(KEY.verify_key, rebound)
    assert not p.verify_snapshot(KEY.verify_key, snap.model_copy(update={"balances": {}}))
    # a certificate's signature never passes as an ack's: domain separation
    forged = p.Ack.model_validate({**ack.body(), "signature": cert.signature})
    assert not p.verify_ack(KEY.verify_key, forged)
    assert limits.as_policy_mapping()["snapshot_max_age_ms"] == 4000


def test_floats_and_unknown_fields_are_refused() -> None:
    body = json.loads(RAW)
    body["entries"][0]["amount"] = 100.0
    with pytest.raises(pydantic.ValidationError):
        p.Batch.model_validate_json(json.dumps(body))
    body = json.loads(RAW)
    body["extra"] = 1
    with pytest.raises(pydantic.ValidationError):
        p.Batch.model_validate_json(json.dumps(body))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(RAW) - 1), st.integers(1, 255))
def test_any_changed_byte_is_refused_or_harmless(pos: int, xor: int) -> None:
    data = bytearray(RAW)
    data[pos] ^= xor
    try:
        parsed = p.Batch.model_validate_json(bytes(data))
    except pydantic.ValidationError:
        return
    # it still parses: then either the signature catches it, or nothing that is signed changed
    if p.verify_batch(KEY.verify_key, parsed):
        assert p.signed_bytes(parsed, p.BATCH_DOMAIN) == p.signed_bytes(BATCH, p.BATCH_DOMAIN)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200)
@given(json_values)
def test_arbitrary_json_never_crashes_the_parsers(value: object) -> None:
    text = json.dumps(value)
    for model in (p.Batch, p.EnrolRequest, p.Ack, p.Snapshot, p.DeviceCertificate):
        with contextlib.suppress(pydantic.ValidationError):
            model.model_validate_json(text)


@settings(max_examples=100)
@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789-", max_size=20))
def test_enrol_code_normalisation(code: str) -> None:
    from kiosk.server.enrolment import code_hash

    assert code_hash(code) == code_hash(code.lower().replace("-", ""))
    assert code_hash(code + "A") != code_hash(code + "B")


ref_values = st.text(max_size=12).filter(lambda x: "\x00" not in x) | st.integers(-(2**62), 2**62)
ident = st.from_regex(r"[A-Za-z0-9._:@-]{1,12}", fullmatch=True)


@settings(max_examples=200)
@given(
    refs=st.dictionaries(ident, ref_values, max_size=4),
    amount=st.integers(1, 10**9),
    wall=st.integers(0, 2**62),
    account=st.one_of(st.none(), ident),
)
def test_fast_canonical_equals_canonical_bytes(
    refs: dict[str, str | int], amount: int, wall: int, account: str | None
) -> None:
    e = entries(1)[0]
    wire = {**e.to_wire(), "refs": refs, "amount": amount, "wall_time": wall, "debit": account}
    w = p.WireEntry.model_validate(wire)
    body, whole = p.entry_json(w)
    assert b"heitje/entry/v1\x00" + body.encode() == Entry.from_wire(wire).signed_bytes()
    assert whole == json.dumps(wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    batch = p.Batch(
        device_id=DEV, key_epoch=1, first_seq=1, last_seq=1, prev_hash="0" * 64, entries=[w]
    )
    assert p.batch_message(batch, [whole]) == canonical_bytes(p.BATCH_DOMAIN, batch.body())
