"""Business rules on the server: claims and earns, earn caps, offline spends, refunds, tx_ids,
snapshots, enrolment. Each role signs what it may (inspectors approve and earn, counters spend
into their own till, kiosks sign up); an entry that breaks a rule is acked as refused and the
device carries on. Real server over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import httpx
from nacl.signing import SigningKey
from sqlalchemy import func, select

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, LiveServer, SimDevice
from tests.server.trust_kit import Kit, approve, earn, refund, signup

DAY = 86_400_000


def ledger_sum(live: LiveServer) -> int:
    with live.server.engine.connect() as conn:
        return int(
            conn.execute(select(func.coalesce(func.sum(t.balances.c.balance), 0))).scalar_one()
        )


def ledger_row(live: LiveServer, dev: SimDevice, seq: int) -> tuple[str, str | None]:
    """(status, refusal) of one of `dev`'s entries in the server's ledger."""
    L = t.ledger.c
    with live.server.engine.connect() as conn:
        status, refusal = conn.execute(
            select(L.status, L.refusal).where(L.device_id == dev.device_id, L.seq == seq)
        ).one()
    return str(status), refusal


def test_an_earn_needs_an_approved_claim(live: LiveServer) -> None:
    live.seed()
    kit = Kit(live)
    kiosk, insp = kit.enrol("resident-kiosk"), kit.enrol("inspector")
    signup(kiosk, "cl-1")
    assert kit.refused(kiosk) == {}
    unpaid = earn(insp, "cl-1")  # signed up, not approved
    ack = kit.send(insp)
    assert ack.status == "applied" and ack.acked_seq == unpaid.seq
    assert [(r.seq, r.tx_id, r.code) for r in ack.refused] == [
        (unpaid.seq, unpaid.tx_id, p.CLAIM_NOT_APPROVED)
    ]
    assert admin.balance(live.server, "wallet:r-1") == 0
    # stored as signed, with its code; in the review queue, with an alert
    assert ledger_row(live, insp, unpaid.seq) == ("refused", p.CLAIM_NOT_APPROVED)
    [item] = admin.review_items(live.server)
    assert (item["effect"], item["reason"], item["tx_id"]) == (
        "refused",
        p.CLAIM_NOT_APPROVED,
        unpaid.tx_id,
    )
    with live.server.engine.connect() as conn:
        alerts = conn.execute(
            select(t.audit_log.c.event).where(
                t.audit_log.c.severity == "alert", t.audit_log.c.device_id == insp.device_id
            )
        ).scalars()
        assert list(alerts) == ["review"]
    # the device is not locked out: it approves and earns in its next batch
    approve(insp, "cl-1")
    earn(insp, "cl-1")
    assert kit.refused(insp) == {}
    assert admin.balance(live.server, "wallet:r-1") == 1500
    kit.after(kiosk, insp)


def test_approval_and_earn_in_the_same_batch_and_rewarded_once(live: LiveServer) -> None:
    live.seed()
    kit = Kit(live)
    kiosk, insp = kit.enrol("resident-kiosk"), kit.enrol("inspector")
    signup(kiosk, "cl-1")
    kit.send(kiosk)
    approve(insp, "cl-1")
    earn(insp, "cl-1")
    assert kit.refused(insp) == {}
    assert admin.balance(live.server, "wallet:r-1") == 1500
    assert admin.balance(live.server, "issuance") == -1500
    again = earn(insp, "cl-1")
    assert kit.refused(insp) == {again.seq: p.CLAIM_ALREADY_REWARDED}
    assert admin.balance(live.server, "wallet:r-1") == 1500
    kit.after(insp)


def test_approval_recorded_on_the_server(live: LiveServer) -> None:
    live.seed()
    kit = Kit(live)
    kiosk, insp = kit.enrol("resident-kiosk"), kit.enrol("inspector")
    signup(kiosk, "cl-9")
    kit.send(kiosk)
    admin.record_approval(live.server, "cl-9", "S-0001")
    for dev in (kiosk, insp):  # nobody gets the list of approved claims
        assert live.snapshot_ok(dev).approved_claims == []
    earn(insp, "cl-9")
    assert kit.refused(insp) == {}
    assert admin.balance(live.server, "wallet:r-1") == 1500


def test_an_earn_for_another_resident_or_of_another_amount(live: LiveServer) -> None:
    live.seed()
    kit = Kit(live)
    admin.record_approval(live.server, "cl-1", "S-0001", chore_id="ch-1", resident_id="r-1")
    insp = kit.enrol("inspector")
    other = earn(insp, "cl-1", resident="r-2")
    more = earn(insp, "cl-1", amount=1501)
    assert kit.refused(insp) == {other.seq: p.EARN_WRONG_RESIDENT, more.seq: p.EARN_AMOUNT_WRONG}
    assert admin.balance(live.server, "wallet:r-2") == 0
    earn(insp, "cl-1")
    assert kit.refused(insp) == {}
    assert admin.balance(live.server, "wallet:r-1") == 1500


def test_monthly_earn_cap(live: LiveServer) -> None:
    live.seed()
    kit = Kit(live)
    admin.add_chore(live.server, "big", "Groot", "nb-1", reward=10_000)
    kiosk, insp = kit.enrol("resident-kiosk"), kit.enrol("inspector")
    for i in range(3):
        signup(kiosk, f"cl-{i}", "big")
        approve(insp, f"cl-{i}")
        earn(insp, f"cl-{i}", amount=10_000)
    kit.send(kiosk)
    # the first two (20,000 of 21,000) are fine, the third would pass the month's cap
    assert kit.refused(insp) == {6: p.EARN_CAP_EXCEEDED}
    assert admin.balance(live.server, "wallet:r-1") == 20_000
    kit.after(insp)


def test_yearly_earn_cap(live: LiveServer) -> None:
    live.seed()
    live.server.settings.config["earn_caps"]["year"] = 25_000
    admin.add_chore(live.server, "big", "Groot", "nb-1", reward=10_000)
    live.clock.ms = NOW - 50 * DAY
    kit = Kit(live)
    kiosk, insp = kit.enrol("resident-kiosk"), kit.enrol("inspector")
    live.clock.ms = NOW
    for i, when in enumerate((NOW - 45 * DAY, NOW - 10 * DAY, NOW)):
        claim = f"cl-{i}"
        kiosk.add(
            Kind.CLAIM_SIGNUP,
            refs={"claim": claim, "chore": "big", "resident": "r-1"},
            wall_time=when,
        )
        insp.add(Kind.APPROVAL, refs={"claim": claim, "inspector": "S-0001"}, wall_time=when)
        insp.add(
            Kind.EARN,
            debit=acc.ISSUANCE,
            credit=acc.wallet("r-1"),
            amount=10_000,
            refs={"claim": claim},
            wall_time=when,
        )
    kit.send(kiosk)
    assert kit.refused(insp) == {6: p.EARN_CAP_EXCEEDED}  # each month's is fine, not the year's
    assert admin.balance(live.server, "wallet:r-1") == 20_000
    kit.after(insp)


def test_offline_double_spend_is_bounded_honoured_flagged_and_reviewed(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 3000, "start")
    counters = [live.enrol(name=f"toonbank {i}") for i in range(5)]
    v0 = live.snapshot_ok(counters[0]).version
    limits = counters[0].cert.limits
    for c in counters:  # each offline counter saw 3000 and accepts up to its caps
        c.spend("r-1", 2500)
    counters[4].spend("r-1", limits.per_tx_cap + 500)  # over the per-transaction cap
    acks = [live.ack(c.batch()) for c in counters]
    assert all(a.refused == [] for a in acks)  # honoured: the shops handed over the goods
    # Each counter kept its own caps; together they took the wallet past the resident's daily
    # overdraft cap from the fourth spend on (7,000 below zero > 5,000).
    assert [a.review_seqs for a in acks] == [[], [], [], [1], [1, 2]]
    wallet = admin.balance(live.server, "wallet:r-1")
    assert wallet == 3000 - 5 * 2500 - (limits.per_tx_cap + 500)
    assert admin.balance(live.server, "till:m-1") == 5 * 2500 + limits.per_tx_cap + 500
    with live.server.engine.connect() as conn:
        items = conn.execute(select(t.review_queue).order_by(t.review_queue.c.id)).mappings().all()
    assert [(i["reason"], i["effect"], i["status"]) for i in items] == [
        (p.REVIEW_OVER_RESIDENT_OVERDRAFT, "honoured", "open"),
        (p.REVIEW_OVER_RESIDENT_OVERDRAFT, "honoured", "open"),
        (p.REVIEW_OVER_TX_CAP, "honoured", "open"),
    ]
    assert p.REVIEW_OVER_RESIDENT_OVERDRAFT in str(items[2]["detail"])
    delta = live.snapshot_ok(counters[0], v0)
    assert [(r.id, r.flagged) for r in delta.residents] == [("r-1", True)]
    assert delta.balances["wallet:r-1"] == wallet
    # repaid from a later reward: the flag goes
    v1 = delta.version
    admin.grant(live.server, "r-1", -wallet, "repay")
    again = live.snapshot_ok(counters[0], v1)
    assert [(r.id, r.flagged) for r in again.residents] == [("r-1", False)]
    assert ledger_sum(live) == 0


def test_daily_cap_per_resident_goes_to_review(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 100_000, "start")
    c = live.enrol()
    cap = c.cert.limits.offline_daily_cap_per_resident
    c.spend("r-1", 2000)
    c.spend("r-1", 2000)
    c.spend("r-1", cap - 4000 + 1)  # one cent over the daily cap
    ack = live.ack(c.batch())
    assert ack.review_seqs == [3] and ack.refused == []
    assert admin.balance(live.server, "till:m-1") == cap + 1


def test_refund_rules(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 5000, "start")
    kit = Kit(live)
    c = kit.enrol("merchant-counter")
    spend = c.spend("r-1", 1000)
    refund(c, spend, 400)
    assert kit.refused(c) == {}
    over = refund(c, spend, 601)  # only 600 left of the spend
    assert kit.refused(c) == {over.seq: p.REFUND_WITHOUT_SPEND}
    assert admin.balance(live.server, "wallet:r-1") == 4400
    refund(c, spend, 600)
    assert kit.refused(c) == {}
    assert admin.balance(live.server, "wallet:r-1") == 5000
    kit.after(c)


def test_a_tx_id_is_unique_per_device(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 5000, "start")
    kit = Kit(live)
    a, b = kit.enrol("merchant-counter"), kit.enrol("merchant-counter")
    first = a.spend("r-1", 100)
    kit.send(a)
    b.spend("r-1", 100, tx_id=first.tx_id)  # another device's tx_id: fine
    assert kit.refused(b) == {}
    again = a.spend("r-1", 100, tx_id=first.tx_id)  # the same device's: refused
    assert kit.refused(a) == {again.seq: p.DUPLICATE_TX_ID}
    assert admin.balance(live.server, "wallet:r-1") == 4800
    kit.after(a, b)


def test_snapshots_full_delta_and_revocations(live: LiveServer) -> None:
    live.seed()
    kiosk = live.enrol("resident-kiosk", "buurthuis")
    full = live.snapshot_ok(kiosk)
    assert full.base_version is None and full.role == "resident-kiosk"
    assert {(r.id, r.name) for r in full.residents} == {("r-1", "Anna"), ("r-2", "Bram")}
    assert {c.serial for c in full.cards if c.kind == "resident"} == {"C-0001", "C-0002"}
    assert [m.id for m in full.merchants] == ["m-1", "m-2"]  # shop names go to every role
    assert [c.id for c in full.chores] == ["ch-1"] and [k.id for k in full.klusboxes] == ["kb-1"]
    assert full.limits == live.server.limits()
    assert full.server_time == NOW and full.expires_at > NOW
    admin.add_card(live.server, "C-0009", "r-1", replaces="C-0001")
    delta = live.snapshot_ok(kiosk, full.version)
    assert delta.base_version == full.version and delta.version > full.version
    assert {c.serial: c.status for c in delta.cards} == {"C-0001": "revoked", "C-0009": "active"}
    assert delta.residents == [] and delta.merchants == []
    assert delta.revoked_cards == ["C-0001"]
    assert live.snapshot_ok(kiosk, delta.version).cards == []
    r = live.snapshot(kiosk, delta.version + 100)
    assert r.status_code == 409 and r.json()["code"] == p.SNAPSHOT_VERSION_UNKNOWN
    # a tampered snapshot fails verification on the device
    forged = delta.model_copy(update={"version": delta.version + 1})
    assert not p.verify_snapshot(live.server.verify_key, forged)


def test_enrolment_codes_work_once_expire_and_fix_the_role(live: LiveServer) -> None:
    admin.add_neighbourhood(live.server, "nb-1", "Oost")
    nb1 = roles.Bindings(neighbourhoods=frozenset({"nb-1"}))
    key = SigningKey.generate()
    pub = bytes(key.verify_key).hex()
    code = live.server.create_enrol_code("resident-kiosk", "buurthuis", nb1)
    body = {"code": code, "public_key": pub, "name": "ik ben een kassa"}
    r = live.http.post("/v1/enrol", json=body)
    assert r.status_code == 200
    cert = p.DeviceCertificate.model_validate(r.json())
    assert (cert.role, cert.name) == ("resident-kiosk", "buurthuis")  # the code's, not the device's
    assert cert.bindings == p.Bindings(neighbourhoods=["nb-1"]) and cert.valid_until > NOW
    assert p.verify_certificate(live.server.verify_key, cert)
    assert live.http.post("/v1/enrol", json=body).json()["code"] == p.ENROL_CODE_USED
    body["code"] = "AAAA-BBBB-CCCC"
    assert live.http.post("/v1/enrol", json=body).json()["code"] == p.ENROL_CODE_INVALID
    # the same key again: under the same role it is renewed, under another refused for life
    body["code"] = live.server.create_enrol_code("resident-kiosk", "buurthuis", nb1)
    assert live.http.post("/v1/enrol", json=body).status_code == 200
    body["code"] = live.server.create_enrol_code("inspector", "ilse", nb1)
    r = live.http.post("/v1/enrol", json=body)
    assert r.status_code == 403 and r.json()["code"] == p.ROLE_CHANGE_REFUSED
    body["code"] = live.server.create_enrol_code("resident-kiosk", "later", nb1)
    live.clock.ms = NOW + 2 * DAY
    r = live.http.post("/v1/enrol", json=body)
    assert r.status_code == 403 and r.json()["code"] == p.ENROL_CODE_EXPIRED
    head = p.Ack.model_validate(live.http.get(f"/v1/devices/{cert.device_id}/head").json())
    assert head.status == "head" and head.next_seq == 1
    assert p.verify_ack(live.server.verify_key, head)
    assert live.http.get("/v1/devices/dev-nobody/head").json()["code"] == p.UNKNOWN_DEVICE
    # the municipality's own key cannot be enrolled as a device
    body = {
        "code": live.server.create_enrol_code("resident-kiosk", "x", nb1),
        "public_key": live.server.public_key_hex,
        "name": "x",
    }
    assert live.http.post("/v1/enrol", json=body).json()["code"] == p.BAD_PUBLIC_KEY


def test_concurrent_devices_all_applied_and_balanced(live: LiveServer) -> None:
    live.seed()
    for r in ("r-1", "r-2", "r-3"):
        admin.grant(live.server, r, 100_000, "start")
    devices = [live.enrol(name=f"c{i}", merchant=f"m-{1 + i % 2}") for i in range(6)]
    for i, d in enumerate(devices):
        for j in range(40):
            d.spend(f"r-{1 + (i + j) % 3}", 10 + j, merchant=f"m-{1 + i % 2}")
    results: list[tuple[int, int]] = []

    def run(d: SimDevice) -> None:
        with httpx.Client(base_url=live.url, timeout=60) as c:
            for first in range(1, 41, 10):
                body = d.batch(first, first + 9).model_dump(mode="json")
                r = c.post("/v1/batches", json=body)
                results.append((r.status_code, len(r.json().get("refused", []))))

    threads = [threading.Thread(target=run, args=(d,)) for d in devices]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [(200, 0)] * 24
    assert live.ledger_count() == 240
    assert ledger_sum(live) == 0
    per_shop = 3 * sum(10 + j for j in range(40))
    assert admin.balance(live.server, "till:m-1") == admin.balance(live.server, "till:m-2")
    assert admin.balance(live.server, "till:m-1") == per_shop


def test_spends_on_a_revoked_card_or_by_a_blocked_resident_are_reviewed(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 5000, "start")
    admin.grant(live.server, "r-2", 5000, "start")
    admin.revoke_card(live.server, "C-0001")
    admin.set_resident_status(live.server, "r-2", "blocked")
    c = live.enrol()
    c.add(
        Kind.SPEND,
        debit=acc.wallet("r-1"),
        credit=acc.till("m-1"),
        amount=100,
        refs={"merchant": "m-1", "resident": "r-1", "card": "C-0001"},
    )
    c.spend("r-2", 100)
    c.spend("r-1", 100)
    ack = live.ack(c.batch())
    assert ack.review_seqs == [1, 2] and ack.refused == []
    with live.server.engine.connect() as conn:
        reasons = conn.execute(
            select(t.review_queue.c.reason).order_by(t.review_queue.c.seq)
        ).scalars()
        assert list(reasons) == [p.REVIEW_CARD_REVOKED, p.REVIEW_RESIDENT_BLOCKED]
        events = conn.execute(
            select(t.audit_log.c.event).where(t.audit_log.c.severity == "alert")
        ).scalars()
        assert list(events) == ["review", "review"]
    assert admin.balance(live.server, "till:m-1") == 300
    snap = live.snapshot_ok(c)
    assert snap.revoked_cards == ["C-0001"] and snap.revoked_residents == ["r-2"]


def test_review_items_are_approved_or_reversed(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    c = live.enrol()
    cap = c.cert.limits.per_tx_cap
    c.spend("r-1", cap + 1)
    c.spend("r-1", cap + 2)
    assert live.ack(c.batch()).review_seqs == [1, 2]
    first, second = (int(str(i["id"])) for i in admin.review_items(live.server))
    admin.resolve_review(live.server, first, "approved", "staff-1")
    admin.resolve_review(live.server, second, "reversed", "staff-1")
    assert admin.review_items(live.server) == []
    assert admin.balance(live.server, "till:m-1") == cap + 1
    assert admin.balance(live.server, "wallet:r-1") == 10_000 - (cap + 1)
    assert ledger_sum(live) == 0
