"""Participation reports, the money dashboard and the researchers' export (kiosk/server/reports.py)
on SQLite and PostgreSQL, over a history signed by real devices: kiosks, inspectors, a klusbox
desk and shop counters. The suppression rule is also checked as a property on its own."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.clock import FixedClock
from kiosk.core.entries import Kind
from kiosk.server import admin, rollups
from kiosk.server import reports as R
from kiosk.server import settlement as S
from kiosk.server import tables as t
from kiosk.server.periods import date_start_ms
from kiosk.server.service import Server
from tests.server.conftest import NOW, SimDevice
from tests.server.ledger_kit import STAFF_CARD, Kit, city, fresh, open_server

HOUR = 3_600_000
OCT, NOV = "2026-10", "2026-11"
HOODS = {"nb-1": "BU09170100", "nb-2": "BU09170200", "nb-3": "BU09170300"}
SHOPS = {"m-1": "nb-1", "m-2": "nb-2", "m-3": "nb-3"}


def at(day: str, hour: float) -> int:
    return date_start_ms(dt.date.fromisoformat(day)) + int(hour * HOUR)


@dataclass
class Town:
    server: Server
    kit: Kit
    clock: FixedClock
    devices: dict[str, SimDevice] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # resident id -> name
    cards: list[str] = field(default_factory=list)

    def resident(self, nb: str, n: int) -> str:
        rid = f"res-{nb}-{n:02d}"
        name = f"Naam{nb[-1]}x{n:02d} Achternaam"
        card = f"CARD-{nb}-{n:02d}"
        admin.add_resident(self.server, rid, name, nb, card_serial=card)
        self.names[rid] = name
        self.cards.append(card)
        return rid

    def chore(self, rid: str, nb: str, day: str, hours: float | None = 1.5) -> None:
        """Sign up, check in at 10:00 and out after `hours` (None: no check-out), approved and
        rewarded (1000) by the neighbourhood's inspector."""
        kiosk, inspector = self.devices[f"kiosk-{nb}"], self.devices[f"insp-{nb}"]
        claim = fresh("cl")
        kiosk.add(
            Kind.CLAIM_SIGNUP,
            refs={"claim": claim, "chore": f"ch-{nb}", "resident": rid},
            wall_time=at(day, 9),
        )
        kiosk.add(Kind.CHECK_IN, refs={"claim": claim}, wall_time=at(day, 10))
        if hours is not None:
            kiosk.add(Kind.CHECK_OUT, refs={"claim": claim}, wall_time=at(day, 10 + hours))
        inspector.add(
            Kind.APPROVAL, refs={"claim": claim, "inspector": STAFF_CARD}, wall_time=at(day, 15)
        )
        Kit.earn(inspector, claim, rid, 1000, wall_time=at(day, 15.5))

    def spend(self, rid: str, shop: str, amount: int, day: str) -> None:
        self.devices[f"counter-{shop}"].spend(rid, amount, merchant=shop, wall_time=at(day, 12))

    def loan(self, rid: str, nb: str, day: str) -> None:
        self.devices[f"desk-{nb}"].add(
            Kind.LOAN, refs={"klusbox": f"kb-{nb}", "resident": rid}, wall_time=at(day, 9.5)
        )

    def send_all(self) -> None:
        # kiosks first: the inspectors' approvals need the sign-ups
        for name in sorted(self.devices, key=lambda n: (not n.startswith("kiosk"), n)):
            dev = self.devices[name]
            if len(dev.entries) > self.kit.sent.get(dev.device_id, 0):
                self.kit.send(dev)


def build_town(server: Server, clock: FixedClock) -> Town:
    city(server, HOODS, SHOPS)
    town = Town(server, Kit(server, clock), clock)
    for nb in HOODS:
        admin.add_chore(server, f"ch-{nb}", "Plein vegen", nb, reward=1000, capacity=1000)
        admin.add_klusbox(server, f"kb-{nb}", "bezems", "Bezemset", nb)
    clock.ms = at("2026-10-01", 0)  # the devices were enrolled before the history starts
    for nb in HOODS:
        for role, name in (
            (roles.RESIDENT_KIOSK, "kiosk"),
            (roles.INSPECTOR, "insp"),
            (roles.KLUSBOX_DESK, "desk"),
        ):
            town.devices[f"{name}-{nb}"] = town.kit.enrol(role, neighbourhoods=(nb,))
    for shop in SHOPS:
        town.devices[f"counter-{shop}"] = town.kit.enrol(roles.MERCHANT_COUNTER, merchant=shop)
    clock.ms = NOW
    return town


@pytest.fixture
def town(db_url: str, tmp_path: Path) -> Iterator[Town]:
    """nb-1: 12 residents; October: 11 do a chore of 1.5 h, 10 borrow a klusbox; November: 5
    of them come back (one without a check-out) and one new resident starts; 10 spend 5.00 at
    home (one gets 1.00 back) and 3 spend 3.00 in nb-2. nb-3: 11 residents, one chore each in
    October and November. nb-2: 3 residents, one chore in October, two in November."""
    clock = FixedClock(NOW)
    with open_server(db_url, tmp_path / "data", clock) as server:
        town = build_town(server, clock)
        one = [town.resident("nb-1", n) for n in range(1, 13)]
        two = [town.resident("nb-2", n) for n in range(1, 4)]
        three = [town.resident("nb-3", n) for n in range(1, 12)]
        for rid in one[:11]:
            town.chore(rid, "nb-1", "2026-10-10")
        for rid in one[:10]:
            town.loan(rid, "nb-1", "2026-10-10")
        for i, rid in enumerate(one[:5]):
            town.chore(rid, "nb-1", "2026-11-03", hours=None if i == 0 else 2)
        town.chore(one[11], "nb-1", "2026-11-04", hours=20)  # a forgotten check-out: 12 h
        for rid in one[:10]:
            town.spend(rid, "m-1", 500, "2026-11-05")
        for rid in one[:3]:
            town.spend(rid, "m-2", 300, "2026-11-05")
        for rid in three:
            town.chore(rid, "nb-3", "2026-10-12", hours=1)
            town.chore(rid, "nb-3", "2026-11-12", hours=1)
        town.chore(two[0], "nb-2", "2026-10-20")
        for rid in two[:2]:
            town.chore(rid, "nb-2", "2026-11-16")
        first_spend = town.devices["counter-m-1"].entries[0]
        Kit.refund(town.devices["counter-m-1"], first_spend, 100, wall_time=at("2026-11-06", 12))
        town.send_all()
        yield town


# -- participation ---------------------------------------------------------------------------


def test_participation_per_neighbourhood_and_month(town: Town) -> None:
    rep = R.participation(town.server, OCT, NOV)
    assert rep.months == (OCT, NOV)
    assert [n.cbs_code for n in rep.neighbourhoods] == list(HOODS.values())
    oct1, nov1 = rep.cell("nb-1", OCT), rep.cell("nb-1", NOV)
    assert (oct1.residents, oct1.new, oct1.returning) == (11, 11, 0)
    assert (oct1.chores_done, oct1.earned, oct1.hours) == (11, 11_000, Decimal("16.50"))
    assert (oct1.loans, oct1.borrowers, oct1.spent) == (10, 10, 0)
    assert oct1.share_own is None
    assert (nov1.residents, nov1.new, nov1.returning) == (6, 1, 5)
    assert (nov1.chores_done, nov1.chore_residents) == (6, 6)
    assert nov1.hours == Decimal(4 * 2 + 12)  # 4 with 2 h, one without check-out, one capped
    assert nov1.hours_residents == 5
    assert (nov1.spent, nov1.spenders) == (10 * 500 - 100 + 3 * 300, 10)
    assert (nov1.spent_own, nov1.own_spenders) == (4900, 10)
    assert (nov1.spent_elsewhere, nov1.elsewhere_spenders) == (900, 3)
    assert nov1.share_own == Decimal("0.845")  # 4900 / 5800
    two_nov = rep.cell("nb-2", NOV)
    assert (two_nov.residents, two_nov.new, two_nov.returning) == (2, 1, 1)
    three = rep.cell("nb-3", OCT), rep.cell("nb-3", NOV)
    assert [(c.residents, c.new, c.hours) for c in three] == [
        (11, 11, Decimal(11)),
        (11, 0, Decimal(11)),
    ]
    city = rep.city(NOV)
    assert city.residents == 6 + 2 + 11 and city.earned == (6 + 2 + 11) * 1000
    assert city.spent == sum(rep.cell(n, NOV).spent for n in HOODS)
    # one month only: the residents of October are still "returning" in November
    only_nov = R.participation(town.server, NOV, NOV)
    assert only_nov.cell("nb-1", NOV) == nov1
    table = list(csv.reader(io.StringIO(rep.to_csv())))
    assert table[0][:4] == ["buurt", "cbs_code", "maand", "bewoners"]
    assert table[5][:6] == ["Buurt nb-1", "BU09170100", NOV, "6", "1", "5"]
    assert table[4][0] == R.TOTAL and table[4][3] == str(11 + 1 + 11)


def test_a_bad_cbs_code_is_refused(town: Town) -> None:
    with pytest.raises(R.ReportError) as err:
        admin.add_neighbourhood(town.server, "nb-9", "Noord", cbs_code="0917BU")
    assert err.value.code == "bad_cbs_code" and "BU" in err.value.nl
    admin.add_neighbourhood(town.server, "nb-8", "Zuid", cbs_code=" bu09170800 ")
    with town.server.engine.connect() as conn:
        code = conn.execute(
            select(t.neighbourhoods.c.cbs_code).where(t.neighbourhoods.c.id == "nb-8")
        ).scalar_one()
    assert code == "BU09170800"


# -- the researchers' export -------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_researchers_table_has_no_cell_under_ten(town: Town) -> None:
    export = R.researcher_export(town.server, OCT, NOV)
    rows = read_csv(export.table_csv)
    assert [r["cbs_code"] for r in rows[:4]] == [*HOODS.values(), R.TOTAL]
    one_oct = rows[0]
    # nb-2 has 1 to 3 residents a month: all its cells are secret
    for r in rows:
        if r["cbs_code"] == HOODS["nb-2"]:
            assert all(r[m] == R.SUPPRESSED for m in R.EXPORT_MEASURES), r
    # ... so in each column a second neighbourhood goes too (nb-1 and nb-3 are 11 and 11 in
    # October: the first key), and the city's total stays
    assert one_oct["residents"] == R.SUPPRESSED and rows[2]["residents"] == "11"
    assert rows[3]["residents"] == str(11 + 1 + 11)
    for key, cell in export.published.items():
        assert cell.residents >= R.MIN_RESIDENTS, key
    for group in R.table_groups(list(HOODS.values()), [OCT, NOV]):
        assert sum(k in export.suppressed for k in group) != 1, group
    for r in rows:  # what is written is what was published
        for m in R.EXPORT_MEASURES:
            key = (r["cbs_code"], r["maand"], m)
            assert (r[m] == R.SUPPRESSED) == (key in export.suppressed), key


def test_the_researchers_export_is_pseudonymised(town: Town) -> None:
    first = R.researcher_export(town.server, OCT, NOV)
    second = R.researcher_export(town.server, OCT, NOV)
    panel = read_csv(first.panel_csv)
    assert list(panel[0]) == list(R.PANEL_COLUMNS)
    ids = Counter(r["id"] for r in panel)
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    # one id per resident, the same through the export: 12 + 2 + 11 residents took part
    assert len(ids) == 25
    assert max(ids.values()) == 2  # October and November
    assert ids.keys().isdisjoint(r["id"] for r in read_csv(second.panel_csv))
    with town.server.engine.connect() as conn:
        personal = [
            *conn.execute(select(t.residents.c.id, t.residents.c.name)).all(),
            *conn.execute(select(t.merchants.c.id, t.merchants.c.iban)).all(),
            *conn.execute(select(t.devices.c.id)).all(),
        ]
    texts = first.table_csv + first.panel_csv
    for value in {v for row in personal for v in row if v} | set(town.cards):
        assert value not in texts, value
    # the panel's buurt codes: none for a buurt-month of fewer than 10 residents
    groups = Counter((r["cbs_code"], r["maand"]) for r in panel if r["cbs_code"] != R.SUPPRESSED)
    assert groups and min(groups.values()) >= R.MIN_RESIDENTS
    coded = {code for code, _ in groups}
    assert HOODS["nb-2"] not in coded
    blank_by_month = Counter(
        r["maand"] for r in panel if r["cbs_code"] == R.SUPPRESSED
    )  # nb-2 and one more each month: never a single buurt left out alone
    assert set(blank_by_month) == {OCT, NOV}
    for month in (OCT, NOV):
        hidden = {code for code in HOODS.values() if (code, month) not in groups}
        assert len(hidden) != 1
    mine = [r for r in panel if r["maand"] == NOV and r["klussen"] == "1" and r["uren"] == "12.00"]
    assert len(mine) == 1 and mine[0]["nieuw"] == "1"  # the new resident with a capped claim
    names = zip_names(first.zip_bytes())
    assert names == ["heitje-buurten.csv", "heitje-panel.csv"]


def zip_names(data: bytes) -> list[str]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return sorted(z.namelist())


cells_st = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.integers(1, 3),
        st.lists(st.integers(0, 40), min_size=n * 3 * 12, max_size=n * 3 * 12),
    )
)


@settings(max_examples=300, deadline=None)
@given(cells_st)
def test_suppression_leaves_no_cell_under_ten_and_none_recomputable(
    data: tuple[int, int, list[int]],
) -> None:
    """For any table: every published cell describes at least 10 residents, and no row or
    column (a total and its parts) has exactly one secret cell."""
    n, months, counts = data
    rows = [f"BU{i:08d}" for i in range(n)]
    month_keys = [f"2026-{m + 1:02d}" for m in range(months)]
    pool = iter(counts)
    cells: dict[R.Key, R.Cell] = {}
    for month in month_keys:
        for row in rows:
            new, returning, own, elsewhere, other = (next(pool) for _ in range(5))
            figures = {
                "residents": new + returning,
                "new": new,
                "returning": returning,
                "spent_own": own,
                "spent_elsewhere": elsewhere,
                "spent": own + elsewhere,
                **{m: other for m in ("chores_done", "hours", "earned", "loans")},
            }
            for m, v in figures.items():
                cells[(row, month, m)] = R.Cell(v * 100, v)
        for m in R.EXPORT_MEASURES:
            total = sum(cells[(r, month, m)].residents for r in rows)
            cells[(R.TOTAL, month, m)] = R.Cell(total * 100, total)
    groups = R.table_groups(rows, month_keys)
    hidden = R.suppress(cells, groups)
    assert all(cells[k].residents >= R.MIN_RESIDENTS for k in cells if k not in hidden)
    assert {k for k in cells if cells[k].residents < R.MIN_RESIDENTS} <= hidden
    for group in groups:
        assert sum(k in hidden for k in group) != 1


def test_secondary_suppression_takes_the_next_smallest_sibling() -> None:
    col = {
        ("A", "m", "x"): R.Cell(5, 5),  # primary
        ("B", "m", "x"): R.Cell(30, 30),
        ("C", "m", "x"): R.Cell(12, 12),  # the next smallest: secondary
        ("D", "m", "x"): R.Cell(20, 20),
        (R.TOTAL, "m", "x"): R.Cell(67, 67),
    }
    assert R.suppress(col, [list(col)]) == {("A", "m", "x"), ("C", "m", "x")}
    col[("A", "m", "x")] = R.Cell(10, 10)
    assert R.suppress(col, [list(col)]) == set()


# -- money ---------------------------------------------------------------------------------------


def test_money_dashboard_figures(town: Town) -> None:
    admin.grant(town.server, "res-nb-2-01", 2500, "welkomstbonus")
    prep = S.prepare(town.server, "2026-10-01", "2026-11-17", by="fin-1")
    S.approve(town.server, prep.settlement.id, by="fin-2")
    rep = R.money(town.server, OCT, NOV)
    oct_, nov = rep.city
    assert (oct_.issued, oct_.spent, oct_.refunded, oct_.settled) == (23_000, 0, 0, 0)
    assert oct_.circulation == 23_000
    assert nov.issued == (6 + 2 + 11) * 1000 + 2500
    assert (nov.spent, nov.refunded, nov.expired, nov.other) == (5900, 100, 0, 0)
    assert nov.settled == prep.settlement.heitje_cents == 5800
    assert nov.circulation == oct_.circulation + nov.issued - nov.settled
    # circulation is what wallets and tills hold, for the city and per neighbourhood
    with town.server.engine.connect() as conn:
        balances = dict(conn.execute(select(t.balances.c.account, t.balances.c.balance)).all())
        home = dict(conn.execute(select(t.residents.c.id, t.residents.c.neighbourhood_id)).all())
    held: dict[str, int] = defaultdict(int)
    for account, value in balances.items():
        if account.startswith(acc.WALLET_PREFIX):
            held[home[acc.owner_of(account)]] += value
        elif account.startswith(acc.TILL_PREFIX):
            held[SHOPS[acc.owner_of(account)]] += value
    assert nov.circulation == sum(held.values())
    for nb in HOODS:
        assert rep.per_neighbourhood[nb][-1].circulation == held[nb], nb
    one = rep.per_neighbourhood["nb-1"][1]
    assert (one.spent, one.refunded, one.settled) == (5900, 100, 4900)
    assert rep.per_neighbourhood["nb-2"][1].settled == 900
    assert rep.per_neighbourhood["nb-2"][1].issued == 2000 + 2500
    lines = read_csv(rep.to_csv())
    assert lines[1] == {
        "buurt": R.TOTAL,
        "maand": NOV,
        "issued": "215.00",
        "spent": "59.00",
        "refunded": "1.00",
        "settled": "58.00",
        "expired": "0.00",
        "other": "0.00",
        "in_omloop": f"{Decimal(nov.circulation) / 100:.2f}",
    }


def test_residents_near_their_earn_cap(db_url: str, tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    with open_server(db_url, tmp_path / "d", clock, earn_caps={"month": 2500}) as server:
        town = build_town(server, clock)
        a, b = town.resident("nb-1", 1), town.resident("nb-1", 2)
        town.chore(a, "nb-1", "2026-11-02")
        town.chore(a, "nb-1", "2026-11-03")  # 2000 of 2500: 80 %
        town.chore(b, "nb-1", "2026-11-02")  # 1000: 40 %
        town.send_all()
        near = R.cap_use(server)
        assert [(c.resident_id, c.month_earned, c.month_percent) for c in near] == [(a, 2000, 80)]
        assert near[0].name == town.names[a] and near[0].year_earned == 2000
        both = R.cap_use(server, resident_ids=[a, b, "res-nb-1-99"])
        assert {c.resident_id: c.percent for c in both} == {a: 80, b: 40}
        assert R.cap_use(server, at_ms=at("2026-12-05", 12)) == []  # a new month
        text = R.cap_use_csv(near)
        assert "20.00" in text and "25.00" in text and ",80," in text


# -- the rollups ---------------------------------------------------------------------------------


def rollup_tables(server: Server) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with server.engine.connect() as conn:
        for table in (
            t.report_resident_months,
            t.report_residents,
            t.report_claims,
            t.report_money,
            t.report_cells,
        ):
            keys = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*keys))]
    return out


def test_rollups_folded_bit_by_bit_equal_a_rebuild(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reports between batches fold the ledger a few rows at a time (a check-out arriving
    after its check-in was counted, refunds of spends counted earlier, two refreshes at
    once): the rollups end up as a rebuild from the whole ledger makes them."""
    monkeypatch.setattr(rollups, "FOLD_CHUNK", 7)
    clock = FixedClock(NOW)
    with open_server(db_url, tmp_path / "d", clock) as server:
        town = build_town(server, clock)
        people = [town.resident("nb-1", n) for n in range(1, 6)]
        kiosk = town.devices["kiosk-nb-1"]
        for rid in people[:3]:
            town.chore(rid, "nb-1", "2026-10-05")
        late = fresh("cl")
        kiosk.add(
            Kind.CLAIM_SIGNUP,
            refs={"claim": late, "chore": "ch-nb-1", "resident": people[4]},
            wall_time=at("2026-10-30", 9),
        )
        kiosk.add(Kind.CHECK_IN, refs={"claim": late}, wall_time=at("2026-10-31", 22))
        town.send_all()
        R.participation(town.server, OCT, NOV)  # folds what is there
        kiosk.add(Kind.CHECK_OUT, refs={"claim": late}, wall_time=at("2026-11-01", 1))
        for rid in people[:4]:
            town.spend(rid, "m-1", 300, "2026-11-02")
        Kit.refund(town.devices["counter-m-1"], town.devices["counter-m-1"].entries[0], 50)
        town.send_all()
        assert rollups.refresh(server) > 0
        town.chore(people[3], "nb-1", "2026-11-03")
        town.send_all()
        with open_server(db_url, tmp_path / "d", clock) as second:
            threads = [
                threading.Thread(target=rollups.refresh, args=(s,)) for s in (server, second)
            ]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
        assert rollups.refresh(server) == 0
        report = R.participation(server, OCT, NOV)
        nov = report.cell("nb-1", NOV)
        assert nov.hours == Decimal(3) + Decimal("1.5")  # the late claim: 22:00 to 01:00
        assert (nov.spent, nov.residents, nov.new, nov.returning) == (1150, 2, 1, 1)
        assert report.cell("nb-1", OCT).new == 4
        # a desk that was offline brings an October loan of November's new resident: she
        # was new in October after all
        town.loan(people[3], "nb-1", "2026-10-20")
        town.send_all()
        report = R.participation(server, OCT, NOV)
        assert (report.cell("nb-1", OCT).new, report.cell("nb-1", OCT).loans) == (5, 1)
        assert (report.cell("nb-1", NOV).new, report.cell("nb-1", NOV).returning) == (0, 2)
        folded = rollup_tables(server)
        rollups.rebuild(server)
        assert rollup_tables(server) == folded


def test_names_cannot_become_spreadsheet_formulas() -> None:
    use = R.CapUse("r-1", '=HYPERLINK("http://x","klik")', "nb-1", 2000, 2500, 2000, 210000)
    row = list(csv.reader(io.StringIO(R.cap_use_csv([use]))))[1]
    assert row[1] == "'" + use.name
    assert R.text_cell("Anna") == "Anna" and R.text_cell("-1") == "'-1"


@given(st.text(max_size=14) | st.from_regex(r"\s*[bB][uU]\d{8}\s*", fullmatch=True))
def test_cbs_codes_are_bu_and_eight_digits(value: str) -> None:
    canonical = value.strip().upper()
    if re.fullmatch(r"BU[0-9]{8}", canonical):
        assert R.check_cbs_code(value) == canonical
    else:
        with pytest.raises(R.ReportError) as err:
            R.check_cbs_code(value)
        assert err.value.code == "bad_cbs_code"
