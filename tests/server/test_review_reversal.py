"""A reversed review item gives back only what the shop had not refunded yet, and the shop
cannot refund a reversed spend again. Real server over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.sync import protocol as p
from tests.server.conftest import LiveServer


def test_a_reversal_returns_only_what_was_not_refunded(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    counter = live.enrol()
    big = counter.cert.limits.per_tx_cap + 500  # over the cap: honoured, held for review
    spend = counter.spend("r-1", big)
    counter.add(
        Kind.REFUND,
        debit=acc.till("m-1"),
        credit=acc.wallet("r-1"),
        amount=1_000,
        refs={"spend": spend.tx_id, "merchant": "m-1", "resident": "r-1"},
    )
    ack = live.ack(counter.batch())
    assert ack.refused == [] and ack.review_seqs == [1]
    assert admin.balance(live.server, "wallet:r-1") == 10_000 - big + 1_000

    (item,) = admin.review_items(live.server)
    entry = admin.resolve_review(live.server, int(str(item["id"])), "reversed", "staff-1")
    assert entry.kind is Kind.ADJUST and entry.amount == big - 1_000
    # the resident has everything back once, the shop nothing of this spend
    assert admin.balance(live.server, "wallet:r-1") == 10_000
    assert admin.balance(live.server, "till:m-1") == 0

    # a refund of the reversed spend afterwards has nothing left to return
    counter.add(
        Kind.REFUND,
        debit=acc.till("m-1"),
        credit=acc.wallet("r-1"),
        amount=1,
        refs={"spend": spend.tx_id, "merchant": "m-1", "resident": "r-1"},
    )
    assert live.refused_codes(counter.batch(3, 3)) == {3: p.REFUND_WITHOUT_SPEND}
    assert admin.balance(live.server, "wallet:r-1") == 10_000


def test_reversing_a_fully_refunded_spend_moves_no_money(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    counter = live.enrol()
    big = counter.cert.limits.per_tx_cap + 1
    spend = counter.spend("r-1", big)
    counter.add(
        Kind.REFUND,
        debit=acc.till("m-1"),
        credit=acc.wallet("r-1"),
        amount=big,
        refs={"spend": spend.tx_id, "merchant": "m-1", "resident": "r-1"},
    )
    live.ack(counter.batch())
    (item,) = admin.review_items(live.server)
    entry = admin.resolve_review(live.server, int(str(item["id"])), "reversed", "staff-1")
    assert entry.kind is Kind.REVIEW and entry.amount == 0
    assert admin.balance(live.server, "wallet:r-1") == 10_000
    assert admin.review_items(live.server) == []
