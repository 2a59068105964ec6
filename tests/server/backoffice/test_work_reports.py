"""Participation reports over real HTTP on both databases: the council's page (SVG charts and
tables per CBS buurt code and month) and its CSV for admin and finance; the researchers'
export as a download, with its columns, pseudonyms that change between exports, no
personal field, and every figure about fewer than 10 residents suppressed."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from sqlalchemy import update

from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import reports as R
from kiosk.server import tables as t
from tests.server.backoffice.kit import Office
from tests.server.backoffice.work_kit import HOUR, MINUTE, Kiosk, audit_rows, text_of
from tests.server.conftest import NOW, LiveServer

MONTH = "2026-11"
CODES = {"nb-1": "BU09170100", "nb-2": "BU09170200", "nb-3": "BU09170300"}
TAKING_PART = {"nb-1": 12, "nb-3": 11}  # nb-2: nobody


@pytest.fixture
def city(office: Office) -> LiveServer:
    """12 residents of nb-1 and 11 of nb-3 each did a chore in November (checked in for an
    hour, approved and rewarded); nb-2's one resident did nothing."""
    live = office.live
    live.seed()
    admin.add_neighbourhood(live.server, "nb-3", "Noord")
    with live.server.write() as conn:
        for nid, code in CODES.items():
            conn.execute(
                update(t.neighbourhoods).where(t.neighbourhoods.c.id == nid).values(cbs_code=code)
            )
    admin.add_chore(live.server, "ch-n1", "Plein vegen", "nb-1", reward=1500, capacity=20)
    admin.add_chore(live.server, "ch-n3", "Stoep vegen", "nb-3", reward=500, capacity=20)
    kiosks = {nb: Kiosk.enrol(live, nb) for nb in TAKING_PART}
    live.clock.advance(2 * HOUR)
    claims = []
    for nb, count in TAKING_PART.items():
        chore = "ch-n1" if nb == "nb-1" else "ch-n3"
        for n in range(count):
            rid = f"p-{nb}-{n:02d}"
            admin.add_resident(
                live.server, rid, f"Deelnemer{nb[-1]}x{n:02d}", nb, card_serial=f"K-{nb}-{n:02d}"
            )
            claim = f"cl-{rid}"
            kiosks[nb].dev.add(
                Kind.CLAIM_SIGNUP, refs={"claim": claim, "chore": chore, "resident": rid}
            )
            kiosks[nb].dev.add(Kind.CHECK_IN, refs={"claim": claim}, wall_time=NOW + MINUTE)
            kiosks[nb].dev.add(Kind.CHECK_OUT, refs={"claim": claim}, wall_time=NOW + 61 * MINUTE)
            claims.append(claim)
    for kiosk in kiosks.values():
        kiosk.send()
    server = live.server
    with server.write() as conn:
        version = server.bump(conn)
        for claim in claims:
            admin.approve_claim_in(server, conn, version, claim, "user:1")
    return live


def test_the_council_sees_participation_per_buurt_and_month(
    office: Office, city: LiveServer
) -> None:
    for role in ("admin", "finance"):
        c = office.as_role(role)
        r = c.get("/office/reports", params={"first": MONTH, "last": MONTH})
        assert r.status_code == 200, role
        for ident in ("chart-residents", "chart-chores", "chart-earned-spent"):
            assert f'<svg id="{ident}"' in r.text
        row = re.search(r'<tr data-neighbourhood="nb-1">(.*?)</tr>', r.text, re.S)
        assert row
        cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
        # cbs code, taking part, new, returning, chores, hours, earned, spent, share, loans
        assert cells[:7] == ["BU09170100", "12", "12", "0", "12", "12,0", "180,00"]
        city_row = re.search(rf'<tr data-month="{MONTH}">(.*?)</tr>', r.text, re.S)
        assert city_row and "<td>23</td>" in city_row.group(1)
    csv_text = office.as_role("finance").get(
        "/office/reports/participation.csv", params={"first": MONTH, "last": MONTH}
    )
    assert csv_text.status_code == 200 and csv_text.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_text.text)))
    assert rows[0] == ["buurt", "cbs_code", "maand", *R.COUNCIL_COLUMNS]
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["BU09170100"][3:6] == ["12", "12", "0"]
    assert by_code["BU09170300"][3] == "11" and by_code["BU09170200"][3] == "0"
    assert office.as_role("researcher").get("/office/reports").status_code == 403
    assert office.as_role("inspector").get("/office/reports/participation.csv").status_code == 403


def export(office: Office) -> dict[str, list[list[str]]]:
    r = office.as_role("researcher").get(
        "/office/reports/export.zip", params={"first": MONTH, "last": MONTH}
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert sorted(z.namelist()) == ["heitje-buurten.csv", "heitje-panel.csv"]
        return {
            name: list(csv.reader(io.StringIO(z.read(name).decode("utf-8"))))
            for name in z.namelist()
        }


def test_the_researchers_export_is_pseudonymised_and_suppressed(
    office: Office, city: LiveServer
) -> None:
    page = office.as_role("researcher").get("/office/reports/export")
    assert page.status_code == 200 and 'id="download-export"' in page.text
    files = export(office)
    table, panel = files["heitje-buurten.csv"], files["heitje-panel.csv"]
    assert table[0] == ["cbs_code", "maand", *R.EXPORT_MEASURES, "aandeel_eigen_buurt"]
    assert panel[0] == list(R.PANEL_COLUMNS)
    # no personal field: no names, cards, resident ids or addresses anywhere
    everything = "\n".join(",".join(row) for f in files.values() for row in f)
    for personal in ("Deelnemer", "Anna", "Bram", "Cor", "K-nb", "C-000", "p-nb", "r-1", "r-3"):
        assert personal not in everything, personal
    for header in (*table[0], *panel[0]):
        assert not re.search(r"naam|name|pas|card|adres|address|iban", header), header
    # nobody in nb-2 took part: every figure of it is suppressed
    rows = {row[0]: row for row in table[1:]}
    assert set(rows) == {*CODES.values(), R.TOTAL}
    assert rows["BU09170200"][2:12] == [R.SUPPRESSED] * 10
    # every published count of residents describes at least 10 of them
    residents = table[0].index("residents")
    published = [int(row[residents]) for row in table[1:] if row[residents] != R.SUPPRESSED]
    assert published and all(n >= 10 for n in published)
    # ... and nb-2's zero cannot be worked out from the city's total and nb-1 and nb-3
    hidden = [row[0] for row in table[1:] if row[residents] == R.SUPPRESSED]
    assert len(hidden) >= 2
    # one row per participant, under a random id, different in the next export
    ids = [row[0] for row in panel[1:]]
    assert len(ids) == 23 == len(set(ids)) and all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    again = {row[0] for row in export(office)["heitje-panel.csv"][1:]}
    assert not again & set(ids)
    assert len(audit_rows(city, "export.research")) == 2
    # the table alone
    r = office.as_role("researcher").get(
        "/office/reports/export/buurten.csv", params={"first": MONTH, "last": MONTH}
    )
    assert r.status_code == 200 and r.text.splitlines()[0].startswith("cbs_code,maand,residents")
    bad = office.as_role("researcher").get(
        "/office/reports/export.zip", params={"first": "2026-99"}
    )
    assert bad.status_code == 400 and "is geen maand" in text_of(bad.text)
    assert len(audit_rows(city, "export.research")) == 3  # the refused one left nothing
    # the council's unsuppressed figures are not the researcher's, and the export not theirs
    assert office.as_role("admin").get("/office/reports/export.zip").status_code == 403
    assert office.as_role("finance").get("/office/reports/export").status_code == 403
