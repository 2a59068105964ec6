"""The review queue, over real HTTP on both databases: a counter's offline spend over the
per-payment cap (honoured) and entries the server refused are listed with their device, the
rule in words, the amount and the effect; each decision needs a reason and writes its entry
in the server's own chain (a reversal moves the money back); what the rules still refuse is
shown in their words; a decided item cannot be decided again."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.errors import MESSAGES
from kiosk.sync import protocol as p
from kiosk.sync.refusals import REASONS
from tests.server.backoffice.kit import Office
from tests.server.backoffice.work_kit import (
    Kiosk,
    audit_rows,
    post,
    seeded,
    server_entries,
    text_of,
)
from tests.server.conftest import LiveServer

OVER_CAP = 3000  # the default per-payment offline cap is 25,00


def item_ids(live: LiveServer) -> dict[str, int]:
    """Open review items by the kind of their entry."""
    return {str(i["kind"]): int(str(i["id"])) for i in admin.review_items(live.server)}


def status_of(live: LiveServer, item_id: int) -> str:
    with live.server.engine.connect() as conn:
        q = t.review_queue.c
        return str(conn.execute(select(q.status).where(q.id == item_id)).scalar())


@pytest.fixture
def queue(office: Office) -> LiveServer:
    """A spend over the cap (honoured), a refund of no spend and a check-in of no claim
    (both refused), signed by real devices and uploaded over HTTP."""
    live = seeded(office)
    counter = live.enrol("merchant-counter", "Kassa Bakker Jansen", merchant="m-1")
    counter.spend("r-1", OVER_CAP)
    counter.add(
        Kind.REFUND,
        debit=acc.till("m-1"),
        credit=acc.wallet("r-2"),
        amount=500,
        refs={"spend": "no-such-spend"},
    )
    assert live.refused_codes(counter.batch()) == {2: p.REFUND_WITHOUT_SPEND}
    kiosk = Kiosk.enrol(live)
    kiosk.dev.add(Kind.CHECK_IN, refs={"claim": "no-such-claim"})
    assert live.refused_codes(kiosk.dev.batch()) == {1: p.UNKNOWN_CLAIM}
    return live


def test_the_queue_shows_device_rule_amount_and_effect(office: Office, queue: LiveServer) -> None:
    finance = office.as_role("finance")
    r = finance.get("/office/review")
    assert r.status_code == 200
    shown = text_of(r.text)
    assert "Kassa Bakker Jansen" in shown
    assert "Het bedrag was hoger dan het maximum per betaling." in shown
    assert REASONS[p.REVIEW_OVER_TX_CAP].nl == "het bedrag was hoger dan het maximum per betaling"
    assert MESSAGES[p.REFUND_WITHOUT_SPEND][1] in shown
    assert MESSAGES[p.UNKNOWN_CLAIM][1] in shown
    assert "30,00" in shown and "5,00" in shown
    assert shown.count("doorgegaan") == 1 and shown.count("geweigerd") == 2
    assert "Betaling" in shown and "Terugbetaling" in shown and "Inchecken" in shown
    ids = item_ids(queue)
    detail = text_of(finance.get(f"/office/review/{ids['spend']}").text)
    assert "Goedkeuren" in detail and "Terugdraaien" in detail
    assert "Toch laten doorgaan" not in detail  # not a decision for an honoured spend
    refused = text_of(finance.get(f"/office/review/{ids['check_in']}").text)
    assert "Toch laten doorgaan" in refused and "Terugdraaien" not in refused
    assert finance.get("/office/review/999999").status_code == 404


def test_reversing_a_spend_writes_the_adjust_and_returns_the_money(
    office: Office, queue: LiveServer
) -> None:
    spend = item_ids(queue)["spend"]
    assert admin.balance(queue.server, acc.wallet("r-1")) == -OVER_CAP
    finance = office.as_role("finance")
    page = f"/office/review/{spend}"
    # a reason is required, and the decision must fit the item
    r = post(finance, page, page, {"decision": "reversed", "reason": "  "})
    assert r.status_code == 400 and "Geef een reden." in text_of(r.text)
    r = post(finance, page, page, {"decision": "applied", "reason": "waarom niet"})
    assert r.status_code == 400 and "Kies een besluit." in text_of(r.text)
    assert status_of(queue, spend) == "open"
    r = post(finance, page, page, {"decision": "reversed", "reason": "Pas was gestolen"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=done.review_resolved")
    assert status_of(queue, spend) == "reversed"
    assert admin.balance(queue.server, acc.wallet("r-1")) == 0
    assert admin.balance(queue.server, acc.till("m-1")) == 0
    (adjust,) = server_entries(queue, Kind.ADJUST)
    assert (adjust["debit"], adjust["credit"], adjust["amount"]) == (
        acc.till("m-1"),
        acc.wallet("r-1"),
        OVER_CAP,
    )
    assert adjust["refs"]["review"] == spend and adjust["refs"]["decision"] == "reversed"
    assert adjust["refs"]["reason"] == "Pas was gestolen"
    (row,) = audit_rows(queue, "review.resolve")
    assert json.loads(row["after_json"])["entry"] == adjust["tx_id"]
    assert row["actor"] == f"user:{row['user_id']}"
    # decided: no second decision
    again = post(finance, page, page, {"decision": "approved", "reason": "toch wel"})
    assert again.status_code == 409 and "al besloten" in text_of(again.text)
    assert len(server_entries(queue, Kind.ADJUST)) == 1
    assert "Teruggedraaid" in text_of(finance.get("/office/review?show=decided").text)


def test_a_refused_entry_is_confirmed_or_applied_under_the_rules(
    office: Office, queue: LiveServer
) -> None:
    ids = item_ids(queue)
    admin_client = office.as_role("admin")  # admins resolve too
    page = f"/office/review/{ids['check_in']}"
    # applying a check-in of a claim nobody knows is still refused, in the rule's words
    r = post(admin_client, page, page, {"decision": "applied", "reason": "kiosk liep voor"})
    assert r.status_code == 409
    assert MESSAGES[p.UNKNOWN_CLAIM][1] in text_of(r.text)
    assert status_of(queue, ids["check_in"]) == "open"
    r = post(admin_client, page, page, {"decision": "confirmed", "reason": "Geen aanmelding"})
    assert r.status_code == 303
    (decision,) = server_entries(queue, Kind.REVIEW)
    assert decision["refs"]["review"] == ids["check_in"]
    assert decision["refs"]["decision"] == "confirmed"
    assert decision["refs"]["staff"].startswith("user:")
    assert status_of(queue, ids["check_in"]) == "confirmed"
    # the refund stays refused: no money moves
    page = f"/office/review/{ids['refund']}"
    before = admin.balance(queue.server, acc.wallet("r-2"))
    assert (
        post(admin_client, page, page, {"decision": "confirmed", "reason": "ok"}).status_code == 303
    )
    assert admin.balance(queue.server, acc.wallet("r-2")) == before
    assert status_of(queue, ids["refund"]) == "confirmed"
