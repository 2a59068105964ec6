"""Settlements in the back office, over real HTTP on both databases: finance prepares a period
and sees each shop's statement (spends minus refunds, the spend open in review left out, a
shop without an IBAN left for later); the statement PDF downloads; the same user's approval
is refused (four eyes) and changes nothing; a second finance user's approval writes the
settle entries, and the SEPA file validates against its schema and pays exactly the
statements; nothing is paid twice; a prepared settlement is cancelled with a reason."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import settlement as S
from kiosk.server import tables as t
from kiosk.server.backoffice import i18n
from tests.server.backoffice.kit import Office
from tests.server.backoffice.work_kit import DAY, audit_rows, post, seeded, server_entries, text_of
from tests.server.conftest import LiveServer

DAY_ONE = "2026-11-18"  # the day of NOW
SCHEMA = "pain.001.001.09"  # config_defaults


@pytest.fixture
def shops(office: Office) -> LiveServer:
    """On DAY_ONE: Bakker Pieters (nb-1, IBAN) takes 15,00 and 8,00, gives 3,00 back and takes
    30,00 over the offline cap (held in review); Slager de Vries (nb-2, IBAN) takes 20,00;
    Bakker Jansen (m-1, no IBAN) takes 5,00. Then the clock moves to the next day."""
    live = seeded(office)
    admin.add_merchant(live.server, "m-a", "Bakker Pieters", "nb-1", iban="NL02ABNA0123456789")
    admin.add_merchant(live.server, "m-b", "Slager de Vries", "nb-2", iban="NL44RABO0123456789")
    admin.grant(live.server, "r-1", 10_000, "startsaldo")
    admin.grant(live.server, "r-3", 10_000, "startsaldo")
    a = live.enrol("merchant-counter", "Kassa Pieters", merchant="m-a")
    b = live.enrol("merchant-counter", "Kassa de Vries", merchant="m-b")
    j = live.enrol("merchant-counter", "Kassa Jansen", merchant="m-1")
    first = a.spend("r-1", 1500, merchant="m-a")
    a.spend("r-1", 800, merchant="m-a")
    a.add(
        Kind.REFUND,
        debit=acc.till("m-a"),
        credit=acc.wallet("r-1"),
        amount=300,
        refs={"spend": first.tx_id},
    )
    a.spend("r-1", 3000, merchant="m-a")  # over the 25,00 per-payment cap: held
    b.spend("r-3", 2000, merchant="m-b")
    j.spend("r-2", 500, merchant="m-1")
    for dev in (a, b, j):
        assert live.refused_codes(dev.batch()) == {}
    live.clock.advance(DAY)
    return live


def finance_pair(office: Office) -> tuple[httpx.Client, httpx.Client]:
    return office.as_role("finance"), office.as_role("finance")


def prepare(c: httpx.Client, first: str = DAY_ONE, last: str = DAY_ONE) -> httpx.Response:
    return post(c, "/office/settlements", "/office/settlements", {"first": first, "last": last})


def sid_of(r: httpx.Response) -> int:
    assert r.status_code == 303, text_of(r.text)
    found = re.match(
        r"/office/settlements/(\d+)\?done=done\.settlement_prepared$", r.headers["location"]
    )
    assert found, r.headers["location"]
    return int(found.group(1))


def statement_euros(html: str) -> dict[str, int]:
    rows = re.findall(r'<tr data-merchant="([^"]+)">.*?data-euro-cents="(\d+)"', html, re.S)
    return {m: int(c) for m, c in rows}


def test_four_eyes_and_the_sepa_file_pays_exactly_the_statements(
    office: Office, shops: LiveServer
) -> None:
    anna, bram = finance_pair(office)
    sid = sid_of(prepare(anna))
    page = anna.get(f"/office/settlements/{sid}")
    shown = text_of(page.text)
    assert "Gemaakt, wacht op goedkeuring" in shown
    assert statement_euros(page.text) == {"m-a": 2000, "m-b": 2000}  # 15 + 8 - 3; 20
    assert "Bakker Jansen: geen IBAN bekend" in shown  # left for a later settlement
    assert "30,00 heitjes wachten op een besluit" in shown  # the held spend
    assert 'id="four-eyes-note"' in page.text and 'id="approve-settlement"' not in page.text
    # the statement as a PDF
    pdf = anna.get(f"/office/settlements/{sid}/statement/m-a")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (
        pdf.content.startswith(b"%PDF")
        and "heitje-afrekening" in pdf.headers["content-disposition"]
    )
    assert anna.get(f"/office/settlements/{sid}/statement/m-zz").status_code == 404
    # no payment file before approval
    early = anna.get(f"/office/settlements/{sid}/sepa")
    assert early.status_code == 409 and "nog niet goedgekeurd" in text_of(early.text)

    # four eyes: the one who prepared it is refused, and nothing is booked
    r = post(anna, f"/office/settlements/{sid}", f"/office/settlements/{sid}/approve", {})
    assert r.status_code == 409 and "Vier ogen" in text_of(r.text)
    assert S.get(shops.server, sid).status == S.PREPARED
    assert server_entries(shops, Kind.SETTLE) == []

    # the other finance user approves: settle entries in the server's chain
    assert 'id="approve-settlement"' in bram.get(f"/office/settlements/{sid}").text
    r = post(bram, f"/office/settlements/{sid}", f"/office/settlements/{sid}/approve", {})
    assert r.status_code == 303 and r.headers["location"].endswith("done=done.settlement_approved")
    settled = S.get(shops.server, sid)
    assert settled.status == S.APPROVED and settled.approved_by != settled.prepared_by
    entries = [e for e in server_entries(shops, Kind.SETTLE) if e["refs"]["settlement"] == sid]
    paid: dict[str, int] = {}
    for e in entries:
        assert e["credit"] == acc.REDEMPTION and e["status"] == "applied"
        paid[acc.owner_of(e["debit"])] = paid.get(acc.owner_of(e["debit"]), 0) + e["amount"]
    assert paid == {st.merchant_id: st.heitje_cents for st in settled.statements}
    assert admin.balance(shops.server, acc.till("m-b")) == 0
    assert admin.balance(shops.server, acc.till("m-a")) == 3000  # the held spend stays

    # the SEPA file: valid against its schema, and it pays exactly the statements
    sepa = bram.get(f"/office/settlements/{sid}/sepa")
    assert sepa.status_code == 200 and sepa.headers["content-type"].startswith("application/xml")
    S.validate_sepa(sepa.content, SCHEMA)
    summary = S.read_sepa(sepa.content)
    euros = sum(st.euro_cents for st in settled.statements)
    assert summary.total_cents == summary.control_sum_cents == euros == settled.euro_cents == 4000
    assert sorted(iban for _, iban, _ in summary.payments) == [
        "NL02ABNA0123456789",
        "NL44RABO0123456789",
    ]
    assert bram.get(f"/office/settlements/{sid}/sepa").content == sepa.content  # made once

    # never twice: the same period again has nothing left to pay
    r = prepare(bram)
    assert r.status_code == 409 and "niets te betalen" in text_of(r.text)
    approvals = audit_rows(shops, "settlement.approve")
    assert len(approvals) == 1 and approvals[0]["actor"] == f"user:{settled.approved_by}"


def test_prepare_refuses_what_cannot_be_settled(office: Office, shops: LiveServer) -> None:
    anna, _ = finance_pair(office)
    today = "2026-11-19"
    r = prepare(anna, today, today)
    assert r.status_code == 409 and "De periode loopt nog" in text_of(r.text)
    r = prepare(anna, "2026-02-30", DAY_ONE)
    assert r.status_code == 400 and "is geen datum" in text_of(r.text)
    assert 'value="2026-02-30"' in r.text  # what was typed stays
    anna.cookies.set(i18n.COOKIE, "en", domain="127.0.0.1", path="/office")
    r = prepare(anna, DAY_ONE, "2026-11-01")
    assert r.status_code == 400 and "before it starts" in text_of(r.text)
    with shops.server.engine.connect() as conn:
        assert conn.execute(select(t.settlements.c.id)).first() is None


def test_a_prepared_settlement_is_cancelled_with_a_reason(
    office: Office, shops: LiveServer
) -> None:
    anna, bram = finance_pair(office)
    sid = sid_of(prepare(anna))
    page = f"/office/settlements/{sid}"
    r = post(bram, page, f"{page}/cancel", {"reason": " "})
    assert r.status_code == 409 and "Geef een reden." in text_of(r.text)
    assert S.get(shops.server, sid).status == S.PREPARED
    r = post(bram, page, f"{page}/cancel", {"reason": "Verkeerde periode"})
    assert r.status_code == 303
    cancelled = S.get(shops.server, sid)
    assert cancelled.status == S.CANCELLED and cancelled.cancel_reason == "Verkeerde periode"
    assert "Geannuleerd" in text_of(bram.get(page).text)
    (row,) = audit_rows(shops, "settlement.cancel")
    assert json.loads(row["after_json"])["reason"] == "Verkeerde periode"
    # cancelled rows are free again: a new settlement takes them
    again = sid_of(prepare(bram))
    assert statement_euros(bram.get(f"/office/settlements/{again}").text) == {
        "m-a": 2000,
        "m-b": 2000,
    }
    r = post(anna, f"/office/settlements/{sid}", f"/office/settlements/{sid}/approve", {})
    assert r.status_code == 409 and "geannuleerd" in text_of(r.text)


def test_admins_may_look_but_not_settle(office: Office, shops: LiveServer) -> None:
    anna, _ = finance_pair(office)
    sid = sid_of(prepare(anna))
    admin_client = office.as_role("admin")
    listing = admin_client.get("/office/settlements")
    assert listing.status_code == 200 and 'id="prepare-form"' not in listing.text
    assert f'data-settlement="{sid}"' in listing.text
    assert admin_client.get(f"/office/settlements/{sid}").status_code == 200
    token = office.csrf(admin_client)
    for action in (
        "/office/settlements",
        f"/office/settlements/{sid}/approve",
        f"/office/settlements/{sid}/cancel",
    ):
        assert admin_client.post(action, data={"csrf_token": token}).status_code == 403, action
    assert office.as_role("researcher").get("/office/settlements").status_code == 403
