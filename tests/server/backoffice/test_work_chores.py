"""Chores in the back office, over real HTTP on both databases: an admin publishes a chore on
the form and the neighbourhood's kiosk finds it in its next signed snapshot (another
neighbourhood's does not); every bad input is named at once, in Dutch or English, and
nothing is stored; the chore's page lists its sign-ups with the check-in and check-out
times the kiosk signed; closing a chore ends its window."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from kiosk.server import tables as t
from kiosk.server.backoffice import i18n
from tests.server.backoffice.kit import Office
from tests.server.backoffice.work_kit import (
    HOUR,
    MINUTE,
    Kiosk,
    audit_rows,
    post,
    seeded,
    text_of,
)
from tests.server.conftest import NOW

FORM = {
    "title": "Bladeren harken",
    "title_en": "Raking leaves",
    "neighbourhood_id": "nb-1",
    "reward": "12,50",
    "capacity": "3",
    "starts_at": "2026-11-18T09:00",
    "ends_at": "2026-11-30T17:00",
    "klusbox_kind": "bezems",
}


def chore_count(office: Office) -> int:
    with office.live.server.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.chores)).scalar_one())


def test_a_published_chore_reaches_its_kiosks_snapshot(office: Office) -> None:
    live = seeded(office)
    kiosk, elsewhere = Kiosk.enrol(live, "nb-1"), Kiosk.enrol(live, "nb-2")
    admin = office.as_role("admin")
    r = post(admin, "/office/chores/new", "/office/chores", FORM)
    assert r.status_code == 303, text_of(r.text)
    page_url = r.headers["location"]
    assert page_url.startswith("/office/chores/ch-") and "done=done.chore_published" in page_url
    chore_id = page_url.split("?")[0].rsplit("/", 1)[1]

    page = admin.get(page_url)
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Bladeren harken" in shown and "12,50" in shown and "0 van 3 goedgekeurd" in shown
    assert "De klus is geplaatst" in shown
    listed = text_of(admin.get("/office/chores", params={"q": "harken"}).text)
    assert "Bladeren harken" in listed and "Plein vegen" not in listed

    snap = live.snapshot_ok(kiosk.dev)
    found = {c.id: c for c in snap.chores}
    assert chore_id in found
    chore = found[chore_id]
    assert (chore.title, chore.reward, chore.capacity, chore.klusbox_kind) == (
        "Bladeren harken",
        1250,
        3,
        "bezems",
    )
    assert chore.neighbourhood_id == "nb-1"
    assert chore_id not in {c.id for c in live.snapshot_ok(elsewhere.dev).chores}
    # the English title is kept for the English pages
    admin.cookies.set(i18n.COOKIE, "en", domain="127.0.0.1", path="/office")
    assert "Raking leaves" in text_of(admin.get(f"/office/chores/{chore_id}").text)
    # audited as the person who did it, with what was stored
    (row,) = audit_rows(live, "chore.publish")
    assert row["actor"].startswith("user:") and json.loads(row["after_json"])["reward"] == 1250


def test_every_bad_input_is_named_at_once_and_nothing_is_stored(office: Office) -> None:
    seeded(office)
    admin = office.as_role("admin")
    before = chore_count(office)
    bad = {
        **FORM,
        "title": "  ",
        "neighbourhood_id": "nb-nowhere",
        "reward": "twaalf",
        "capacity": "0",
        "ends_at": "2026-11-01T17:00",  # before the start
        "klusbox_kind": "boormachines",
    }
    r = post(admin, "/office/chores/new", "/office/chores", bad)
    assert r.status_code == 400
    shown = text_of(r.text)
    for message in (
        "Vul dit veld in.",
        "Kies een buurt uit de lijst.",
        "'twaalf' is geen bedrag.",
        "Kies een getal van 1 tot en met 10000.",
        "Het einde moet na het begin liggen.",
        "Kies een soort klusbox uit de lijst.",
    ):
        assert message in shown, message
    assert 'aria-invalid="true"' in r.text and 'href="#f-reward"' in r.text
    # what was typed stays in the form
    assert 'value="twaalf"' in r.text
    assert chore_count(office) == before
    # the same in English, and an amount above a month's earn cap
    admin.cookies.set(i18n.COOKIE, "en", domain="127.0.0.1", path="/office")
    r = post(
        admin, "/office/chores/new", "/office/chores", {**FORM, "reward": "999", "starts_at": "x"}
    )
    assert r.status_code == 400
    shown = text_of(r.text)
    assert "The amount is too high: at most 210,00 heitjes." in shown
    assert "'x' is not a date and time." in shown
    assert chore_count(office) == before


def test_a_chores_page_shows_sign_ups_with_check_in_and_out(office: Office) -> None:
    live = seeded(office)
    kiosk = Kiosk.enrol(live)
    live.clock.advance(2 * HOUR)
    kiosk.did_chore("cl-a", "ch-1", "r-1", check_in=NOW + 10 * MINUTE, check_out=NOW + 100 * MINUTE)
    kiosk.did_chore("cl-b", "ch-1", "r-2", check_in=NOW + 20 * MINUTE, check_out=None)
    inspector = office.as_role("inspector")  # inspectors see chores too
    page = inspector.get("/office/chores/ch-1")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Anna" in shown and "Bram" in shown
    assert "Klaar, wacht op keuring" in shown and "Aangemeld" in shown
    assert "1,5 uur" in shown  # 10 to 100 minutes after NOW
    assert "Aanmeldingen 2" in shown
    assert (
        text_of(inspector.get("/office/chores/ch-1", params={"q": "bram"}).text).count("Bram") == 1
    )
    assert "Anna" not in text_of(inspector.get("/office/chores/ch-1", params={"q": "bram"}).text)
    assert inspector.get("/office/chores/no-such-chore").status_code == 404
    # an inspector may look but not publish or close
    assert inspector.get("/office/chores/new").status_code == 403
    assert (
        post(inspector, "/office/chores/ch-1", "/office/chores/ch-1/close", {}).status_code == 403
    )


def test_closing_a_chore_ends_its_window(office: Office) -> None:
    live = seeded(office)
    admin = office.as_role("admin")
    r = post(admin, "/office/chores/ch-1", "/office/chores/ch-1/close", {})
    assert r.status_code == 303
    with live.server.engine.connect() as conn:
        ends = conn.execute(select(t.chores.c.ends_at).where(t.chores.c.id == "ch-1")).scalar()
    assert ends == live.clock.now_ms()
    assert "Afgelopen" in text_of(admin.get("/office/chores/ch-1").text)
    again = admin.post("/office/chores/ch-1/close", data={"csrf_token": office.csrf(admin)})
    assert again.status_code == 409 and "Deze klus is al afgelopen." in text_of(again.text)
    (row,) = audit_rows(live, "chore.close")
    assert json.loads(row["after_json"]) == {"ends_at": ends}


def test_a_chore_form_without_its_token_changes_nothing(office: Office) -> None:
    seeded(office)
    admin = office.as_role("admin")
    before = chore_count(office)
    r = admin.post("/office/chores", data=FORM)
    assert r.status_code == 403 and "Formulier verlopen" in r.text
    assert chore_count(office) == before
