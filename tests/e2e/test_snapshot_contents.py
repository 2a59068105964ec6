"""What an enrolled device learns from its snapshot, end to end: real devices (ledger files,
ops, sync loop steps) against the real server over HTTP on 127.0.0.1.

* a resident kiosk shows the resident's money history from the server's books, in words;
* it learns the inspector's approvals and rejections (and the balance takes the reward);
* a counter checks a PIN set at the office or at a kiosk offline, counting wrong tries per
  device;
* chores carry their English title to the kiosk's screens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from kiosk.core import roles
from kiosk.ops.counter import CounterOps
from kiosk.ops.pins import hash_pin
from kiosk.ops.resident import KioskOps
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.ops.conftest import DAY, HOUR, Enrolled, Gui, enrol
from tests.ops.conftest import gui as gui
from tests.ops.conftest import live as live
from tests.server.conftest import NOW, LiveServer

FUNDS = 20_000


@pytest.fixture
def devices(live: LiveServer, tmp_path: Path, gui: Gui) -> Iterator[dict[str, Enrolled]]:
    """A kiosk of nb-1, two counters of m-1 (Bakker Jansen); Anna (r-1) and Bram (r-2) have
    FUNDS each."""
    for rid in ("r-1", "r-2"):
        admin.grant(live.server, rid, FUNDS, "welkom")
    made: dict[str, Enrolled] = {}
    try:
        made["kiosk"] = enrol(live, tmp_path / "kiosk", gui, roles.RESIDENT_KIOSK)
        for name in ("counter", "counter 2"):
            made[name] = enrol(live, tmp_path / name, gui, roles.MERCHANT_COUNTER, merchant="m-1")
        yield made
    finally:
        for dev in made.values():
            dev.device.close()


def tick(live: LiveServer, devices: dict[str, Enrolled], ms: int) -> None:
    """Time passes for the server and every device alike."""
    live.clock.advance(ms)
    for dev in devices.values():
        dev.clock.advance(ms)


def kiosk_ops(dev: Enrolled) -> KioskOps:
    assert dev.device.kiosk is not None
    return dev.device.kiosk


def counter_ops(dev: Enrolled) -> CounterOps:
    assert dev.device.counter is not None
    return dev.device.counter


def test_an_enrolled_kiosk_shows_the_money_history_from_the_servers_books(
    devices: dict[str, Enrolled],
    live: LiveServer,
    gui: Gui,
) -> None:
    counter, kiosk = devices["counter"], devices["kiosk"]
    for i in range(12):
        tick(live, devices, 60_000)
        gui.ok(counter_ops(counter).pay("C-0001", 100 + i))
    spend = gui.ok(counter_ops(counter).pay("C-0002", 350))
    refund = gui.ok(counter_ops(counter).refund(spend.tx_id, 100))
    counter.sync()
    tick(live, devices, HOUR)
    kiosk.sync()
    anna = gui.ok(kiosk_ops(kiosk).show_resident("C-0001"))
    # The newest ten lines (the kiosk's history length), newest first, in words.
    assert len(anna.history) == 10
    assert [h.change for h in anna.history] == [-(111 - i) for i in range(10)]
    assert anna.history[0].words.nl == "Bakker Jansen — 1,11"
    assert anna.history[0].words.en == "Bakker Jansen — 1.11"
    assert anna.balance == FUNDS - sum(range(100, 112))
    bram = gui.ok(kiosk_ops(kiosk).show_resident("C-0002"))
    assert [(h.tx_id, h.words.nl) for h in bram.history] == [
        (refund.tx_id, "Terug van Bakker Jansen — +1,00"),
        (spend.tx_id, "Bakker Jansen — 3,50"),
        (bram.history[2].tx_id, "Bijgeschreven door de gemeente — +200,00"),
    ]
    # A delta after one more payment brings Anna's lines again, the new one first; Bram's stay.
    gui.ok(counter_ops(counter).pay("C-0001", 999))
    counter.sync()
    kiosk.sync()
    anna = gui.ok(kiosk_ops(kiosk).show_resident("C-0001"))
    assert anna.history[0].words.nl == "Bakker Jansen — 9,99" and len(anna.history) == 10
    assert len(gui.ok(kiosk_ops(kiosk).show_resident("C-0002")).history) == 3


def test_the_kiosk_learns_approvals_rejections_and_the_reward(
    devices: dict[str, Enrolled],
    live: LiveServer,
    gui: Gui,
) -> None:
    kiosk = devices["kiosk"]
    ops = kiosk_ops(kiosk)
    anna = gui.ok(ops.sign_up("C-0001", "ch-now"))
    bram = gui.ok(ops.sign_up("C-0002", "ch-now"))
    for claim, card in ((anna.claim_id, "C-0001"), (bram.claim_id, "C-0002")):
        gui.ok(ops.check_in(card, claim))
        gui.ok(ops.check_out(card, claim))
    kiosk.sync()
    srv = live.server
    with srv.write() as conn:
        version = srv.bump(conn)
        admin.approve_claim_in(srv, conn, version, anna.claim_id, "S-0001")
        admin.reject_claim_in(srv, conn, version, bram.claim_id, "S-0001", "Niet gezien")
    kiosk.sync()
    view = gui.ok(ops.show_resident("C-0001"))
    [mine] = view.my_chores
    assert (mine.claim_id, mine.status, mine.status_words.nl) == (
        anna.claim_id,
        "rewarded",
        "Beloond",
    )
    assert view.balance == FUNDS + 700
    assert view.history[0].words.nl == "Beloning: Bladeren ruimen — +7,00"
    [theirs] = gui.ok(ops.show_resident("C-0002")).my_chores
    assert (theirs.status, theirs.reason) == ("rejected", "Niet gezien")
    assert theirs.status_words.en == "Rejected: Niet gezien"
    assert not theirs.can_check_in and not theirs.can_check_out


def test_a_chore_checked_in_elsewhere_shows_at_the_kiosk(
    devices: dict[str, Enrolled],
    live: LiveServer,
    tmp_path: Path,
    gui: Gui,
) -> None:
    """A sign-up made at another kiosk of the neighbourhood, checked in there: this kiosk
    shows it (a full snapshot; see docs/sync-protocol.md for deltas)."""
    other = enrol(live, tmp_path / "kiosk 2", gui, roles.RESIDENT_KIOSK)
    try:
        signed = gui.ok(kiosk_ops(other).sign_up("C-0001", "ch-now"))
        gui.ok(kiosk_ops(other).check_in("C-0001", signed.claim_id))
        other.sync()
    finally:
        other.device.close()
    here = enrol(live, tmp_path / "kiosk 3", gui, roles.RESIDENT_KIOSK)
    try:
        view = gui.ok(kiosk_ops(here).show_resident("C-0001"))
        [mine] = view.my_chores
        assert (mine.claim_id, mine.status, mine.can_check_out) == (
            signed.claim_id,
            "checked_in",
            True,
        )
        assert "ch-now" not in [c.chore_id for c in view.open_chores]
        [now] = [
            c
            for c in gui.ok(kiosk_ops(here).show_resident("C-0002")).open_chores
            if c.chore_id == "ch-now"
        ]
        assert now.places_left == 1  # capacity 2, one taken at the other kiosk
        assert gui.ok(kiosk_ops(here).check_out("C-0001", signed.claim_id)).status == "done"
    finally:
        here.device.close()


def set_office_pin(live: LiveServer, serial: str, pin: str) -> None:
    with live.server.write() as conn:
        version = live.server.bump(conn)
        conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == serial)
            .values(pin_hash=hash_pin(pin), version=version)
        )


def test_a_counter_checks_an_office_pin_offline_and_counts_wrong_tries_per_device(
    devices: dict[str, Enrolled],
    live: LiveServer,
    gui: Gui,
) -> None:
    one, two = devices["counter"], devices["counter 2"]
    set_office_pin(live, "C-0001", "8642")
    one.sync()
    two.sync()
    live.stop()  # offline from here on: the hash is on the devices
    for _ in range(2):
        assert gui.refused(counter_ops(one).pay("C-0001", 1_500, pin="1111")).code == "pin_wrong"
    blocked = gui.refused(counter_ops(one).pay("C-0001", 1_500, pin="2222"))
    assert blocked.code == "pin_blocked"
    assert gui.refused(counter_ops(one).pay("C-0001", 1_500, pin="8642")).code == "pin_blocked"
    # The other counter counts its own tries: the right PIN pays there.
    paid = gui.ok(counter_ops(two).pay("C-0001", 1_500, pin="8642"))
    assert paid.remaining == FUNDS - 1_500


def test_a_new_snapshot_keeps_the_wrong_tries_and_a_new_pin_replaces_the_hash(
    devices: dict[str, Enrolled],
    live: LiveServer,
    gui: Gui,
) -> None:
    one = devices["counter"]
    set_office_pin(live, "C-0001", "8642")
    one.sync()
    assert gui.refused(counter_ops(one).pay("C-0001", 1_500, pin="1111")).code == "pin_wrong"
    admin.grant(live.server, "r-1", 5, "iets")  # a delta with the card unchanged
    one.sync()
    wrong = gui.refused(counter_ops(one).pay("C-0001", 1_500, pin="1111"))
    assert wrong.code == "pin_wrong" and "1" in wrong.en  # one try left
    set_office_pin(live, "C-0001", "1357")  # a new PIN at the office
    one.sync()
    assert gui.refused(counter_ops(one).pay("C-0001", 1_500, pin="8642")).code == "pin_wrong"
    assert gui.ok(counter_ops(one).pay("C-0001", 1_500, pin="1357")).amount == 1_500
    # The office removes the PIN: the counter no longer asks for one.
    with live.server.write() as conn:
        version = live.server.bump(conn)
        conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == "C-0001")
            .values(pin_hash=None, version=version)
        )
    one.sync()
    assert not gui.ok(counter_ops(one).quote("C-0001", 1_500)).pin_needed


def _server_has_kiosk_pins(live: LiveServer) -> bool:
    with live.server.engine.connect() as conn:
        row = conn.execute(select(t.cards.c.pin_hash).where(t.cards.c.serial == "C-0001"))
        return row.scalar_one() is not None


def test_a_pin_set_at_the_kiosk_is_checked_at_the_counter(
    devices: dict[str, Enrolled],
    live: LiveServer,
    gui: Gui,
) -> None:
    kiosk, counter = devices["kiosk"], devices["counter"]
    gui.ok(kiosk_ops(kiosk).set_pin("C-0001", "97531"))
    kiosk.sync()
    assert _server_has_kiosk_pins(live)
    counter.sync()
    assert gui.ok(counter_ops(counter).quote("C-0001", 1_500)).pin_needed
    assert gui.refused(counter_ops(counter).pay("C-0001", 1_500, pin="13579")).code == "pin_wrong"
    assert gui.ok(counter_ops(counter).pay("C-0001", 1_500, pin="97531")).amount == 1_500
    # The kiosk, told the same hash, still takes the PIN to change it.
    kiosk.sync()
    gui.ok(kiosk_ops(kiosk).set_pin("C-0001", "2468", old_pin="97531"))


def test_a_kiosk_keeps_its_new_pin_until_the_server_has_it(
    devices: dict[str, Enrolled],
    live: LiveServer,
    gui: Gui,
) -> None:
    """A PIN set at the office reaches the kiosk, which then lets the holder change it with
    the old one; the new one stays on the kiosk while the server does not have it yet."""
    kiosk = devices["kiosk"]
    set_office_pin(live, "C-0001", "8642")
    kiosk.sync()
    assert gui.ok(kiosk_ops(kiosk).show_resident("C-0001")).has_pin
    assert gui.refused(kiosk_ops(kiosk).set_pin("C-0001", "1111", old_pin="0000")).code == (
        "pin_wrong"
    )
    gui.ok(kiosk_ops(kiosk).set_pin("C-0001", "2468", old_pin="8642"))
    live.stop()  # the card event cannot reach the server; a snapshot applied now ...
    snapshot = live.server.snapshot_of_device(kiosk.device.store.device_id)
    assert kiosk.device.sync_client is not None
    kiosk.device.sync_client.apply_snapshot(snapshot.model_copy(update={}))
    # ... does not put the office's old hash back over the new PIN
    assert gui.refused(kiosk_ops(kiosk).set_pin("C-0001", "1111", old_pin="8642")).code == (
        "pin_wrong"
    )
    gui.ok(kiosk_ops(kiosk).set_pin("C-0001", "1111", old_pin="2468"))


def test_a_chore_with_an_english_title_shows_it_in_english(
    devices: dict[str, Enrolled],
    live: LiveServer,
    gui: Gui,
) -> None:
    kiosk = devices["kiosk"]
    srv = live.server
    with srv.write() as conn:
        version = srv.bump(conn)
        admin.publish_chore_in(
            srv,
            conn,
            version,
            chore_id="ch-en",
            title="Bankjes schilderen",
            title_en="Painting benches",
            neighbourhood_id="nb-1",
            reward=900,
            capacity=3,
            starts_at=NOW + DAY,
            ends_at=NOW + 2 * DAY,
        )
    kiosk.sync()
    view = gui.ok(kiosk_ops(kiosk).show_resident("C-0001"))
    [line] = [c for c in view.open_chores if c.chore_id == "ch-en"]
    assert (line.title, line.title_en) == ("Bankjes schilderen", "Painting benches")
    assert line.words.nl == "Bankjes schilderen — 9,00 — nog 3 plaatsen"
    assert line.words.en == "Painting benches — 9.00 — 3 places left"
    [plain] = [c for c in view.open_chores if c.chore_id == "ch-now"]
    assert plain.title_en is None and plain.words.en.startswith("Bladeren ruimen — ")
    signed = gui.ok(kiosk_ops(kiosk).sign_up("C-0001", "ch-en"))
    assert signed.title_en == "Painting benches"
    [mine] = gui.ok(kiosk_ops(kiosk).show_resident("C-0001")).my_chores
    assert mine.title_en == "Painting benches"


def test_the_wire_refuses_anything_but_an_argon2id_hash() -> None:
    base = {"serial": "C-1", "kind": "resident", "resident_id": "r-1", "status": "active"}
    good = hash_pin("1234")
    assert p.CardRow.model_validate({**base, "pin_hash": good}).pin_hash == good
    for bad in ("1234", "$2b$12$abcdefghijklmnopqrstuv", good + "\x00", good.replace("id", "i")):
        with pytest.raises(ValueError):
            p.CardRow.model_validate({**base, "pin_hash": bad})
