"""Entries the server stored as refused, on the device (DESIGN.md §5, *The log and its effect*):
a verified ack's `refused` list is kept in the same transaction that marks the entries synced,
idempotently (a resent batch's duplicate ack names them again), and each refusal has words for
a person in Dutch and English.

Acks are signed with the test server key the device has pinned, exactly as the server signs
them, on real SQLite ledger files; the real server is exercised in tests/e2e.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from kiosk.cli import main as kiosk_main
from kiosk.core.amounts import format_amount
from kiosk.core.clock import FixedClock
from kiosk.core.crypto import SigningKey
from kiosk.core.entries import Entry, Kind
from kiosk.db import sync_queries as q
from kiosk.db.engine import open_data_dir_engine
from kiosk.db.ledger_store import LedgerStore
from kiosk.db.verify import verify_ledger
from kiosk.device import open_device
from kiosk.sync import protocol as p
from kiosk.sync.client import ACK_MISMATCH, BAD_ACK_SIGNATURE, SyncClient, SyncError
from kiosk.sync.refusals import KIND_WORDS, REASONS, refusal_words

from .test_device_snapshot import NOW, SERVER_KEY, Device, snapshot

REVIEW_REASONS = frozenset(v for k, v in vars(p).items() if k.startswith("REVIEW_"))


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    d = Device(tmp_path / "dev", FixedClock(NOW))
    assert d.client.apply_snapshot(snapshot(1)).applied
    yield d
    d.close()


@dataclass
class FolderDevice:
    """A device opened from its data folder, as the CLI opens it (its own key file)."""

    engine: Engine
    store: LedgerStore
    client: SyncClient


def spends(dev: Device | FolderDevice, amounts: Sequence[int]) -> list[Entry]:
    return [dev.store.spend("r1", "m1", a, card_serial="R1CARD") for a in amounts]


def make_ack(
    dev: Device | FolderDevice,
    acked_seq: int,
    refused: Sequence[tuple[Entry, str]] = (),
    *,
    status: p.AckStatus = "applied",
    key: SigningKey = SERVER_KEY,
) -> p.Ack:
    with dev.engine.connect() as conn:
        head = q.entry_hash_at(conn, dev.store.device_id, acked_seq)
    assert head is not None
    return p.sign_ack(
        key,
        p.Ack(
            device_id=dev.store.device_id,
            acked_seq=acked_seq,
            head_hash=head,
            server_time=NOW,
            next_seq=acked_seq + 1,
            status=status,
            applied=acked_seq if status == "applied" else 0,
            refused=[p.RefusedEntry(seq=e.seq, tx_id=e.tx_id, code=c) for e, c in refused],
        ),
    )


def sync_rows(dev: Device) -> dict[str, list[tuple[object, ...]]]:
    with dev.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
            for t in ("ledger_entries", "sync_refused", "sync_status", "balances")
        }


def refused_now(dev: Device) -> list[q.RefusedRow]:
    with dev.engine.connect() as conn:
        return q.refused_entries(conn)


def unsynced(dev: Device) -> int:
    with dev.engine.connect() as conn:
        return q.count_unsynced(conn, dev.store.device_id)


# -- recording from the ack ------------------------------------------------------------------


def test_an_ack_records_the_refused_entries_and_marks_them_synced(device: Device) -> None:
    _, e2, _ = spends(device, [100, 1250, 300])
    assert device.client.accept_ack(make_ack(device, 3, [(e2, p.REVIEW_CARD_REVOKED)])) == 3
    assert refused_now(device) == [
        q.RefusedRow(e2.seq, e2.tx_id, Kind.SPEND, 1250, "card_revoked", e2.wall_time, NOW)
    ]
    # A refused entry is on the server: synced, never sent again.
    assert unsynced(device) == 0
    # The device's own ledger is untouched: its balances are still the sum of its entries.
    assert verify_ledger(device.engine).ok


def test_a_duplicate_ack_records_nothing_twice(device: Device) -> None:
    e1, e2 = spends(device, [100, 200])
    ack = make_ack(device, 2, [(e1, p.CHORE_FULL), (e2, p.NOT_OWN_TILL)])
    device.client.accept_ack(ack)
    first = sync_rows(device)
    device.clock.advance(60_000)
    dup = make_ack(device, 2, [(e1, p.CHORE_FULL), (e2, p.NOT_OWN_TILL)], status="duplicate")
    assert device.client.accept_ack(dup) == 0
    assert device.client.accept_ack(ack) == 0
    assert sync_rows(device) == first


def test_a_lost_first_ack_is_learnt_from_the_duplicate(device: Device) -> None:
    """The first ack never arrived; the resent batch's duplicate ack names the refusals."""
    (e1,) = spends(device, [700])
    assert device.client.accept_ack(
        make_ack(device, 1, [(e1, p.AMOUNT_OUT_OF_BOUNDS)], status="duplicate")
    )
    assert [(r.seq, r.code) for r in refused_now(device)] == [(1, p.AMOUNT_OUT_OF_BOUNDS)]


def test_an_ack_with_a_bad_signature_records_nothing(device: Device) -> None:
    (e1,) = spends(device, [100])
    before = sync_rows(device)
    with pytest.raises(SyncError) as exc:
        device.client.accept_ack(
            make_ack(device, 1, [(e1, p.CHORE_FULL)], key=SigningKey.generate())
        )
    assert exc.value.code == BAD_ACK_SIGNATURE
    assert sync_rows(device) == before


@pytest.mark.parametrize("wrong", ["tx_id", "seq_beyond_ack"])
def test_an_ack_naming_an_entry_we_do_not_have_records_nothing(device: Device, wrong: str) -> None:
    """Marking and recording are one transaction: a bad refusal leaves both undone."""
    e1, e2 = spends(device, [100, 200])
    ack = make_ack(device, 1, [(e1, p.CHORE_FULL)])
    bad = (
        p.RefusedEntry(seq=1, tx_id="00000000-0000-4000-8000-000000000000", code="chore_full")
        if wrong == "tx_id"
        else p.RefusedEntry(seq=2, tx_id=e2.tx_id, code="chore_full")
    )
    forged = p.sign_ack(SERVER_KEY, ack.model_copy(update={"refused": [bad], "signature": ""}))
    before = sync_rows(device)
    with pytest.raises(SyncError) as exc:
        device.client.accept_ack(forged)
    assert exc.value.code == ACK_MISMATCH
    assert sync_rows(device) == before


def test_upload_records_what_the_server_acks_as_refused(device: Device) -> None:
    """The whole upload path: the batch goes out signed, the signed ack comes back naming
    one refused entry, and the device keeps it."""
    entries = spends(device, [100, 200, 300])
    posted: list[p.Batch] = []

    def server(request: httpx.Request) -> httpx.Response:
        batch = p.Batch.model_validate_json(request.content)
        assert p.verify_batch(device.key.verify_key, batch)
        posted.append(batch)
        ack = make_ack(device, batch.last_seq, [(entries[1], p.INSUFFICIENT_BALANCE)])
        return httpx.Response(200, content=ack.model_dump_json())

    with SyncClient(
        device.engine, device.key, device.clock, transport=httpx.MockTransport(server)
    ) as client:
        result = client.upload()
    assert [(b.first_seq, b.last_seq) for b in posted] == [(1, 3)]
    assert [(r.seq, r.code) for r in result.refused] == [(2, p.INSUFFICIENT_BALANCE)]
    assert [(r.seq, r.amount, r.code) for r in refused_now(device)] == [
        (2, 200, "insufficient_balance")
    ]
    assert unsynced(device) == 0


# -- any order of acks, resent and lost ------------------------------------------------------

_TEMPLATE: list[Path] = []


def template() -> Path:
    """One migrated, empty ledger folder, copied for every example (migrating is slow)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="heitje-refused-"))
        open_data_dir_engine(folder).dispose()
        _TEMPLATE.append(folder)
    return _TEMPLATE[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    codes=st.dictionaries(st.integers(1, 5), st.sampled_from(sorted(p.BUSINESS_RULE_CODES))),
    acks=st.lists(st.tuples(st.integers(1, 5), st.integers(0, 2**5 - 1)), min_size=1, max_size=8),
)
def test_acks_in_any_order_record_each_refusal_once(
    codes: dict[int, str], acks: list[tuple[int, int]]
) -> None:
    """Acks arrive in any order, repeated or not at all (each names any part of what the
    server refused up to its seq): the device keeps exactly the refusals it was told of, once,
    with the code the server gave, and marks synced exactly up to the highest ack."""
    folder = Path(tempfile.mkdtemp(prefix="heitje-dev-"))
    try:
        shutil.copytree(template(), folder, dirs_exist_ok=True)
        dev = Device(folder, FixedClock(NOW))
        try:
            assert dev.client.apply_snapshot(snapshot(1)).applied
            entries = spends(dev, [10, 20, 30, 40, 50])
            told: set[int] = set()
            for acked, mask in acks:
                named = [s for s in sorted(codes) if s <= acked and mask >> (s - 1) & 1]
                told.update(named)
                ack = make_ack(dev, acked, [(entries[s - 1], codes[s]) for s in named])
                dev.client.accept_ack(ack)
            rows = refused_now(dev)
            assert [(r.seq, r.tx_id, r.amount, r.code) for r in rows] == [
                (s, entries[s - 1].tx_id, entries[s - 1].amount, codes[s]) for s in sorted(told)
            ]
            assert unsynced(dev) == 5 - max(a for a, _ in acks)
        finally:
            dev.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- words for a person ----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(p.BUSINESS_RULE_CODES | REVIEW_REASONS))
def test_every_code_has_words(code: str) -> None:
    """No code without words: every business rule and review reason the server can name."""
    assert code in REASONS
    words = refusal_words(Kind.SPEND, 1250, code)
    for text_ in (words.nl, words.en):
        assert code not in text_  # plain words, not the code
        assert text_.endswith(".") and len(text_) < 200
    assert words.nl.startswith("Betaling van 12,50 geweigerd door de server: ")
    assert words.en.startswith("Payment of 12.50 refused by the server: ")
    assert REASONS[code].nl != REASONS[code].en


def test_every_kind_has_words() -> None:
    assert set(KIND_WORDS) == set(Kind)


def test_the_words_of_a_revoked_card() -> None:
    words = refusal_words(Kind.SPEND, 1250, p.REVIEW_CARD_REVOKED)
    assert words.nl == "Betaling van 12,50 geweigerd door de server: de pas was ingetrokken."
    assert words.en == "Payment of 12.50 refused by the server: the card was revoked."
    assert words.message("en") == words.en


def test_an_entry_without_money_is_named_without_an_amount() -> None:
    words = refusal_words(Kind.APPROVAL, 0, p.CHORE_FULL)
    assert words.nl == "Goedkeuring van een klus geweigerd door de server: de klus zat al vol."


@given(code=st.text(min_size=1, max_size=40))
def test_an_unknown_code_is_shown_safely(code: str) -> None:
    """A code from a newer server: shown as it is, but never a control character."""
    words = refusal_words(Kind.REFUND, 5, code)
    assert format_amount(5, "nl") in words.nl
    for text_ in (words.nl, words.en):
        assert text_.isprintable() and "\x1b" not in text_


# -- the operator's listing ------------------------------------------------------------------


def test_sync_status_lists_the_refused_entries_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m kiosk sync --status` on the device's own data folder (its key file too)."""
    data_dir = tmp_path / "dev"
    clock = FixedClock(NOW)
    handle = open_device(data_dir, clock)
    dev = FolderDevice(handle.engine, handle.store, SyncClient(handle.engine, handle.key, clock))
    try:
        with dev.engine.begin() as conn:
            q.store_enrolment(
                conn,
                dev.store.device_id,
                url="http://127.0.0.1:9",
                server_public_key=bytes(SERVER_KEY.verify_key).hex(),
                role="merchant-counter",
                name="cli",
                certificate_json="{}",
                now_ms=NOW,
            )
        assert dev.client.apply_snapshot(snapshot(1)).applied
        e1, _ = spends(dev, [1250, 40])
        dev.client.accept_ack(make_ack(dev, 2, [(e1, p.REVIEW_CARD_REVOKED)]))
    finally:
        dev.client.close()
        handle.close()
    capsys.readouterr()
    assert kiosk_main(["sync", "--status", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "entries waiting: 0" in out
    assert "Payment of 12.50 refused by the server: the card was revoked." in out
    assert "Betaling van 12,50 geweigerd door de server: de pas was ingetrokken." in out
    assert "seq 1," in out and "seq 2," not in out
