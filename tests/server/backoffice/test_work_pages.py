"""Every work page (chores, inspection, inspectors, review, money, settlements, reports, the
export) renders for its roles in Dutch and in English: one <h1>, a label for every field,
nothing loaded from elsewhere, no text left unformatted; the home page shows each role the
work it may do (both databases)."""

from __future__ import annotations

import re

import httpx
import pytest

from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import settlement as S
from kiosk.server.backoffice import i18n
from tests.server.backoffice.kit import Office
from tests.server.backoffice.test_pages import check_page
from tests.server.backoffice.work_kit import DAY, HOUR, MINUTE, Kiosk, post, seeded
from tests.server.conftest import NOW


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_work_page_renders_in_both_languages(office: Office, lang: str) -> None:
    live = seeded(office)
    admin.add_merchant(live.server, "m-a", "Bakker Pieters", "nb-1", iban="NL02ABNA0123456789")
    admin.grant(live.server, "r-1", 5000, "startsaldo")
    counter = live.enrol("merchant-counter", "Kassa", merchant="m-a")
    counter.spend("r-1", 3000, merchant="m-a")  # over the cap: a review item
    counter.spend("r-1", 1000, merchant="m-a")
    live.ack(counter.batch())
    kiosk = Kiosk.enrol(live)
    live.clock.advance(2 * HOUR)
    kiosk.did_chore("cl-1", "ch-1", "r-1", check_in=NOW + MINUTE, check_out=NOW + HOUR)
    kiosk.dev.add(Kind.CHECK_IN, refs={"claim": "cl-nobody"})
    live.ack(kiosk.dev.batch(kiosk.sent + 1))
    live.clock.advance(DAY)
    prepared = S.prepare(live.server, "2026-11-18", "2026-11-18", by="999")
    review_id = admin.review_items(live.server)[0]["id"]
    inspector = office.add_user("inspecteur", "inspector")

    def client(role: str) -> httpx.Client:
        c = office.as_role(role)
        c.cookies.set(i18n.COOKIE, lang, domain="127.0.0.1", path="/office")
        return c

    pages = {
        "admin": [
            "/office",
            "/office/chores",
            "/office/chores/new",
            "/office/chores/ch-1",
            "/office/inspection",
            "/office/inspection/cl-1/reject",
            "/office/inspectors",
            f"/office/inspectors/{inspector}",
            "/office/review",
            "/office/review?show=decided",
            f"/office/review/{review_id}",
            "/office/money",
            "/office/money/caps?q=anna",
            "/office/settlements",
            f"/office/settlements/{prepared.settlement.id}",
            "/office/reports",
            "/office/reports?month=2026-11",
        ],
        "finance": [
            "/office",
            "/office/settlements",
            f"/office/settlements/{prepared.settlement.id}",
        ],
        "inspector": ["/office", "/office/inspection", "/office/chores"],
        "researcher": ["/office", "/office/reports/export"],
    }
    for role, paths in pages.items():
        c = client(role)
        for path in paths:
            r = c.get(path)
            assert r.status_code == 200, (role, path, r.status_code)
            check_page(r.text, lang)
            assert len(re.findall(r"<h1[ >]", r.text)) == 1, path
    # a form with problems is a page too
    c = client("admin")
    r = post(c, "/office/chores/new", "/office/chores", {"title": "x"})
    assert r.status_code == 400
    check_page(r.text, lang)


def test_the_home_page_shows_each_role_its_work(office: Office) -> None:
    expected = {
        "admin": {
            "/office/chores",
            "/office/inspection",
            "/office/inspectors",
            "/office/review",
            "/office/money",
            "/office/settlements",
            "/office/reports",
        },
        "inspector": {"/office/chores", "/office/inspection"},
        "finance": {"/office/review", "/office/money", "/office/settlements", "/office/reports"},
        "researcher": {"/office/reports/export"},
    }
    work = {p for paths in expected.values() for p in paths}
    for role, paths in expected.items():
        html = office.as_role(role).get("/office").text
        tiles = set(re.findall(r'<li><a href="([^"]+)"><strong>', html))
        assert tiles & work == paths, role
