"""Setup for the inspector's screen tests: the real server over HTTP with an inspector (staff
card signed by the server's key, PIN) and residents with signed cards; a resident kiosk and an
inspector enrolled with it (enrolment codes with their role and neighbourhood, over HTTP),
each a real Device with its own sync; the inspector's staff card held up to its camera (image
files through the real scan pipeline); and helpers that touch the screen as an inspector does.

All clocks (the server's and each device's) are fixed and moved together (`tick`), so a
check-out comes some minutes after its check-in and the server takes both."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytestqt.qtbot import QtBot

from kiosk.core.cards import CardKind, issue_card, new_serial
from kiosk.ops.device import Device, DeviceOptions
from kiosk.ops.inspector import InspectorOps
from kiosk.ops.resident import KioskOps
from kiosk.scan.sources import ImageFolderSource
from kiosk.server import admin
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.inspector import InspectorScreen, Page
from tests.ops.conftest import Enrolled, enrol
from tests.server.conftest import LiveServer
from tests.ui.counter_support import ISSUED, TestCard, new_card, write_card_frames
from tests.ui.shell_support import QtGui

WAIT_MS = 30_000  # only so that a broken test fails instead of hanging; nothing is timed
SCREEN_SIZE = (1280, 800)
MINUTE = 60_000

STAFF_ID = "st-ilse"
STAFF_NAME = "Ilse Inspecteur"
PIN = "2468"
CHORE = "ch-now"  # the ops tests' live server: 7,00, capacity 2, on around NOW
REWARD = 700


@dataclass(frozen=True)
class Seeded:
    staff_serial: str
    staff_payload: str
    residents: list[TestCard]


def seed_inspection(live: LiveServer) -> Seeded:
    """On the server: inspector Ilse with PIN 2468 and her signed staff card; a real signed
    card for r-1 (Anna) and r-2 (Bram) of nb-1."""
    admin.add_staff(live.server, STAFF_ID, STAFF_NAME, "inspector", pin=PIN)
    staff = issue_card(live.server.key, CardKind.STAFF, new_serial(CardKind.STAFF), ISSUED)
    admin.add_staff_card(live.server, staff.serial, STAFF_NAME, staff_id=STAFF_ID)
    cards = [new_card(live.server.key, rid) for rid in ("r-1", "r-2")]
    for c in cards:
        admin.add_card(live.server, c.serial, c.resident_id)
    return Seeded(staff.serial, staff.payload, cards)


def through(live: LiveServer, url: str | None) -> LiveServer:
    """The live server as a device reaches it: through `url` (a Gate) if given."""
    if url is None:
        return live
    target = copy.copy(live)
    target.url = url
    return target


def enrol_kiosk(live: LiveServer, data_dir: Path) -> Enrolled:
    return enrol(live, data_dir, QtGui(), "resident-kiosk", neighbourhood="nb-1")


def enrol_inspector(
    live: LiveServer, data_dir: Path, staff_payload: str, *, url: str | None = None
) -> Enrolled:
    """An inspector of nb-1 whose camera (an image folder) sees its staff card held up."""
    frames = write_card_frames(data_dir.parent / f"{data_dir.name}-camera", staff_payload)
    return enrol(
        through(live, url),
        data_dir,
        QtGui(),
        "inspector",
        neighbourhood="nb-1",
        options=DeviceOptions(camera=ImageFolderSource(frames, fps=10.0)),
    )


def tick(live: LiveServer, devices: list[Enrolled], ms: int) -> None:
    """Time passes, for the server and every device alike."""
    live.clock.advance(ms)
    for d in devices:
        d.clock.advance(ms)


def kiosk_ops(kiosk: Enrolled) -> KioskOps:
    assert kiosk.device.kiosk is not None
    return kiosk.device.kiosk


def do_the_chore(
    live: LiveServer, kiosk: Enrolled, others: list[Enrolled], cards: list[TestCard]
) -> dict[str, str]:
    """At the kiosk: each resident signs up for the chore, checks in, and (half an hour later)
    checks out; then the kiosk syncs. Returns the claim ids by resident."""
    ops = kiosk_ops(kiosk)
    everyone = [kiosk, *others]
    claims = {c.resident_id: ops.sign_up_now(c.serial, CHORE).claim_id for c in cards}
    tick(live, everyone, 5 * MINUTE)
    for c in cards:
        ops.check_in_now(c.serial, claims[c.resident_id])
    tick(live, everyone, 30 * MINUTE)
    for c in cards:
        ops.check_out_now(c.serial, claims[c.resident_id])
        tick(live, everyone, MINUTE)
    kiosk.sync()
    return claims


# -- the screen --------------------------------------------------------------------------------


@dataclass
class Inspector:
    """An inspector as the shell builds it: device, scans, bridge, the screen in front."""

    qtbot: QtBot
    enrolled: Enrolled
    scan: ScanInput
    bridge: Bridge
    screen: InspectorScreen
    decisions: list[object] = field(default_factory=list)

    @property
    def device(self) -> Device:
        return self.enrolled.device

    @property
    def ops(self) -> InspectorOps:
        assert self.device.inspector is not None
        return self.device.inspector

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

    def wait_text(self, widget: QLabel | QAbstractButton, text: str) -> None:
        self.qtbot.waitUntil(lambda: widget.text() == text, timeout=WAIT_MS)

    def unlock(self, pin: str = PIN) -> None:
        """The staff card is already on its way from the camera: the PIN, then the claims."""
        self.wait_page(Page.PIN)
        for digit in pin:
            self.click(self.screen.pin_page.pad.digits[digit])
        self.click(self.screen.pin_page.go)
        self.wait_page(Page.CLAIMS)
        self.wait_claims()

    def wait_claims(self) -> None:
        """Until the list on screen is what the books say."""
        want = self.ops.claims_now()
        self.qtbot.waitUntil(lambda: self.screen.claims_page.claims == want, timeout=WAIT_MS)

    def approve(self, claim_id: str) -> None:
        row = self.screen.claims_page.row_of(claim_id)
        assert row is not None, claim_id
        self._decide(row.approve_button)

    def reject(self, claim_id: str, *, reason_index: int | None = None, typed: str = "") -> None:
        row = self.screen.claims_page.row_of(claim_id)
        assert row is not None, claim_id
        self.click(row.reject_button)
        self.wait_page(Page.REJECT)
        page = self.screen.reject_page
        if reason_index is not None:
            self.click(page.reason_buttons[reason_index])
        else:
            self.click(page.other)
            QTest.keyClicks(page.typed, typed)
        self._decide(page.go)

    def _decide(self, button: QAbstractButton) -> None:
        """Touch Approve (or Reject), until the outcome is on the claims page: decided, or
        the refusal's words (which fail the test, with them)."""
        before = len(self.decisions)
        self.click(button)
        notice = self.screen.claims_page.notice
        self.qtbot.waitUntil(
            lambda: len(self.decisions) > before or notice.property("tone") == "refused",
            timeout=WAIT_MS,
        )
        assert len(self.decisions) > before, notice.text()
        self.wait_page(Page.CLAIMS)
        self.wait_claims()

    def open_list(self, page: Page) -> None:
        button = {
            Page.CLAIMS: self.screen.to_claims,
            Page.DECIDED: self.screen.to_decided,
            Page.REFUSED: self.screen.to_refused,
        }[page]
        self.click(button)
        self.wait_page(page)
        if page is Page.DECIDED:
            want_d = self.ops.decided_today_now()
            self.qtbot.waitUntil(
                lambda: (
                    [getattr(r, "row", None) for r in self.screen.decided_page.rows] == list(want_d)
                ),
                timeout=WAIT_MS,
            )
        elif page is Page.REFUSED:
            want_r = self.ops.refused_now()
            self.qtbot.waitUntil(
                lambda: (
                    self.screen.refused_page.loaded
                    and [getattr(r, "row", None) for r in self.screen.refused_page.rows]
                    == list(want_r)
                ),
                timeout=WAIT_MS,
            )


def open_inspector(
    qtbot: QtBot, enrolled: Enrolled, translations: Translations, *, camera: bool = True
) -> Inspector:
    device = enrolled.device
    scan = ScanInput(device)
    bridge = Bridge(device.hub)
    screen = InspectorScreen(device, scan, translations, bridge)
    screen.resize(*SCREEN_SIZE)
    screen.set_active(True)
    screen.show()
    qtbot.waitExposed(screen)
    inspector = Inspector(qtbot, enrolled, scan, bridge, screen)
    screen.decided.connect(inspector.decisions.append)
    if camera:
        scan.start()
    return inspector
