"""Devices in the back office: an enrolment code made on the page (shown once, as text and as a
QR that reads back to the same code) enrols a device over POST /v1/enrol with exactly the
role and bindings chosen; the list shows last seen, chain head, last batch and refused
entries; revoking on the page locks the device out (both databases)."""

from __future__ import annotations

import re

from nacl.signing import SigningKey

from kiosk.core import accounts as acc
from kiosk.core.crypto import device_id_for
from kiosk.core.entries import Kind
from kiosk.sync import protocol as p
from tests.server.backoffice.kit import Office
from tests.server.backoffice.registers_kit import Admin, audit_rows, svg_qr_text
from tests.server.conftest import SimDevice

CODE = re.compile(r'<code class="enrol-code" id="enrol-code">([A-Z2-9-]+)</code>')


def _code_from_page(a: Admin, **form: object) -> tuple[str, str]:
    r = a.post("/office/devices/codes", **form)
    assert r.status_code == 200, r.text[:2000]
    match = CODE.search(r.text)
    assert match, "no code on the page"
    svg = r.text[r.text.index("<svg") : r.text.index("</svg>") + 6]
    return match.group(1), svg


def _enrol(office: Office, code: str) -> SimDevice:
    key = SigningKey.generate()
    r = office.live.http.post(
        "/v1/enrol",
        json={"code": code, "public_key": bytes(key.verify_key).hex(), "name": "my own name"},
    )
    assert r.status_code == 200, r.text
    cert = p.DeviceCertificate.model_validate(r.json())
    assert p.verify_certificate(office.live.server.verify_key, cert)
    return SimDevice(key=key, cert=cert, clock=office.live.clock)


def test_a_code_from_the_page_enrols_exactly_the_role_and_bindings_chosen(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    form = a.get("/office/devices/new").text
    assert "<h1>Apparaat aanmelden</h1>" in form
    assert 'id="f-neighbourhoods-nb-1"' in form and '<option value="m-1">Bakker Jansen' in form
    code, svg = _code_from_page(
        a, role="merchant-counter", name="Bakker Jansen kassa 1", merchant="m-1"
    )
    assert svg_qr_text(svg) == code  # the QR holds the code itself
    counter = _enrol(office, code)
    assert counter.cert.role == "merchant-counter"
    assert counter.cert.name == "Bakker Jansen kassa 1"  # the admin's name, not the device's
    assert counter.cert.bindings == p.Bindings(merchant_id="m-1", neighbourhoods=[])
    # an inspector of two neighbourhoods (a merchant chosen by mistake is no binding of it)
    code, _ = _code_from_page(
        a,
        role="inspector",
        name="Tablet Ilse",
        neighbourhoods=["nb-2", "nb-1", "nb-2"],
    )
    inspector = _enrol(office, code)
    assert inspector.cert.role == "inspector"
    assert inspector.cert.bindings == p.Bindings(merchant_id=None, neighbourhoods=["nb-1", "nb-2"])
    # the code works once
    key = SigningKey.generate()
    again = office.live.http.post(
        "/v1/enrol", json={"code": code, "public_key": bytes(key.verify_key).hex(), "name": "x"}
    )
    assert again.status_code == 403 and again.json()["code"] == p.ENROL_CODE_USED
    # the audit log names the admin and the choice, never the code
    rows = audit_rows(office, "device.enrol_code")
    assert [r["after_json"]["role"] for r in rows] == ["merchant-counter", "inspector"]
    assert rows[1]["after_json"]["neighbourhoods"] == ["nb-1", "nb-2"]
    assert all(code not in str(r) for r in rows)


def test_bindings_that_do_not_fit_the_role_are_refused_with_words(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    cases = [
        ({"role": "", "name": "X"}, "Kies een soort apparaat"),
        ({"role": "server", "name": "X"}, "Kies een soort apparaat"),
        ({"role": "merchant-counter", "name": "X"}, "Kies de winkel van deze kassa"),
        ({"role": "merchant-counter", "name": "X", "merchant": "m-9"}, "Die winkel bestaat"),
        ({"role": "resident-kiosk", "name": "X"}, "precies één buurt"),
        (
            {"role": "klusbox-desk", "name": "X", "neighbourhoods": ["nb-1", "nb-2"]},
            "precies één buurt",
        ),
        ({"role": "inspector", "name": "X"}, "Kies de buurten"),
        ({"role": "inspector", "name": "X", "neighbourhoods": ["nb-7"]}, "Die buurt bestaat"),
        ({"role": "resident-kiosk", "name": "", "neighbourhoods": ["nb-1"]}, "Vul een naam in."),
    ]
    for form, message in cases:
        page = a.refused("/office/devices/codes", **form)
        assert message in page, form
        assert 'id="enrol-code"' not in page
    assert audit_rows(office, "device.enrol_code") == []
    assert audit_rows(office, "enrol_code") == []


def test_the_list_shows_what_the_server_knows_and_revoking_locks_out(office: Office) -> None:
    office.live.seed()
    a = Admin.signed_in(office)
    code, _ = _code_from_page(a, role="merchant-counter", name="Kassa Oost", merchant="m-1")
    counter = _enrol(office, code)
    row = _device_row(a, counter.device_id)
    assert "Kassa Oost" in row and "Winkelkassa" in row and "Bakker Jansen" in row
    assert row.count("nog nooit") == 2  # never seen, no batch yet
    # a snapshot: last seen; a batch with one refused entry: head, last batch, refused
    office.live.clock.advance(60_000)
    office.live.snapshot_ok(counter)
    counter.spend("r-1", 500)
    counter.add(  # a spend into another shop's till: refused, stored, counted
        Kind.SPEND,
        debit=acc.wallet("r-2"),
        credit=acc.till("m-2"),
        amount=100,
        refs={"merchant": "m-2", "resident": "r-2"},
    )
    office.live.clock.advance(60_000)
    ack = office.live.ack(counter.batch())
    assert [r.seq for r in ack.refused] == [2]
    row = _device_row(a, counter.device_id)
    assert "nog nooit" not in row
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[5] == "2"  # head seq
    assert '<span class="badge">1</span>' in row  # refused
    assert "2026-11-18" in row  # last seen and last batch, Amsterdam time
    # revoke with a reason
    assert a.ok(f"/office/devices/{counter.device_id}/revoke", reason=" gestolen ")[1]["done"] == [
        "done.device_revoked"
    ]
    assert "Ingetrokken" in _device_row(a, counter.device_id)
    r = office.live.snapshot(counter)
    assert r.status_code == 403 and r.json()["code"] == p.DEVICE_REVOKED
    assert a.post(f"/office/devices/{counter.device_id}/revoke").status_code == 409
    assert a.post("/office/devices/no-such-device/revoke").status_code == 404
    server_id = device_id_for(office.live.server.verify_key)
    assert a.post(f"/office/devices/{server_id}/revoke").status_code == 404  # never the server
    [revoke] = audit_rows(office, "device.revoke")
    assert revoke["before_json"]["status"] == "active"
    assert revoke["after_json"] == {
        "id": counter.device_id,
        "name": "Kassa Oost",
        "role": "merchant-counter",
        "status": "revoked",
        "reason": "gestolen",
    }
    assert "Kassa Oost" in a.get("/office/devices?q=oost").text
    assert "Kassa Oost" not in a.get("/office/devices?q=kiosk").text


def _device_row(a: Admin, device_id: str) -> str:
    page = a.get("/office/devices").text
    start = page.index(f'<tr id="device-{device_id}"')
    return page[start : page.index("</tr>", start)]
