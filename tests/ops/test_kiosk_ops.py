"""The resident kiosk's ops against the real server over HTTP and a real ledger file: what a
scan shows, signing up, checking in and out, setting a PIN; and the klusbox desk's part."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from kiosk.core import roles
from kiosk.core.entries import Kind
from kiosk.db import models as m
from kiosk.db import ops_queries as oq
from kiosk.db.ops_queries import read_only
from kiosk.db.verify import verify_ledger
from kiosk.ops.events import LedgerAppended
from kiosk.ops.pins import pin_matches
from kiosk.ops.resident import KioskOps
from kiosk.server import admin
from kiosk.server import tables as t
from tests.server.conftest import NOW, LiveServer

from .conftest import DAY, FUNDS, HOUR, Enrolled, Gui, enrol, local_device

GRANT = 2_250


@pytest.fixture
def kiosk(live: LiveServer, tmp_path: Path, gui: Gui) -> Iterator[Enrolled]:
    admin.grant(live.server, "r-1", GRANT, "welkom")
    dev = enrol(live, tmp_path / "kiosk", gui, roles.RESIDENT_KIOSK, neighbourhood="nb-1")
    yield dev
    dev.device.close()


def ops(dev: Enrolled) -> KioskOps:
    assert dev.device.kiosk is not None
    return dev.device.kiosk


def server_claims(live: LiveServer) -> list[tuple[str, str, str]]:
    with live.server.engine.connect() as conn:
        rows = conn.execute(select(t.claims.c.chore_id, t.claims.c.resident_id, t.claims.c.status))
        return sorted((r.chore_id, r.resident_id, r.status) for r in rows)


def test_a_scan_shows_the_resident_the_balance_the_counter_will_enforce(
    kiosk: Enrolled, gui: Gui
) -> None:
    device = kiosk.device
    assert (device.role, device.counter, device.desk) == (roles.RESIDENT_KIOSK, None, None)
    view = gui.ok(ops(kiosk).show_resident("C-0001"))
    assert (view.name, view.neighbourhood, view.balance, view.flagged) == (
        "Anna",
        "nb-1",
        GRANT,
        False,
    )
    # Chores open in nb-1, soonest first; the chore of nb-2 is not there.
    assert [(c.chore_id, c.places_left) for c in view.open_chores] == [
        ("ch-1", 10),
        ("ch-now", 2),
        ("ch-later", 10),
    ]
    assert view.open_chores[1].words.nl == "Bladeren ruimen — 7,00 — nog 2 plaatsen"
    assert view.open_chores[1].words.en == "Bladeren ruimen — 7.00 — 2 places left"
    assert view.my_chores == () and view.loans == () and not view.has_pin
    # A kiosk signs no money: Anna's history is the server's, from the snapshot.
    assert [(h.kind, h.change, h.words.nl, h.words.en) for h in view.history] == [
        (
            Kind.ADJUST,
            GRANT,
            "Bijgeschreven door de gemeente — +22,50",
            "Added by the municipality — +22.50",
        )
    ]
    # A resident of another neighbourhood is not in this kiosk's snapshot at all.
    assert gui.refused(ops(kiosk).show_resident("C-0003")).code == "unknown_card"
    # the kiosk knows staff cards (kiosk staff leave lockdown with one), not as a resident's
    assert gui.refused(ops(kiosk).show_resident("S-0001")).code == "not_a_resident_card"


def test_sign_up_check_in_check_out_and_the_server_follows(
    kiosk: Enrolled, live: LiveServer, gui: Gui
) -> None:
    signed = gui.ok(ops(kiosk).sign_up("C-0001", "ch-now"))
    assert (signed.chore_id, signed.title) == ("ch-now", "Bladeren ruimen")
    view = gui.ok(ops(kiosk).show_resident("C-0001"))
    [mine] = view.my_chores
    assert (mine.claim_id, mine.status, mine.status_words.nl) == (
        signed.claim_id,
        "signed_up",
        "Aangemeld",
    )
    assert mine.can_check_in and not mine.can_check_out
    assert "ch-now" not in [c.chore_id for c in view.open_chores]
    assert gui.refused(ops(kiosk).sign_up("C-0001", "ch-now")).code == "already_signed_up"

    assert gui.refused(ops(kiosk).check_out("C-0001", signed.claim_id)).code == (
        "claim_wrong_state"
    )
    step = gui.ok(ops(kiosk).check_in("C-0001", signed.claim_id))
    assert (step.status, step.status_words.en) == ("checked_in", "In progress (checked in)")
    assert gui.ok(ops(kiosk).show_resident("C-0001")).my_chores[0].can_check_out
    done = gui.ok(ops(kiosk).check_out("C-0001", signed.claim_id))
    assert done.status_words.nl == "Klaar, wacht op keuring"

    kinds = [e.kind for e in kiosk.events if isinstance(e, LedgerAppended)]
    assert kinds == [Kind.CLAIM_SIGNUP, Kind.CHECK_IN, Kind.CHECK_OUT]
    kiosk.sync()
    assert server_claims(live) == [("ch-now", "r-1", "done")]
    assert verify_ledger(kiosk.device.store.engine).ok


def test_what_a_kiosk_refuses(kiosk: Enrolled, live: LiveServer, gui: Gui) -> None:
    # Another neighbourhood's chore is not in this kiosk's snapshot at all.
    assert gui.refused(ops(kiosk).sign_up("C-0001", "ch-2")).code == "unknown_chore"
    later = gui.ok(ops(kiosk).sign_up("C-0001", "ch-later"))
    refusal = gui.refused(ops(kiosk).check_in("C-0001", later.claim_id))
    assert refusal.code == "not_today" and "In- en uitchecken kan van" in refusal.nl
    # Bram cannot check in on Anna's chore with his own card.
    anna = gui.ok(ops(kiosk).sign_up("C-0001", "ch-now"))
    assert gui.refused(ops(kiosk).check_in("C-0002", anna.claim_id)).code == "not_your_claim"
    assert gui.refused(ops(kiosk).check_in("C-0002", "nope")).code == "unknown_claim"
    # Over: the chore ended.
    kiosk.clock.advance(7 * HOUR)
    assert gui.refused(ops(kiosk).check_in("C-0001", anna.claim_id)).code == "not_today"
    kiosk.clock.advance(-7 * HOUR)
    # A revoked card shows nothing and does nothing, once the snapshot says so.
    admin.revoke_card(live.server, "C-0002")
    kiosk.sync()
    assert gui.refused(ops(kiosk).show_resident("C-0002")).code == "card_revoked"
    assert gui.refused(ops(kiosk).sign_up("C-0002", "ch-1")).code == "card_revoked"


def test_setting_a_pin_signs_a_card_event_without_the_pin(
    kiosk: Enrolled, live: LiveServer, gui: Gui
) -> None:
    done = gui.ok(ops(kiosk).set_pin("C-0001", "4711"))
    assert done.tx_id is not None
    assert gui.ok(ops(kiosk).show_resident("C-0001")).has_pin
    assert gui.refused(ops(kiosk).set_pin("C-0001", "1234", old_pin="0000")).code == "pin_wrong"
    gui.ok(ops(kiosk).set_pin("C-0001", "1234", old_pin="4711"))
    kiosk.sync()
    with live.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.ledger.c.kind, t.ledger.c.refs).where(t.ledger.c.kind == "card_event")
        ).all()
    assert len(rows) == 2
    # Each event carries the new PIN's argon2id hash (for the counters), never the PIN.
    for row, pin in zip(rows, ("4711", "1234"), strict=True):
        refs = json.loads(row.refs)
        assert refs["event"] == "pin_set" and refs["card"] == "C-0001"
        assert refs["pin_hash"].startswith("$argon2id$") and pin_matches(refs["pin_hash"], pin)
        assert pin not in json.dumps({k: v for k, v in refs.items() if k != "pin_hash"})


def test_loans_with_their_due_dates(kiosk: Enrolled, gui: Gui) -> None:
    """No op lends a klusbox yet (the desk's issue); a loan row as the desk will write it."""
    with kiosk.device.store.transaction() as conn:
        conn.execute(
            insert(m.Loan.__table__).values(
                id="loan-1",
                klusbox_id="kb-1",
                resident_id="r-1",
                lent_at=NOW - 9 * DAY,
                due_at=NOW - DAY,
            )
        )
        conn.execute(
            insert(m.Loan.__table__).values(
                id="loan-2", klusbox_id="kb-1", resident_id="r-1", lent_at=NOW, due_at=NOW + 3 * DAY
            )
        )
    loans = gui.ok(ops(kiosk).show_resident("C-0001")).loans
    due = dt.datetime.fromtimestamp((NOW + 3 * DAY) / 1000, tz=dt.UTC).astimezone()
    assert [(ln.loan_id, ln.overdue) for ln in loans] == [("loan-1", True), ("loan-2", False)]
    assert loans[0].words.nl.startswith("Bezemset 1 — had terug moeten zijn op")
    assert loans[1].words.en.startswith("Bezemset 1 — due back on")
    assert str(due.year) in loans[1].words.nl


def test_the_desk_shows_no_balance_and_signs_no_sign_up(
    live: LiveServer, tmp_path: Path, gui: Gui
) -> None:
    desk = enrol(live, tmp_path / "desk", gui, roles.KLUSBOX_DESK, neighbourhood="nb-1")
    try:
        assert desk.device.desk is not None and desk.device.kiosk is None
        view = gui.ok(desk.device.desk.show_resident("C-0001"))
        assert (view.name, view.balance) == ("Anna", None)
        assert not hasattr(desk.device.desk, "sign_up")
    finally:
        desk.device.close()


def test_history_in_words_on_a_demo_ledger(tmp_path: Path, gui: Gui) -> None:
    """An unenrolled device (the demo) holds the whole ledger, so the kiosk lists the money."""
    from kiosk.demo import seed_demo
    from kiosk.device import open_device
    from kiosk.ops.device import DeviceOptions, build_device

    handle = open_device(tmp_path / "demo")
    seed_demo(handle.store, tmp_path / "demo")
    with read_only(handle.engine) as conn:
        serial, elsewhere = (
            conn.execute(select(m.Card.serial).where(m.Card.resident_id == r)).scalar_one()
            for r in ("res-002", "res-004")
        )
    handle.close()
    device = build_device(
        tmp_path / "demo", gui.call, DeviceOptions(demo_role=roles.RESIDENT_KIOSK), start=False
    )
    try:
        assert device.kiosk is not None
        view = gui.ok(device.kiosk.show_resident(serial))
        lines = [(h.words.nl, h.words.en, h.change) for h in view.history]
        assert lines == [
            ("Terug van Bakkerij Bemelmans — +0,75", "Refund from Bakkerij Bemelmans — +0.75", 75),
            ("Bakkerij Bemelmans — 2,75", "Bakkerij Bemelmans — 2.75", -275),
            (
                "Beloning: Pleintje vegen bij de Grasbroekerweg — +5,00",
                "Reward: Pleintje vegen bij de Grasbroekerweg — +5.00",
                500,
            ),
        ]
        assert view.balance == 500 - 275 + 75
        assert view.my_chores[0].status_words.nl == "Beloond"
        # The demo holds every neighbourhood: Sjef of Musschemig cannot take a Grasbroek chore.
        assert gui.refused(device.kiosk.sign_up(elsewhere, "klus-001")).code == "chore_elsewhere"
    finally:
        device.close()


def test_history_merges_the_servers_lines_with_this_devices_own_entries(
    tmp_path: Path, gui: Gui
) -> None:
    """The snapshot's lines and the device's own money entries show once each, newest first;
    an own entry the server's lines already hold is not shown twice."""
    device = local_device(tmp_path / "d", gui, roles.RESIDENT_KIOSK)
    try:
        assert device.kiosk is not None
        store = device.store
        with read_only(store.engine) as conn:
            [own] = oq.account_history(conn, "wallet:r-1", 10)
        lines = [
            {  # the server's copy of our own grant: the same entry
                "resident_id": "r-1",
                "device_id": own.device_id,
                "tx_id": own.tx_id,
                "kind": "adjust",
                "change": FUNDS,
                "counterpart": "",
                "counterpart_en": "",
                "at": own.wall_time,
            },
            {
                "resident_id": "r-1",
                "device_id": "dev-elsewhere",
                "tx_id": "tx-1",
                "kind": "earn",
                "change": 700,
                "counterpart": "Bladeren ruimen",
                "counterpart_en": "Raking leaves",
                "at": own.wall_time + HOUR,
            },
        ]
        with store.transaction() as conn:
            oq.apply_money_lines(conn, lines, full=True)
        view = gui.ok(device.kiosk.show_resident("C-0001"))
        assert [(h.tx_id, h.change, h.words.en) for h in view.history] == [
            ("tx-1", 700, "Reward: Raking leaves — +7.00"),
            (own.tx_id, FUNDS, "Added by the municipality — +100.00"),
        ]
        # A delta naming r-1 replaces its lines whole; r-2's are untouched.
        with store.transaction() as conn:
            oq.apply_money_lines(conn, [{**lines[1], "resident_id": "r-2"}], full=False)
            oq.apply_money_lines(conn, [{**lines[1], "tx_id": "tx-2", "at": 5}], full=False)
        with read_only(store.engine) as conn:
            assert [s.tx_id for s in oq.server_lines(conn, "r-1")] == ["tx-2"]
            assert [s.tx_id for s in oq.server_lines(conn, "r-2")] == ["tx-1"]
    finally:
        device.close()


@pytest.mark.parametrize(
    ("mine", "server", "shown"),
    [
        ("checked_in", "signed_up", "checked_in"),  # our check-in is not on the server yet
        ("done", "approved", "approved"),
        ("done", "rejected", "rejected"),
        ("rejected", "approved", "approved"),  # the back office overturned the rejection
        ("rewarded", "approved", "rewarded"),
    ],
)
def test_a_snapshots_claim_status_merges_with_the_devices(
    tmp_path: Path, gui: Gui, mine: str, server: str, shown: str
) -> None:
    device = local_device(tmp_path / "d", gui, roles.RESIDENT_KIOSK)
    try:
        with device.store.transaction() as conn:
            conn.execute(
                insert(m.ChoreClaim.__table__).values(
                    id="cl-1", chore_id="ch-now", resident_id="r-1", status=mine, updated_at=9
                )
            )
            oq.apply_claims(
                conn,
                [
                    {"id": "cl-1", "chore_id": "ch-now", "resident_id": "r-1", "status": server},
                    {"id": "cl-x", "chore_id": "ch-gone", "resident_id": "r-1", "status": "done"},
                    {"id": "cl-2", "chore_id": "ch-now", "resident_id": "r-2", "status": server},
                ],
            )
        with read_only(device.store.engine) as conn:
            rows = {c.id: c.status for c in oq.resident_claims(conn, "r-1")}
            assert rows == {"cl-1": shown}  # a claim on a chore this device lacks is skipped
            assert [c.status for c in oq.resident_claims(conn, "r-2")] == [server]
    finally:
        device.close()
