"""The money dashboard and the earning caps, over real HTTP on both databases: heitjes
issued, spent and refunded by real devices and the server add up on the page, per month and
per neighbourhood, with SVG charts the server drew; the CSV has its columns; a resident
past 80 % of the month's cap is warned about; a bad period is a message, not an error."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server.backoffice import i18n
from tests.server.backoffice.kit import Office
from tests.server.backoffice.work_kit import HOUR, MINUTE, Kiosk, audit_rows, post, seeded, text_of
from tests.server.conftest import NOW, LiveServer


@pytest.fixture
def money(office: Office) -> LiveServer:
    """Grants of 50,00 (r-1, nb-1) and 10,00 (r-3, nb-2); r-1 pays 12,00 at m-1 and gets 2,00
    back; r-1 earns 180,00 for a big chore approved in the inspection queue."""
    live = seeded(office)
    admin.grant(live.server, "r-1", 5000, "welkom")
    admin.grant(live.server, "r-3", 1000, "welkom")
    counter = live.enrol("merchant-counter", "Kassa", merchant="m-1")
    spend = counter.spend("r-1", 1200)
    counter.add(
        Kind.REFUND,
        debit=acc.till("m-1"),
        credit=acc.wallet("r-1"),
        amount=200,
        refs={"spend": spend.tx_id},
    )
    assert live.refused_codes(counter.batch()) == {}
    admin.add_chore(live.server, "ch-big", "Park opruimen", "nb-1", reward=18000)
    kiosk = Kiosk.enrol(live)
    live.clock.advance(2 * HOUR)
    kiosk.did_chore("cl-big", "ch-big", "r-1", check_in=NOW + MINUTE, check_out=NOW + HOUR)
    r = post(office.as_role("admin"), "/office/inspection", "/office/inspection/cl-big/approve", {})
    assert r.status_code == 303
    return live


def test_the_dashboard_adds_up_what_happened(office: Office, money: LiveServer) -> None:
    finance = office.as_role("finance")
    r = finance.get("/office/money")
    assert r.status_code == 200
    html = r.text
    totals = dict(
        re.findall(r'<dd data-flow="(\w+)">([^<]*)</dd>', html)  # the period's totals
    )
    assert totals == {
        "issued": "240,00",
        "spent": "12,00",
        "refunded": "2,00",
        "settled": "0,00",
        "expired": "0,00",
        "other": "0,00",
        "circulation": "240,00",
    }
    # per neighbourhood: nb-1 got 230,00 (grant and reward), nb-2 10,00
    row = re.search(r'<tr data-neighbourhood="nb-1">(.*?)</tr>', html, re.S)
    assert row and "230,00" in row.group(1) and "12,00" in row.group(1)
    row = re.search(r'<tr data-neighbourhood="nb-2">(.*?)</tr>', html, re.S)
    assert row and "10,00" in row.group(1)
    # three charts, each real SVG with an accessible name, drawn by the server
    for ident in ("chart-flows", "chart-circulation", "chart-neighbourhoods"):
        found = re.search(rf'<svg id="{ident}".*?</svg>', html, re.S)
        assert found, ident
        svg = ET.fromstring(found.group(0))
        assert svg.get("role") == "img"
        assert svg.find("{http://www.w3.org/2000/svg}title") is not None
    assert "<script" not in html.split("</head>", 1)[1]  # no script in the body
    # the month table has the month of NOW
    assert '<tr data-month="2026-11">' in html


def test_the_csv_has_its_columns(office: Office, money: LiveServer) -> None:
    r = office.as_role("admin").get(
        "/office/money.csv", params={"first": "2026-11", "last": "2026-11"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == [
        "buurt",
        "maand",
        "issued",
        "spent",
        "refunded",
        "settled",
        "expired",
        "other",
        "in_omloop",
    ]
    city = [row for row in rows[1:] if row[0] == "TOTAAL"]
    assert city == [
        ["TOTAAL", "2026-11", "240.00", "12.00", "2.00", "0.00", "0.00", "0.00", "240.00"]
    ]


def test_a_bad_period_is_a_message(office: Office, money: LiveServer) -> None:
    finance = office.as_role("finance")
    for lang, expected in (("nl", "is geen maand"), ("en", "is not a month")):
        finance.cookies.set(i18n.COOKIE, lang, domain="127.0.0.1", path="/office")
        r = finance.get("/office/money", params={"first": "2026-13", "last": "2026-11"})
        assert r.status_code == 400 and expected in text_of(r.text)
    r = finance.get("/office/money", params={"first": "2026-11", "last": "2026-01"})
    assert r.status_code == 400 and "before it starts" in text_of(r.text)
    # a download of a bad period is the page that says why, not another period's file
    r = finance.get("/office/money.csv", params={"first": "2026-11", "last": "nonsense"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "'nonsense' is not a date" in text_of(r.text)


def test_a_resident_near_the_cap_is_warned_about(office: Office, money: LiveServer) -> None:
    finance = office.as_role("finance")
    r = finance.get("/office/money/caps")
    assert r.status_code == 200
    row = re.search(r'<tr data-resident="r-1"[^>]*>(.*?)</tr>', r.text, re.S)
    assert row, "r-1 earned 180,00 of 210,00 this month"
    shown = text_of(row.group(1))
    assert "180,00 van 210,00 (85 %)" in shown and "Bijna aan het plafond" in shown
    assert 'data-resident="r-2"' not in r.text  # earned nothing
    # a resident can be looked up whatever their use
    found = finance.get("/office/money/caps", params={"q": "bram"})
    row = re.search(r'<tr data-resident="r-2"[^>]*>(.*?)</tr>', found.text, re.S)
    assert row and "Onder de grens" in text_of(row.group(1))
    download = finance.get("/office/money/caps.csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][:3] == ["bewoner", "naam", "buurt"] and rows[1][:2] == ["r-1", "Anna"]
    assert len(audit_rows(money, "export.caps")) == 1  # names left the server: logged
    assert office.as_role("researcher").get("/office/money/caps").status_code == 403
    assert office.as_role("inspector").get("/office/money").status_code == 403
