"""The inspector's ops on a real SQLite ledger: the lock (an inspector's staff card and PIN),
the claims marked done in the device's neighbourhood, an approval with its earn (exactly the
chore's reward, one transaction), rejections with a reason from the list or typed, today's
decisions, and the refusals."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock
from kiosk.core.entries import Kind
from kiosk.db import models as m
from kiosk.db import pin_queries as pq
from kiosk.db import registry as reg
from kiosk.db.ops_queries import read_only
from kiosk.device import open_device
from kiosk.ops.device import Device
from kiosk.ops.events import LedgerAppended
from kiosk.ops.inspector import InspectorOps
from kiosk.ops.inspector_results import REASON_MAX, REJECT_REASONS
from kiosk.ops.pins import hash_pin
from kiosk.ops.words import moment_words
from tests.ops.conftest import FUNDS, HOUR, Gui, local_device, seed_local
from tests.server.conftest import NOW

INSPECTOR_CARD = "S-0101"
DESK_CARD = "S-0102"
PIN = "2468"


def seed_inspector(data_dir: Path) -> dict[str, str]:
    """tests/ops' local ledger, plus: inspector Ilse (card S-0101, PIN 2468), desk volunteer
    Dirk (S-0102, PIN 2468), nb-2 with resident r-9 and a chore there; r-1 and r-2 each did
    ch-now (checked in and out), r-3 only checked in, r-9 did the chore in nb-2. Returns the
    claim ids by resident."""
    clock = FixedClock(NOW - HOUR)
    seed_local(data_dir, clock)
    handle = open_device(data_dir, clock)
    try:
        store = handle.store
        with store.transaction() as conn:
            reg.add_staff(conn, "st-ilse", "Ilse Inspecteur", "inspector")
            reg.add_staff(conn, "st-dirk", "Dirk Balie", "desk")
            for serial, staff in ((INSPECTOR_CARD, "st-ilse"), (DESK_CARD, "st-dirk")):
                reg.add_card(conn, serial, "staff", "", dt.date(2026, 1, 1), staff_id=staff)
                pq.store_pin_hash(conn, serial, hash_pin(PIN), NOW)
            reg.add_neighbourhood(conn, "nb-2", "West")
            reg.add_resident(conn, "r-9", "Bewoner 9", "nb-2", created_at=0)
            reg.add_chore(
                conn,
                "ch-far",
                "Speeltuin wieden",
                "nb-2",
                reward=900,
                capacity=5,
                starts_at=NOW - 2 * HOUR,
                ends_at=NOW + 6 * HOUR,
            )
        claims = {}
        for rid, chore in (("r-2", "ch-now"), ("r-1", "ch-now"), ("r-3", "ch-now")):
            claims[rid] = store.sign_up(chore, rid)
            store.check_in(claims[rid])
        claims["r-9"] = store.sign_up("ch-far", "r-9")
        store.check_in(claims["r-9"])
        for rid in ("r-2", "r-1", "r-9"):  # r-2 first: the longest waiting
            clock.advance(60_000)
            store.check_out(claims[rid])
    finally:
        handle.close()
    return claims


@pytest.fixture
def inspector(tmp_path: Path) -> Iterator[tuple[Device, Gui, dict[str, str]]]:
    claims = seed_inspector(tmp_path)
    gui = Gui()
    device = local_device(tmp_path, gui, "inspector", demo_neighbourhood="nb-1")
    try:
        yield device, gui, claims
    finally:
        device.close()


def ops_of(device: Device) -> InspectorOps:
    assert device.inspector is not None
    return device.inspector


def sign_in(device: Device, gui: Gui) -> None:
    session = gui.ok(ops_of(device).sign_in(INSPECTOR_CARD, PIN))
    assert (session.staff_id, session.name) == ("st-ilse", "Ilse Inspecteur")


def wallet(device: Device, resident_id: str) -> int:
    return device.store.balance(acc.wallet(resident_id))


def claim_status(device: Device, claim_id: str) -> tuple[str, str | None]:
    with read_only(device.handle.engine) as conn:
        row = conn.execute(
            select(m.ChoreClaim.status, m.ChoreClaim.reason).where(m.ChoreClaim.id == claim_id)
        ).one()
    return row.status, row.reason


def test_locked_until_an_inspector_card_and_its_pin(
    inspector: tuple[Device, Gui, dict[str, str]],
) -> None:
    device, gui, claims = inspector
    ops = ops_of(device)
    assert gui.refused(ops.claims()).code == "inspector_locked"
    assert gui.refused(ops.approve(claims["r-1"])).code == "inspector_locked"
    assert gui.refused(ops.identify(DESK_CARD)).code == "staff_wrong_role"
    assert gui.refused(ops.identify("C-0001")).code == "not_a_staff_card"
    assert gui.refused(ops.sign_in(DESK_CARD, PIN)).code == "staff_wrong_role"
    assert gui.ok(ops.identify(INSPECTOR_CARD)).name == "Ilse Inspecteur"
    wrong = gui.refused(ops.sign_in(INSPECTOR_CARD, "1111"))
    assert wrong.code == "pin_wrong" and "2" in wrong.en
    assert ops.session is None
    sign_in(device, gui)
    assert ops.session is not None and ops.session.card_serial == INSPECTOR_CARD
    assert len(gui.ok(ops.claims())) == 2
    ops.lock()
    assert gui.refused(ops.claims()).code == "inspector_locked"


def test_three_wrong_pins_block_the_card_here(
    inspector: tuple[Device, Gui, dict[str, str]],
) -> None:
    device, gui, _claims = inspector
    ops = ops_of(device)
    for _ in range(2):
        assert gui.refused(ops.sign_in(INSPECTOR_CARD, "0000")).code == "pin_wrong"
    assert gui.refused(ops.sign_in(INSPECTOR_CARD, "0000")).code == "pin_blocked"
    assert gui.refused(ops.sign_in(INSPECTOR_CARD, PIN)).code == "pin_blocked"


def test_the_claims_done_in_the_neighbourhood_oldest_first(
    inspector: tuple[Device, Gui, dict[str, str]],
) -> None:
    device, gui, claims = inspector
    sign_in(device, gui)
    listed = gui.ok(ops_of(device).claims())
    # r-3 only checked in; r-9's chore is in nb-2: neither is listed.
    assert [c.claim_id for c in listed] == [claims["r-2"], claims["r-1"]]
    first = listed[0]
    assert (first.resident_name, first.title.nl, first.reward) == (
        "Bewoner 2",
        "Bladeren ruimen",
        700,
    )
    assert first.checked_in_at == NOW - HOUR and first.done_at == NOW - HOUR + 60_000
    assert first.checked_in == moment_words(NOW - HOUR)  # "18-11-2026 10:13"
    assert first.done == moment_words(NOW - HOUR + 60_000)
    assert first.done is not None and re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", first.done.nl)


def test_approve_records_the_approval_and_exactly_the_reward(
    inspector: tuple[Device, Gui, dict[str, str]],
) -> None:
    device, gui, claims = inspector
    ops = ops_of(device)
    sign_in(device, gui)
    events: list[LedgerAppended] = []
    device.hub.subscribe(LedgerAppended, events.append)
    before = wallet(device, "r-1")
    done = gui.ok(ops.approve(claims["r-1"]))
    assert done.reward == 700
    assert "Bewoner 1" in done.words.nl and "+7,00" in done.words.nl
    assert wallet(device, "r-1") == before + 700 == FUNDS + 700
    assert claim_status(device, claims["r-1"]) == ("rewarded", None)
    with read_only(device.handle.engine) as conn:
        rows = conn.execute(
            select(
                m.LedgerEntry.kind, m.LedgerEntry.amount, m.LedgerEntry.refs, m.LedgerEntry.tx_id
            )
            .where(m.LedgerEntry.kind.in_([Kind.APPROVAL.value, Kind.EARN.value]))
            .order_by(m.LedgerEntry.seq)
        ).all()
    assert [(r.kind, r.amount) for r in rows] == [("approval", 0), ("earn", 700)]
    assert f'"inspector":"{INSPECTOR_CARD}"' in rows[0].refs
    assert (rows[0].tx_id, rows[1].tx_id) == (done.approval_tx, done.earn_tx)
    assert [(e.kind, e.resident_id) for e in events] == [
        ("approval", "r-1"),
        ("earn", "r-1"),
    ]
    # Decided: no longer listed, and again is refused.
    assert [c.claim_id for c in gui.ok(ops.claims())] == [claims["r-2"]]
    assert gui.refused(ops.approve(claims["r-1"])).code == "claim_not_done"
    assert wallet(device, "r-1") == FUNDS + 700
    today = gui.ok(ops.decided_today())
    assert [(d.kind, d.claim_id, d.status) for d in today] == [
        (Kind.APPROVAL, claims["r-1"], "waiting")
    ]


def test_reject_with_a_reason_from_the_list_or_typed(
    inspector: tuple[Device, Gui, dict[str, str]],
) -> None:
    device, gui, claims = inspector
    ops = ops_of(device)
    sign_in(device, gui)
    listed = REJECT_REASONS[1]
    got = gui.ok(ops.reject(claims["r-2"], listed))
    assert got.reason == "Niet goed gedaan / Not done well"
    assert claim_status(device, claims["r-2"]) == ("rejected", got.reason)
    typed = gui.ok(ops.reject(claims["r-1"], "  De stoep  is niet geveegd  "))
    assert typed.reason == "De stoep is niet geveegd"
    assert claim_status(device, claims["r-1"]) == ("rejected", "De stoep is niet geveegd")
    assert wallet(device, "r-1") == FUNDS and wallet(device, "r-2") == FUNDS  # no earn
    assert gui.ok(ops.claims()) == ()
    today = gui.ok(ops.decided_today())
    assert [(d.kind, d.claim_id) for d in today] == [
        (Kind.REJECTION, claims["r-1"]),
        (Kind.REJECTION, claims["r-2"]),
    ]
    assert "De stoep is niet geveegd" in today[0].words.en


def test_refusals(inspector: tuple[Device, Gui, dict[str, str]]) -> None:
    device, gui, claims = inspector
    ops = ops_of(device)
    sign_in(device, gui)
    assert gui.refused(ops.approve(claims["r-3"])).code == "claim_not_done"  # only checked in
    assert gui.refused(ops.reject(claims["r-3"], "te vroeg")).code == "claim_not_done"
    assert gui.refused(ops.approve(claims["r-9"])).code == "claim_elsewhere"
    assert gui.refused(ops.reject(claims["r-9"], REJECT_REASONS[0])).code == "claim_elsewhere"
    assert gui.refused(ops.approve("no-such-claim")).code == "unknown_claim"
    assert gui.refused(ops.reject(claims["r-1"], "   ")).code == "reason_missing"
    assert gui.refused(ops.reject(claims["r-1"], "x" * (REASON_MAX + 1))).code == (
        "reason_too_long"
    )
    for rid in ("r-3", "r-9", "r-1"):
        assert claim_status(device, claims[rid])[0] in ("checked_in", "done")
        assert wallet(device, rid) == (0 if rid == "r-9" else FUNDS)
    assert gui.ok(ops.refused()) == ()  # nothing sent, so nothing refused by a server
