"""The resident kiosk: hold up a card, and see everything with no further touch.

Home shows the camera's live picture and one instruction, "Houd je pas voor de camera", with a
button for the on-screen keypad (a card the camera cannot read, a kiosk without a camera).
A scan — camera, hand scanner or keypad, all through `ScanInput` — shows the resident: the
balance in large type, the last transactions in words, the chores open in the neighbourhood
with a sign-up button each, the resident's own chores with where each stands and check-in /
check-out when the chore is on now, the tools on loan with their due dates (late ones
marked), a balance slip to print when the device has a printer, "Lees voor" / "Read aloud"
(kiosk/ui/speech.py; with `speak_balance_after_scan` the balance is said after every scan by
itself), and "Klaar" / "Done".

The resident's page is `ResidentPage` (resident_page.py), the keypad `SerialKeypad`
(resident_keypad.py); this module holds home, the ops calls, the idle timer and the scans.

Everything goes through `device.kiosk` (kiosk/ops/resident.py): each action is an op with a
success and a failure callback, so the GUI thread never waits. Every answer carries the ticket
of the scan it belongs to; one that arrives after "Done", the idle timeout or another scan is
dropped, so nothing personal can come back on screen. Going home deletes every row and empties
every label: nothing personal is left in any widget, and a speech still going is stopped.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.errors import HeitjeError
from kiosk.ops.device import Device
from kiosk.ops.resident import KioskOps
from kiosk.ops.results import ChoreLine, ClaimLine, ClaimStep, ResidentView, SignedUp
from kiosk.ops.words import DASH
from kiosk.printing.receipts import BalanceSlip, HistoryItem
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Retranslating, Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.resident_keypad import SerialKeypad
from kiosk.ui.screens.resident_page import Notice, ResidentPage
from kiosk.ui.speech import Speaker, longest_ms
from kiosk.ui.theme import show_message
from kiosk.ui.touches import touched_within

__all__ = ["IDLE_MS", "ResidentKioskScreen"]

IDLE_MS: Final = 30_000


class ResidentKioskScreen(Retranslating, QWidget):
    """The kiosk's one screen: home (camera, instruction, keypad) and the resident's page."""

    resident_shown = Signal()  # right after a resident's view (balance etc.) is filled in
    went_home = Signal()

    def __init__(
        self,
        device: Device,
        scan: ScanInput,
        translations: Translations,
        bridge: Bridge,
        *,
        idle_ms: int = IDLE_MS,
        speak_balance_after_scan: bool = False,
        speaker: Speaker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`speaker`: how it reads aloud (by default a `Speaker()`, the system's backend);
        `speak_balance_after_scan`: say the balance right after every scan, untouched."""
        super().__init__(parent)
        if device.kiosk is None:
            raise ValueError(f"a {device.role} device has no resident kiosk")
        self.setObjectName("resident_kiosk")
        self._device = device
        self._ops: KioskOps = device.kiosk
        self._scan = scan
        self._translations = translations
        self._active = False
        self._ticket = 0  # the scan the answers on their way belong to
        self._serial: str | None = None
        self._refusal: HeitjeError | None = None  # on the home page
        self._looking_up = False
        self._busy = False  # an action is being written
        self._has_picture = False
        self.speak_balance_after_scan = speak_balance_after_scan
        self._announce = False  # the next view shown is a new scan's: say its balance
        self.speaker = speaker if speaker is not None else Speaker(self)
        self._listening = QElapsedTimer()  # since the speech going on started
        self._listen_ms = 0  # the longest that speech can take

        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(idle_ms)
        self.idle.timeout.connect(self._idle_out)

        self.pages = QStackedWidget()
        self.home = self._build_home()
        self.keypad = SerialKeypad()
        self.keypad.entered.connect(self._typed)
        self.keypad.cancelled.connect(self.go_home)
        self.resident = ResidentPage(lambda: translations.lang, can_print=device.printing.available)
        self.resident.sign_up.connect(self.sign_up)
        self.resident.check_in.connect(self.check_in)
        self.resident.check_out.connect(self.check_out)
        self.resident.print_slip.clicked.connect(self.print_balance_slip)
        self.resident.read_aloud.clicked.connect(self.read_aloud)
        self.resident.set_can_speak(self.speaker.available)
        self.speaker.finished.connect(self._spoken)
        self.resident.done.clicked.connect(self.go_home)
        for page in (self.home, self.keypad, self.resident):
            self.pages.addWidget(page)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.pages)

        bridge.snapshot_applied.connect(self._on_snapshot)
        self.retranslate()

    # -- building ----------------------------------------------------------------------------

    def _build_home(self) -> QWidget:
        page = QWidget()
        page.setObjectName("home_page")
        self.instruction = QLabel()
        self.instruction.setObjectName("instruction")
        self.instruction.setProperty("text_size", "huge")
        self.instruction.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.instruction.setWordWrap(True)
        self.preview = QLabel()
        self.preview.setObjectName("camera_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(480, 360)
        self.preview.setWordWrap(True)
        self.home_message = QLabel()
        self.home_message.setObjectName("home_message")
        self.home_message.setWordWrap(True)
        self.home_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.home_message.hide()
        self.open_keypad = QPushButton()
        self.open_keypad.setObjectName("open_keypad")
        self.open_keypad.setMinimumHeight(64)
        self.open_keypad.clicked.connect(self.show_keypad)
        box = QVBoxLayout(page)
        box.addWidget(self.instruction)
        box.addWidget(self.preview, 1)
        box.addWidget(self.home_message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_keypad)
        row.addStretch(1)
        box.addLayout(row)
        return page

    # -- the contract with the shell ---------------------------------------------------------

    def set_active(self, active: bool) -> None:
        """Listen to the scans (and to touches, for the idle timer) while this screen is in
        front; going to the back takes it home, so nothing personal waits behind another
        screen."""
        if active == self._active:
            return
        self._active = active
        app = QApplication.instance()
        if active:
            self._scan.card.connect(self.on_card)
            self._scan.refused.connect(self.on_refused)
            self._scan.frame.connect(self.on_frame)
            if app is not None:
                app.installEventFilter(self)
        else:
            self._scan.card.disconnect(self.on_card)
            self._scan.refused.disconnect(self.on_refused)
            self._scan.frame.disconnect(self.on_frame)
            if app is not None:
                app.removeEventFilter(self)
            self.go_home()

    def on_card(self, serial: str) -> None:
        """A card was scanned (or typed): show its holder; a new card replaces the one shown."""
        self._ticket += 1
        ticket = self._ticket
        self._serial = serial
        self.resident.set_notice(None)
        self._busy = False  # an action of the card before is dropped from the screen
        self._announce = self.speak_balance_after_scan
        self.speaker.stop()  # the card before's speech
        if self.resident.view is None:
            self._looking_up = True
            self._refusal = None
            self.pages.setCurrentWidget(self.home)
            self._show_home_message()
        self.idle.start()
        self._ops.show_resident(serial).success(lambda view: self._shown(ticket, view)).failure(
            lambda error: self._card_refused(ticket, error)
        )

    def on_refused(self, error: object) -> None:
        """A scan that is not a usable card (bad code, revoked, wrong form typed)."""
        if isinstance(error, HeitjeError):
            self._refuse(error)

    def on_frame(self, image: QImage) -> None:
        """The camera's live picture, on the home page only."""
        if self.pages.currentWidget() is not self.home or not self.preview.isVisible():
            return
        pixmap = QPixmap.fromImage(image).scaled(
            self.preview.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
        self.preview.setPixmap(pixmap)
        self._has_picture = True

    def go_home(self) -> None:
        """Back to the camera, with nothing personal left in any widget."""
        self._reset()
        self._scan.forget()  # the same card may be shown again at once
        self.went_home.emit()

    def _reset(self) -> None:
        self._ticket += 1  # answers still on their way are dropped
        self.idle.stop()
        self._serial = None
        self._refusal = None
        self._busy = False
        self._looking_up = False
        self._announce = False
        self.speaker.stop()
        self.resident.clear()
        self.keypad.clear()
        self.pages.setCurrentWidget(self.home)
        self._show_home_message()

    def show_keypad(self) -> None:
        self.keypad.clear()
        self.pages.setCurrentWidget(self.keypad)
        self.keypad.setFocus()
        self.idle.start()

    def _typed(self, text: str) -> None:
        """The keypad's OK: back to the camera while the card is looked up (or refused)."""
        self.pages.setCurrentWidget(self.home)
        self._scan.typed(text)

    def refresh(self) -> None:
        """Read the shown resident again (after an action, or a newer snapshot)."""
        if self._serial is None or self.resident.view is None:
            return
        ticket = self._ticket
        self._ops.show_resident(self._serial).success(
            lambda view: self._shown(ticket, view)
        ).failure(lambda error: self._card_refused(ticket, error))

    # -- the resident's actions --------------------------------------------------------------

    def read_aloud(self) -> None:
        """The page's balance, transactions and open chores, aloud in the screen's language."""
        self._say(self.resident.spoken_text())

    def _say(self, text: str) -> None:
        if text:
            self.speaker.speak(text, self._translations.lang)
            self._listening.start()
            self._listen_ms = longest_ms(text)

    def sign_up(self, chore: ChoreLine) -> None:
        if self._serial is None or self._busy:
            return
        ticket = self._ticket
        self._set_busy(True)

        def done(result: SignedUp) -> None:
            def text() -> str:  # in the language of the moment, each time it is shown
                return self.tr("You are signed up for: %1").replace("%1", result.title)

            self._acted(ticket, ("ok", text))

        self._ops.sign_up(self._serial, chore.chore_id).success(done).failure(
            lambda error: self._action_refused(ticket, error)
        )

    def check_in(self, claim: ClaimLine) -> None:
        self._step(claim, check_in=True)

    def check_out(self, claim: ClaimLine) -> None:
        self._step(claim, check_in=False)

    def _step(self, claim: ClaimLine, *, check_in: bool) -> None:
        if self._serial is None or self._busy:
            return
        ticket = self._ticket
        self._set_busy(True)

        def done(_step: ClaimStep) -> None:
            def text() -> str:
                if check_in:
                    said = self.tr("You are checked in for: %1. Good luck!")
                else:
                    said = self.tr("You are checked out for: %1. Thank you!")
                return said.replace("%1", claim.title)

            self._acted(ticket, ("ok", text))

        op = self._ops.check_in if check_in else self._ops.check_out
        op(self._serial, claim.claim_id).success(done).failure(
            lambda error: self._action_refused(ticket, error)
        )

    def print_balance_slip(self) -> None:
        view = self.resident.view
        if view is None or self._busy or not self._device.printing.available:
            return
        lang = self._translations.lang
        slip = BalanceSlip(
            place_name=view.neighbourhood,
            device_name=self._device.name,
            at_ms=self._device.clock.now_ms(),
            balance=view.balance or 0,
            history=[
                HistoryItem(h.at_ms, h.words.message(lang).rsplit(DASH, 1)[0], h.change)
                for h in view.history
            ],
            lang=lang,
        )
        ticket = self._ticket
        self._set_busy(True)

        def printed(_path: object) -> None:
            self._acted(
                ticket,
                ("ok", lambda: self.tr("Your balance slip has been printed.")),
                refresh=False,
            )

        self._device.printing.print(slip).success(printed).failure(
            lambda error: self._action_refused(ticket, error, refresh=False)
        )

    # -- answers -----------------------------------------------------------------------------

    def _shown(self, ticket: int, view: ResidentView) -> None:
        if ticket != self._ticket:
            return
        self._looking_up = False
        self._refusal = None
        self.resident.show_view(view)
        self.pages.setCurrentWidget(self.resident)
        if not self.idle.isActive():
            self.idle.start()
        if self._announce:  # a new scan's view, not one read again after an action
            self._announce = False
            self._say(self.resident.spoken_balance())
        self.resident_shown.emit()

    def _spoken(self, _ok: bool) -> None:
        if self.idle.isActive():
            self.idle.start()  # the whole wait again after listening, as after a touch

    def _card_refused(self, ticket: int, error: HeitjeError) -> None:
        if ticket == self._ticket:
            self._refuse(error)

    def _refuse(self, error: HeitjeError) -> None:
        """Home, with the refusal in words; the resident shown before (if any) is gone. The
        scan is not forgotten: a refused card held still is refused once."""
        away = self.pages.currentWidget() is not self.home
        self._reset()
        if away:
            self.went_home.emit()
        self._refusal = error
        self._show_home_message()
        self.idle.start()  # the refusal goes away by itself too

    def _acted(self, ticket: int, notice: Notice, *, refresh: bool = True) -> None:
        if ticket != self._ticket:
            return
        self._set_busy(False)
        self.resident.set_notice(notice)
        if refresh:
            self.refresh()

    def _action_refused(self, ticket: int, error: HeitjeError, *, refresh: bool = True) -> None:
        self._acted(
            ticket, ("refused", lambda: error.message(self._translations.lang)), refresh=refresh
        )

    def _on_snapshot(self, _event: object) -> None:
        self.refresh()  # the balance, the chores or the card itself may have changed

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.resident.set_busy(busy)

    def _show_home_message(self) -> None:
        if self._refusal is not None:
            message = self._refusal.message(self._translations.lang)
            show_message(self.home_message, message, "refused")
        elif self._looking_up:
            show_message(self.home_message, self.tr("Looking up your card…"))
        else:
            show_message(self.home_message, "")

    # -- the idle timer ----------------------------------------------------------------------

    def _idle_out(self) -> None:
        """Home after the wait without a touch. A resident listening is not idle (the whole page
        read aloud takes longer than the wait): the wait starts again, unless the speech has
        gone on longer than its words can take."""
        if self.speaker.is_speaking and self._listening.elapsed() < self._listen_ms:
            self.idle.start()
            return
        self.go_home()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any touch on this screen keeps a resident's page (or the keypad) open."""
        if self.idle.isActive() and touched_within(self, watched, event):
            self.idle.start()
        return False

    # -- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.speaker.stop()  # it spoke the other language
        self.instruction.setText(self.tr("Hold your card in front of the camera"))
        if not self._has_picture:
            if self._scan.camera is None:
                self.preview.setText(self.tr("There is no camera here. Type your card number."))
            else:
                self.preview.setText(self.tr("The camera is starting…"))
        self.preview.setAccessibleName(self.tr("Camera picture"))
        self.open_keypad.setText(self.tr("Type your card number"))
        self.open_keypad.setAccessibleName(self.tr("Type your card number on the screen"))
        self._show_home_message()
