"""Cards in the back office, checked where they end up: the PDF really holds the serial and a
QR the kiosk accepts (kiosk.core.cards with the municipality key); a lost or replaced card is
revoked in the next snapshot and its replacement active, with the balance where it was; a
PIN set on the page makes the counter's snapshot say pin_needed, and is never shown (both
databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.core.cards import CardError, format_serial, read_card
from kiosk.server import admin as registry
from kiosk.server import tables as t
from kiosk.server.backoffice.registers import cards
from tests.server.backoffice.kit import Office
from tests.server.backoffice.registers_kit import (
    Admin,
    audit_rows,
    pdf_text_and_codes,
    row_of,
)


def _new_resident(a: Admin, name: str = "Karim El Amrani") -> tuple[str, str]:
    path, _ = a.ok("/office/residents", name=name, neighbourhood="nb-1", card="1")
    resident_id = path.rsplit("/", 1)[1]
    return resident_id, row_of(a.office, t.cards, resident_id=resident_id)["serial"]


def test_an_issued_card_prints_with_its_serial_and_a_qr_the_kiosk_accepts(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    resident_id, serial = _new_resident(a)
    r = a.get(f"/office/cards/{serial}/card.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text, codes = pdf_text_and_codes(r.content)
    assert format_serial(serial) in text and "Karim El Amrani" in text and "Oost" in text
    [payload] = codes
    card = read_card(payload, office.live.server.verify_key)  # what a kiosk does offline
    assert card.serial == serial and card.kind == "resident"
    # the same QR every time it is printed (the issue date is kept)
    assert pdf_text_and_codes(a.get(f"/office/cards/{serial}/card.pdf").content)[1] == [payload]
    # and the counter knows the card as the resident's, active
    counter = office.live.enrol("merchant-counter", merchant="m-1")
    snap = office.live.snapshot_ok(counter)
    row = next(c for c in snap.cards if c.serial == serial)
    assert (row.resident_id, row.status, row.pin_needed) == (resident_id, "active", False)
    assert len(audit_rows(office, "card.print")) == 2
    # a card made by hand on the command line with another form of serial: a message
    r = a.get("/office/cards/C-0001/card.pdf")
    assert r.status_code == 409 and "kan niet worden afgedrukt" in r.text
    assert a.get("/office/cards/R000000000/card.pdf").status_code == 404


def test_replacing_a_card_revokes_the_old_one_and_keeps_the_balance(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    resident_id, old = _new_resident(a)
    registry.grant(office.live.server, resident_id, 2500, "welkomstbonus")
    counter = office.live.enrol("merchant-counter", merchant="m-1")
    before = office.live.snapshot_ok(counter)
    path, query = a.ok(f"/office/cards/{old}/replace")
    assert path == f"/office/residents/{resident_id}" and query["done"] == ["done.card_replaced"]
    [new] = query["card"]
    assert new != old and new.startswith("R")
    page = a.get(f"{path}?card={new}").text
    assert f'href="/office/cards/{new}/card.pdf"' in page and '<dd id="balance">25,00' in page
    snap = office.live.snapshot_ok(counter, since=before.version)
    assert old in snap.revoked_cards and new not in snap.revoked_cards
    changed = {c.serial: c for c in snap.cards}
    assert changed[new].status == "active" and changed[new].resident_id == resident_id
    assert changed[old].status == "revoked"
    assert (
        snap.balances.get(f"wallet:{resident_id}", before.balances[f"wallet:{resident_id}"]) == 2500
    )
    assert registry.balance(office.live.server, f"wallet:{resident_id}") == 2500
    # the old card no longer prints, and cannot be replaced twice
    assert a.get(f"/office/cards/{old}/card.pdf").status_code == 409
    r = a.post(f"/office/cards/{old}/replace")
    assert r.status_code == 409 and format_serial(new) not in r.text and new in r.text
    with office.live.server.engine.connect() as conn:
        stored = cards.get(conn, new)
    assert stored is not None and stored.replaces == old
    [audit] = audit_rows(office, "card.replace")
    assert audit["before_json"]["old"]["status"] == "active"
    assert audit["after_json"]["old"]["revoke_reason"] == "replaced"
    assert audit["after_json"]["new"]["serial"] == new
    # the kiosk refuses the old card once it has the revocation list
    pdf = a.get(f"/office/cards/{new}/card.pdf").content
    [payload] = pdf_text_and_codes(pdf)[1]
    assert read_card(payload, office.live.server.verify_key, snap.revoked_cards).serial == new


def test_a_lost_card_is_revoked_in_the_next_snapshot(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    resident_id, serial = _new_resident(a)
    counter = office.live.enrol("merchant-counter", merchant="m-1")
    printed = pdf_text_and_codes(a.get(f"/office/cards/{serial}/card.pdf").content)[1][0]
    a.ok(f"/office/cards/{serial}/lost")
    snap = office.live.snapshot_ok(counter)
    assert serial in snap.revoked_cards
    with pytest.raises(CardError) as refused:
        read_card(printed, office.live.server.verify_key, snap.revoked_cards)
    assert refused.value.code == "revoked"
    page = a.get(f"/office/residents/{resident_id}").text
    assert "Kwijt, geblokkeerd" in page
    r = a.post(f"/office/cards/{serial}/lost")
    assert r.status_code == 409 and "al geblokkeerd" in r.text
    # replacing a lost card: a new one, the lost one stays revoked
    _, query = a.ok(f"/office/cards/{serial}/replace")
    assert query["card"][0] not in office.live.snapshot_ok(counter).revoked_cards
    assert row_of(office, t.cards, serial=serial)["revoke_reason"] == "lost"


def test_a_pin_set_on_the_page_makes_the_counter_ask_for_it(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    resident_id, serial = _new_resident(a)
    counter = office.live.enrol("merchant-counter", merchant="m-1")
    form = a.get(f"/office/cards/{serial}/pin").text
    assert "<h1>Pincode van de pas</h1>" in form and 'id="f-pin"' in form
    for pin, repeat, message in [
        ("12", "12", "4 tot 6 cijfers"),
        ("1234567", "1234567", "4 tot 6 cijfers"),
        ("12a4", "12a4", "4 tot 6 cijfers"),
        ("١٢٣٤", "١٢٣٤", "4 tot 6 cijfers"),  # Arabic-Indic digits are not PIN digits
        ("2468", "2469", "niet gelijk"),
    ]:
        page = a.refused(f"/office/cards/{serial}/pin", pin=pin, repeat=repeat)
        assert message in page and f'value="{pin}"' not in page  # never echoed
    row = next(c for c in office.live.snapshot_ok(counter).cards if c.serial == serial)
    assert row.pin_needed is False
    a.ok(f"/office/cards/{serial}/pin", pin="2468", repeat="2468")
    row = next(c for c in office.live.snapshot_ok(counter).cards if c.serial == serial)
    assert row.pin_needed is True
    stored = row_of(office, t.cards, serial=serial)["pin_hash"]
    assert stored.startswith("$argon2id$") and "2468" not in stored
    page = a.get(f"/office/residents/{resident_id}").text
    assert "2468" not in page and "argon2" not in page and "Nieuwe pincode" in page
    # set again (forgotten), then removed
    a.ok(f"/office/cards/{serial}/pin", pin="135790", repeat="135790")
    assert row_of(office, t.cards, serial=serial)["pin_hash"] != stored
    a.ok(f"/office/cards/{serial}/pin/remove")
    row = next(c for c in office.live.snapshot_ok(counter).cards if c.serial == serial)
    assert row.pin_needed is False
    assert a.post(f"/office/cards/{serial}/pin/remove").status_code == 409
    events = [r["event"] for r in audit_rows(office, "card.pin_set")]
    events += [r["event"] for r in audit_rows(office, "card.pin_reset")]
    events += [r["event"] for r in audit_rows(office, "card.pin_remove")]
    assert events == ["card.pin_set", "card.pin_reset", "card.pin_remove"]
    with office.live.server.engine.connect() as conn:
        every = " ".join(str(v) for row in conn.execute(select(t.audit_log)).all() for v in row)
    assert "2468" not in every and "135790" not in every and "$argon2" not in every
    # a staff card has no card PIN (a staff member's PIN is on their own page)
    page = a.refused("/office/cards/S-0001/pin", pin="1234", repeat="1234")
    assert "Alleen een bewonerspas" in page
    assert row_of(office, t.cards, serial="S-0001")["pin_hash"] is None


def test_card_list_finds_a_typed_serial_and_its_holder(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    resident_id, serial = _new_resident(a, "Noor Bakker")
    typed = format_serial(serial).lower()
    page = a.get(f"/office/cards?q={typed}").text
    assert "1 tot en met 1 van 1" in page and f'href="/office/residents/{resident_id}"' in page
    assert "Noor Bakker" in page and "In gebruik" in page
    assert "Noor Bakker" in a.get("/office/cards?q=noor").text
