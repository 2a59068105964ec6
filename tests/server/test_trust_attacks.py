"""Every attack of issue 7, as an enrolled (or not enrolled) attacker would try it: over HTTP
against the real server, on SQLite and PostgreSQL. Each is answered by its own code: the batch
is acked with that entry refused, or the request is refused. After each, `Kit.after`
(tests/server/trust_kit.py): nothing refused changed a balance, the sum is zero, every balance
is an int inside its bounds, every refused entry is in the review queue, every batch sent again
gets the same ack, and the honest device's next batch is acked.

Seed (tests/server/conftest.py): nb-1 with residents r-1, r-2, merchant m-1, chore ch-1
(1500, capacity 10), klusbox kb-1; nb-2 with resident r-3, merchant m-2, chore ch-2; staff
card S-0001. Every resident starts with 10,000 granted.
"""

from __future__ import annotations

import secrets

import pytest
from nacl.signing import SigningKey
from sqlalchemy import BigInteger, inspect, text

from kiosk.core import accounts as acc
from kiosk.core.crypto import device_id_for
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server.errors import Refusal
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, LiveServer
from tests.server.trust_kit import (
    INSPECTOR_CARD,
    Kit,
    approve,
    earn,
    forge,
    refund,
    reject,
    review_reasons,
    signup,
)

START = 10_000
INSPECTOR, KIOSK, DESK, COUNTER = "inspector", "resident-kiosk", "klusbox-desk", "merchant-counter"


@pytest.fixture
def kit(live: LiveServer) -> Kit:
    live.seed()
    for resident in ("r-1", "r-2", "r-3"):
        admin.grant(live.server, resident, START, "start")
    return Kit(live)


def wallet(kit: Kit, resident: str) -> int:
    return admin.balance(kit.live.server, acc.wallet(resident))


def till(kit: Kit, merchant: str) -> int:
    return admin.balance(kit.live.server, acc.till(merchant))


def approved_on_paper(kit: Kit, claim: str, chore: str = "ch-1", resident: str = "r-1") -> None:
    """A claim the back office approved (the server's own chain)."""
    admin.record_approval(
        kit.live.server, claim, INSPECTOR_CARD, chore_id=chore, resident_id=resident
    )


# -- create money ---------------------------------------------------------------------------------


def test_an_approval_of_a_made_up_claim_then_its_earn(kit: Kit) -> None:
    insp = kit.enrol(INSPECTOR)
    made_up = insp.add(Kind.APPROVAL, refs={"claim": "cl-made-up"})  # no chore, no inspector
    paid = earn(insp, "cl-made-up", amount=21_000)
    # naming a chore and a resident, as the back office may for a claim taken on paper
    paper = insp.add(
        Kind.APPROVAL,
        refs={"claim": "cl-paper", "chore": "ch-1", "resident": "r-1", "inspector": "S-0001"},
    )
    paper_paid = earn(insp, "cl-paper")
    assert kit.refused(insp) == {
        made_up.seq: p.UNKNOWN_CLAIM,
        paid.seq: p.CLAIM_NOT_APPROVED,
        paper.seq: p.UNKNOWN_CLAIM,
        paper_paid.seq: p.CLAIM_NOT_APPROVED,
    }
    # a real claim, approved without naming an inspector's staff card
    kiosk = kit.enrol(KIOSK)
    signup(kiosk, "cl-real")
    assert kit.refused(kiosk) == {}
    nobody = insp.add(Kind.APPROVAL, refs={"claim": "cl-real"})
    resident_card = approve(insp, "cl-real", card="C-0001")
    unpaid = earn(insp, "cl-real")
    assert kit.refused(insp) == {
        nobody.seq: p.INSPECTOR_MISSING,
        resident_card.seq: p.INSPECTOR_MISSING,
        unpaid.seq: p.CLAIM_NOT_APPROVED,
    }
    assert wallet(kit, "r-1") == START
    kit.after(insp, kiosk)


def test_an_approval_of_a_claim_another_inspector_rejected(kit: Kit) -> None:
    kiosk, first, second = kit.enrol(KIOSK), kit.enrol(INSPECTOR), kit.enrol(INSPECTOR)
    signup(kiosk, "cl-1")
    kit.send(kiosk)
    reject(first, "cl-1")
    assert kit.refused(first) == {}
    overturn = approve(second, "cl-1")
    paid = earn(second, "cl-1")
    assert kit.refused(second) == {overturn.seq: p.CLAIM_REJECTED, paid.seq: p.CLAIM_REJECTED}
    again = approve(first, "cl-1")  # not the inspector who rejected it either
    assert kit.refused(first) == {again.seq: p.CLAIM_REJECTED}
    assert wallet(kit, "r-1") == START
    kit.after(first, second)
    # Only the back office overturns a rejection, and only with a reason.
    server = kit.live.server
    refs: dict[str, str | int] = {"claim": "cl-1", "inspector": INSPECTOR_CARD}
    with pytest.raises(Refusal) as refused, server.write() as conn:
        server.append_server_entry(conn, server.bump(conn), Kind.APPROVAL, refs=refs)
    assert refused.value.code == p.CLAIM_REJECTED
    with server.write() as conn:
        refs["reason"] = "foto's alsnog aangeleverd"
        server.append_server_entry(conn, server.bump(conn), Kind.APPROVAL, refs=refs)
    kit.after(second, next_entry=lambda dev: earn(dev, "cl-1"))
    assert wallet(kit, "r-1") == START + 1500


def test_three_claims_of_a_chore_with_capacity_one(kit: Kit) -> None:
    admin.add_chore(kit.live.server, "ch-solo", "Bankje verven", "nb-1", reward=1000, capacity=1)
    kiosk, insp, other = kit.enrol(KIOSK), kit.enrol(INSPECTOR), kit.enrol(INSPECTOR)
    for claim, resident in (("cl-a", "r-1"), ("cl-b", "r-2"), ("cl-c", "r-1")):
        signup(kiosk, claim, "ch-solo", resident)
    kit.send(kiosk)
    approve(insp, "cl-a")
    earn(insp, "cl-a", amount=1000)
    full_b, unpaid_b = approve(insp, "cl-b"), earn(insp, "cl-b", "r-2", 1000)
    full_c, unpaid_c = approve(insp, "cl-c"), earn(insp, "cl-c", amount=1000)
    assert kit.refused(insp) == {
        full_b.seq: p.CHORE_FULL,
        unpaid_b.seq: p.CLAIM_NOT_APPROVED,
        full_c.seq: p.CHORE_FULL,
        unpaid_c.seq: p.CLAIM_NOT_APPROVED,
    }
    late = approve(other, "cl-b")  # another inspector, later: still full
    assert kit.refused(other) == {late.seq: p.CHORE_FULL}
    assert (wallet(kit, "r-1"), wallet(kit, "r-2")) == (START + 1000, START)
    reasons = {r for r, _ in review_reasons(kit.live, "refused")}
    assert p.CHORE_FULL in reasons
    kit.after(insp, other)


def test_claims_of_a_chore_that_does_not_exist(kit: Kit) -> None:
    kiosk, insp = kit.enrol(KIOSK), kit.enrol(INSPECTOR)
    nowhere = signup(kiosk, "cl-x", chore="ch-404")
    assert kit.refused(kiosk) == {nowhere.seq: p.UNKNOWN_CHORE}
    approval = approve(insp, "cl-x")
    named = insp.add(
        Kind.APPROVAL,
        refs={"claim": "cl-y", "chore": "ch-404", "resident": "r-1", "inspector": "S-0001"},
    )
    paid = [earn(insp, claim, amount=amount) for claim, amount in (("cl-x", 99_999), ("cl-y", 1))]
    assert kit.refused(insp) == {
        approval.seq: p.UNKNOWN_CLAIM,
        named.seq: p.UNKNOWN_CLAIM,
        paid[0].seq: p.CLAIM_NOT_APPROVED,
        paid[1].seq: p.CLAIM_NOT_APPROVED,
    }
    assert wallet(kit, "r-1") == START
    kit.after(kiosk, insp)


def test_kiosks_desks_and_counters_may_not_approve_or_earn(kit: Kit) -> None:
    approved_on_paper(kit, "cl-ok")
    rogues = [kit.enrol(KIOSK), kit.enrol(DESK), kit.enrol(COUNTER, merchant="m-1")]
    for dev in rogues:
        approve(dev, "cl-ok")
        earn(dev, "cl-ok")
        assert kit.refused(dev) == {1: p.ROLE_NOT_ALLOWED, 2: p.ROLE_NOT_ALLOWED}
    assert wallet(kit, "r-1") == START
    kit.after(*rogues)  # nor are they locked out by what they tried
    insp = kit.enrol(INSPECTOR)
    kit.after(insp, next_entry=lambda dev: earn(dev, "cl-ok"))  # the claim is still payable
    assert wallet(kit, "r-1") == START - 1 + 1500  # (the counter's ordinary spend of 1)


def test_an_inspector_of_another_neighbourhood(kit: Kit) -> None:
    kiosk = kit.enrol(KIOSK)
    signup(kiosk, "cl-1")
    kit.send(kiosk)
    approved_on_paper(kit, "cl-2")
    west = kit.enrol(INSPECTOR, neighbourhoods=("nb-2",))
    out = [approve(west, "cl-1"), reject(west, "cl-1"), earn(west, "cl-2")]
    assert kit.refused(west) == {e.seq: p.OUT_OF_BINDING for e in out}
    assert wallet(kit, "r-1") == START
    kit.after(west)  # its own neighbourhood's claims it decides as ever


def test_an_earn_of_more_or_less_than_the_reward(kit: Kit) -> None:
    approved_on_paper(kit, "cl-1")
    insp = kit.enrol(INSPECTOR)
    wrong = [earn(insp, "cl-1", amount=a) for a in (1501, 1499, 1, 21_000)]
    huge = earn(insp, "cl-1", amount=2**62)
    earn(insp, "cl-1")  # the reward, exactly: takes effect
    assert kit.refused(insp) == {
        **{e.seq: p.EARN_AMOUNT_WRONG for e in wrong},
        huge.seq: p.AMOUNT_OUT_OF_BOUNDS,
    }
    assert wallet(kit, "r-1") == START + 1500
    kit.after(insp)


def test_an_earn_to_another_wallet(kit: Kit) -> None:
    approved_on_paper(kit, "cl-1")
    insp = kit.enrol(INSPECTOR, neighbourhoods=("nb-1", "nb-2"))
    other, elsewhere, nobody = (
        earn(insp, "cl-1", "r-2"),
        earn(insp, "cl-1", "r-3"),
        earn(insp, "cl-1", "r-404"),
    )
    earn(insp, "cl-1")
    assert kit.refused(insp) == {
        other.seq: p.EARN_WRONG_RESIDENT,
        elsewhere.seq: p.EARN_WRONG_RESIDENT,
        nobody.seq: p.UNKNOWN_ACCOUNT,
    }
    assert [wallet(kit, r) for r in ("r-1", "r-2", "r-3")] == [START + 1500, START, START]
    kit.after(insp)


# -- move money -----------------------------------------------------------------------------------


def test_kiosks_and_desks_may_not_spend_or_refund(kit: Kit) -> None:
    counter = kit.enrol(COUNTER, merchant="m-1")
    spent = counter.spend("r-1", 500)
    kit.send(counter)
    kiosk, desk = kit.enrol(KIOSK), kit.enrol(DESK)
    for dev in (kiosk, desk):
        dev.spend("r-1", 500, "m-1")
        dev.spend("r-3", 700, "m-2")  # any wallet into any shop's till
        refund(dev, spent, 500)
        assert kit.refused(dev) == {s: p.ROLE_NOT_ALLOWED for s in (1, 2, 3)}
    assert (wallet(kit, "r-1"), wallet(kit, "r-3")) == (START - 500, START)
    assert (till(kit, "m-1"), till(kit, "m-2")) == (500, 0)
    kit.after(kiosk, desk, counter)


def test_a_counter_spends_into_another_shops_till(kit: Kit) -> None:
    counter = kit.enrol(COUNTER, merchant="m-1")
    counter.spend("r-1", 500, merchant="m-2")
    counter.spend("r-3", 500, merchant="m-2")
    counter.spend("r-1", 500, merchant="m-404")
    assert kit.refused(counter) == {s: p.NOT_OWN_TILL for s in (1, 2, 3)}
    assert till(kit, "m-2") == 0 and wallet(kit, "r-1") == START
    kit.after(counter)


def test_two_rogue_counters_overdraw_one_resident_each_within_its_caps(kit: Kit) -> None:
    admin.add_resident(kit.live.server, "r-4", "Dirk", "nb-1", card_serial="C-0004")  # 0 heitjes
    east, west = kit.enrol(COUNTER, merchant="m-1"), kit.enrol(COUNTER, merchant="m-2")
    limits = east.cert.limits
    assert limits.offline_daily_cap_per_resident > 2 * 2000 and limits.per_tx_cap >= 2000
    for dev in (east, west):
        dev.spend("r-4", 2000, merchant=dev.cert.bindings.merchant_id or "")
        dev.spend("r-4", 2000, merchant=dev.cert.bindings.merchant_id or "")
    first, second = kit.send(east), kit.send(west)
    assert (first.refused, first.review_seqs) == ([], [])  # one counter alone: within its caps
    assert (second.refused, second.review_seqs) == ([], [1, 2])  # together: past the resident's
    assert review_reasons(kit.live) == [(p.REVIEW_OVER_RESIDENT_OVERDRAFT, "r-4")] * 2
    # honoured (the shops handed over the goods), and the resident is flagged
    assert wallet(kit, "r-4") == -8000 and till(kit, "m-1") == till(kit, "m-2") == 4000
    snap = kit.live.snapshot_ok(east)
    assert {r.id: r.flagged for r in snap.residents}["r-4"] is True
    kit.after(east, west)


def test_a_refund_out_of_another_shops_till(kit: Kit) -> None:
    shop, rogue = kit.enrol(COUNTER, merchant="m-1"), kit.enrol(COUNTER, merchant="m-2")
    spent = shop.spend("r-1", 1000)
    kit.send(shop)
    mine = refund(rogue, spent, 1000)  # out of m-1's till, into the spend's wallet
    anywhere = refund(rogue, spent, 1000, resident="r-3")  # ... or into any wallet
    own_till = refund(rogue, spent, 1000, till="m-2")  # out of its own till, for m-1's spend
    # tx_ids are unique per device: its own spend under the same tx_id gives it refund room
    # for that spend only, never for m-1's
    own = rogue.spend("r-1", 1, merchant="m-2", tx_id=spent.tx_id)
    too_much = refund(rogue, own, 1000)
    refund(rogue, own, 1)
    assert kit.refused(rogue) == {
        mine.seq: p.NOT_OWN_TILL,
        anywhere.seq: p.NOT_OWN_TILL,
        own_till.seq: p.REFUND_WITHOUT_SPEND,
        too_much.seq: p.REFUND_WITHOUT_SPEND,
    }
    assert (till(kit, "m-1"), till(kit, "m-2")) == (1000, 0)
    # the real shop's refund room is untouched: its own refund goes through, in full
    kit.after(shop, next_entry=lambda dev: refund(dev, spent, 1000))
    assert wallet(kit, "r-1") == START and till(kit, "m-1") == 0
    assert wallet(kit, "r-3") == START


def test_a_refund_into_another_wallet_than_the_spends(kit: Kit) -> None:
    counter = kit.enrol(COUNTER, merchant="m-1")
    spent = counter.spend("r-1", 1000)
    kit.send(counter)
    other = refund(counter, spent, 500, resident="r-2")
    refund(counter, spent, 500)
    over = refund(counter, spent, 501)
    refund(counter, spent, 500)
    after_all = refund(counter, spent, 1)
    assert kit.refused(counter) == {
        other.seq: p.REFUND_WITHOUT_SPEND,
        over.seq: p.REFUND_WITHOUT_SPEND,
        after_all.seq: p.REFUND_WITHOUT_SPEND,
    }
    assert (wallet(kit, "r-1"), wallet(kit, "r-2"), till(kit, "m-1")) == (START, START, 0)
    kit.after(counter)


# -- crash the server -----------------------------------------------------------------------------


def test_two_spends_of_two_to_the_62nd_in_one_batch(kit: Kit) -> None:
    counter = kit.enrol(COUNTER, merchant="m-1")
    counter.spend("r-1", 2**62)
    counter.spend("r-1", 2**62)
    r = kit.live.upload(counter.batch())
    assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
    ack = p.Ack.model_validate(r.json())
    assert {x.seq: x.code for x in ack.refused} == {
        1: p.AMOUNT_OUT_OF_BOUNDS,
        2: p.AMOUNT_OUT_OF_BOUNDS,
    }
    kit.sent[counter.device_id] = ack.acked_seq
    kit.batches.append((counter.batch(), ack))
    # amounts nobody could spend: not positive, rogue-signed
    zero = forge(counter, Kind.SPEND, debit="wallet:r-1", credit="till:m-1", amount=0)
    minus = forge(counter, Kind.SPEND, debit="wallet:r-1", credit="till:m-1", amount=-(2**62))
    assert kit.refused(counter) == {zero.seq: p.ENTRY_MALFORMED, minus.seq: p.ENTRY_MALFORMED}
    # the columns are 64-bit integers on both databases, and every stored value is an int
    engine = kit.live.server.engine
    types = {
        (table, c["name"]): c["type"]
        for table in ("balances", "ledger", "chores")
        for c in inspect(engine).get_columns(table)
    }
    for column in (("balances", "balance"), ("ledger", "amount"), ("ledger", "overdraft")):
        assert isinstance(types[column], BigInteger), (column, types[column])
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            stored = set(
                conn.execute(text("SELECT DISTINCT typeof(balance) FROM balances")).scalars()
            )
        else:
            stored = set(
                conn.execute(
                    text("SELECT DISTINCT pg_typeof(balance)::text FROM balances")
                ).scalars()
            )
        assert stored == {"integer" if engine.dialect.name == "sqlite" else "bigint"}
        amounts = list(
            conn.execute(text("SELECT amount FROM ledger WHERE status = 'refused'")).scalars()
        )
    assert sorted(amounts) == sorted([2**62, 2**62, 0, -(2**62)])
    assert all(type(a) is int for a in amounts)
    assert (wallet(kit, "r-1"), till(kit, "m-1")) == (START, 0)
    kit.after(counter)  # a spend of 1, acked and applied
    assert (wallet(kit, "r-1"), till(kit, "m-1")) == (START - 1, 1)


def test_a_spend_that_takes_a_till_over_the_balance_bound(kit: Kit) -> None:
    bounds = kit.live.server.settings.config["bounds"]
    bounds["max_account_balance"] = 12_000  # every wallet holds 10,000
    counter = kit.enrol(COUNTER, merchant="m-1")
    first = counter.spend("r-1", 2500)
    for resident, amount in (("r-2", 2500), ("r-3", 2500), ("r-1", 2500), ("r-2", 2000)):
        counter.spend(resident, amount)  # the till at exactly 12,000
    over = counter.spend("r-3", 1)
    assert kit.refused(counter) == {over.seq: p.BALANCE_OUT_OF_BOUNDS}
    assert till(kit, "m-1") == 12_000 and wallet(kit, "r-3") == START - 2500
    # the back office's own entries keep the bounds too
    with pytest.raises(Refusal) as refused:
        admin.grant(kit.live.server, "r-2", 12_000 - (START - 4500) + 1, "te veel")
    assert refused.value.code == p.BALANCE_OUT_OF_BOUNDS
    kit.after(counter, next_entry=lambda dev: refund(dev, first, 1))
    assert till(kit, "m-1") == 11_999


# -- break every snapshot -------------------------------------------------------------------------


def test_a_non_ascii_hyphen_in_an_identifier_breaks_no_snapshot(kit: Kit) -> None:
    devices = {
        "counter": kit.enrol(COUNTER, merchant="m-1"),
        "kiosk": kit.enrol(KIOSK),
        "desk": kit.enrol(DESK),
        "inspector": kit.enrol(INSPECTOR),
    }
    kiosk, insp, counter = devices["kiosk"], devices["inspector"], devices["counter"]
    signup(kiosk, "cl-1")
    kit.send(kiosk)
    before = kit.live.snapshot_ok(counter).version
    hyphen = "cl\u20111"  # NON-BREAKING HYPHEN: looks like cl-1
    refused = [
        forge(insp, Kind.APPROVAL, refs={"claim": hyphen, "inspector": INSPECTOR_CARD}),
        forge(
            insp,
            Kind.EARN,
            debit="issuance",
            credit="wallet:r-1",
            amount=1500,
            refs={"claim": hyphen},
        ),
    ]
    assert kit.refused(insp) == {e.seq: p.BAD_IDENTIFIER for e in refused}
    signed_up = forge(
        kiosk, Kind.CLAIM_SIGNUP, refs={"claim": hyphen, "chore": "ch-1", "resident": "r-1"}
    )
    assert kit.refused(kiosk) == {signed_up.seq: p.BAD_IDENTIFIER}
    card = forge(
        counter,
        Kind.SPEND,
        debit="wallet:r-1",
        credit="till:m-1",
        amount=100,
        refs={"merchant": "m-1", "resident": "r-1", "card": "C\u20110001"},
    )
    assert kit.refused(counter) == {card.seq: p.BAD_IDENTIFIER}
    now = kit.live.snapshot_ok(counter).version
    for name, dev in devices.items():
        for since in (None, 0, 1, before - 1, before, now - 1, now):
            snap = kit.live.snapshot_ok(dev, since)
            assert snap.role == dev.cert.role, name
            assert hyphen not in snap.model_dump_json()
    kit.after(*devices.values())


# -- lock an honest device out --------------------------------------------------------------------


def test_a_tx_id_another_device_used_first(kit: Kit) -> None:
    first, honest = kit.enrol(COUNTER, merchant="m-1"), kit.enrol(COUNTER, merchant="m-2")
    taken = first.spend("r-1", 100)
    kit.send(first)
    same = honest.spend("r-3", 100, merchant="m-2", tx_id=taken.tx_id)
    assert kit.refused(honest) == {}  # tx_id is unique per device: fine
    # on one device, the second use of a tx_id is refused, in a later batch or the same one
    later = honest.spend("r-3", 100, merchant="m-2", tx_id=same.tx_id)
    assert kit.refused(honest) == {later.seq: p.DUPLICATE_TX_ID}
    once = honest.spend("r-3", 50, merchant="m-2")
    twice = honest.spend("r-3", 50, merchant="m-2", tx_id=once.tx_id)
    assert kit.refused(honest) == {twice.seq: p.DUPLICATE_TX_ID}
    assert wallet(kit, "r-3") == START - 150 and till(kit, "m-2") == 150
    kit.after(honest, first)


def test_a_claim_another_inspector_rewarded_first(kit: Kit) -> None:
    approved_on_paper(kit, "cl-1")
    approved_on_paper(kit, "cl-2", resident="r-2")
    quick, honest = kit.enrol(INSPECTOR), kit.enrol(INSPECTOR)
    earn(quick, "cl-1")
    kit.send(quick)
    late = earn(honest, "cl-1")
    earn(honest, "cl-2", "r-2")  # in the same batch: still takes effect
    assert kit.refused(honest) == {late.seq: p.CLAIM_ALREADY_REWARDED}
    assert (wallet(kit, "r-1"), wallet(kit, "r-2")) == (START + 1500, START + 1500)
    kit.after(honest)


def test_an_earn_cap_used_up_by_others(kit: Kit) -> None:
    admin.add_chore(kit.live.server, "ch-big", "Groot", "nb-1", reward=10_000)
    for claim, resident in (("cl-1", "r-1"), ("cl-2", "r-1"), ("cl-3", "r-1"), ("cl-4", "r-2")):
        approved_on_paper(kit, claim, "ch-big", resident)
    others, honest = kit.enrol(INSPECTOR), kit.enrol(INSPECTOR)
    earn(others, "cl-1", amount=10_000)
    earn(others, "cl-2", amount=10_000)  # 20,000 of the month's 21,000
    kit.send(others)
    capped = earn(honest, "cl-3", amount=10_000)
    earn(honest, "cl-4", "r-2", 10_000)
    assert kit.refused(honest) == {capped.seq: p.EARN_CAP_EXCEEDED}
    assert (wallet(kit, "r-1"), wallet(kit, "r-2")) == (START + 20_000, START + 10_000)
    kit.after(honest)


def test_every_refusal_at_once_locks_no_device_out(kit: Kit) -> None:
    """The three things another device can do first, all in one honest batch."""
    approved_on_paper(kit, "cl-1")
    admin.add_chore(kit.live.server, "ch-big", "Groot", "nb-1", reward=10_000)
    for claim in ("cl-2", "cl-3", "cl-4"):
        approved_on_paper(kit, claim, "ch-big", "r-2")
    quick = kit.enrol(INSPECTOR)
    earn(quick, "cl-1")
    earn(quick, "cl-2", "r-2", 10_000)
    earn(quick, "cl-3", "r-2", 10_000)
    kit.send(quick)
    honest = kit.enrol(INSPECTOR)
    rewarded, capped = earn(honest, "cl-1"), earn(honest, "cl-4", "r-2", 10_000)
    refused = kit.refused(honest)
    assert refused == {rewarded.seq: p.CLAIM_ALREADY_REWARDED, capped.seq: p.EARN_CAP_EXCEEDED}
    resent = kit.live.ack(honest.batch())
    assert resent.status == "duplicate" and {r.seq: r.code for r in resent.refused} == refused
    kit.after(honest, quick)


# -- read everyone's data -------------------------------------------------------------------------


def test_no_snapshot_without_enrolment(kit: Kit) -> None:
    live = kit.live
    personal = ("Anna", "Bram", "Cor", "C-0001", "wallet:", "r-1", "balances", "residents")
    for params in ({}, {"since": 0}):
        r = live.http.get("/v1/snapshot", params=params)
        assert r.status_code == 401 and r.headers["content-type"] == "application/json"
        assert p.ErrorBody.model_validate(r.json()).code == p.AUTH_MISSING
        assert not [word for word in personal if word in r.text]
    # a key the server never enrolled, signing its request as a device would
    stranger = SigningKey.generate()
    headers = p.snapshot_request_headers(
        stranger, device_id_for(stranger.verify_key), None, NOW, secrets.token_hex(16)
    )
    r = live.http.get("/v1/snapshot", headers=headers)
    assert r.status_code == 403
    assert p.ErrorBody.model_validate(r.json()).code == p.UNKNOWN_DEVICE
    assert not [word for word in personal if word in r.text]
    kit.after(kit.enrol(COUNTER, merchant="m-1"))


# -- klusboxes (issue 9) ------------------------------------------------------------------------


def _loan(desk: object, box: str = "kb-1", resident: str = "r-1", **refs: object) -> object:
    return desk.add(  # type: ignore[attr-defined]  # a SimDevice
        Kind.LOAN,
        refs={"loan": fresh_loan(), "klusbox": box, "resident": resident, "due": NOW + 86_400_000}
        | refs,
    )


def fresh_loan() -> str:
    return f"loan-{secrets.token_hex(4)}"


def test_a_desk_overrides_an_overdue_loan_naming_no_staff_card(kit: Kit) -> None:
    """A stolen desk cannot make up the staff member who let an overdue resident borrow: the
    override must name an active staff card (the PIN was checked on the desk)."""
    admin.add_staff_card(kit.live.server, "S-LEFT", "Oud-vrijwilliger")
    admin.revoke_card(kit.live.server, "S-LEFT")
    admin.add_staff(kit.live.server, "st-insp", "Inspecteur Ilse", "inspector", pin="1234")
    admin.add_staff_card(kit.live.server, "S-INSP", "Inspecteur Ilse", staff_id="st-insp")
    desk = kit.enrol(DESK)
    out = [
        _loan(desk, staff="S-NOBODY"),
        _loan(desk, staff="C-0001"),  # a resident's card
        _loan(desk, staff="S-LEFT"),
        _loan(desk, staff="S-INSP"),  # an inspector decides chores, not loans
    ]
    assert kit.refused(desk) == {e.seq: p.STAFF_MISSING for e in out}  # type: ignore[attr-defined]
    kit.after(desk, next_entry=lambda dev: _loan(dev, staff=INSPECTOR_CARD))


def test_a_desk_lends_to_a_resident_of_another_neighbourhood(kit: Kit) -> None:
    desk = kit.enrol(DESK)
    e = _loan(desk, resident="r-3")
    assert kit.refused(desk) == {e.seq: p.OUT_OF_BINDING}  # type: ignore[attr-defined]
    kit.after(desk, next_entry=lambda dev: _loan(dev))


def test_a_return_with_a_component_missing_puts_the_box_in_maintenance(kit: Kit) -> None:
    desk = kit.enrol(DESK)
    loan_id = fresh_loan()
    desk.add(
        Kind.LOAN,
        refs={"loan": loan_id, "klusbox": "kb-1", "resident": "r-1", "due": NOW + 1},
    )
    kit.send(desk)
    lent = kit.live.snapshot_ok(desk)
    assert lent.loans is not None
    assert [(x.id, x.klusbox_id, x.resident_id) for x in lent.loans] == [(loan_id, "kb-1", "r-1")]
    assert not lent.klusboxes[0].maintenance
    desk.add(
        Kind.RETURN,
        refs={"loan": loan_id, "klusbox": "kb-1", "resident": "r-1", "missing": "1"},
    )
    kit.send(desk)
    back = kit.live.snapshot_ok(desk, since=lent.version)
    assert back.loans == []
    assert [(k.id, k.maintenance) for k in back.klusboxes] == [("kb-1", True)]
    kit.after(desk)


# -- PINs set at a kiosk (issue 9's staff and card PINs) ---------------------------------------

GOOD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$"
    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
)


@pytest.mark.parametrize(
    "pin_hash",
    [
        "1234",  # a PIN, not a hash
        "$argon2i$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2g",
        # parameters that would make every counter that checks this card's PIN stall or run
        # out of memory (a stolen kiosk's way to block a resident's card everywhere)
        GOOD_HASH.replace("m=65536", "m=99999999"),
        GOOD_HASH.replace("t=3", "t=9999"),
        GOOD_HASH.replace("p=4", "p=999"),
        # too weak to be one of ours
        GOOD_HASH.replace("m=65536", "m=8").replace("t=3", "t=1"),
    ],
)
def test_a_kiosk_sets_a_pin_hash_no_counter_could_check(kit: Kit, pin_hash: str) -> None:
    kiosk = kit.enrol(KIOSK)
    e = kiosk.add(
        Kind.CARD_EVENT,
        refs={"card": "C-0001", "event": "pin_set", "resident": "r-1", "pin_hash": pin_hash},
    )
    assert kit.refused(kiosk) == {e.seq: p.BAD_PIN_HASH}
    counter = kit.enrol(COUNTER, merchant="m-1")
    cards = {c.serial: c for c in kit.live.snapshot_ok(counter).cards}
    assert cards["C-0001"].pin_hash is None and not cards["C-0001"].pin_needed
    kit.after(kiosk)


def test_a_kiosk_sets_a_well_formed_pin_hash(kit: Kit) -> None:
    kiosk = kit.enrol(KIOSK)
    kiosk.add(
        Kind.CARD_EVENT,
        refs={"card": "C-0001", "event": "pin_set", "resident": "r-1", "pin_hash": GOOD_HASH},
    )
    assert kit.refused(kiosk) == {}
    counter = kit.enrol(COUNTER, merchant="m-1")
    cards = {c.serial: c for c in kit.live.snapshot_ok(counter).cards}
    assert cards["C-0001"].pin_hash == GOOD_HASH


def test_a_stolen_kiosk_sets_pins_on_every_card(kit: Kit) -> None:
    """A PIN nobody knows blocks a resident's card above the threshold at every counter. A
    kiosk may set at most [bounds] max_pin_sets_per_device_day PINs a day; the rest are
    refused (held for review, with an alert) and reach no counter."""
    limit = kit.live.server.settings.get("bounds", "max_pin_sets_per_device_day")
    kiosk = kit.enrol(KIOSK)
    cards = ["C-0001", "C-0002"]
    sent = [
        kiosk.add(
            Kind.CARD_EVENT,
            refs={"card": cards[i % 2], "event": "pin_set", "resident": f"r-{i % 2 + 1}",
                  "pin_hash": GOOD_HASH},
        )
        for i in range(limit + 3)
    ]  # fmt: skip
    assert kit.refused(kiosk) == {e.seq: p.PIN_SET_LIMIT for e in sent[limit:]}
    kit.after(kiosk)


def test_an_approval_naming_a_desk_volunteers_staff_card(kit: Kit) -> None:
    """Only an inspector decides chores: an approval (or rejection) naming the staff card of a
    desk volunteer or kiosk staff, or a card of someone who left, is refused."""
    server = kit.live.server
    admin.add_staff(server, "st-desk", "Vrijwilliger Vera", "desk", pin="1234")
    admin.add_staff_card(server, "S-DESK", "Vrijwilliger Vera", staff_id="st-desk")
    admin.add_staff(server, "st-insp", "Inspecteur Ilse", "inspector", pin="1234")
    admin.add_staff_card(server, "S-INSP", "Inspecteur Ilse", staff_id="st-insp")
    kiosk = kit.enrol(KIOSK)
    for claim in ("cl-v", "cl-i"):
        signup(kiosk, claim)
    kit.send(kiosk)
    insp = kit.enrol(INSPECTOR)
    bad = [approve(insp, "cl-v", card="S-DESK"), reject(insp, "cl-v", card="S-DESK")]
    good = approve(insp, "cl-i", card="S-INSP")
    refused = kit.refused(insp)
    assert refused == {e.seq: p.INSPECTOR_MISSING for e in bad}
    assert good.seq not in refused
    kit.after(insp, next_entry=lambda dev: earn(dev, "cl-i"))
