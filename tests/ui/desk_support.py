"""Setup for the klusbox desk's screen tests: a desk enrolled with the real server over HTTP
(seeded through the admin helpers with residents and their cards, a staff member with a PIN and
a staff card, klusboxes whose ids are their labels' serials, a chore that needs a box), real
signed cards and labels held up to a camera (PNG frames in a folder the camera plays) or read by
the hand scanner's path, and helpers that touch the screen as a desk volunteer does."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.core.cards import CardKind, issue_card, new_serial
from kiosk.core.entries import Kind
from kiosk.db import models as m
from kiosk.db.ops_queries import read_only
from kiosk.ops.device import Device, DeviceOptions
from kiosk.scan.sources import ImageFolderSource
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.desk import DeskScreen, Page
from tests.ops.conftest import HOUR, Enrolled, enrol
from tests.scan.test_scan_qt import card_in_scene
from tests.server.conftest import NOW, LiveServer
from tests.ui.resident_support import backgrounds
from tests.ui.shell_support import QtGui

WAIT_MS = 30_000  # only so that a broken test fails instead of hanging; nothing is timed
SCREEN_SIZE = (1280, 800)
ISSUED = dt.date(2026, 11, 1)
PIN = "1234"
LINES = ("2 bezems", "1 blik", "1 grijper")


@dataclass(frozen=True)
class Printed:
    """A card or label as the office printed it."""

    serial: str
    payload: str  # the signed QR text


@dataclass(frozen=True)
class World:
    anna: Printed  # r-1, signed up for the chore that needs a box of kind "bezems"
    bram: Printed  # r-2
    dana: Printed  # staff card of Dana, desk volunteer, PIN 1234
    ilse: Printed  # staff card of Ilse, inspector, PIN 1234 (may not override)
    box1: Printed  # "Bezemset Oost 1": its id is the label's serial
    box2: Printed  # "Bezemset Oost 2"


def seed_desk_server(live: LiveServer) -> World:
    """On top of LiveServer.seed() (nb-1: Anna r-1, Bram r-2): real signed cards for both,
    two staff members with PINs and staff cards, two klusboxes with three lines each, and a
    chore needing a "bezems" box that is on now (Anna signs up at the desk's first sync)."""
    server, key = live.server, live.server.key

    def card(kind: CardKind) -> Printed:
        c = issue_card(key, kind, new_serial(kind), ISSUED)
        return Printed(c.serial, c.payload)

    anna, bram = card(CardKind.RESIDENT), card(CardKind.RESIDENT)
    admin.add_card(server, anna.serial, "r-1")
    admin.add_card(server, bram.serial, "r-2")
    dana, ilse = card(CardKind.STAFF), card(CardKind.STAFF)
    admin.add_staff(server, "st-dana", "Dana", "desk", pin=PIN)
    admin.add_staff_card(server, dana.serial, "Dana", staff_id="st-dana")
    admin.add_staff(server, "st-ilse", "Ilse", "inspector", pin=PIN)
    admin.add_staff_card(server, ilse.serial, "Ilse", staff_id="st-ilse")
    box1, box2 = card(CardKind.KLUSBOX), card(CardKind.KLUSBOX)
    admin.add_klusbox(server, box1.serial, "bezems", "Bezemset Oost 1", "nb-1", components=LINES)
    admin.add_klusbox(server, box2.serial, "bezems", "Bezemset Oost 2", "nb-1", components=LINES)
    admin.add_chore(
        server,
        "ch-box",
        "Plein vegen met de klusbox",
        "nb-1",
        reward=500,
        starts_at=NOW - 2 * HOUR,
        ends_at=NOW + 6 * HOUR,
        klusbox_kind="bezems",
    )
    return World(anna, bram, dana, ilse, box1, box2)


def enrol_desk(live: LiveServer, data_dir: Path, *, camera: Path | None = None) -> Enrolled:
    """A klusbox desk of nb-1 enrolled with the real server and synced once; with `camera`,
    its camera plays the PNG frames of that folder (see Camera). No sync loop: call sync()."""
    options = DeviceOptions(
        camera=ImageFolderSource(camera, fps=10.0, loop=True) if camera is not None else None
    )
    return enrol(live, data_dir, QtGui(), "klusbox-desk", neighbourhood="nb-1", options=options)


class Camera:
    """The room in front of the desk's camera, as a folder of frames played in a loop: `hold`
    puts a card or label in the picture (None: nobody holds anything up). Files are replaced
    in place, a whole frame at a time, so the camera never reads half a picture."""

    FRAMES = 8

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._rooms = backgrounds()
        assert self._rooms, "no photos in the shared no-code set"
        self.hold(None)

    def hold(self, payload: str | None) -> None:
        for i in range(self.FRAMES):
            room = self._rooms[i % len(self._rooms)]
            frame = room if payload is None or i < 2 else card_in_scene(room, payload)
            path = self.folder / f"{i:03d}.png"
            part = self.folder / f".{i:03d}.part.png"
            assert cv2.imwrite(str(part), frame)
            os.replace(part, path)

    def take_away(self, desk: Desk) -> None:
        """Nobody holds anything up, and the frames with the card already on their way have
        been decoded (a whole loop of the empty room after them), so none acts later."""
        self.hold(None)
        camera = desk.scan.camera
        assert camera is not None
        seen = camera.decoded_frames
        desk.qtbot.waitUntil(
            lambda: camera.decoded_frames >= seen + self.FRAMES + 2, timeout=WAIT_MS
        )


@dataclass
class Desk:
    """A desk as the shell builds it: device, scans, bridge, and the screen in front."""

    qtbot: QtBot
    device: Device
    scan: ScanInput
    bridge: Bridge
    screen: DeskScreen

    def close(self) -> None:
        self.screen.set_active(False)
        self.scan.stop()
        self.bridge.close()
        self.device.close()
        self.screen.close()
        self.screen.deleteLater()

    def click(self, button: QAbstractButton) -> None:
        self.qtbot.waitUntil(
            lambda: button.isVisibleTo(self.screen) and button.isEnabled(), timeout=WAIT_MS
        )
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def wait_page(self, page: Page) -> None:
        self.qtbot.waitUntil(lambda: self.screen.page is page, timeout=WAIT_MS)

    def wait_text(self, label: QLabel | QAbstractButton, part: str) -> None:
        self.qtbot.waitUntil(lambda: part in label.text(), timeout=WAIT_MS)

    def hand_scan(self, printed: Printed, page: Page) -> None:
        """The hand scanner reads the card's QR (checked off the GUI thread); until `page`."""
        self.scan.scanned(printed.payload)
        self.wait_page(page)

    def type_pin(self, pin: str) -> None:
        for digit in pin:
            self.click(self.screen.override_page.pad.digits[digit])

    def wait_lists(self) -> None:
        """Until the home lists on screen are what the ledger says now."""
        ops = self.device.desk
        assert ops is not None
        home = self.screen.home
        self.qtbot.waitUntil(
            lambda: (
                home.overdue_lines == ops.overdue_now()
                and home.maintenance_lines == ops.maintenance_now()
            ),
            timeout=WAIT_MS,
        )


def open_desk(qtbot: QtBot, device: Device, translations: Translations) -> Desk:
    scan = ScanInput(device)
    bridge = Bridge(device.hub)
    screen = DeskScreen(device, scan, translations, bridge)
    screen.resize(*SCREEN_SIZE)
    screen.set_active(True)
    screen.show()
    qtbot.waitExposed(screen)
    return Desk(qtbot, device, scan, bridge, screen)


# -- what the ledgers hold ------------------------------------------------------------------------


def desk_refs(device: Device, kind: str) -> list[dict[str, object]]:
    """The refs of the desk's own entries of `kind` ("loan", "return"), oldest first."""
    with read_only(device.handle.engine) as conn:
        rows = conn.execute(
            select(m.LedgerEntry.refs)
            .where(m.LedgerEntry.kind == kind, m.LedgerEntry.device_id == device.device_id)
            .order_by(m.LedgerEntry.seq)
        ).scalars()
        return [json.loads(r) if isinstance(r, str) else dict(r) for r in rows]


def server_entries(
    live: LiveServer, device: Device, kind: str
) -> list[tuple[str, dict[str, object]]]:
    """The desk's entries of `kind` as the server stored them: (status, refs)."""
    with live.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.ledger.c.status, t.ledger.c.refs)
            .where(t.ledger.c.device_id == device.device_id, t.ledger.c.kind == kind)
            .order_by(t.ledger.c.seq)
        ).all()
    return [(r.status, json.loads(r.refs)) for r in rows]


def server_maintenance(live: LiveServer, box_id: str) -> bool:
    with live.server.engine.connect() as conn:
        return bool(
            conn.execute(
                select(t.klusboxes.c.maintenance).where(t.klusboxes.c.id == box_id)
            ).scalar_one()
        )


def sign_up_on_server(live: LiveServer, resident_id: str, chore_id: str) -> str:
    """A resident's sign-up as a kiosk of nb-1 sends it (a simulated kiosk over HTTP)."""
    kiosk = live.enrol("resident-kiosk", "kiosk", merchant=None)
    claim = f"cl-{resident_id}-{chore_id}"
    kiosk.add(Kind.CLAIM_SIGNUP, refs={"claim": claim, "chore": chore_id, "resident": resident_id})
    assert live.refused_codes(kiosk.batch()) == {}
    return claim


def contexts() -> Iterator[str]:
    """The classes of kiosk/ui/screens/desk*.py that hold texts (the .ts contexts)."""
    yield from ("DeskScreen", "DeskHomePage", "DeskResidentPage", "LendPage")
    yield from ("OverridePage", "ReturnPage")


def app_of(qtbot: QtBot) -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


# -- the desk's Dutch ----------------------------------------------------------------------------

DESK_NL: dict[tuple[str, str], str] = {
    ("DeskHomePage", "Card or label number"): "Pas- of labelnummer",
    ("DeskHomePage", "In maintenance"): "In onderhoud",
    ("DeskHomePage", "Klusbox desk"): "Klusboxbalie",
    ("DeskHomePage", "Look up"): "Opzoeken",
    ("DeskHomePage", "No klusbox is in maintenance."): "Er is geen klusbox in onderhoud.",
    ("DeskHomePage", "No klusbox is overdue."): "Er is geen klusbox te laat.",
    ("DeskHomePage", "Or type the card number"): "Of typ het pasnummer",
    ("DeskHomePage", "Overdue klusboxes"): "Klusboxen die te laat zijn",
    ("DeskHomePage", "Scan a resident's card or a klusbox label"): (
        "Scan de pas van een bewoner of het label van een klusbox"
    ),
    ("DeskHomePage", "Scroll left and right"): "Naar links en rechts schuiven",
    ("DeskHomePage", "Scroll up and down"): "Naar boven en beneden schuiven",
    ("DeskResidentPage", "Check in"): "Inchecken",
    ("DeskResidentPage", "Check in for %1"): "Inchecken voor %1",
    ("DeskResidentPage", "Chores"): "Klussen",
    ("DeskResidentPage", "Done"): "Klaar",
    ("DeskResidentPage", "Done, back to the start"): "Klaar, terug naar het begin",
    ("DeskResidentPage", "Klusboxes on loan"): "Geleende klusboxen",
    ("DeskResidentPage", "No chores."): "Geen klussen.",
    ("DeskResidentPage", "No klusbox on loan."): "Geen klusbox geleend.",
    ("DeskResidentPage", "Scan the klusbox label to lend it or take it back."): (
        "Scan het label van de klusbox om hem uit te lenen of terug te nemen."
    ),
    ("DeskResidentPage", "Scroll left and right"): "Naar links en rechts schuiven",
    ("DeskResidentPage", "Scroll up and down"): "Naar boven en beneden schuiven",
    (
        "DeskResidentPage",
        "This resident has a klusbox that is overdue. A new loan needs a staff card.",
    ): "Deze bewoner heeft een klusbox die te laat is. Opnieuw lenen kan alleen met een "
    "personeelspas.",
    ("DeskScreen", "%1 is available. Scan the card of the resident who borrows it."): (
        "%1 is beschikbaar. Scan de pas van de bewoner die hem leent."
    ),
    ("DeskScreen", "%1 is checked in for: %2"): "%1 is ingecheckt voor: %2",
    ("DeskScreen", "%1 is in maintenance and cannot be lent."): (
        "%1 is in onderhoud en kan niet worden uitgeleend."
    ),
    (
        "DeskScreen",
        "A staff card is only needed to lend to a resident with an overdue klusbox.",
    ): "Een personeelspas is alleen nodig om uit te lenen aan een bewoner met een klusbox die "
    "te laat is.",
    ("DeskScreen", "Allowed by %1 with a staff card."): "Toegestaan door %1 met een personeelspas.",
    ("DeskScreen", "The resident is checked in for the chore."): (
        "De bewoner is ingecheckt voor de klus."
    ),
    ("LendPage", "%1 still has an overdue klusbox: %2. Lending needs a staff card."): (
        "%1 heeft nog een klusbox die te laat is: %2. Uitlenen kan alleen met een personeelspas."
    ),
    ("LendPage", "Also check in for: %1"): "Ook inchecken voor: %1",
    ("LendPage", "Cancel"): "Stoppen",
    ("LendPage", "Due back on %1"): "Terug op %1",
    ("LendPage", "For %1"): "Voor %1",
    ("LendPage", "Lend"): "Uitlenen",
    ("LendPage", "Lend anyway with a staff card"): "Toch uitlenen met een personeelspas",
    ("LendPage", "Lending…"): "Bezig met uitlenen…",
    ("LendPage", "One day earlier"): "Een dag eerder",
    ("LendPage", "One day later"): "Een dag later",
    ("LendPage", "Staff card"): "Personeelspas",
    ("LendPage", "Tick what you hand out:"): "Vink aan wat u meegeeft:",
    ("OverridePage", "Cancel"): "Stoppen",
    ("OverridePage", "Lend"): "Uitlenen",
    ("OverridePage", "Lend to %1 with a staff card"): "Uitlenen aan %1 met een personeelspas",
    ("OverridePage", "Lending…"): "Bezig met uitlenen…",
    ("OverridePage", "Let the staff member type their PIN, then touch Lend."): (
        "Laat de medewerker de pincode typen en tik dan op Uitlenen."
    ),
    ("OverridePage", "Scan the staff card of the staff member who allows it."): (
        "Scan de personeelspas van de medewerker die het toestaat."
    ),
    ("ReturnPage", "Cancel"): "Stoppen",
    ("ReturnPage", "Condition of the klusbox:"): "Staat van de klusbox:",
    ("ReturnPage", "Damaged, needs repair"): "Kapot, moet gerepareerd",
    ("ReturnPage", "Days overdue: %1"): "Dagen te laat: %1",
    ("ReturnPage", "Good"): "Goed",
    ("ReturnPage", "Note"): "Opmerking",
    ("ReturnPage", "Note: what is missing or broken (optional)"): (
        "Opmerking: wat ontbreekt of kapot is (mag leeg blijven)"
    ),
    ("ReturnPage", "Take back"): "Terugnemen",
    ("ReturnPage", "Taking back…"): "Bezig met terugnemen…",
    ("ReturnPage", "Tick what came back:"): "Vink aan wat terug is:",
    ("ReturnPage", "Worn"): "Versleten",
}


def fill_desk_ts(ts: Path | None = None) -> int:
    """Write the desk's Dutch into a heitje_nl.ts that lupdate brought up to date (the real one
    by default; the pages test does it on a copy). Returns how many texts it filled."""
    import xml.etree.ElementTree as ET

    from kiosk.ui.i18n_build import ts_path

    path = ts or ts_path("nl")
    tree = ET.parse(path)
    filled = 0
    for context in tree.getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            dutch = DESK_NL.get((name, message.findtext("source", "")))
            translation = message.find("translation")
            if dutch is None or translation is None:
                continue
            translation.text = dutch
            translation.attrib.pop("type", None)
            filled += 1
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return filled


def desk_translations(work: Path) -> Path:
    """The translations built as they will be once the desk's texts are in the .ts: a copy of
    the .ts brought up to date from the code, the desk's Dutch filled in, the .qm built into
    `work/qm`. Returns that folder (for Translations(directory=...))."""
    import shutil

    from kiosk.ui import i18n_build as b

    ts_dir, qm_dir = work / "ts", work / "qm"
    shutil.copytree(b.TS_DIR, ts_dir)
    b.update(ts_dir=ts_dir, qm_dir=qm_dir)
    fill_desk_ts(b.ts_path("nl", ts_dir))
    b.release(ts_dir=ts_dir, qm_dir=qm_dir)
    return qm_dir
