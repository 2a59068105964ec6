"""The attack list of issue 4 at the protocol level. What is not authentic or not in its chain
(signatures, hashes, order, gaps, forks, unknown or revoked devices) refuses the whole batch,
with its own error code, and nothing reaches the ledger. An authentic entry that is malformed
in itself, dated outside the clock window or breaks a rule is stored as refused, with its code:
the batch is acked and the device carries on (issue 7). Real server over HTTP, SQLite and
PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy import select

from kiosk.core.clock import FixedClock
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, LiveServer, SimDevice
from tests.server.trust_kit import Kit, forge

DAY = 86_400_000


def resign(key: SigningKey, body: dict[str, Any]) -> dict[str, Any]:
    """What a device holding the key (or a buggy one) would send after changing the body."""
    body = {**body, "signature": ""}
    return p.sign_batch(key, p.Batch.model_validate(body)).model_dump(mode="json")


def setup(live: LiveServer, n: int = 3) -> SimDevice:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    dev = live.enrol()
    for i in range(n):
        dev.spend("r-1", 100 + i)
    return dev


def refused(live: LiveServer, body: Any, code: str, status: int | None = None) -> dict[str, Any]:
    before = live.ledger_count()
    wallet = admin.balance(live.server, "wallet:r-1")
    r = live.upload(body)
    assert r.status_code >= 400 and r.status_code < 500, r.text
    if status is not None:
        assert r.status_code == status
    err = p.ErrorBody.model_validate(r.json())
    assert err.code == code, err
    assert err.message_nl and err.message_en
    assert live.ledger_count() == before
    assert admin.balance(live.server, "wallet:r-1") == wallet
    answer: dict[str, Any] = r.json()
    return answer


def entry_refused(live: LiveServer, batch: p.Batch, codes: dict[int, str]) -> p.Ack:
    """The batch is acked (applied), with exactly these entries refused, and each of them is
    stored as refused and changed no balance."""
    before = admin.balance(live.server, "wallet:r-1")
    applied = [w for w in batch.entries if w.seq not in codes]
    change = sum(w.amount for w in applied if w.credit == "wallet:r-1") - sum(
        w.amount for w in applied if w.debit == "wallet:r-1"
    )
    ack = live.ack(batch)
    assert ack.status == "applied" and ack.acked_seq == batch.last_seq
    assert {r.seq: r.code for r in ack.refused} == codes
    assert admin.balance(live.server, "wallet:r-1") == before + change
    with live.server.engine.connect() as conn:
        stored = dict(
            conn.execute(
                select(t.ledger.c.seq, t.ledger.c.refusal).where(
                    t.ledger.c.device_id == batch.device_id, t.ledger.c.status == "refused"
                )
            ).all()
        )
    assert {s: c for s, c in stored.items() if s in codes} == codes
    return ack


def test_replayed_batch_gets_the_same_ack_and_nothing_twice(live: LiveServer) -> None:
    dev = setup(live)
    dev.spend("r-404", 5)  # refused (unknown account): the replay names it again
    batch = dev.batch()
    first = p.Ack.model_validate(live.upload(batch).json())
    assert first.status == "applied" and first.applied == 4
    assert [(r.seq, r.code) for r in first.refused] == [(4, p.UNKNOWN_ACCOUNT)]
    again = live.upload(batch)
    assert again.status_code == 200
    ack = p.Ack.model_validate(again.json())
    assert p.verify_ack(live.server.verify_key, ack)
    assert ack.status == "duplicate" and ack.applied == 0
    assert (ack.acked_seq, ack.head_hash, ack.next_seq, ack.refused) == (
        first.acked_seq,
        first.head_hash,
        first.next_seq,
        first.refused,
    )
    assert live.ledger_count() == 4
    assert admin.balance(live.server, "wallet:r-1") == 10_000 - 303


def test_bit_flipped_in_an_amount(live: LiveServer) -> None:
    dev = setup(live)
    body = dev.batch().model_dump(mode="json")
    flipped = copy.deepcopy(body)
    flipped["entries"][1]["amount"] ^= 1
    refused(live, flipped, p.BAD_BATCH_SIGNATURE, 401)
    # Even with a valid batch signature the entry's own hash gives it away ...
    refused(live, resign(dev.key, flipped), p.BAD_ENTRY_HASH, 422)
    # ... and with the hash recomputed, the entry signature.
    import hashlib

    from kiosk.core.entries import Entry

    e = Entry.from_wire(flipped["entries"][1])
    flipped["entries"][1]["entry_hash"] = hashlib.sha256(e.signed_bytes()).hexdigest()
    refused(live, resign(dev.key, flipped), p.BAD_ENTRY_SIGNATURE, 422)


def test_entries_reordered(live: LiveServer) -> None:
    dev = setup(live)
    body = dev.batch().model_dump(mode="json")
    body["entries"][0], body["entries"][1] = body["entries"][1], body["entries"][0]
    refused(live, body, p.BAD_BATCH_SIGNATURE)
    refused(live, resign(dev.key, body), p.SEQ_NOT_CONTIGUOUS, 409)


def test_signature_dropped(live: LiveServer) -> None:
    dev = setup(live)
    body = dev.batch().model_dump(mode="json")
    body["signature"] = ""
    refused(live, body, p.SIGNATURE_MISSING, 401)
    del body["signature"]
    refused(live, body, p.SIGNATURE_MISSING, 401)


def test_entry_signature_dropped(live: LiveServer) -> None:
    dev = setup(live)
    body = dev.batch().model_dump(mode="json")
    body["entries"][2]["signature"] = ""
    refused(live, resign(dev.key, body), p.BAD_ENTRY_SIGNATURE, 422)


def test_batch_signed_by_another_devices_key(live: LiveServer) -> None:
    dev = setup(live)
    other = live.enrol(name="andere toonbank")
    body = dev.batch().model_dump(mode="json")
    refused(live, resign(other.key, body), p.BAD_BATCH_SIGNATURE, 401)


def test_unknown_device(live: LiveServer) -> None:
    dev = setup(live)
    stranger = SimDevice(key=SigningKey.generate(), cert=dev.cert, clock=live.clock)
    stranger.spend("r-1", 100)
    refused(live, stranger.batch(), p.UNKNOWN_DEVICE, 403)


def test_revoked_device(live: LiveServer) -> None:
    dev = setup(live)
    assert live.upload(dev.batch(1, 1)).status_code == 200
    assert live.server.set_device_status(dev.device_id, "revoked", "stolen")
    refused(live, dev.batch(2, 3), p.DEVICE_REVOKED, 403)
    r = live.snapshot(dev)  # nor does it get a snapshot any more
    assert r.status_code == 403 and r.json()["code"] == p.DEVICE_REVOKED
    snap = live.snapshot_ok(live.enrol(name="andere toonbank"))
    assert dev.device_id in snap.revoked_devices


def test_gap_before_the_batch(live: LiveServer) -> None:
    dev = setup(live, n=4)
    err = refused(live, dev.batch(3, 4), p.GAP, 409)
    assert err["next_seq"] == 1


def test_gap_inside_the_batch_applies_the_prefix(live: LiveServer) -> None:
    dev = setup(live, n=5)
    body = dev.batch().model_dump(mode="json")
    del body["entries"][2]  # seq 3 lost
    r = live.upload(resign(dev.key, body))
    assert r.status_code == 200, r.text
    ack = p.Ack.model_validate(r.json())
    assert p.verify_ack(live.server.verify_key, ack)
    assert (ack.status, ack.acked_seq, ack.next_seq, ack.applied) == ("partial", 2, 3, 2)
    assert live.ledger_count() == 2
    # the very same bytes again: the same partial answer, nothing new
    again = p.Ack.model_validate(live.upload(resign(dev.key, body)).json())
    assert (again.status, again.acked_seq, again.next_seq, again.applied) == ("partial", 2, 3, 0)
    assert again.head_hash == dev.entries[1].entry_hash
    # the device resends from the seq the ack names
    ack2 = p.Ack.model_validate(live.upload(dev.batch(3, 5)).json())
    assert (ack2.status, ack2.acked_seq) == ("applied", 5)
    assert live.ledger_count() == 5


def test_fork_quarantines_the_device(live: LiveServer) -> None:
    dev = setup(live)
    assert live.upload(dev.batch()).status_code == 200
    # The same key restored from a backup writes a different seq 2 and 3.
    twin = SimDevice(key=dev.key, cert=dev.cert, clock=live.clock, entries=dev.entries[:1])
    twin.spend("r-1", 999)
    twin.spend("r-1", 998)
    refused(live, twin.batch(2, 3), p.FORK_DETECTED, 409)
    with live.server.engine.connect() as conn:
        status = conn.execute(
            select(t.devices.c.status).where(t.devices.c.id == dev.device_id)
        ).scalar_one()
        alerts = conn.execute(
            select(t.audit_log.c.event).where(
                t.audit_log.c.severity == "alert", t.audit_log.c.device_id == dev.device_id
            )
        ).scalars()
        assert list(alerts) == ["fork"]
    assert status == "quarantined"
    dev.spend("r-1", 1)
    refused(live, dev.batch(4, 4), p.DEVICE_QUARANTINED, 403)


def test_device_clock_a_day_ahead(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    dev = live.enrol()
    dev.spend("r-1", 100)
    dev.spend("r-1", 100, wall_time=NOW + DAY)
    entry_refused(live, dev.batch(), {2: p.CLOCK_AHEAD})
    assert admin.balance(live.server, "wallet:r-1") == 10_000 - 100
    # the clock put right, the device's next batch is acked as ever
    dev.spend("r-1", 100)
    entry_refused(live, dev.batch(3, 3), {})
    assert admin.balance(live.server, "wallet:r-1") == 10_000 - 200


def test_device_clock_a_year_behind(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    dev = live.enrol()
    dev.spend("r-1", 100, wall_time=NOW - 365 * DAY)
    entry_refused(live, dev.batch(), {1: p.CLOCK_BEHIND})
    dev.spend("r-1", 100)
    entry_refused(live, dev.batch(2, 2), {})


def test_a_week_offline_is_fine(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    live.clock.ms = NOW - 8 * DAY  # enrolled more than a week ago
    dev = live.enrol()
    dev.clock = FixedClock(NOW - 7 * DAY)
    for _ in range(3):
        dev.spend("r-1", 100)
    live.clock.ms = NOW
    r = live.upload(dev.batch())
    assert r.status_code == 200, r.text
    assert live.ledger_count() == 3


def test_expired_certificate(live: LiveServer) -> None:
    dev = setup(live)
    live.clock.ms = NOW + 400 * DAY
    refused(live, dev.batch(), p.CERT_EXPIRED, 403)


def test_entry_of_another_device_inside_a_batch(live: LiveServer) -> None:
    dev = setup(live)
    other = live.enrol(name="andere")
    other.spend("r-1", 5)
    body = dev.batch().model_dump(mode="json")
    body["entries"][0] = other.entries[0].to_wire()
    refused(live, resign(dev.key, body), p.ENTRY_MALFORMED, 422)


def test_settle_adjust_or_expire_from_a_device_is_not_allowed(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    dev = live.enrol()
    dev.spend("r-1", 100)
    dev.add(Kind.SETTLE, debit="till:m-1", credit="redemption", amount=100, refs={"x": "y"})
    dev.add(Kind.ADJUST, debit="issuance", credit="wallet:r-1", amount=5, refs={"reason": "ik"})
    dev.add(Kind.EXPIRE, debit="wallet:r-1", credit="writeoff", amount=5, refs={"x": "y"})
    entry_refused(live, dev.batch(), {s: p.ROLE_NOT_ALLOWED for s in (2, 3, 4)})
    assert admin.balance(live.server, "till:m-1") == 100


def test_unknown_resident(live: LiveServer) -> None:
    live.seed()
    dev = live.enrol()
    dev.spend("r-404", 100)
    entry_refused(live, dev.batch(), {1: p.UNKNOWN_ACCOUNT})


def test_entries_malformed_in_themselves_are_stored_refused(live: LiveServer) -> None:
    """A rogue client's entries, signed and chained: each is refused on its own."""
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    kit = Kit(live)
    dev = kit.enrol("merchant-counter")
    forge(dev, "mint", debit="issuance", credit="till:m-1", amount=10**6)  # no such kind
    forge(dev, Kind.SPEND, debit="till:m-1", credit="wallet:r-1", amount=100)  # backwards
    forge(dev, Kind.SPEND, debit="wallet:r-1", credit="bank:m-1", amount=100)  # no such account
    forge(dev, Kind.SPEND, debit="wallet:r-1", credit="wallet:r-1", amount=100)
    forge(dev, Kind.CLAIM_SIGNUP, debit="issuance", credit="wallet:r-1", amount=100)
    dev.spend("r-1", 100)
    entry_refused(live, dev.batch(), {s: p.ENTRY_MALFORMED for s in range(1, 6)})
    kit.sent[dev.device_id] = 6
    kit.after(dev)


def test_the_same_batch_sent_concurrently_is_applied_once(live: LiveServer) -> None:
    import threading

    import httpx

    dev = setup(live, n=20)
    body = dev.batch().model_dump(mode="json")
    statuses: list[str] = []

    def send() -> None:
        with httpx.Client(base_url=live.url, timeout=60) as c:
            r = c.post("/v1/batches", json=body)
            assert r.status_code == 200, r.text
            statuses.append(r.json()["status"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(statuses) == ["applied"] + ["duplicate"] * 5
    assert live.ledger_count() == 20
    assert admin.balance(live.server, "wallet:r-1") == 10_000 - sum(100 + i for i in range(20))
