"""A staff member lifts a resident card's PIN block at the counter (StaffOps.lift_pin_block),
on a real SQLite ledger: the demo's (kiosk/demo.py, with its staff cards and their PIN), the
card blocked by three wrong PINs through the counter's own pay op."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock
from kiosk.db import models as m
from kiosk.db import pin_queries as pq
from kiosk.db.ops_queries import read_only
from kiosk.demo import DEMO_STAFF_PIN, seed_demo
from kiosk.device import open_device
from kiosk.ops.device import Device, DeviceOptions, build_device
from kiosk.ops.runner import CallOnGui
from kiosk.ops.staff import PinBlockLifted
from tests.ops.conftest import Gui
from tests.server.conftest import NOW

SHOP = "mer-bakker"  # Bakkerij Bemelmans
RESIDENT = "res-001"  # Annie Hendriks
TOP_UP = 5_000  # enough for payments over the PIN threshold (10,00)
RESIDENT_PIN = "2468"
WRONG = ("1111", "1112", "1113")


@dataclass(frozen=True)
class Seeded:
    card: str  # Annie's card serial
    card_payload: str
    staff: dict[str, str]  # staff id -> staff card serial
    staff_payloads: dict[str, str]  # staff id -> signed QR payload
    other_card: str  # a resident card that is not blocked


def seed_counter(data_dir: Path) -> Seeded:
    """The demo ledger (its staff cards have DEMO_STAFF_PIN), Annie topped up."""
    handle = open_device(data_dir, FixedClock(NOW))
    try:
        seed_demo(handle.store, data_dir)
        handle.store.adjust(
            acc.ISSUANCE, acc.wallet(RESIDENT), TOP_UP, reason="test", staff_id="staff-desk-1"
        )
        with read_only(handle.engine) as conn:
            cards = conn.execute(
                select(m.Card.serial, m.Card.payload, m.Card.resident_id, m.Card.staff_id)
            ).all()
    finally:
        handle.close()
    staff = {c.staff_id: c for c in cards if c.staff_id is not None}
    annie = next(c for c in cards if c.resident_id == RESIDENT)
    other = next(c for c in cards if c.resident_id == "res-002")
    return Seeded(
        annie.serial,
        annie.payload,
        {sid: c.serial for sid, c in staff.items()},
        {sid: c.payload for sid, c in staff.items()},
        other.serial,
    )


def counter_device(data_dir: Path, call_on_gui: CallOnGui) -> Device:
    """A demo counter of Bakkerij Bemelmans on that ledger (its sync never runs)."""
    return build_device(
        data_dir,
        call_on_gui,
        DeviceOptions(demo_role="merchant-counter", demo_merchant=SHOP, clock=FixedClock(NOW)),
        start=False,
    )


def block_with_wrong_pins(gui: Gui, device: Device, serial: str) -> None:
    """The resident's PIN set at this counter, then three wrong PINs for a payment of 15,00."""
    assert device.counter is not None
    gui.ok(device.counter.set_pin(serial, RESIDENT_PIN))
    codes = [gui.refused(device.counter.pay(serial, 1_500, pin=p)).code for p in WRONG]
    assert codes == ["pin_wrong", "pin_wrong", "pin_blocked"]
    assert gui.refused(device.counter.pay(serial, 1_500, pin=RESIDENT_PIN)).code == "pin_blocked"


def pin_state(device: Device, serial: str) -> pq.PinState:
    with read_only(device.handle.engine) as conn:
        state = pq.pin_state(conn, serial)
    assert state is not None
    return state


def entries(device: Device) -> int:
    with read_only(device.handle.engine) as conn:
        return len(conn.execute(select(m.LedgerEntry.seq)).all())


@pytest.fixture
def counter(tmp_path: Path, gui: Gui) -> Iterator[tuple[Device, Seeded]]:
    seeded = seed_counter(tmp_path / "counter")
    device = counter_device(tmp_path / "counter", gui.call)
    try:
        yield device, seeded
    finally:
        device.close()


@pytest.mark.parametrize("staff_id", ["staff-desk-1", "staff-kiosk-1"])
def test_a_desk_or_kiosk_staff_card_lifts_the_block_and_the_right_pin_pays_again(
    counter: tuple[Device, Seeded], gui: Gui, staff_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    device, seeded = counter
    assert device.counter is not None
    block_with_wrong_pins(gui, device, seeded.card)
    before = entries(device)

    with caplog.at_level(logging.INFO, logger="kiosk.ops"):
        lifted = gui.ok(
            device.staff.lift_pin_block(seeded.card, seeded.staff[staff_id], DEMO_STAFF_PIN)
        )
    assert lifted == PinBlockLifted(
        seeded.card, staff_id, "desk" if staff_id == "staff-desk-1" else "kiosk-staff", NOW
    )
    state = pin_state(device, seeded.card)
    assert not state.blocked and state.wrong_tries == 0
    assert entries(device) == before  # the block is this device's: no ledger entry
    # The log says it, with the cards shortened, and never a PIN.
    lines = [r.getMessage() for r in caplog.records if "lifted on this device" in r.getMessage()]
    assert len(lines) == 1
    line = lines[0]
    assert seeded.card not in line and seeded.staff[staff_id] not in line
    assert f"{seeded.card[0]}…{seeded.card[-2:]}" in line and staff_id in line
    assert DEMO_STAFF_PIN not in line and RESIDENT_PIN not in line

    paid = gui.ok(device.counter.pay(seeded.card, 1_500, pin=RESIDENT_PIN))
    assert paid.amount == 1_500
    # The resident's own count starts afresh: one wrong try leaves two.
    wrong = gui.refused(device.counter.pay(seeded.card, 1_500, pin="9999"))
    assert wrong.code == "pin_wrong" and "2 more times" in wrong.en


def test_a_wrong_staff_pin_lifts_nothing_and_three_block_the_staff_card(
    counter: tuple[Device, Seeded], gui: Gui
) -> None:
    device, seeded = counter
    block_with_wrong_pins(gui, device, seeded.card)
    desk = seeded.staff["staff-desk-1"]
    staff = device.staff
    first = gui.refused(staff.lift_pin_block(seeded.card, desk, "4321"))
    assert first.code == "pin_wrong"
    assert "nog 2 keer" in first.nl and "2 more times" in first.en
    assert pin_state(device, seeded.card).blocked
    assert pin_state(device, desk).wrong_tries == 1
    assert gui.refused(staff.lift_pin_block(seeded.card, desk, "4322")).code == "pin_wrong"
    third = gui.refused(staff.lift_pin_block(seeded.card, desk, "4323"))
    assert third.code == "staff_pin_blocked"
    assert "personeelspas" in third.nl and "staff card" in third.en
    # Now even the right PIN is refused with that staff card; another one still lifts it.
    again = gui.refused(staff.lift_pin_block(seeded.card, desk, DEMO_STAFF_PIN))
    assert again.code == "staff_pin_blocked"
    assert pin_state(device, seeded.card).blocked
    gui.ok(staff.lift_pin_block(seeded.card, seeded.staff["staff-kiosk-1"], DEMO_STAFF_PIN))
    assert not pin_state(device, seeded.card).blocked


def test_an_inspectors_card_is_refused_even_with_the_right_pin(
    counter: tuple[Device, Seeded], gui: Gui
) -> None:
    device, seeded = counter
    block_with_wrong_pins(gui, device, seeded.card)
    inspector = seeded.staff["staff-insp-1"]
    refused = gui.refused(device.staff.lift_pin_block(seeded.card, inspector, DEMO_STAFF_PIN))
    assert refused.code == "staff_wrong_role"
    assert "kioskbeheerder, baliemedewerker" in refused.nl
    assert "kiosk staff, desk volunteer" in refused.en
    assert pin_state(device, seeded.card).blocked
    assert pin_state(device, inspector).wrong_tries == 0  # no PIN was judged


def test_a_card_that_is_not_blocked_or_not_known_is_refused(
    counter: tuple[Device, Seeded], gui: Gui
) -> None:
    device, seeded = counter
    desk = seeded.staff["staff-desk-1"]
    staff = device.staff
    not_blocked = gui.refused(staff.lift_pin_block(seeded.other_card, desk, DEMO_STAFF_PIN))
    assert not_blocked.code == "pin_not_blocked"
    assert "niet geblokkeerd" in not_blocked.nl and "not blocked" in not_blocked.en
    # A card with a PIN and a wrong try or two is not blocked either; the tries stay.
    assert device.counter is not None
    gui.ok(device.counter.set_pin(seeded.card, RESIDENT_PIN))
    gui.refused(device.counter.pay(seeded.card, 1_500, pin="1111"))
    assert gui.refused(staff.lift_pin_block(seeded.card, desk, DEMO_STAFF_PIN)).code == (
        "pin_not_blocked"
    )
    assert pin_state(device, seeded.card).wrong_tries == 1
    unknown = gui.refused(staff.lift_pin_block("RZZZZZZZZ", desk, DEMO_STAFF_PIN))
    assert unknown.code == "unknown_card"
    # A resident's card is no staff card, and a staff card's block is not lifted this way.
    assert gui.refused(
        staff.lift_pin_block(seeded.card, seeded.other_card, DEMO_STAFF_PIN)
    ).code == ("not_a_staff_card")
    assert gui.refused(
        staff.lift_pin_block(desk, seeded.staff["staff-kiosk-1"], DEMO_STAFF_PIN)
    ).code == ("not_a_resident_card")
    assert pin_state(device, desk).wrong_tries == 0
