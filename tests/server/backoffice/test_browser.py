"""The back office in a real browser (headless chromium through Selenium) against the real
server on 127.0.0.1 with PostgreSQL, as the municipality's staff use it: an admin registers a
resident and prints the card, publishes a chore and enrols a kiosk and a till; real devices
enrol with those codes, the residents do the chore at the kiosk and the device syncs it in; an
inspector approves the claims in the office and the kiosk's next sync brings the earn; the
residents pay at the till; one finance user prepares the settlement and another approves it;
the SEPA file meets its schema and pays exactly the statements; a researcher downloads the
export and finds no figure about fewer than 10 residents and no personal field.

Every page visited is saved as a screenshot (browser_kit.screenshots_dir())."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from selenium.webdriver.common.by import By

from kiosk.core import accounts as acc
from kiosk.server import admin
from kiosk.server import reports as R
from kiosk.server import settlement as S
from tests.server.backoffice import browser_kit
from tests.server.backoffice.browser_kit import Browser, RealDevice
from tests.server.backoffice.kit import PASSWORD, Office
from tests.server.conftest import LiveServer

chrome = browser_kit.chrome  # one chromium for this module
live_pg = browser_kit.live_pg
browser = browser_kit.browser

HOUR = 3_600_000
DAY = 24 * HOUR
BUURT = "BU03630001"  # nb-1's CBS buurt code
IBAN = "NL44RABO0123456789"
NEIGHBOURS = 11  # residents registered before; with the new one, 12 take part in nb-1
REWARD = 1500  # the chore pays 15 heitjes
DAY_OF_WORK = "2026-11-18"  # the server's clock (tests/server/conftest.py NOW)


def seed(live: LiveServer) -> list[tuple[str, str, str]]:
    """Two neighbourhoods with CBS codes, a shop with an IBAN, and residents of nb-1 with cards
    (registered earlier, as the registers hold them): [(resident id, name, card serial)]."""
    server = live.server
    admin.add_neighbourhood(server, "nb-1", "Oost", cbs_code=BUURT)
    admin.add_neighbourhood(server, "nb-2", "West", cbs_code="BU03630002")
    admin.add_merchant(server, "m-1", "Bakkerij Broodkruim", "nb-1", iban=IBAN)
    people = []
    for n in range(NEIGHBOURS):
        rid, name, serial = f"rb-{n:02d}", f"Buurvrouw{n:02d}", f"KB-{n:04d}"
        admin.add_resident(server, rid, name, "nb-1", card_serial=serial)
        people.append((rid, name, serial))
    admin.add_resident(server, "rb-west", "Westerling", "nb-2", card_serial="KB-WEST")
    return people


def enrol_code(b: Browser, role: str, name: str, **bindings: str) -> str:
    """The admin makes an enrolment code on the devices page; the page shows it and its QR."""
    b.open("/office/devices/new", f"devices-new-{role}")
    b.choose("role", role)
    b.type("name", name)
    if "merchant" in bindings:
        b.choose("merchant", bindings["merchant"])
    if "neighbourhood" in bindings:
        b.tick("neighbourhoods", bindings["neighbourhood"])
    b.press("main form button[type=submit]", f"enrol-code-{role}")
    assert b.find("#enrol-qr svg").is_displayed()  # the QR the device scans
    code = b.find("#enrol-code").text.strip()
    assert code and name in b.text
    return code


def test_the_back_office_runs_the_scheme_in_a_browser(
    browser: Browser, live_pg: LiveServer, tmp_path: Path
) -> None:
    b, live = browser, live_pg
    server, clock = live.server, live.clock
    neighbours = seed(live)
    office = Office(live)
    inspector_id = office.add_user("ilse", "inspector")
    for username, role in (
        ("beheer", "admin"),
        ("fenna", "finance"),
        ("frank", "finance"),
        ("rosa", "researcher"),
    ):
        office.add_user(username, role)

    # -- an admin signs in, registers a resident and prints the card -------------------------
    b.sign_in("beheer")
    b.open("/office/residents/new", "resident-new")
    b.type("name", "Femke de Boer")
    b.choose("neighbourhood", "nb-1")
    assert b.find("main form input[name=card]").is_selected()  # a card with it
    b.press("#resident-save", "resident-registered")
    resident = re.fullmatch(r"/office/residents/([^/?]+)\?.*", b.path)
    assert resident, b.path
    resident_id = resident.group(1)
    assert "Femke de Boer" in b.text
    print_card = "main a[href$='/card.pdf']"  # "Afdrukken (PDF)" in the resident's cards
    card_link = b.find(print_card).get_attribute("href") or ""
    printed = re.search(r"/cards/([^/]+)/card\.pdf$", card_link)
    assert printed, card_link
    card = printed.group(1)
    pdf_file = b.download(print_card, "*.pdf")
    pdf = pdf_file.read_bytes()
    assert pdf.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(pdf)
    try:
        assert len(doc) >= 1 and doc[0].get_size()[0] > 0  # a real PDF with a page
    finally:
        doc.close()
    with b.http() as http:
        r = http.get(f"/office/cards/{card}/card.pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"

    # -- publishes a chore -------------------------------------------------------------------
    b.open("/office/chores/new", "chore-new")
    b.type("title", "Speeltuin Oost aanvegen")
    b.type("title_en", "Sweep the Oost playground")
    b.choose("neighbourhood_id", "nb-1")
    b.type("reward", "15,00")
    b.type("capacity", "20")
    b.set("starts_at", f"{DAY_OF_WORK}T11:00")
    b.set("ends_at", f"{DAY_OF_WORK}T20:00")
    b.press("main form button[type=submit]", "chore-published")
    chore = re.fullmatch(r"/office/chores/([^/?]+)(\?.*)?", b.path)
    assert chore and chore.group(1) != "new", (b.path, b.text[:500])
    chore_id = chore.group(1)
    assert "Speeltuin Oost aanvegen" in b.text

    # -- lets the inspector work in nb-1, and enrols a kiosk and a till ------------------------
    b.open(f"/office/inspectors/{inspector_id}", "inspector-areas")
    b.tick("neighbourhood", "nb-1")
    b.press("#save-areas", "inspector-areas-saved")
    kiosk_code = enrol_code(b, "resident-kiosk", "Kiosk buurthuis Oost", neighbourhood="nb-1")
    till_code = enrol_code(b, "merchant-counter", "Kassa Broodkruim", merchant="m-1")
    b.open("/office/devices", "devices")
    b.sign_out()

    # -- the residents do the chore at the kiosk; its sync brings the claims in ---------------
    kiosk = RealDevice.enrol(live.url, kiosk_code, tmp_path / "kiosk", clock)
    till = RealDevice.enrol(live.url, till_code, tmp_path / "till", clock)
    try:
        kiosk.sync()
        ops = kiosk.device.kiosk
        assert ops is not None
        cards = [card, *(s for _, _, s in neighbours)]
        claims = {}
        for c in cards:
            claims[c] = ops.sign_up_now(c, chore_id).claim_id
            ops.check_in_now(c, claims[c])
        clock.advance(HOUR)
        for c in cards:
            assert ops.check_out_now(c, claims[c]).status == "done"
        kiosk.sync()

        # -- an inspector approves the claims in the office --------------------------------
        b.sign_in("ilse")
        b.open("/office/inspection", "inspection-queue")
        assert "Femke de Boer" in b.text
        approved = 0
        while b.all("main button[id^=approve-]"):
            b.press("main button[id^=approve-]", "inspection-approved")
            approved += 1
        assert approved == len(cards)
        b.sign_out()

        # -- the kiosk's next sync brings the earn; the residents pay at the till ----------
        kiosk.sync()
        for c in cards:
            assert ops.show_resident_now(c).balance == REWARD
        till.sync()
        pay = till.device.counter
        assert pay is not None
        paid = {c: 500 + 37 * i for i, c in enumerate(cards)}
        for c, amount in paid.items():
            assert pay.pay_now(c, amount).amount == amount
        till.sync()
    finally:
        kiosk.close()
        till.close()
    assert admin.balance(server, acc.wallet(resident_id)) == REWARD - paid[card]
    assert admin.balance(server, acc.till("m-1")) == sum(paid.values())

    # -- the day is over: finance prepares the settlement, a second finance user approves ----
    clock.advance(DAY)
    b.sign_in("fenna")
    b.open("/office/settlements", "settlements")
    b.set("first", DAY_OF_WORK)
    b.set("last", DAY_OF_WORK)
    b.press("#prepare-settlement", "settlement-prepared")
    prepared = re.fullmatch(r"/office/settlements/(\d+)\?.*", b.path)
    assert prepared, (b.path, b.text[:500])
    sid = int(prepared.group(1))
    assert not b.all("#approve-settlement")  # four eyes: not for the one who prepared it
    b.sign_out()

    b.sign_in("frank")
    b.open(f"/office/settlements/{sid}", "settlement-to-approve")
    b.press("#approve-settlement", "settlement-approved")
    settled = S.get(server, sid)
    assert settled.status == S.APPROVED
    assert settled.approved_by is not None and settled.prepared_by != settled.approved_by
    (statement,) = settled.statements
    assert (statement.merchant_id, statement.iban) == ("m-1", IBAN)
    assert statement.spends == len(cards) and statement.heitje_cents == sum(paid.values())

    # the SEPA file meets its schema, and pays exactly what the statements say
    sepa = b.download("#download-sepa", "*.xml").read_bytes()
    S.validate_sepa(sepa, S.SettlementConfig.of(server.settings.config).sepa_schema)
    summary = S.read_sepa(sepa)
    euro = sum(st.euro_cents for st in settled.statements)
    assert summary.total_cents == summary.control_sum_cents == euro == settled.euro_cents
    assert f"€ {euro // 100},{euro % 100:02d}" in b.text  # what the page's statements say
    assert [p[1] for p in summary.payments] == [IBAN]
    assert admin.balance(server, acc.till("m-1")) == 0  # booked as settle entries
    b.sign_out()

    # -- a researcher downloads the export -----------------------------------------------------
    b.sign_in("rosa")
    b.open("/office/reports/export", "research-export")
    b.set("first", DAY_OF_WORK[:7])
    b.set("last", DAY_OF_WORK[:7])
    export = b.download("#download-export", "*.zip")
    with zipfile.ZipFile(export) as z:
        files = {
            name: list(csv.reader(io.StringIO(z.read(name).decode("utf-8"))))
            for name in z.namelist()
        }
    table, panel = files["heitje-buurten.csv"], files["heitje-panel.csv"]
    header = table[0]
    # no figure about fewer than 10 residents: each count of residents is 10 or more, or "."
    counts = [header.index(m) for m in ("residents", "new", "returning")]
    published = [int(row[i]) for row in table[1:] for i in counts if row[i] != R.SUPPRESSED]
    assert published and all(n >= 10 for n in published), table
    by_code = {row[0]: row[header.index("residents")] for row in table[1:]}
    assert by_code[R.TOTAL] == str(len(cards))  # the city: the 12 of nb-1
    # nobody took part in nb-2, so its cell is suppressed, and nb-1's with it: otherwise
    # nb-2's would be the city's total minus nb-1's
    assert by_code["BU03630002"] == by_code[BUURT] == R.SUPPRESSED
    # no personal field: no names, cards, resident ids, shop, IBAN or address anywhere
    everything = "\n".join(",".join(row) for rows in files.values() for row in rows)
    personal = ["Femke", "Boer", resident_id, card, "Broodkruim", IBAN, "Westerling"]
    for rid, name, serial in neighbours:
        personal += [rid, name, serial]
    for word in personal:
        assert word not in everything, word
    for column in (*header, *panel[0]):
        assert not re.search(r"naam|name|pas|card|adres|address|iban", column), column
    ids = [row[0] for row in panel[1:]]
    assert len(ids) == len(set(ids)) == len(cards)
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    b.sign_out()

    # a screenshot of every page visited
    assert len(b.taken) >= 30
    assert all(p.stat().st_size > 0 for p in b.taken)


def test_a_page_without_a_session_leads_to_the_sign_in_page(
    browser: Browser, live_pg: LiveServer
) -> None:
    b = browser
    Office(live_pg).add_user("fenna", "finance")
    b.open("/office/settlements", "no-session")
    assert b.path.startswith("/office/sign-in"), b.path
    b.type("username", "fenna")
    b.type("password", "niet het wachtwoord")
    b.press("main form button[type=submit]", "wrong-password")
    assert b.path.startswith("/office/sign-in")
    assert b.find("[role=alert], .error, .notice").is_displayed()
    b.type("username", "fenna")
    b.type("password", PASSWORD)
    b.press("main form button[type=submit]", "signed-in-back")
    assert b.path == "/office/settlements", b.path  # brought back to the page asked for
    assert b.driver.find_element(By.CSS_SELECTOR, "#prepare-form").is_displayed()
    b.open("/office/users", "not-for-finance")
    assert "Geen toegang" in b.text
