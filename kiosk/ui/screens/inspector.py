"""The inspector (a laptop or tablet): locked until an inspector's staff card is scanned and
its holder's PIN entered; then the claims marked done in the device's neighbourhoods, each with
the chore, the resident, the check-in and check-out times and the reward, to approve (this
device records the earn, exactly the chore's reward) or reject with a reason from a list or
typed. Today's decisions, with where each stands, and what the server refused of them, with
the reason. "Lock" locks it again, and so does a few minutes without a touch.

Everything goes through `device.inspector` (kiosk/ops/inspector.py): one op per touch, its
outcome shown as it comes (`error.message(lang)` for a refusal); the GUI thread never waits.
Works offline like every device: decisions are entries, and the sync sends them when it can.

    screen = InspectorScreen(device, scan, translations, bridge)
    screen.set_active(True)      # while it is the screen in front: scans reach it
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.core.errors import HeitjeError, Lang
from kiosk.ops.device import Device
from kiosk.ops.events import RefusalsArrived
from kiosk.ops.inspector import InspectorOps
from kiosk.ops.inspector_results import (
    Approved,
    ClaimToInspect,
    Decided,
    InspectorSession,
    RefusedDecision,
    Rejected,
)
from kiosk.sync.refusals import Words
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Retranslating, Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.counter_pads import fill
from kiosk.ui.screens.inspector_lists import InspectorDecidedPage, InspectorRefusedPage
from kiosk.ui.screens.inspector_pages import (
    InspectorClaimsPage,
    InspectorLockedPage,
    InspectorPinPage,
    InspectorRejectPage,
)
from kiosk.ui.theme import show_message
from kiosk.ui.touches import touched_within
from kiosk.ui.widgets import button, label

__all__ = ["IDLE_MS", "InspectorScreen", "Page"]

IDLE_MS: Final = 5 * 60_000  # a laptop left alone locks itself
# A refusal of the PIN that the PIN page keeps showing (another try is possible).
PIN_CODES: Final = frozenset({"pin_wrong"})


class Page(Enum):
    LOCKED = "locked"
    PIN = "pin"
    CLAIMS = "claims"
    REJECT = "reject"
    DECIDED = "decided"
    REFUSED = "refused"


UNLOCKED_PAGES: Final = frozenset({Page.CLAIMS, Page.REJECT, Page.DECIDED, Page.REFUSED})


class InspectorScreen(Retranslating, QWidget):
    unlocked = Signal()
    locked = Signal()
    decided = Signal(object)  # the Approved or Rejected, once it is on screen

    def __init__(
        self,
        device: Device,
        scan: ScanInput,
        translations: Translations,
        bridge: Bridge,
        *,
        idle_ms: int = IDLE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if device.inspector is None:
            raise ValueError(f"a {device.role} device has no inspector")
        self.setObjectName("inspector")
        self._device = device
        self._ops: InspectorOps = device.inspector
        self._scan = scan
        self._translations = translations
        self._active = False
        self._ticket = 0  # bumped on lock: an outcome on its way is then dropped
        self._busy = False  # a decision is being written
        self._card: InspectorSession | None = None  # scanned, PIN not yet given
        self._session: InspectorSession | None = None
        self._notice: Words | HeitjeError | None = None  # on the claims page
        self._lock_error: HeitjeError | None = None  # on the lock page
        self._pin_error: HeitjeError | None = None  # on the PIN page
        self._loading: set[Page] = set()
        self._refused_count = 0  # on the button to the refused list
        self._again: set[Page] = set()

        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(idle_ms)
        self.idle.timeout.connect(self.lock)
        self._build()
        bridge.ledger_appended.connect(self._on_books_changed)
        bridge.refusals_arrived.connect(self._on_books_changed)
        bridge.snapshot_applied.connect(self._on_books_changed)
        self.retranslate()
        self.show_page(Page.LOCKED)

    def _lang(self) -> Lang:
        return self._translations.lang

    def _build(self) -> None:
        lang = self._lang
        self.heading = label("inspector_heading", size="title")
        self.who = label("inspector_who", muted=True)
        self.to_claims = button("inspector_to_claims")
        self.to_decided = button("inspector_to_decided")
        self.to_refused = button("inspector_to_refused")
        self.lock_button = button("inspector_lock")
        self.locked_page = InspectorLockedPage(camera=self._scan.camera is not None)
        self.pin_page = InspectorPinPage()
        self.claims_page = InspectorClaimsPage(lang)
        self.reject_page = InspectorRejectPage(self._ops.reasons, lang)
        self.decided_page = InspectorDecidedPage(lang)
        self.refused_page = InspectorRefusedPage(lang)
        self.pages: dict[Page, QWidget] = {
            Page.LOCKED: self.locked_page,
            Page.PIN: self.pin_page,
            Page.CLAIMS: self.claims_page,
            Page.REJECT: self.reject_page,
            Page.DECIDED: self.decided_page,
            Page.REFUSED: self.refused_page,
        }
        self.stack = QStackedWidget()
        for page, widget in self.pages.items():
            widget.setObjectName(f"inspector_page_{page.value}")
            self.stack.addWidget(widget)

        self.locked_page.typed.connect(self._scan.typed)
        self.pin_page.go.clicked.connect(self._sign_in)
        self.pin_page.cancel.clicked.connect(self.lock)
        self.claims_page.approve.connect(self.approve)
        self.claims_page.reject.connect(self.start_reject)
        self.reject_page.go.clicked.connect(self._reject)
        self.reject_page.cancel.clicked.connect(lambda: self.show_page(Page.CLAIMS))
        self.to_claims.clicked.connect(lambda: self.show_page(Page.CLAIMS))
        self.to_decided.clicked.connect(lambda: self.show_page(Page.DECIDED))
        self.to_refused.clicked.connect(lambda: self.show_page(Page.REFUSED))
        self.lock_button.clicked.connect(self.lock)

        top = QHBoxLayout()
        names = QVBoxLayout()
        names.addWidget(self.heading)
        names.addWidget(self.who)
        top.addLayout(names, 1)
        top.addWidget(self.lock_button)
        self.nav = QWidget()
        nav = QHBoxLayout(self.nav)
        nav.setContentsMargins(0, 0, 0, 0)
        for b in (self.to_claims, self.to_decided, self.to_refused):
            nav.addWidget(b)
        nav.addStretch(1)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.nav)
        box.addWidget(self.stack, 1)

    # -- the contract --------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        current = self.stack.currentWidget()
        return next(page for page, widget in self.pages.items() if widget is current)

    def set_active(self, active: bool) -> None:
        """Take scans while this is the screen in front; leaving it locks it."""
        if active == self._active:
            return
        self._active = active
        scan, app = self._scan, QApplication.instance()
        if active:
            scan.card.connect(self.on_card)
            scan.refused.connect(self.on_refused)
            scan.frame.connect(self._on_frame)
            if app is not None:
                app.installEventFilter(self)
        else:
            scan.card.disconnect(self.on_card)
            scan.refused.disconnect(self.on_refused)
            scan.frame.disconnect(self._on_frame)
            if app is not None:
                app.removeEventFilter(self)
            self.lock()

    def show_page(self, page: Page) -> None:
        if page in UNLOCKED_PAGES and self._session is None:
            page = Page.LOCKED
        if page is not Page.PIN:
            self.pin_page.pad.clear()
        self.stack.setCurrentWidget(self.pages[page])
        if page in (Page.CLAIMS, Page.DECIDED, Page.REFUSED):
            self._load(page)
        self._render()

    # -- locking and unlocking -----------------------------------------------------------------

    def on_card(self, serial: str) -> None:
        """A scanned (or typed) card: while locked, whose staff card it is; the PIN next."""
        if self.page not in (Page.LOCKED, Page.PIN):
            return
        ticket = self._ticket
        self._ops.identify(serial).success(lambda who: self._identified(ticket, who)).failure(
            lambda error: self._card_refused(ticket, error)
        )

    def on_refused(self, error: HeitjeError) -> None:
        if self.page in (Page.LOCKED, Page.PIN):
            self._card_refused(self._ticket, error)

    def _identified(self, ticket: int, who: InspectorSession) -> None:
        if ticket != self._ticket or self.page not in (Page.LOCKED, Page.PIN):
            return
        self._card = who
        self.pin_page.who = who.name
        self._lock_error = self._pin_error = None
        self.show_page(Page.PIN)

    def _card_refused(self, ticket: int, error: HeitjeError) -> None:
        if ticket != self._ticket:
            return
        self._card = None
        self._lock_error, self._pin_error = error, None
        self.show_page(Page.LOCKED)

    def _sign_in(self) -> None:
        card, pad = self._card, self.pin_page.pad
        if card is None or not pad.complete():
            return
        pin = pad.pin
        pad.clear()
        ticket = self._ticket
        self.pin_page.go.setEnabled(False)
        self._ops.sign_in(card.card_serial, pin).success(
            lambda session: self._signed_in(ticket, session)
        ).failure(lambda error: self._pin_refused(ticket, error))

    def _signed_in(self, ticket: int, session: InspectorSession) -> None:
        if ticket != self._ticket:
            self._ops.lock()
            return
        self._session, self._card = session, None
        self._notice = self._lock_error = self._pin_error = None
        self.idle.start()
        self.show_page(Page.CLAIMS)
        self._load(Page.REFUSED)  # how many: on the button to the list
        self.unlocked.emit()

    def _pin_refused(self, ticket: int, error: HeitjeError) -> None:
        if ticket != self._ticket:
            return
        if error.code in PIN_CODES:
            self._pin_error = error
            self._render()
            return
        self._card_refused(ticket, error)

    def lock(self) -> None:
        """Lock now: the ops' session is closed, and no resident's name stays on screen."""
        self._ops.lock()
        self._ticket += 1
        self.idle.stop()
        was_open = self._session is not None
        self._session = self._card = None
        self.pin_page.who = ""
        self._refused_count = 0
        self._busy = False
        self._notice = self._lock_error = self._pin_error = None
        self._scan.forget()
        self.claims_page.forget()
        self.reject_page.forget()
        self.decided_page.clear_rows()
        self.refused_page.clear_rows()
        self.show_page(Page.LOCKED)
        if was_open:
            self.locked.emit()

    # -- deciding ------------------------------------------------------------------------------

    def approve(self, claim: ClaimToInspect) -> None:
        if self._busy or self._session is None:
            return
        self._set_busy(True)
        ticket = self._ticket
        self._ops.approve(claim.claim_id).success(lambda done: self._decided(ticket, done)).failure(
            lambda error: self._decision_refused(ticket, error)
        )

    def start_reject(self, claim: ClaimToInspect) -> None:
        if self._busy or self._session is None:
            return
        self.reject_page.start(claim)
        self.show_page(Page.REJECT)

    def _reject(self) -> None:
        claim, reason = self.reject_page.claim, self.reject_page.chosen()
        if self._busy or self._session is None or claim is None or reason is None:
            return
        self._set_busy(True)
        ticket = self._ticket
        self._ops.reject(claim.claim_id, reason).success(
            lambda done: self._decided(ticket, done)
        ).failure(lambda error: self._reject_refused(ticket, error))

    def _decided(self, ticket: int, done: Approved | Rejected) -> None:
        if ticket != self._ticket:
            return
        self._set_busy(False)
        self._notice = done.words
        self.show_page(Page.CLAIMS)
        self.decided.emit(done)

    def _decision_refused(self, ticket: int, error: HeitjeError) -> None:
        if ticket != self._ticket:
            return
        self._set_busy(False)
        self._notice = error
        self.show_page(Page.CLAIMS)

    def _reject_refused(self, ticket: int, error: HeitjeError) -> None:
        if ticket != self._ticket:
            return
        self._set_busy(False)
        show_message(self.reject_page.message, error.message(self._lang()), "refused")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.claims_page.set_enabled(not busy)
        self.reject_page.go.setEnabled(not busy and self.reject_page.chosen() is not None)

    # -- the lists -----------------------------------------------------------------------------

    def _on_books_changed(self, event: object) -> None:
        if self._session is None:
            return
        if self.page in (Page.CLAIMS, Page.DECIDED, Page.REFUSED):
            self._load(self.page)
        if isinstance(event, RefusalsArrived) and self.page is not Page.REFUSED:
            self._load(Page.REFUSED)

    def _on_frame(self, image: QImage) -> None:
        if self.page is Page.LOCKED:
            self.locked_page.show_frame(image)

    def _load(self, page: Page) -> None:
        """Read a list again; one read at a time, and one more if the books changed meanwhile."""
        if self._session is None:
            return
        if page in self._loading:
            self._again.add(page)
            return
        self._loading.add(page)
        ticket = self._ticket

        def landed() -> bool:
            self._loading.discard(page)
            if page in self._again:
                self._again.discard(page)
                self._load(page)
            return ticket == self._ticket

        def failed(error: HeitjeError) -> None:
            if landed():
                self._notice = error
                self._render()

        def claims(rows: tuple[ClaimToInspect, ...]) -> None:
            if landed():
                self.claims_page.show_claims(rows)
                self.claims_page.set_enabled(not self._busy)

        def decided(rows: tuple[Decided, ...]) -> None:
            if landed():
                self.decided_page.show_rows(rows)

        def refused(rows: tuple[RefusedDecision, ...]) -> None:
            if landed():
                self._refused_count = len(rows)
                self.refused_page.show_rows(rows)
                self._render()

        if page is Page.CLAIMS:
            self._ops.claims().success(claims).failure(failed)
        elif page is Page.DECIDED:
            self._ops.decided_today().success(decided).failure(failed)
        else:
            self._ops.refused().success(refused).failure(failed)

    # -- idle ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any touch on this screen keeps it open."""
        if self.idle.isActive() and touched_within(self, watched, event):
            self.idle.start()
        return False

    # -- texts ---------------------------------------------------------------------------------

    def _render(self) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        session = self._session
        self.heading.setText(self.tr("Inspection of chores"))
        self.who.setText(fill(self.tr("Signed in: %1"), session.name) if session else "")
        self.who.setVisible(session is not None)
        self.lock_button.setText(self.tr("Lock"))
        self.lock_button.setAccessibleName(self.tr("Lock the screen"))
        self.lock_button.setVisible(session is not None)
        self.nav.setVisible(session is not None)
        self.to_claims.setText(self.tr("To inspect"))
        self.to_decided.setText(self.tr("Decided today"))
        count = self._refused_count
        self.to_refused.setText(
            fill(self.tr("Refused by the server (%1)"), str(count))
            if count
            else self.tr("Refused by the server")
        )
        for b, page in (
            (self.to_claims, Page.CLAIMS),
            (self.to_decided, Page.DECIDED),
            (self.to_refused, Page.REFUSED),
        ):
            b.setEnabled(self.page is not page)
        notice = self._notice
        if notice is None:
            show_message(self.claims_page.notice, "")
        elif isinstance(notice, HeitjeError):
            show_message(self.claims_page.notice, notice.message(lang), "refused")
        else:
            show_message(self.claims_page.notice, notice.message(lang), "ok")
        for where, error in (
            (self.locked_page.message, self._lock_error),
            (self.pin_page.message, self._pin_error),
        ):
            show_message(where, error.message(lang) if error else "", "refused")
        self.pin_page.go.setEnabled(self.pin_page.pad.complete())
