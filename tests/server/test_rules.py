"""Business rules on the server: approved claims, earn caps, offline spends, snapshots,
enrolment. Real server over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, LiveServer, SimDevice

DAY = 86_400_000


def ok(live: LiveServer, batch: p.Batch) -> p.Ack:
    r = live.upload(batch)
    assert r.status_code == 200, r.text
    ack = p.Ack.model_validate(r.json())
    assert p.verify_ack(live.server.verify_key, ack)
    return ack


def code_of(live: LiveServer, batch: p.Batch) -> str:
    r = live.upload(batch)
    assert 400 <= r.status_code < 500, r.text
    return str(r.json()["code"])


def earn(
    dev: SimDevice, claim: str, resident: str = "r-1", amount: int = 1500, **kw: object
) -> None:
    dev.add(
        Kind.EARN,
        debit=acc.ISSUANCE,
        credit=acc.wallet(resident),
        amount=amount,
        refs={"claim": claim, "approval": "x"},
        **kw,  # type: ignore[arg-type]
    )


def ledger_sum(live: LiveServer) -> int:
    with live.server.engine.connect() as conn:
        return int(
            conn.execute(select(func.coalesce(func.sum(t.balances.c.balance), 0))).scalar_one()
        )


def snapshot(live: LiveServer, since: int | None = None) -> p.Snapshot:
    r = live.http.get("/v1/snapshot", params={} if since is None else {"since": since})
    assert r.status_code == 200, r.text
    snap = p.Snapshot.model_validate(r.json())
    assert p.verify_snapshot(live.server.verify_key, snap)
    return snap


def test_earn_needs_an_approved_claim(live: LiveServer) -> None:
    live.seed()
    kiosk = live.enrol("resident-kiosk")
    kiosk.add(Kind.CLAIM_SIGNUP, refs={"claim": "cl-1", "chore": "ch-1", "resident": "r-1"})
    earn(kiosk, "cl-1")
    assert code_of(live, kiosk.batch()) == p.CLAIM_NOT_APPROVED
    assert live.ledger_count() == 0


def test_approval_in_the_same_batch(live: LiveServer) -> None:
    live.seed()
    desk = live.enrol("klusbox-desk")
    desk.add(Kind.CLAIM_SIGNUP, refs={"claim": "cl-1", "chore": "ch-1", "resident": "r-1"})
    desk.add(Kind.APPROVAL, refs={"claim": "cl-1", "inspector": "insp-1"})
    earn(desk, "cl-1")
    ok(live, desk.batch())
    assert admin.balance(live.server, "wallet:r-1") == 1500
    assert admin.balance(live.server, "issuance") == -1500
    # rewarded once only
    earn(desk, "cl-1")
    assert code_of(live, desk.batch(4, 4)) == p.CLAIM_ALREADY_REWARDED


def test_approval_recorded_on_the_server(live: LiveServer) -> None:
    live.seed()
    kiosk = live.enrol("resident-kiosk")
    kiosk.add(Kind.CLAIM_SIGNUP, refs={"claim": "cl-9", "chore": "ch-1", "resident": "r-1"})
    ok(live, kiosk.batch())
    admin.record_approval(live.server, "cl-9", "insp-1")
    assert "cl-9" in snapshot(live).approved_claims
    earn(kiosk, "cl-9")
    ok(live, kiosk.batch(2, 2))
    assert admin.balance(live.server, "wallet:r-1") == 1500


def test_earn_for_a_claim_of_another_resident_or_too_much(live: LiveServer) -> None:
    live.seed()
    desk = live.enrol("klusbox-desk")
    desk.add(Kind.CLAIM_SIGNUP, refs={"claim": "cl-1", "chore": "ch-1", "resident": "r-1"})
    desk.add(Kind.APPROVAL, refs={"claim": "cl-1", "inspector": "insp-1"})
    ok(live, desk.batch())
    earn(desk, "cl-1", resident="r-2")
    assert code_of(live, desk.batch(3, 3)) == p.BUSINESS_RULE
    desk.entries.pop()
    earn(desk, "cl-1", amount=1501)
    assert code_of(live, desk.batch(3, 3)) == p.EARN_AMOUNT_WRONG


def test_monthly_earn_cap(live: LiveServer) -> None:
    live.seed()
    admin.add_chore(live.server, "big", "Groot", "nb-1", reward=10_000)
    desk = live.enrol("klusbox-desk")
    for i in range(3):
        claim = f"cl-{i}"
        desk.add(Kind.CLAIM_SIGNUP, refs={"claim": claim, "chore": "big", "resident": "r-1"})
        desk.add(Kind.APPROVAL, refs={"claim": claim, "inspector": "insp-1"})
        earn(desk, claim, amount=10_000)
    r = live.upload(desk.batch())
    assert r.status_code == 422 and r.json()["code"] == p.EARN_CAP_EXCEEDED
    assert r.json()["seq"] == 9
    assert live.ledger_count() == 0
    ok(live, desk.batch(1, 8))  # the first two (20,000 of 21,000) are fine
    assert admin.balance(live.server, "wallet:r-1") == 20_000


def test_yearly_earn_cap(live: LiveServer) -> None:
    live.seed()
    live.server.settings.config["earn_caps"]["year"] = 25_000
    admin.add_chore(live.server, "big", "Groot", "nb-1", reward=10_000)
    live.clock.ms = NOW - 50 * DAY
    desk = live.enrol("klusbox-desk")
    live.clock.ms = NOW
    for i, when in enumerate((NOW - 45 * DAY, NOW - 10 * DAY, NOW)):
        claim = f"cl-{i}"
        desk.add(
            Kind.CLAIM_SIGNUP,
            refs={"claim": claim, "chore": "big", "resident": "r-1"},
            wall_time=when,
        )
        desk.add(Kind.APPROVAL, refs={"claim": claim, "inspector": "i"}, wall_time=when)
        earn(desk, claim, amount=10_000, wall_time=when)
    ok(live, desk.batch(1, 6))
    assert code_of(live, desk.batch(7, 9)) == p.EARN_CAP_EXCEEDED


def test_offline_double_spend_is_bounded_honoured_flagged_and_reviewed(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 3000, "start")
    v0 = snapshot(live).version
    counters = [live.enrol(name=f"toonbank {i}") for i in range(5)]
    limits = counters[0].cert.limits
    for c in counters:  # each offline counter saw 3000 and accepts up to its caps
        c.spend("r-1", 2500)
    counters[4].spend("r-1", limits.per_tx_cap + 500)  # over the per-transaction cap
    acks = [ok(live, c.batch()) for c in counters]
    assert [a.review_seqs for a in acks] == [[], [], [], [], [2]]
    wallet = admin.balance(live.server, "wallet:r-1")
    assert wallet == 3000 - 5 * 2500 - (limits.per_tx_cap + 500)
    assert admin.balance(live.server, "till:m-1") == 5 * 2500 + limits.per_tx_cap + 500
    # the overdraft of the spends that kept the rules is within what the limits allow
    assert (5 - 1) * min(3000, limits.offline_daily_cap_per_resident) >= -(3000 - 5 * 2500)
    with live.server.engine.connect() as conn:
        items = conn.execute(select(t.review_queue)).mappings().all()
    assert [(i["seq"], i["reason"], i["status"]) for i in items] == [
        (2, p.REVIEW_OVER_TX_CAP, "open")
    ]
    delta = snapshot(live, v0)
    assert [(r.id, r.flagged) for r in delta.residents] == [("r-1", True)]
    assert delta.balances["wallet:r-1"] == wallet
    # repaid from a later reward: the flag goes
    v1 = delta.version
    admin.grant(live.server, "r-1", -wallet, "repay")
    again = snapshot(live, v1)
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
    ack = ok(live, c.batch())
    assert ack.review_seqs == [3]
    assert admin.balance(live.server, "till:m-1") == cap + 1


def test_refund_rules(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 5000, "start")
    c = live.enrol()
    spend = c.spend("r-1", 1000)
    c.add(
        Kind.REFUND,
        debit=acc.till("m-1"),
        credit=acc.wallet("r-1"),
        amount=400,
        refs={"spend": spend.tx_id},
    )
    ok(live, c.batch())
    c.add(
        Kind.REFUND,
        debit=acc.till("m-1"),
        credit=acc.wallet("r-1"),
        amount=601,
        refs={"spend": spend.tx_id},
    )
    assert code_of(live, c.batch(3, 3)) == p.REFUND_WITHOUT_SPEND
    assert admin.balance(live.server, "wallet:r-1") == 4400


def test_duplicate_tx_id_across_devices(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 5000, "start")
    a, b = live.enrol(name="a"), live.enrol(name="b")
    first = a.spend("r-1", 100)
    ok(live, a.batch())
    b.spend("r-1", 100, tx_id=first.tx_id)
    assert code_of(live, b.batch()) == p.DUPLICATE_TX_ID


def test_snapshots_full_delta_and_revocations(live: LiveServer) -> None:
    live.seed()
    full = snapshot(live)
    assert full.base_version is None
    assert {r.id for r in full.residents} == {"r-1", "r-2"}
    assert {c.serial for c in full.cards} == {"C-0001", "C-0002"}
    assert [m.id for m in full.merchants] == ["m-1"] and [c.id for c in full.chores] == ["ch-1"]
    assert full.limits == live.server.limits()
    assert full.server_time == NOW and full.expires_at > NOW
    admin.add_card(live.server, "C-0003", "r-1", replaces="C-0001")
    delta = snapshot(live, full.version)
    assert delta.base_version == full.version and delta.version > full.version
    assert {c.serial: c.status for c in delta.cards} == {"C-0001": "revoked", "C-0003": "active"}
    assert delta.residents == [] and delta.merchants == []
    assert delta.revoked_cards == ["C-0001"]
    assert snapshot(live, delta.version).cards == []
    r = live.http.get("/v1/snapshot", params={"since": delta.version + 100})
    assert r.status_code == 409 and r.json()["code"] == p.SNAPSHOT_VERSION_UNKNOWN
    # a tampered snapshot fails verification on the device
    forged = delta.model_copy(update={"version": delta.version + 1})
    assert not p.verify_snapshot(live.server.verify_key, forged)


def test_enrolment_codes_work_once_and_expire(live: LiveServer) -> None:
    code = live.server.create_enrol_code("resident-kiosk", "buurthuis")
    pub = "ab" * 32
    from nacl.signing import SigningKey

    pub = bytes(SigningKey.generate().verify_key).hex()
    body = {"code": code, "public_key": pub, "name": "buurthuis"}
    r = live.http.post("/v1/enrol", json=body)
    assert r.status_code == 200
    cert = p.DeviceCertificate.model_validate(r.json())
    assert cert.role == "resident-kiosk" and cert.valid_until > NOW
    assert p.verify_certificate(live.server.verify_key, cert)
    assert live.http.post("/v1/enrol", json=body).json()["code"] == p.ENROL_CODE_USED
    body["code"] = "AAAA-BBBB-CCCC"
    assert live.http.post("/v1/enrol", json=body).json()["code"] == p.ENROL_CODE_INVALID
    body["code"] = live.server.create_enrol_code("resident-kiosk", "later")
    live.clock.ms = NOW + 2 * DAY
    r = live.http.post("/v1/enrol", json=body)
    assert r.status_code == 403 and r.json()["code"] == p.ENROL_CODE_EXPIRED
    head = p.Ack.model_validate(live.http.get(f"/v1/devices/{cert.device_id}/head").json())
    assert head.status == "head" and head.next_seq == 1
    assert p.verify_ack(live.server.verify_key, head)
    assert live.http.get("/v1/devices/dev-nobody/head").json()["code"] == p.UNKNOWN_DEVICE
    # the municipality's own key cannot be enrolled as a device
    body = {
        "code": live.server.create_enrol_code("resident-kiosk", "x"),
        "public_key": live.server.public_key_hex,
        "name": "x",
    }
    assert live.http.post("/v1/enrol", json=body).json()["code"] == p.BAD_PUBLIC_KEY


def test_concurrent_devices_all_applied_and_balanced(live: LiveServer) -> None:
    live.seed()
    admin.add_resident(live.server, "r-3", "Cas", "nb-1")
    for r in ("r-1", "r-2", "r-3"):
        admin.grant(live.server, r, 100_000, "start")
    devices = [live.enrol(name=f"c{i}") for i in range(6)]
    for i, d in enumerate(devices):
        for j in range(40):
            d.spend(f"r-{1 + (i + j) % 3}", 10 + j)
    results: list[int] = []

    def run(d: SimDevice) -> None:
        import httpx

        with httpx.Client(base_url=live.url, timeout=60) as c:
            for first in range(1, 41, 10):
                body = d.batch(first, first + 9).model_dump(mode="json")
                results.append(c.post("/v1/batches", json=body).status_code)

    threads = [threading.Thread(target=run, args=(d,)) for d in devices]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [200] * 24
    assert live.ledger_count() == 240
    assert ledger_sum(live) == 0
    assert admin.balance(live.server, "till:m-1") == 6 * sum(10 + j for j in range(40))


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
    assert ok(live, c.batch()).review_seqs == [1, 2]
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
    snap = snapshot(live)
    assert snap.revoked_cards == ["C-0001"] and snap.revoked_residents == ["r-2"]


def test_review_items_are_approved_or_reversed(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    c = live.enrol()
    cap = c.cert.limits.per_tx_cap
    c.spend("r-1", cap + 1)
    c.spend("r-1", cap + 2)
    assert ok(live, c.batch()).review_seqs == [1, 2]
    first, second = admin.review_items(live.server)
    admin.resolve_review(live.server, int(first["id"]), "approved", "staff-1")
    admin.resolve_review(live.server, int(second["id"]), "reversed", "staff-1")
    assert admin.review_items(live.server) == []
    assert admin.balance(live.server, "till:m-1") == cap + 1
    assert admin.balance(live.server, "wallet:r-1") == 10_000 - (cap + 1)
    assert ledger_sum(live) == 0
