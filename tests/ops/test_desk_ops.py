"""The klusbox desk's ops on a real SQLite ledger (a never-enrolled desk of nb-1): a label
resolves to its box, lending and taking back write signed entries and loans, a missing
component puts the box in maintenance, the overdue list is sorted by days overdue, and an
overdue resident gets a box only through a staff card and its PIN, named in the entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.cards import CardKind, new_serial
from kiosk.core.clock import FixedClock
from kiosk.core.days import local
from kiosk.core.entries import Kind
from kiosk.db import loan_queries as lq
from kiosk.db import pin_queries as pq
from kiosk.db import registry as reg
from kiosk.db import sync_queries as q
from kiosk.db.ops_queries import read_only
from kiosk.device import open_device
from kiosk.ops.desk import DeskOps, days_overdue, end_of_day_in
from kiosk.ops.device import Device
from kiosk.ops.events import LedgerAppended
from kiosk.ops.pins import hash_pin
from tests.ops.conftest import DAY, HOUR, Gui, local_device, seed_local
from tests.server.conftest import NOW

LINES = (("2 bezems", 1), ("1 blik", 1), ("1 grijper", 1))
BOX = "kb-1"  # a box with a label card (the demo's kind)
LABEL = new_serial(CardKind.KLUSBOX)
BARE = new_serial(CardKind.KLUSBOX)  # a box whose id is its label's serial (the server's kind)
STAFF_CARD = new_serial(CardKind.STAFF)  # Dana, desk volunteer, PIN 1234
INSPECTOR_CARD = new_serial(CardKind.STAFF)  # Ilse, inspector, PIN 1234


def seed_desk(data_dir: Path, clock: FixedClock) -> str:
    """tests/ops' local ledger plus two boxes of kind "bezems", a chore that needs one (on
    now) with r-1 signed up, and two staff members with cards and PINs. Returns the claim."""
    seed_local(data_dir, clock)
    handle = open_device(data_dir, clock)
    try:
        store = handle.store
        with store.transaction() as conn:
            reg.add_klusbox(conn, BOX, "bezems", "Bezemset 1", "nb-1", LINES)
            reg.add_card(conn, LABEL, "klusbox", "", dt.date(2026, 1, 1), klusbox_id=BOX)
            reg.add_klusbox(conn, BARE, "bezems", "Bezemset 2", "nb-1", LINES[:2])
            reg.add_chore(
                conn,
                "ch-box",
                "Plein vegen",
                "nb-1",
                reward=500,
                capacity=5,
                starts_at=NOW - HOUR,
                ends_at=NOW + 5 * HOUR,
                klusbox_kind="bezems",
            )
            for sid, name, role, serial in (
                ("st-1", "Dana", "desk", STAFF_CARD),
                ("st-2", "Ilse", "inspector", INSPECTOR_CARD),
            ):
                reg.add_staff(conn, sid, name, role)
                reg.add_card(conn, serial, "staff", "", dt.date(2026, 1, 1), staff_id=sid)
                pq.store_pin_hash(conn, serial, hash_pin("1234"), NOW)
        return store.sign_up("ch-box", "r-1")
    finally:
        handle.close()


@pytest.fixture
def desk(tmp_path: Path, gui: Gui) -> Iterator[tuple[Device, DeskOps, FixedClock, str]]:
    clock = FixedClock(NOW)
    claim = seed_desk(tmp_path / "desk", clock)
    device = local_device(
        tmp_path / "desk", gui, "klusbox-desk", clock=clock, demo_neighbourhood="nb-1"
    )
    assert device.desk is not None
    yield device, device.desk, clock, claim
    device.close()


def entries(device: Device, kind: Kind) -> list[dict[str, object]]:
    seq, _ = device.ctx.store.head()
    with read_only(device.ctx.engine) as conn:
        found = q.entries_in_range(conn, device.device_id, 1, seq)
    return [dict(e.refs) for e in found if e.kind is kind]


def test_a_loan_with_every_component_and_its_default_due_date(
    desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui
) -> None:
    device, ops, _clock, claim = desk
    events: list[LedgerAppended] = []
    device.hub.subscribe(LedgerAppended, events.append)
    box = gui.ok(ops.show_box(LABEL))
    assert (box.klusbox_id, box.status, box.loan) == (BOX, "available", None)
    assert box.components == ("2 bezems", "1 blik", "1 grijper")
    assert box.status_words.message("en") == "Available"

    plan = gui.ok(ops.prepare_loan("C-0001", LABEL))
    assert plan.ticked == (0, 1, 2)
    assert plan.claim_id == claim and plan.due_at == NOW + 5 * HOUR  # the chore's window
    assert plan.can_check_in and not plan.needs_override
    other = gui.ok(ops.prepare_loan("C-0002", BARE))  # no chore: a week on, end of the day
    assert other.claim_id is None and other.due_at == end_of_day_in(NOW, 7)
    assert (local(other.due_at).hour, local(other.due_at).minute) == (23, 59)

    lent = gui.ok(
        ops.lend(
            "C-0001",
            LABEL,
            handed_out=plan.ticked,
            due_at=plan.due_at,
            claim_id=plan.claim_id,
            check_in=True,
        )
    )
    assert lent.handed_out == box.components and lent.checked_in
    assert lent.override_staff is None
    assert "Bezemset 1 is lent to Bewoner 1" in lent.words.message("en")
    [refs] = entries(device, Kind.LOAN)
    assert refs["klusbox"] == BOX and refs["resident"] == "r-1"
    assert refs["components"] == "0,1,2" and "staff" not in refs
    assert entries(device, Kind.CHECK_IN)  # collected the box and checked in at once
    assert [e.kind for e in events] == [Kind.LOAN, Kind.CHECK_IN]
    assert events[0].resident_id == "r-1"

    shown = gui.ok(ops.show_box(LABEL))
    assert shown.status == "lent" and shown.loan is not None
    assert shown.loan.resident_name == "Bewoner 1" and shown.loan.handed_out == (0, 1, 2)
    assert "Uitgeleend aan Bewoner 1" in shown.status_words.message("nl")
    again = gui.refused(ops.lend("C-0002", LABEL, handed_out=[0], due_at=NOW + DAY))
    assert again.code == "klusbox_lent"


def test_a_return_with_a_missing_component_puts_the_box_in_maintenance(
    desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui
) -> None:
    device, ops, _clock, _claim = desk
    gui.ok(ops.lend("C-0001", LABEL, handed_out=[0, 1, 2], due_at=NOW + DAY))
    assert gui.ok(ops.maintenance()) == ()
    back = gui.ok(ops.take_back(LABEL, returned=[0, 2], condition="good", note="blik kwijt"))
    assert back.missing == ("1 blik",) and back.to_maintenance
    assert "Missing: 1 blik" in back.words.message("en")
    [refs] = entries(device, Kind.RETURN)
    assert refs["missing"] == "1" and refs["returned"] == "0,2" and refs["note"] == "blik kwijt"
    [line] = gui.ok(ops.maintenance())
    assert line.klusbox_id == BOX and "In onderhoud" in line.words.message("nl")
    assert gui.ok(ops.show_box(LABEL)).status == "maintenance"
    refused = gui.refused(ops.lend("C-0002", LABEL, handed_out=[0], due_at=NOW + DAY))
    assert refused.code == "klusbox_in_maintenance"


def test_a_whole_return_in_good_condition_leaves_the_box_available(
    desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui
) -> None:
    _device, ops, _clock, _claim = desk
    gui.ok(ops.lend("C-0002", BARE, handed_out=[0, 1], due_at=NOW + DAY))
    back = gui.ok(ops.take_back(BARE, returned=[0, 1], condition="worn"))
    assert back.missing == () and not back.to_maintenance
    assert gui.ok(ops.show_box(BARE)).status == "available"
    damaged_loan = gui.ok(ops.lend("C-0002", BARE, handed_out=[0, 1], due_at=NOW + DAY))
    assert damaged_loan.klusbox_id == BARE
    broken = gui.ok(ops.take_back(BARE, returned=[0, 1], condition="damaged"))
    assert broken.to_maintenance and broken.missing == ()


def test_the_overdue_list_is_sorted_by_days_overdue_most_first(
    desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui
) -> None:
    _device, ops, clock, _claim = desk
    gui.ok(ops.lend("C-0002", LABEL, handed_out=[0], due_at=NOW + 3 * DAY))
    gui.ok(ops.lend("C-0003", BARE, handed_out=[0, 1], due_at=NOW + HOUR))
    assert gui.ok(ops.overdue()) == ()
    clock.advance(5 * DAY)
    lines = gui.ok(ops.overdue())
    assert [(x.resident_name, x.box_name) for x in lines] == [
        ("Bewoner 3", "Bezemset 2"),
        ("Bewoner 2", "Bezemset 1"),
    ]
    assert [x.days_overdue for x in lines] == sorted((x.days_overdue for x in lines), reverse=True)
    assert lines[0].days_overdue == days_overdue(NOW + HOUR, clock.now_ms()) >= 4
    assert "te laat" in lines[0].words.message("nl") and "overdue" in lines[0].words.en


def test_an_overdue_resident_is_refused_and_a_staff_override_lends_it(
    desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui
) -> None:
    device, ops, clock, _claim = desk
    gui.ok(ops.lend("C-0002", LABEL, handed_out=[0], due_at=NOW + HOUR))
    clock.advance(2 * DAY)
    plan = gui.ok(ops.prepare_loan("C-0002", BARE))
    assert plan.needs_override and [x.box_name for x in plan.overdue] == ["Bezemset 1"]
    due = clock.now_ms() + DAY
    refused = gui.refused(ops.lend("C-0002", BARE, handed_out=[0, 1], due_at=due))
    assert refused.code == "resident_overdue"
    assert "personeelspas" in refused.message("nl")

    wrong = gui.refused(
        ops.lend(
            "C-0002", BARE, handed_out=[0, 1], due_at=due, staff_serial=STAFF_CARD, staff_pin="9999"
        )
    )
    assert wrong.code == "pin_wrong"
    inspector = gui.refused(
        ops.lend(
            "C-0002",
            BARE,
            handed_out=[0, 1],
            due_at=due,
            staff_serial=INSPECTOR_CARD,
            staff_pin="1234",
        )
    )
    assert inspector.code == "staff_wrong_role"
    resident = gui.refused(
        ops.lend(
            "C-0002", BARE, handed_out=[0, 1], due_at=due, staff_serial="C-0001", staff_pin="1234"
        )
    )
    assert resident.code == "not_a_staff_card"
    assert len(entries(device, Kind.LOAN)) == 1  # none of those lent anything

    lent = gui.ok(
        ops.lend(
            "C-0002", BARE, handed_out=[0, 1], due_at=due, staff_serial=STAFF_CARD, staff_pin="1234"
        )
    )
    assert lent.override_staff == STAFF_CARD and lent.override_name == "Dana"
    refs = entries(device, Kind.LOAN)[-1]
    assert refs["staff"] == STAFF_CARD and refs["klusbox"] == BARE
    with read_only(device.ctx.engine) as conn:
        loan = lq.open_loan_of_box(conn, BARE)
    assert loan is not None and loan.override_staff == STAFF_CARD
    shown = gui.ok(ops.show_box(BARE))
    assert shown.loan is not None and shown.loan.override_staff == STAFF_CARD


def test_an_override_is_only_for_an_overdue_resident(
    desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui
) -> None:
    _device, ops, _clock, _claim = desk
    refused = gui.refused(
        ops.lend(
            "C-0002",
            LABEL,
            handed_out=[0],
            due_at=NOW + DAY,
            staff_serial=STAFF_CARD,
            staff_pin="1234",
        )
    )
    assert refused.code == "override_not_needed"


def test_refusals_in_words(desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui) -> None:
    _device, ops, _clock, _claim = desk
    unknown = gui.refused(ops.show_box(new_serial(CardKind.KLUSBOX)))
    assert unknown.code == "unknown_klusbox" and unknown.message("nl")
    not_lent = gui.refused(ops.take_back(LABEL, returned=[0], condition="good"))
    assert not_lent.code == "klusbox_not_lent"
    nothing = gui.refused(ops.lend("C-0001", LABEL, handed_out=[], due_at=NOW + DAY))
    assert nothing.code == "nothing_handed_out"
    past = gui.refused(ops.lend("C-0001", LABEL, handed_out=[0], due_at=NOW - 1))
    assert past.code == "due_in_past"
    not_resident = gui.refused(ops.prepare_loan(STAFF_CARD, LABEL))
    assert not_resident.code == "not_a_resident_card"
    gui.ok(ops.lend("C-0001", LABEL, handed_out=[0], due_at=NOW + DAY))
    bad = gui.refused(ops.take_back(LABEL, returned=[0], condition="lost"))
    assert bad.code == "condition_unknown"
    view = gui.ok(ops.show_resident("C-0001"))  # the desk shows no balance
    assert view.balance is None and [x.name for x in view.loans] == ["Bezemset 1"]


def test_a_box_of_another_neighbourhood_is_not_lent_here(
    desk: tuple[Device, DeskOps, FixedClock, str], gui: Gui
) -> None:
    device, ops, _clock, _claim = desk
    elsewhere = new_serial(CardKind.KLUSBOX)
    with device.ctx.store.transaction() as conn:
        reg.add_neighbourhood(conn, "nb-2", "West")
        reg.add_klusbox(conn, elsewhere, "bezems", "Bezemset West", "nb-2", LINES)
    assert gui.refused(ops.show_box(elsewhere)).code == "klusbox_elsewhere"
