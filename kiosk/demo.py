"""A demo data set: three Heerlen neighbourhoods with residents, cards, shops, chores, klusboxes
and some history, written through the ledger store so every entry is signed and chained."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from kiosk.core import accounts as acc
from kiosk.core.cards import CardKind, issue_card, new_serial
from kiosk.core.crypto import load_or_create_key
from kiosk.db import pin_queries as pq
from kiosk.db import registry as reg
from kiosk.db.ledger_store import LedgerStore
from kiosk.ops.pins import hash_pin

MUNICIPALITY_DEMO_KEY = "municipality-demo.key"
DAY_MS = 86_400_000
# (id, name, role): the people with a staff card, each with the demo's staff PIN
STAFF = [
    ("staff-insp-1", "Inspecteur Stadsbeheer M. Coumans", "inspector"),
    ("staff-desk-1", "Baliemedewerker P. Kessels", "desk"),
    ("staff-kiosk-1", "Kioskbeheerder R. Hermans", "kiosk-staff"),
]
DEMO_STAFF_PIN = "1234"  # printed in the picker and the README: a demo, not a secret

NEIGHBOURHOODS = {
    "grasbroek": "Grasbroek",
    "musschemig": "Musschemig",
    "schandelen": "Schandelen",
}
RESIDENTS = [
    ("res-001", "Annie Hendriks", "grasbroek"),
    ("res-002", "Jo Ubachs", "grasbroek"),
    ("res-003", "Mia Claessen", "grasbroek"),
    ("res-004", "Sjef Peters", "musschemig"),
    ("res-005", "Fatma Yilmaz", "musschemig"),
    ("res-006", "Harrie Janssen", "musschemig"),
    ("res-007", "Truus Vroemen", "schandelen"),
    ("res-008", "Karim El Amrani", "schandelen"),
    ("res-009", "Lies Bemelmans", "schandelen"),
]
MERCHANTS = [
    ("mer-bakker", "Bakkerij Bemelmans", "grasbroek"),
    ("mer-groente", "Groenteboer Schandelen", "schandelen"),
    ("mer-fiets", "Fietsenmaker Musschemig", "musschemig"),
]
KLUSBOXES = [
    (
        "kb-veeg-1",
        "sweeping",
        "Veegbox Grasbroek",
        "grasbroek",
        [("bezem", 2), ("blik", 1), ("handschoenen (paar)", 2)],
    ),
    (
        "kb-zwerf-1",
        "litter",
        "Zwerfafvalbox Musschemig",
        "musschemig",
        [("afvalgrijper", 2), ("vuilniszakken (rol)", 1), ("hesje", 2)],
    ),
    (
        "kb-wied-1",
        "weeding",
        "Wiedbox Schandelen",
        "schandelen",
        [("schoffel", 1), ("krabber", 2), ("knieschijf", 1)],
    ),
]
# (id, title, neighbourhood, reward in cents, capacity, klusbox kind)
CHORES = [
    ("klus-001", "Pleintje vegen bij de Grasbroekerweg", "grasbroek", 500, 4, "sweeping"),
    ("klus-002", "Zwerfafval rapen rond het speelveld", "musschemig", 750, 6, "litter"),
    ("klus-003", "Onkruid wieden bij de speeltuin", "schandelen", 1000, 3, "weeding"),
    ("klus-004", "Bladeren ruimen bij het buurthuis", "grasbroek", 600, 5, "sweeping"),
]


@dataclass(frozen=True)
class CardSerials:
    residents: dict[str, str]  # resident id -> card serial
    labels: dict[str, str]  # klusbox id -> label serial
    staff: dict[str, str]  # staff id -> staff card serial


def card_serials() -> CardSerials:
    """Every demo card's serial: fixed, so the demo system, the screenshots and the tests find
    the cards seed_demo prints (drawn from one Random, residents, then labels, then staff: the
    inspector's card keeps the serial earlier demos printed)."""
    rng = random.Random(2026)
    residents = {rid: new_serial(CardKind.RESIDENT, rng) for rid, _name, _nid in RESIDENTS}
    labels = {kid: new_serial(CardKind.KLUSBOX, rng) for kid, *_rest in KLUSBOXES}
    staff = {sid: new_serial(CardKind.STAFF, rng) for sid, _name, _role in STAFF}
    return CardSerials(residents, labels, staff)


def seed_demo(store: LedgerStore, data_dir: Path) -> None:
    """Fill an empty ledger with the demo set. Deterministic apart from keys and tx ids."""
    serials = card_serials()
    municipality = load_or_create_key(data_dir / MUNICIPALITY_DEMO_KEY)
    (data_dir / "municipality.pub").write_text(bytes(municipality.verify_key).hex() + "\n")
    now = store.clock.now_ms()
    today = dt.date.today()
    with store.transaction() as conn:
        reg.ensure_municipality_accounts(conn)
        for nid, name in NEIGHBOURHOODS.items():
            reg.add_neighbourhood(conn, nid, name)
        for sid, name, role in STAFF:
            reg.add_staff(conn, sid, name, role)
        for rid, name, nid in RESIDENTS:
            reg.add_resident(conn, rid, name, nid, created_at=now - 60 * DAY_MS)
            card = issue_card(municipality, CardKind.RESIDENT, serials.residents[rid], today)
            reg.add_card(conn, card.serial, str(card.kind), card.payload, today, resident_id=rid)
        for mid, name, nid in MERCHANTS:
            reg.add_merchant(conn, mid, name, nid)
        for kid, kind, name, nid, components in KLUSBOXES:
            reg.add_klusbox(conn, kid, kind, name, nid, components)
            label = issue_card(municipality, CardKind.KLUSBOX, serials.labels[kid], today)
            reg.add_card(conn, label.serial, str(label.kind), label.payload, today, klusbox_id=kid)
        pin_hash = hash_pin(DEMO_STAFF_PIN)  # once: slow on purpose
        for sid, _name, _role in STAFF:
            staff_card = issue_card(municipality, CardKind.STAFF, serials.staff[sid], today)
            reg.add_card(
                conn,
                staff_card.serial,
                str(staff_card.kind),
                staff_card.payload,
                today,
                staff_id=sid,
            )
            pq.store_pin_hash(conn, staff_card.serial, pin_hash, now)
        for cid, title, nid, reward, capacity, kind in CHORES:
            reg.add_chore(
                conn,
                cid,
                title,
                nid,
                reward=reward,
                capacity=capacity,
                starts_at=now - 7 * DAY_MS,
                ends_at=now + 21 * DAY_MS,
                klusbox_kind=kind,
            )

    # History: chores done and rewarded, a few left half-way, then spending at the shops.
    done = [
        ("klus-001", "res-001"),
        ("klus-001", "res-002"),
        ("klus-004", "res-001"),
        ("klus-002", "res-004"),
        ("klus-002", "res-005"),
        ("klus-003", "res-007"),
        ("klus-003", "res-008"),
    ]
    for chore, resident in done:
        claim = store.sign_up(chore, resident)
        store.check_in(claim)
        store.check_out(claim)
        store.approve(claim, "staff-insp-1")
        store.earn(claim)
    store.check_in(store.sign_up("klus-002", "res-006"))
    store.sign_up("klus-004", "res-003")
    rejected = store.sign_up("klus-003", "res-009")
    store.check_in(rejected)
    store.reject(rejected, "staff-insp-1", "Niet op de afgesproken tijd verschenen.")
    store.spend("res-001", "mer-bakker", 350)
    bread = store.spend("res-002", "mer-bakker", 275)
    store.refund(bread.tx_id, 75)
    store.spend("res-004", "mer-fiets", 500)
    store.spend("res-007", "mer-groente", 420)
    store.adjust(
        acc.ISSUANCE,
        acc.wallet("res-005"),
        200,
        reason="Welkomstbonus bij de start",
        staff_id="staff-desk-1",
    )


# -- work in progress, for the inspector's and the desk's pictures (kiosk/ui/screenshots.py) --

DONE_FOR_INSPECTOR = (("klus-004", "res-002"), ("klus-001", "res-003"))  # not Annie's
OVERDUE_BOX = "kb-veeg-1"
OVERDUE_RESIDENT = "Annie Hendriks"
SECOND_BOX = "kb-veeg-2"
SECOND_BOX_LABEL = new_serial(CardKind.KLUSBOX, random.Random(2029))


def add_demo_work(data_dir: Path) -> None:
    """On a seeded demo ledger: two claims done and waiting for the inspector (Jo's, Mia's);
    a second Grasbroek box; the first lent to Annie ten days ago and due three days ago, by a
    desk whose clock then said so (the loan is a signed entry like any other)."""
    from kiosk.core.clock import FixedClock
    from kiosk.device import open_device

    handle = open_device(data_dir)
    try:
        store = handle.store
        now = store.clock.now_ms()
        for chore, resident in DONE_FOR_INSPECTOR:
            claim = store.sign_up(chore, resident)
            store.check_in(claim)
            store.check_out(claim)
        municipality = load_or_create_key(data_dir / MUNICIPALITY_DEMO_KEY)
        today = dt.date.today()
        label = issue_card(municipality, CardKind.KLUSBOX, SECOND_BOX_LABEL, today)
        with store.transaction() as conn:
            reg.add_klusbox(
                conn, SECOND_BOX, "sweeping", "Veegbox Grasbroek 2", "grasbroek",
                [("bezem", 2), ("blik", 1)],
            )  # fmt: skip
            reg.add_card(conn, label.serial, "klusbox", label.payload, today, klusbox_id=SECOND_BOX)
    finally:
        handle.close()
    then = open_device(data_dir, FixedClock(now - 10 * DAY_MS))
    try:
        annie = next(rid for rid, name, _nid in RESIDENTS if name == OVERDUE_RESIDENT)
        then.store.lend(OVERDUE_BOX, annie, due_at=now - 3 * DAY_MS, handed_out=[0, 1, 2])
    finally:
        then.close()
