"""The klusbox desk's home and resident pages. Each page keeps the result it shows and draws
itself from it in `retranslate()` (on a language change too); the screen
(kiosk/ui/screens/desk.py) calls the ops and wires the buttons.

Home: what to scan, a line for the outcome of the last action, the card number typed for a
card the scanner cannot read, and the desk's two lists: overdue boxes (most days first) and
boxes in maintenance. The resident's page: name, their boxes on loan, their chores with
check-in, and what to scan next (the box's label).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.errors import Lang
from kiosk.ops.desk_results import MaintenanceLine, OverdueLine
from kiosk.ops.results import ClaimLine, ResidentView
from kiosk.ops.words import DASH
from kiosk.ui import widgets
from kiosk.ui.camera_preview import CameraPreview
from kiosk.ui.i18n import Retranslating
from kiosk.ui.screens.resident_page import Notice, Section
from kiosk.ui.theme import show_message
from kiosk.ui.widgets import label, scroll_area

__all__ = ["DeskHomePage", "DeskResidentPage", "Notice", "button", "show_notice"]

BUTTON_H = 64


def button(name: str, *, primary: bool = False) -> QPushButton:
    """The desk's buttons: all of one height, large enough to touch at a busy desk."""
    return widgets.button(name, primary=primary, min_height=BUTTON_H)


def show_notice(widget: QLabel, notice: Notice | None) -> None:
    """The outcome line: its text in the language of the moment, in its tone; hidden if none."""
    if notice is None:
        show_message(widget, "")
        return
    tone, text = notice
    show_message(widget, text(), tone)


def name_scrollbars(scroller: QScrollArea, vertical: str, horizontal: str) -> None:
    scroller.verticalScrollBar().setAccessibleName(vertical)
    scroller.horizontalScrollBar().setAccessibleName(horizontal)


class DeskHomePage(Retranslating, QWidget):
    """What to scan, the outcome of the last action, and the desk's lists."""

    typed = Signal(str)  # a card number typed

    def __init__(
        self, lang: Callable[[], Lang], *, camera: bool = False, parent: QWidget | None = None
    ) -> None:
        """`camera`: the device has one; its live picture shows beside the instruction."""
        super().__init__(parent)
        self._lang = lang
        self.notice: Notice | None = None
        self.preview = CameraPreview("desk_preview", 240, 180)
        self.preview.setVisible(camera)  # no camera: no empty picture
        self.overdue_lines: tuple[OverdueLine, ...] = ()
        self.maintenance_lines: tuple[MaintenanceLine, ...] = ()
        self.title = label("desk_title", size="title")
        self.instruction = label("desk_instruction", size="huge")
        self.instruction.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label("desk_message")
        self.message.hide()
        self.serial_input = QLineEdit()
        self.serial_input.setObjectName("desk_serial_input")
        self.serial_go = button("desk_serial_go")
        self.serial_input.returnPressed.connect(self._typed)
        self.serial_go.clicked.connect(self._typed)
        self.overdue = Section("desk_overdue")
        self.maintenance = Section("desk_maintenance")

        lists = QWidget()
        lists.setObjectName("desk_lists")
        columns = QHBoxLayout(lists)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.overdue)
        left.addStretch(1)
        right.addWidget(self.maintenance)
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addSpacing(24)
        columns.addLayout(right, 1)
        self.scroller = scroll_area(lists, name="desk_lists_scroller", sideways=True)
        typing = QHBoxLayout()
        typing.addWidget(self.serial_input, 1)
        typing.addWidget(self.serial_go)
        scanning = QHBoxLayout()
        scanning.addWidget(self.instruction, 1)
        scanning.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignVCenter)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addLayout(scanning)
        box.addWidget(self.message)
        box.addLayout(typing)
        box.addWidget(self.scroller, 1)
        self.retranslate()

    def set_notice(self, notice: Notice | None) -> None:
        self.notice = notice
        show_notice(self.message, notice)

    def show_lists(
        self,
        overdue: tuple[OverdueLine, ...] | None = None,
        maintenance: tuple[MaintenanceLine, ...] | None = None,
    ) -> None:
        if overdue is not None:
            self.overdue_lines = overdue
        if maintenance is not None:
            self.maintenance_lines = maintenance
        self._fill()

    def _typed(self) -> None:
        text = self.serial_input.text()
        self.serial_input.clear()
        if text.strip():
            self.typed.emit(text)

    def _fill(self) -> None:
        lang = self._lang()
        self.overdue.clear()
        self.maintenance.clear()
        for x in self.overdue_lines:
            row = label(f"overdue_{x.loan_id}", tone="warning")
            row.setText(x.words.message(lang))
            self.overdue.add(row)
        for b in self.maintenance_lines:
            row = label(f"maintenance_{b.klusbox_id}")
            row.setText(b.words.message(lang))
            self.maintenance.add(row)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Klusbox desk"))
        self.instruction.setText(self.tr("Scan a resident's card or a klusbox label"))
        self.preview.setAccessibleName(self.tr("Camera picture"))
        self.serial_input.setPlaceholderText(self.tr("Or type the card number"))
        self.serial_input.setAccessibleName(self.tr("Card or label number"))
        self.serial_go.setText(self.tr("Look up"))
        self.overdue.heading.setText(self.tr("Overdue klusboxes"))
        self.overdue.empty.setText(self.tr("No klusbox is overdue."))
        self.maintenance.heading.setText(self.tr("In maintenance"))
        self.maintenance.empty.setText(self.tr("No klusbox is in maintenance."))
        name_scrollbars(
            self.scroller, self.tr("Scroll up and down"), self.tr("Scroll left and right")
        )
        show_notice(self.message, self.notice)
        self._fill()


class DeskResidentPage(Retranslating, QWidget):
    """The resident whose card was scanned: their boxes, their chores, what to scan next."""

    check_in = Signal(object)  # the ClaimLine

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.view: ResidentView | None = None
        self.notice: Notice | None = None
        self._busy = False
        self.name = label("desk_resident_name", size="title")
        self.hint = label("desk_resident_hint")
        self.late = label("desk_resident_late", tone="warning")
        self.late.hide()
        self.loans = Section("desk_resident_loans")
        self.chores = Section("desk_resident_chores")
        self.message = label("desk_resident_message")
        self.message.hide()
        self.done = button("desk_resident_done", primary=True)
        content = QWidget()
        content.setObjectName("desk_resident_content")
        col = QVBoxLayout(content)
        col.addWidget(self.loans)
        col.addWidget(self.chores)
        col.addStretch(1)
        self.scroller = scroll_area(content, name="desk_resident_scroller", sideways=True)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.done)
        box = QVBoxLayout(self)
        box.addWidget(self.name)
        box.addWidget(self.hint)
        box.addWidget(self.late)
        box.addWidget(self.scroller, 1)
        box.addWidget(self.message)
        box.addLayout(bottom)
        self.retranslate()

    def show_view(self, view: ResidentView) -> None:
        self.view = view
        self._fill()

    def set_notice(self, notice: Notice | None) -> None:
        self.notice = notice
        show_notice(self.message, notice)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for b in self.findChildren(QPushButton):
            if b is not self.done:
                b.setEnabled(not busy)

    def clear(self) -> None:
        self.view = None
        self.notice = None
        self.loans.clear()
        self.chores.clear()
        self.name.clear()
        self.late.hide()
        show_notice(self.message, None)

    def _fill(self) -> None:
        view = self.view
        self.loans.clear()
        self.chores.clear()
        if view is None:
            return
        lang = self._lang()
        self.name.setText(view.name)
        late = [x for x in view.loans if x.overdue]
        self.late.setVisible(bool(late))
        for loan in view.loans:
            row = label(f"desk_loan_{loan.loan_id}", tone="warning" if loan.overdue else None)
            row.setText(loan.words.message(lang))
            self.loans.add(row)
        for claim in view.my_chores:
            self.chores.add(self._claim_row(claim, lang))
        self.set_busy(self._busy)

    def _claim_row(self, claim: ClaimLine, lang: Lang) -> QWidget:
        row = QWidget()
        row.setObjectName(f"desk_claim_{claim.claim_id}")
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        title = claim.title_en if lang == "en" and claim.title_en else claim.title
        text = label(f"desk_claim_text_{claim.claim_id}")
        text.setText(f"{title}{DASH}{claim.status_words.message(lang)}")
        box.addWidget(text, 1)
        if claim.can_check_in:
            go = button(f"desk_check_in_{claim.claim_id}")
            go.setText(self.tr("Check in"))
            go.setAccessibleName(self.tr("Check in for %1").replace("%1", title))
            go.clicked.connect(lambda _=False, c=claim: self.check_in.emit(c))
            box.addWidget(go)
        return row

    def retranslate(self) -> None:
        self.hint.setText(self.tr("Scan the klusbox label to lend it or take it back."))
        self.late.setText(
            self.tr("This resident has a klusbox that is overdue. A new loan needs a staff card.")
        )
        self.loans.heading.setText(self.tr("Klusboxes on loan"))
        self.loans.empty.setText(self.tr("No klusbox on loan."))
        self.chores.heading.setText(self.tr("Chores"))
        self.chores.empty.setText(self.tr("No chores."))
        self.done.setText(self.tr("Done"))
        self.done.setAccessibleName(self.tr("Done, back to the start"))
        name_scrollbars(
            self.scroller, self.tr("Scroll up and down"), self.tr("Scroll left and right")
        )
        show_notice(self.message, self.notice)
        self._fill()
