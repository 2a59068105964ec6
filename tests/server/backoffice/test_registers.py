"""The register pages as an admin uses them, over real HTTP on both databases: each register's
create, search, page and edit round trip, with its audit rows (before and after); bad input
answered on the form with its message; other roles refused."""

from __future__ import annotations

import re

import pytest

from kiosk.core.cards import read_card
from kiosk.core.entries import Kind
from kiosk.server import admin as registry
from kiosk.server import tables as t
from kiosk.server.backoffice.audit import system
from kiosk.server.backoffice.registers import residents
from tests.server.backoffice.kit import Office
from tests.server.backoffice.registers_kit import Admin, audit_rows, pdf_text_and_codes, row_of
from tests.server.backoffice.test_pages import check_page


def test_neighbourhoods_create_search_edit(office: Office) -> None:
    a = Admin.signed_in(office)
    assert "<h1>Buurt toevoegen</h1>" in a.get("/office/neighbourhoods/new").text
    path, query = a.ok("/office/neighbourhoods", name="Oost", cbs_code=" bu03630001 ")
    assert path == "/office/neighbourhoods" and query["done"] == ["done.neighbourhood_created"]
    a.ok("/office/neighbourhoods", name="West", cbs_code="")
    a.ok("/office/neighbourhoods", name="Oost", cbs_code="")  # the same name: its own id
    page = a.get("/office/neighbourhoods?done=done.neighbourhood_created").text
    assert "De buurt is toegevoegd." in page
    assert "BU03630001" in page and "nb-oost" in page and "nb-oost-2" in page
    found = a.get("/office/neighbourhoods?q=bu0363").text
    assert "1 tot en met 1 van 1" in found and "nb-west" not in found
    # edit: a new name and a code
    form = a.get("/office/neighbourhoods/nb-west/edit").text
    assert 'value="West"' in form and 'id="f-cbs_code"' in form
    a.ok("/office/neighbourhoods/nb-west", name="West-Zuid", cbs_code="BU03630002")
    assert row_of(office, t.neighbourhoods, id="nb-west") == {
        "id": "nb-west",
        "name": "West-Zuid",
        "cbs_code": "BU03630002",
    }
    [edit] = audit_rows(office, "neighbourhood.edit")
    assert edit["before_json"] == {"id": "nb-west", "name": "West", "cbs_code": None}
    assert edit["after_json"]["cbs_code"] == "BU03630002"
    assert edit["detail"] == {"subject": "neighbourhood:nb-west"}
    assert len(audit_rows(office, "neighbourhood.create")) == 3


def test_neighbourhood_input_is_checked_on_the_form(office: Office) -> None:
    a = Admin.signed_in(office)
    a.ok("/office/neighbourhoods", name="Oost", cbs_code="BU03630001")
    cases = [
        ({"name": "", "cbs_code": ""}, "Vul een naam in."),
        ({"name": "x" * 201, "cbs_code": ""}, "hoogstens 200 gewone tekens"),
        ({"name": "Zuid\x07", "cbs_code": ""}, "hoogstens 200 gewone tekens"),
        ({"name": "Zuid", "cbs_code": "1234"}, "geen CBS-buurtcode"),
        ({"name": "Zuid", "cbs_code": "BU03630001"}, "hoort al bij Oost"),
    ]
    for form, message in cases:
        page = a.refused("/office/neighbourhoods", **form)
        assert message in page, form
        assert 'role="alert"' in page and f'value="{form["cbs_code"]}"' in page
    a.refused("/office/neighbourhoods/nb-nowhere", expect=404, name="Zuid", cbs_code="")
    assert a.get("/office/neighbourhoods/nb-nowhere/edit").status_code == 404
    a.c.cookies.set("heitje_lang", "en", domain="127.0.0.1", path="/office")
    page = a.refused("/office/neighbourhoods", name="Zuid", cbs_code="BU03630001")
    assert "already belongs to Oost" in page
    assert len(audit_rows(office, "neighbourhood.create")) == 1


def test_residents_register_search_page_edit_block(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    form = a.get("/office/residents/new").text
    assert "<h1>Bewoner inschrijven</h1>" in form and '<option value="nb-1">Oost</option>' in form
    path, query = a.ok(
        "/office/residents", name="  Fatma   Yılmaz ", neighbourhood="nb-1", card="1"
    )
    resident_id = path.rsplit("/", 1)[1]
    assert re.fullmatch(r"r-[a-z2-9]{10}", resident_id)
    assert query["done"] == ["done.resident_created_card"]
    page = a.get(f"{path}?done=done.resident_created_card").text
    assert "<h1>Fatma Yılmaz</h1>" in page and "Druk de pas nu af." in page
    assert '<dd id="balance">0,00' in page
    serial = row_of(office, t.cards, resident_id=resident_id)["serial"]
    assert f'id="print-{serial}"' in page
    # without a card
    path2, query2 = a.ok("/office/residents", name="Bo", neighbourhood="nb-2")
    assert query2["done"] == ["done.resident_created"]
    assert "Nog geen pas." in a.get(path2).text
    # the list and its search
    listing = a.get("/office/residents?q=fatma").text
    assert (
        "1 tot en met 1 van 1" in listing and f'href="/office/residents/{resident_id}"' in listing
    )
    assert "Fatma" not in a.get("/office/residents?q=west").text  # searches the neighbourhood
    assert "Bo" in a.get("/office/residents?q=west").text
    # edit
    edit = a.get(f"{path}/edit").text
    assert 'value="Fatma Yılmaz"' in edit and '<option value="nb-1" selected>' in edit
    a.ok(path, name="Fatma Yilmaz", neighbourhood="nb-2")
    stored = row_of(office, t.residents, id=resident_id)
    assert stored["name"] == "Fatma Yilmaz" and stored["neighbourhood_id"] == "nb-2"
    [change] = audit_rows(office, "resident.edit")
    assert change["before_json"]["neighbourhood_id"] == "nb-1"
    assert change["after_json"]["neighbourhood_id"] == "nb-2"
    # block and unblock: the snapshot's revocation list follows
    counter = office.live.enrol("merchant-counter", merchant="m-1")
    a.ok(f"{path}/block")
    assert "Geblokkeerd" in a.get(path).text
    assert resident_id in office.live.snapshot_ok(counter).revoked_residents
    assert a.post(f"{path}/block").status_code == 409  # already blocked: says so
    a.ok(f"{path}/unblock")
    assert resident_id not in office.live.snapshot_ok(counter).revoked_residents
    [block] = audit_rows(office, "resident.block")
    assert (block["before_json"]["status"], block["after_json"]["status"]) == ("active", "blocked")
    [create] = [r for r in audit_rows(office, "resident.create") if r["after_json"]["card"]]
    assert create["after_json"] == {
        "id": resident_id,
        "name": "Fatma Yılmaz",
        "neighbourhood_id": "nb-1",
        "status": "active",
        "flagged": False,
        "card": serial,
    }


def test_resident_input_is_checked_on_the_form(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    for form, message in [
        ({"name": "", "neighbourhood": "nb-1"}, "Vul een naam in."),
        ({"name": "Anna", "neighbourhood": ""}, "Kies een buurt."),
        ({"name": "Anna", "neighbourhood": "nb-9"}, "Die buurt bestaat niet"),
        ({"name": "\u0000", "neighbourhood": "nb-1"}, "gewone tekens"),
    ]:
        assert message in a.refused("/office/residents", **form), form
    r = a.post("/office/residents", name="x" * 5000, neighbourhood="nb-1")
    assert r.status_code == 422 and "Gegevens niet goed" in r.text  # far too long: no 500
    assert a.get("/office/residents/r-nobody").status_code == 404
    assert a.post("/office/residents/r-nobody", name="A", neighbourhood="nb-1").status_code == 404
    assert a.post("/office/residents/r-nobody/block").status_code == 404


def test_resident_history_in_plain_words_and_paging(office: Office) -> None:
    office.live.seed()
    server = office.live.server
    registry.grant(server, "r-1", 2500, "welkomstbonus")
    counter = office.live.enrol("merchant-counter", merchant="m-1")
    counter.spend("r-1", 1250)
    office.live.ack(counter.batch())
    a = Admin.signed_in(office)
    page = a.get("/office/residents/r-1").text
    assert '<dd id="balance">12,50' in page
    assert "Betaald bij Bakker Jansen" in page and "-12,50" in page
    assert "Bijgeschreven door de gemeente: welkomstbonus" in page and "+25,00" in page
    assert "Gemeente" in page and "toonbank" in page  # where: the server's chain, the counter
    a.c.cookies.set("heitje_lang", "en", domain="127.0.0.1", path="/office")
    english = a.get("/office/residents/r-1").text
    assert "Paid at Bakker Jansen" in english and "-12.50" in english
    # thirty more entries: the history pages
    for i in range(30):
        registry.grant(server, "r-1", 100, f"extra {i}")
    first = a.get("/office/residents/r-1").text
    assert "1 to 25 of 32" in first and "extra 29" in first and "extra 4" not in first
    second = a.get("/office/residents/r-1?page=2").text
    assert "26 to 32 of 32" in second and "extra 4" in second and "Paid at" in second


def test_many_residents_page_through(office: Office) -> None:
    office.live.seed()
    who = system(office.live.clock.now_ms())
    for i in range(27):
        residents.create(
            office.live.server,
            who,
            name=f"Inwoner {i:02d}",
            neighbourhood_id="nb-2",
            with_card=False,
        )
    a = Admin.signed_in(office)
    first = a.get("/office/residents?q=inwoner").text
    assert "1 tot en met 25 van 27" in first and "Inwoner 00" in first and "Inwoner 26" not in first
    assert 'href="/office/residents?q=inwoner&amp;page=2"' in first
    second = a.get("/office/residents?q=inwoner&page=2").text
    assert "26 tot en met 27 van 27" in second and "Inwoner 26" in second


def test_merchants_create_edit_with_a_checked_iban(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    assert "<h1>Winkel toevoegen</h1>" in a.get("/office/merchants/new").text
    page = a.refused(
        "/office/merchants", name="Fietsenmaker", address="", neighbourhood="nb-1", iban="NL00BANK1"
    )
    assert "is geen geldig IBAN" in page and 'value="NL00BANK1"' in page
    page = a.refused("/office/merchants", name="", address="", neighbourhood="nb-1", iban="")
    assert "Vul een naam in." in page
    a.ok(
        "/office/merchants",
        name="Fietsenmaker de Spaak",
        address="Dorpsstraat 1, Utrecht",
        neighbourhood="nb-1",
        iban="nl91 abna 0417 1643 00",
    )
    shop = row_of(office, t.merchants, id="m-fietsenmaker-de-spaak")
    assert shop["iban"] == "NL91ABNA0417164300" and shop["address"] == "Dorpsstraat 1, Utrecht"
    listing = a.get("/office/merchants?q=spaak").text
    assert "NL91ABNA0417164300" in listing and "Dorpsstraat 1" in listing
    # blocked: the counters hear it in their snapshot
    counter = office.live.enrol("merchant-counter", merchant="m-1")
    form = a.get("/office/merchants/m-fietsenmaker-de-spaak/edit").text
    assert '<option value="active" selected>' in form
    a.ok(
        "/office/merchants/m-fietsenmaker-de-spaak",
        name="Fietsenmaker de Spaak",
        address="Dorpsstraat 2, Utrecht",
        neighbourhood="nb-2",
        iban="",
        status="blocked",
    )
    statuses = {m.id: m.status for m in office.live.snapshot_ok(counter).merchants}
    assert statuses["m-fietsenmaker-de-spaak"] == "blocked" and statuses["m-1"] == "active"
    [edit] = audit_rows(office, "merchant.edit")
    assert (
        edit["before_json"]["iban"] == "NL91ABNA0417164300" and edit["after_json"]["iban"] is None
    )
    page = a.refused(
        "/office/merchants/m-1", name="X", address="", neighbourhood="nb-1", iban="", status="gone"
    )
    assert "actief of geblokkeerd" in page


def test_staff_with_cards_roles_and_leaving(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    assert "Kies een taak" in a.refused("/office/staff", name="Ilse", role="mayor")
    path, query = a.ok("/office/staff", name="Ilse de Jong", role="inspector", card="1")
    staff_id = path.rsplit("/", 1)[1]
    assert query["done"] == ["done.staff_created_card"]
    page = a.get(path).text
    assert "<h1>Ilse de Jong</h1>" in page and "Inspecteur" in page
    serial = row_of(office, t.cards, staff_id=staff_id)["serial"]
    assert serial.startswith("S") and f'id="print-{serial}"' in page
    inspector = office.live.enrol("inspector", neighbourhoods=("nb-1",))
    staff_cards = {c.serial: c.status for c in office.live.snapshot_ok(inspector).cards}
    assert staff_cards[serial] == "active"
    assert "Ilse de Jong" in a.get("/office/staff?q=ilse").text
    text, [payload] = pdf_text_and_codes(a.get(f"/office/cards/{serial}/card.pdf").content)
    assert "Ilse de Jong" in text and "Medewerkerspas" in text
    assert read_card(payload, office.live.server.verify_key).kind == "staff"
    # a staff PIN: never shown, hashed
    assert "4 tot 6 cijfers" in a.refused(f"{path}/pin", pin="12", repeat="12")
    a.ok(f"{path}/pin", pin="8642", repeat="8642")
    assert row_of(office, t.staff, id=staff_id)["pin_hash"].startswith("$argon2id$")
    # leaving revokes the cards in the same step
    a.ok(path, name="Ilse de Jong", role="inspector", status="left")
    assert row_of(office, t.cards, serial=serial)["status"] == "revoked"
    assert serial in office.live.snapshot_ok(inspector).revoked_cards
    [edit] = audit_rows(office, "staff.edit")
    assert (
        edit["after_json"]["cards_revoked"] == [serial] and edit["after_json"]["status"] == "left"
    )
    assert "uit dienst" in a.post(f"{path}/cards").text


def test_klusboxes_components_state_and_maintenance(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    assert "Vul de soort in." in a.refused(
        "/office/klusboxes", name="Box", kind="", neighbourhood="nb-1", components=""
    )
    assert "zonder spaties" in a.refused(
        "/office/klusboxes", name="Box", kind="twee woorden", neighbourhood="nb-1", components=""
    )
    a.ok(
        "/office/klusboxes",
        name="Bezemset 2",
        kind="Bezems",
        neighbourhood="nb-1",
        components="2 bezems\n\n1 blik en veger\r\n 10 vuilniszakken ",
    )
    box = row_of(office, t.klusboxes, name="Bezemset 2")
    assert box["kind"] == "bezems" and box["id"].startswith("K")
    listing = a.get("/office/klusboxes?q=veger").text
    assert "<li>1 blik en veger</li>" in listing and "<li>10 vuilniszakken</li>" in listing
    assert "Beschikbaar" in listing
    # maintenance on and off
    a.ok(f"/office/klusboxes/{box['id']}/maintenance")
    assert "In onderhoud" in a.get(f"/office/klusboxes?q={box['id']}").text
    assert a.post(f"/office/klusboxes/{box['id']}/maintenance").status_code == 409
    a.ok(f"/office/klusboxes/{box['id']}/available")
    # its label: the box's serial as a signed QR, the desk scans it
    text, [payload] = pdf_text_and_codes(a.get(f"/office/klusboxes/{box['id']}/label.pdf").content)
    label = read_card(payload, office.live.server.verify_key)
    assert (label.kind, label.serial) == ("klusbox", box["id"]) and "Bezemset 2" in text
    r = a.get("/office/klusboxes/kb-1/label.pdf")  # made on the command line: no label
    assert r.status_code == 409 and "geen label" in r.text
    assert a.get("/office/klusboxes/K-nothing/label.pdf").status_code == 404
    # a loan signed by the desk makes it lent, its return available again
    desk = office.live.enrol("klusbox-desk", neighbourhoods=("nb-1",))
    desk.add(Kind.LOAN, refs={"klusbox": box["id"], "resident": "r-1"})
    desk.add(Kind.LOAN, refs={"klusbox": "kb-1", "resident": "r-2"})
    office.live.ack(desk.batch())
    state = a.get("/office/klusboxes").text
    assert state.count("Uitgeleend sinds") == 2
    desk.add(Kind.RETURN, refs={"klusbox": box["id"], "resident": "r-1"})
    office.live.ack(desk.batch(3))
    assert a.get("/office/klusboxes").text.count("Uitgeleend sinds") == 1
    # edit the components
    a.ok(
        f"/office/klusboxes/{box['id']}",
        name="Bezemset 2",
        kind="bezems",
        neighbourhood="nb-1",
        components="3 bezems",
    )
    [edit] = audit_rows(office, "klusbox.edit")
    assert edit["before_json"]["components"] == ["2 bezems", "1 blik en veger", "10 vuilniszakken"]
    assert edit["after_json"]["components"] == ["3 bezems"]
    on, off = (
        audit_rows(office, "klusbox.maintenance_on"),
        audit_rows(office, "klusbox.maintenance_off"),
    )
    assert (
        on[0]["after_json"]["maintenance"] is True and off[0]["after_json"]["maintenance"] is False
    )


@pytest.mark.parametrize("role", ["inspector", "finance", "researcher"])
def test_other_roles_may_not_see_or_change_the_registers(office: Office, role: str) -> None:
    office.live.seed()
    other = Admin.signed_in(office, role)
    for path in ("/office/residents", "/office/residents/r-1", "/office/cards", "/office/devices"):
        r = other.get(path)
        assert r.status_code == 403 and "Geen toegang" in r.text, path
    r = other.post("/office/residents", name="Sneaky", neighbourhood="nb-1")
    assert r.status_code == 403
    r = other.post("/office/residents/r-1/block")
    assert r.status_code == 403
    assert row_of(office, t.residents, id="r-1")["status"] == "active"
    home = other.get("/office").text
    assert 'href="/office/residents"' not in home and 'href="/office/devices"' not in home


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_register_page_renders_in_both_languages(office: Office, lang: str) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    resident, _ = a.ok("/office/residents", name="Anna", neighbourhood="nb-1", card="1")
    person, _ = a.ok("/office/staff", name="Ilse", role="desk", card="1")
    a.ok("/office/klusboxes", name="Box", kind="bezems", neighbourhood="nb-1", components="1 hark")
    box = row_of(office, t.klusboxes, name="Box")["id"]
    serial = row_of(office, t.cards, resident_id=resident.rsplit("/", 1)[1])["serial"]
    a.c.cookies.set("heitje_lang", lang, domain="127.0.0.1", path="/office")
    pages = [
        "/office/residents",
        "/office/residents/new",
        resident,
        f"{resident}/edit",
        "/office/cards",
        f"/office/cards/{serial}/pin",
        "/office/neighbourhoods",
        "/office/neighbourhoods/new",
        "/office/neighbourhoods/nb-1/edit",
        "/office/merchants",
        "/office/merchants/new",
        "/office/merchants/m-1/edit",
        "/office/staff",
        "/office/staff/new",
        person,
        f"{person}/edit",
        f"{person}/pin",
        "/office/devices",
        "/office/devices/new",
        "/office/klusboxes",
        "/office/klusboxes/new",
        f"/office/klusboxes/{box}/edit",
    ]
    for path in pages:
        r = a.get(path)
        assert r.status_code == 200, path
        check_page(r.text, lang)
        assert re.search(r"<h1>[^<]+</h1>", r.text), path
    code = a.post(
        "/office/devices/codes", role="resident-kiosk", name="Kiosk", neighbourhoods="nb-1"
    )
    assert code.status_code == 200
    check_page(code.text, lang)
    home = a.get("/office").text
    for item in ("residents", "cards", "neighbourhoods", "merchants", "staff", "devices"):
        assert f'href="/office/{item}"' in home
