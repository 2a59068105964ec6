"""The klusbox desk at the neighbourhood centre, scanner first: scan the resident's card, scan
the box's label, check what goes out and the due date, Lend. A label of a box on loan opens
its return: tick back what came back, the condition, a note, Take back (anything missing or
broken puts the box in maintenance). Home lists the overdue boxes (most days first) and the
boxes in maintenance. A resident with an overdue box gets a new one only when a staff member
scans their staff card and types their PIN; the loan entry names the staff card. The resident's
page checks them in for their chore (and the lend page can do it with the loan).

Every action is one op of `device.desk` (kiosk/ops/desk.py) with a success and a failure
callback, so the GUI thread never waits; refusals show as their words. Answers carry the
ticket of the flow they belong to: one that arrives after Done or Cancel is dropped.

    screen = DeskScreen(device, scan, translations, bridge)
    screen.set_active(True)      # while it is the screen in front: scans reach it

The pages are in desk_pages.py (home, resident) and desk_loan_pages.py (lend, override, return).
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from kiosk.core.cards import CardKind, serial_kind
from kiosk.core.errors import HeitjeError, Lang
from kiosk.ops.desk import OVERRIDE_ROLES, DeskOps
from kiosk.ops.desk_results import BoxView, Lent, LoanPlan, MaintenanceLine, OverdueLine, Returned
from kiosk.ops.device import Device
from kiosk.ops.results import ClaimLine, ClaimStep, ResidentView
from kiosk.ops.staff import StaffMember
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Retranslating, Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.counter_pads import fill
from kiosk.ui.screens.desk_loan_pages import LendPage, OverridePage, ReturnPage
from kiosk.ui.screens.desk_pages import DeskHomePage, DeskResidentPage, Notice

__all__ = ["DeskScreen", "Page"]


class Page(Enum):
    HOME = "home"
    RESIDENT = "resident"
    LEND = "lend"
    OVERRIDE = "override"
    RETURN = "return"


def _kind(serial: str) -> CardKind | None:
    try:
        return serial_kind(serial)
    except HeitjeError:
        return None  # not one of our serial forms (an old card): the resident look-up says


class DeskScreen(Retranslating, QWidget):
    page_shown = Signal(object)  # the Page, right after it is filled and in front
    lists_shown = Signal()  # the overdue and maintenance lists, read again and on screen

    def __init__(
        self,
        device: Device,
        scan: ScanInput,
        translations: Translations,
        bridge: Bridge,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if device.desk is None:
            raise ValueError(f"a {device.role} device has no klusbox desk")
        self.setObjectName("klusbox_desk")
        self._device = device
        self._ops: DeskOps = device.desk
        self._scan = scan
        self._translations = translations
        self._active = False
        self._ticket = 0
        self._busy = False  # an op of the flow is in flight: scans and touches wait
        self._resident: ResidentView | None = None
        self._pending_label: str | None = None  # a free box scanned before the resident
        self._lists_loading = 0  # list reads in flight
        self._lists_again = False

        self.home = DeskHomePage(self._lang, camera=device.scan.source is not None)
        self.resident = DeskResidentPage(self._lang)
        self.lend_page = LendPage(self._lang)
        self.override_page = OverridePage(self._lang)
        self.return_page = ReturnPage(self._lang)
        self.pages: dict[Page, QWidget] = {
            Page.HOME: self.home,
            Page.RESIDENT: self.resident,
            Page.LEND: self.lend_page,
            Page.OVERRIDE: self.override_page,
            Page.RETURN: self.return_page,
        }
        self.stack = QStackedWidget()
        for page, widget in self.pages.items():
            widget.setObjectName(f"desk_page_{page.value}")
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.home.typed.connect(self._scan.typed)
        self.resident.check_in.connect(self.check_in)
        self.resident.done.clicked.connect(self.go_home)
        self.lend_page.go.clicked.connect(self.lend)
        self.lend_page.override.clicked.connect(self.start_override)
        self.lend_page.cancel.clicked.connect(self._back_from_box)
        self.override_page.go.clicked.connect(self.lend_with_override)
        self.override_page.cancel.clicked.connect(self._back_to_lend)
        self.return_page.go.clicked.connect(self.take_back)
        self.return_page.cancel.clicked.connect(self._back_from_box)
        bridge.ledger_appended.connect(self._books_changed)
        bridge.snapshot_applied.connect(self._books_changed)
        self.retranslate()
        self.show_page(Page.HOME)

    def _lang(self) -> Lang:
        return self._translations.lang

    # -- the contract with the shell -----------------------------------------------------------

    @property
    def page(self) -> Page:
        current = self.stack.currentWidget()
        return next(page for page, widget in self.pages.items() if widget is current)

    def set_active(self, active: bool) -> None:
        if active == self._active:
            return
        self._active = active
        if active:
            self._scan.card.connect(self.on_card)
            self._scan.refused.connect(self.on_refused)
            self._scan.frame.connect(self.on_frame)
            self.load_lists()
        else:
            self._scan.card.disconnect(self.on_card)
            self._scan.refused.disconnect(self.on_refused)
            self._scan.frame.disconnect(self.on_frame)
            self.go_home()

    def show_page(self, page: Page) -> None:
        self.stack.setCurrentWidget(self.pages[page])
        self.page_shown.emit(page)

    def go_home(self) -> None:
        """Back to the start, with nothing of the last resident left on screen."""
        self._ticket += 1
        self._busy = False
        self._resident = None
        self._pending_label = None
        self.resident.clear()
        self.lend_page.clear()
        self.return_page.clear()
        self.override_page.start("")
        self._scan.forget()
        self.show_page(Page.HOME)
        self.load_lists()

    # -- scans ---------------------------------------------------------------------------------

    def on_card(self, serial: str) -> None:
        """A checked scan: a resident's card, a klusbox label or (for an override) a staff
        card. One scan, one action; none while an op is in flight or a box is on screen."""
        if self._busy or self.page in (Page.LEND, Page.RETURN):
            return
        kind = _kind(serial)
        if self.page is Page.OVERRIDE:
            if kind is CardKind.STAFF:
                self._identify_staff(serial)
            return
        if kind is CardKind.KLUSBOX:
            self._show_box(serial)
        elif kind is CardKind.STAFF:
            self._notice(
                (
                    "warning",
                    lambda: self.tr(
                        "A staff card is only needed to lend to a resident with an overdue klusbox."
                    ),
                )
            )
        else:
            self._show_resident(serial)

    def on_frame(self, image: QImage) -> None:
        """The camera's live picture, on the home page only."""
        if self.page is Page.HOME and self.home.preview.isVisible():
            self.home.preview.show_frame(image)

    def on_refused(self, error: object) -> None:
        if not isinstance(error, HeitjeError) or self._busy:
            return
        if self.page is Page.OVERRIDE:
            self.override_page.show_error(error)
        elif self.page in (Page.HOME, Page.RESIDENT):
            self._notice(("refused", lambda: error.message(self._lang())))

    def _notice(self, notice: Notice) -> None:
        if self.page is Page.RESIDENT:
            self.resident.set_notice(notice)
        else:
            self.home.set_notice(notice)

    def _start(self) -> int:
        self._busy = True
        self._ticket += 1
        return self._ticket

    def _current(self, ticket: int) -> bool:
        if ticket != self._ticket:
            return False
        self._busy = False
        return True

    def _failed(self, ticket: int, error: HeitjeError) -> None:
        if self._current(ticket):
            self._notice(("refused", lambda: error.message(self._lang())))

    # -- a resident ----------------------------------------------------------------------------

    def _show_resident(self, serial: str) -> None:
        ticket = self._start()
        self._ops.show_resident(serial).success(
            lambda view: self._resident_shown(ticket, view)
        ).failure(lambda error: self._failed(ticket, error))

    def _resident_shown(
        self, ticket: int, view: ResidentView, *, keep_notice: bool = False
    ) -> None:
        if not self._current(ticket):
            return
        self._resident = view
        if not keep_notice:
            self.resident.set_notice(None)
        self.resident.show_view(view)
        self.home.set_notice(None)
        self.show_page(Page.RESIDENT)
        pending, self._pending_label = self._pending_label, None
        if pending is not None:
            self._show_box(pending)

    def check_in(self, claim: ClaimLine) -> None:
        resident = self._resident
        if resident is None or self._busy:
            return
        ticket = self._start()
        self.resident.set_busy(True)

        def done(_step: ClaimStep) -> None:
            if ticket != self._ticket:
                return
            title = claim.title_en if self._lang() == "en" and claim.title_en else claim.title
            self.resident.set_busy(False)
            self.resident.set_notice(
                ("ok", lambda: fill(self.tr("%1 is checked in for: %2"), resident.name, title))
            )
            self._reread_resident(ticket)

        def refused(error: HeitjeError) -> None:
            if ticket == self._ticket:
                self.resident.set_busy(False)
                self._failed(ticket, error)

        self._ops.check_in(resident.card_serial, claim.claim_id).success(done).failure(refused)

    def _reread_resident(self, ticket: int) -> None:
        resident = self._resident
        if resident is None:
            return
        self._ops.show_resident(resident.card_serial).success(
            lambda view: self._resident_shown(ticket, view, keep_notice=True)
        ).failure(lambda error: self._failed(ticket, error))

    # -- a box ---------------------------------------------------------------------------------

    def _show_box(self, label_serial: str) -> None:
        ticket = self._start()
        self._ops.show_box(label_serial).success(
            lambda view: self._box_shown(ticket, view)
        ).failure(lambda error: self._failed(ticket, error))

    def _box_shown(self, ticket: int, view: BoxView) -> None:
        if not self._current(ticket):
            return
        if view.status == "lent":
            self.return_page.show_box(view)
            self.show_page(Page.RETURN)
        elif view.status == "maintenance":
            self._notice(
                (
                    "warning",
                    lambda: fill(self.tr("%1 is in maintenance and cannot be lent."), view.name),
                )
            )
        elif self._resident is not None:
            self._prepare(self._resident.card_serial, view.label_serial)
        else:
            self._pending_label = view.label_serial
            self.home.set_notice(
                (
                    "",
                    lambda: fill(
                        self.tr("%1 is available. Scan the card of the resident who borrows it."),
                        view.name,
                    ),
                )
            )

    def _prepare(self, card_serial: str, label_serial: str) -> None:
        ticket = self._start()
        self._ops.prepare_loan(card_serial, label_serial).success(
            lambda plan: self._planned(ticket, plan)
        ).failure(lambda error: self._failed(ticket, error))

    def _planned(self, ticket: int, plan: LoanPlan) -> None:
        if not self._current(ticket):
            return
        self.lend_page.show_plan(plan)
        self.show_page(Page.LEND)

    def _back_from_box(self) -> None:
        """Cancel on a box's page: back to the resident shown, else home."""
        if self._busy:
            return
        self._ticket += 1
        self.lend_page.clear()
        self.return_page.clear()
        if self._resident is not None:
            self.show_page(Page.RESIDENT)
        else:
            self.go_home()

    # -- lending -------------------------------------------------------------------------------

    def lend(self) -> None:
        self._lend(None, None)

    def start_override(self) -> None:
        plan = self.lend_page.plan
        if plan is None or self._busy:
            return
        self.override_page.start(plan.resident_name)
        self._scan.forget()  # the staff card may have been shown a moment ago
        self.show_page(Page.OVERRIDE)

    def _back_to_lend(self) -> None:
        if self._busy:
            return
        self._ticket += 1
        self.override_page.start("")
        self.show_page(Page.LEND)

    def _identify_staff(self, serial: str) -> None:
        ticket = self._start()

        def found(member: StaffMember) -> None:
            if self._current(ticket):
                self.override_page.show_member(member)

        def refused(error: HeitjeError) -> None:
            if self._current(ticket):
                self.override_page.show_error(error)

        self._device.staff.identify(serial, OVERRIDE_ROLES).success(found).failure(refused)

    def lend_with_override(self) -> None:
        member = self.override_page.member
        if member is None or not self.override_page.pad.complete():
            return
        self._lend(member.card_serial, self.override_page.pad.pin)

    def _lend(self, staff_serial: str | None, staff_pin: str | None) -> None:
        plan = self.lend_page.plan
        if plan is None or self._busy:
            return
        page = self.override_page if staff_serial is not None else self.lend_page
        ticket = self._start()
        page.busy = True
        page.retranslate()

        def refused(error: HeitjeError) -> None:
            if self._current(ticket):
                page.show_error(error)

        self._ops.lend(
            plan.card_serial,
            plan.box.label_serial,
            handed_out=self.lend_page.ticks.picked(),
            due_at=self.lend_page.due_at,
            claim_id=plan.claim_id,
            check_in=self.lend_page.check_in.isVisibleTo(self.lend_page)
            and self.lend_page.check_in.isChecked(),
            staff_serial=staff_serial,
            staff_pin=staff_pin,
        ).success(lambda lent: self._lent(ticket, lent)).failure(refused)

    def _lent(self, ticket: int, lent: Lent) -> None:
        if not self._current(ticket):
            return
        lang = self._lang

        def text() -> str:
            said = lent.words.message(lang())
            if lent.override_name:
                said += " " + fill(self.tr("Allowed by %1 with a staff card."), lent.override_name)
            if lent.checked_in:
                said += " " + self.tr("The resident is checked in for the chore.")
            return said

        self.go_home()
        self.home.set_notice(("ok", text))

    # -- taking back ---------------------------------------------------------------------------

    def take_back(self) -> None:
        box = self.return_page.box
        if box is None or self._busy:
            return
        ticket = self._start()
        page = self.return_page
        page.busy = True
        page.retranslate()

        def refused(error: HeitjeError) -> None:
            if self._current(ticket):
                page.show_error(error)

        self._ops.take_back(
            box.label_serial,
            returned=page.ticks.picked(),
            condition=page.condition(),
            note=page.note.text(),
        ).success(lambda back: self._returned(ticket, back)).failure(refused)

    def _returned(self, ticket: int, back: Returned) -> None:
        if not self._current(ticket):
            return
        self.go_home()
        tone = "warning" if back.to_maintenance else "ok"
        self.home.set_notice((tone, lambda: back.words.message(self._lang())))

    # -- the desk's lists ----------------------------------------------------------------------

    def load_lists(self) -> None:
        """Read the overdue and maintenance lists again (once more if asked meanwhile)."""
        if self._lists_loading:
            self._lists_again = True
            return
        self._lists_loading = 2
        self._ops.overdue().success(self._overdue_read).failure(self._list_failed)
        self._ops.maintenance().success(self._maintenance_read).failure(self._list_failed)

    def _overdue_read(self, lines: tuple[OverdueLine, ...]) -> None:
        self.home.show_lists(overdue=lines)
        self._list_done()

    def _maintenance_read(self, lines: tuple[MaintenanceLine, ...]) -> None:
        self.home.show_lists(maintenance=lines)
        self._list_done()

    def _list_failed(self, error: HeitjeError) -> None:
        self.home.set_notice(("refused", lambda: error.message(self._lang())))
        self._list_done()

    def _list_done(self) -> None:
        self._lists_loading -= 1
        if self._lists_loading:
            return
        if self._lists_again:
            self._lists_again = False
            self.load_lists()
        else:
            self.lists_shown.emit()

    def _books_changed(self, _event: object) -> None:
        if self._active:
            self.load_lists()

    def retranslate(self) -> None:
        pass  # every page says its own texts
