"""The inspector's pages: locked (scan the staff card), the PIN, the claims marked done (each
with its chore, resident, check-in and check-out times, reward, and Approve / Reject), and the
reject page (a reason from the list, or typed). Each page shows what the screen hands it and
says what was touched; the screen (kiosk/ui/screens/inspector.py) runs the ops."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.errors import Lang
from kiosk.ops.inspector_results import REASON_MAX, ClaimToInspect, RejectReason
from kiosk.ops.words import DASH
from kiosk.ui.camera_preview import CameraPreview
from kiosk.ui.i18n import Retranslating
from kiosk.ui.screens.counter_pads import PinPad, amount_text, fill
from kiosk.ui.theme import show_message
from kiosk.ui.widgets import button, label, scroll_area

__all__ = [
    "InspectorClaimRow",
    "InspectorClaimsPage",
    "InspectorLockedPage",
    "InspectorPinPage",
    "InspectorRejectPage",
]


PREVIEW_W, PREVIEW_H = 320, 240


class InspectorLockedPage(Retranslating, QWidget):
    """Locked: scan a staff card (camera or hand scanner), or type its number."""

    typed = Signal(str)

    def __init__(self, *, camera: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = CameraPreview("inspector_preview", PREVIEW_W, PREVIEW_H)
        self.preview.setVisible(camera)  # no camera: no empty picture
        self.title = label("inspector_locked_title", size="title")
        self.hint = label("inspector_locked_hint")
        self.serial_label = label("inspector_serial_label")
        self.serial_input = QLineEdit()
        self.serial_input.setObjectName("inspector_serial_input")
        self.serial_label.setBuddy(self.serial_input)
        self.serial_go = button("inspector_serial_go")
        self.message = label("inspector_locked_message")
        self.message.setVisible(False)
        self.serial_input.returnPressed.connect(self._typed)
        self.serial_go.clicked.connect(self._typed)
        row = QHBoxLayout()
        row.addWidget(self.serial_input, 1)
        row.addWidget(self.serial_go)
        texts = QVBoxLayout()
        texts.addWidget(self.title)
        texts.addWidget(self.hint)
        texts.addSpacing(16)
        texts.addWidget(self.serial_label)
        texts.addLayout(row)
        texts.addWidget(self.message)
        texts.addStretch(1)
        box = QHBoxLayout(self)
        box.addLayout(texts, 1)
        box.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        self.retranslate()

    def show_frame(self, image: QImage) -> None:
        self.preview.show_frame(image)

    def _typed(self) -> None:
        text = self.serial_input.text()
        self.serial_input.clear()
        if text.strip():
            self.typed.emit(text)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Locked"))
        self.hint.setText(
            self.tr("Hold your staff card in front of the camera or scan it, then enter your PIN.")
        )
        self.serial_label.setText(self.tr("Or type the number of your staff card:"))
        self.serial_go.setText(self.tr("Next"))
        self.preview.setAccessibleName(self.tr("Camera picture"))


class InspectorPinPage(Retranslating, QWidget):
    """The staff member's PIN, on a keypad beside their name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.who = ""
        self.pad = PinPad()
        self.title = label("inspector_pin_title", size="title")
        self.message = label("inspector_pin_message")
        self.message.setVisible(False)
        self.go = button("inspector_pin_go", primary=True)
        self.cancel = button("inspector_pin_cancel")
        self.pad.changed.connect(lambda: self.go.setEnabled(self.pad.complete()))
        side = QVBoxLayout()
        side.addWidget(self.title)
        side.addWidget(self.message)
        side.addStretch(1)
        side.addWidget(self.go)
        side.addWidget(self.cancel)
        row = QHBoxLayout(self)
        row.addWidget(self.pad, 3)
        row.addLayout(side, 2)
        self.go.setEnabled(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(fill(self.tr("%1, enter your PIN"), self.who))
        self.go.setText(self.tr("Open"))
        self.cancel.setText(self.tr("Cancel"))


class InspectorClaimRow(Retranslating, QFrame):
    """One claim: chore and reward, resident, checked in and out; Approve and Reject."""

    approve = Signal(object)  # the ClaimToInspect
    reject = Signal(object)

    def __init__(
        self, claim: ClaimToInspect, lang: Callable[[], Lang], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.claim = claim
        self._lang = lang
        self.setObjectName("inspector_claim")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.chore = label("inspector_claim_chore")
        self.chore.setStyleSheet("font-weight: bold;")
        self.resident = label("inspector_claim_resident")
        self.times = label("inspector_claim_times")
        self.approve_button = button("inspector_approve", primary=True)
        self.reject_button = button("inspector_reject")
        self.approve_button.clicked.connect(lambda: self.approve.emit(self.claim))
        self.reject_button.clicked.connect(lambda: self.reject.emit(self.claim))
        texts = QVBoxLayout()
        texts.addWidget(self.chore)
        texts.addWidget(self.resident)
        texts.addWidget(self.times)
        buttons = QVBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        row = QHBoxLayout(self)
        row.addLayout(texts, 1)
        row.addLayout(buttons)
        self.retranslate()

    def set_enabled(self, enabled: bool) -> None:
        self.approve_button.setEnabled(enabled)
        self.reject_button.setEnabled(enabled)

    def retranslate(self) -> None:
        lang = self._lang()
        c = self.claim
        title = c.title.message(lang)
        self.chore.setText(fill(self.tr("%1 — reward %2"), title, amount_text(c.reward, lang)))
        self.resident.setText(fill(self.tr("Done by: %1"), c.resident_name))
        unknown = self.tr("not known")
        self.times.setText(
            fill(
                self.tr("Checked in: %1. Checked out: %2."),
                c.checked_in.message(lang) if c.checked_in else unknown,
                c.done.message(lang) if c.done else unknown,
            )
        )
        self.approve_button.setText(self.tr("Approve"))
        self.approve_button.setAccessibleName(
            fill(self.tr("Approve %1 by %2"), title, c.resident_name)
        )
        self.reject_button.setText(self.tr("Reject"))
        self.reject_button.setAccessibleName(
            fill(self.tr("Reject %1 by %2"), title, c.resident_name)
        )


class InspectorClaimsPage(Retranslating, QWidget):
    """The claims marked done, the longest waiting first, and what happened to the last one."""

    approve = Signal(object)
    reject = Signal(object)

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.claims: tuple[ClaimToInspect, ...] | None = None
        self.rows: list[InspectorClaimRow] = []
        self._enabled = True
        self.title = label("inspector_claims_title", size="title")
        self.notice = label("inspector_notice")
        self.notice.setVisible(False)
        self.empty = label("inspector_claims_empty", muted=True)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.notice)
        box.addWidget(self.empty)
        self.scroller = scroll_area(self._list)
        box.addWidget(self.scroller, 1)
        self.retranslate()

    def show_claims(self, claims: tuple[ClaimToInspect, ...]) -> None:
        self.claims = claims
        self.clear_rows()
        for claim in claims:
            view = InspectorClaimRow(claim, self._lang)
            view.approve.connect(self.approve)
            view.reject.connect(self.reject)
            view.set_enabled(self._enabled)
            self._list_layout.insertWidget(self._list_layout.count() - 1, view)
            view.show()
            self.rows.append(view)
        self.retranslate()

    def clear_rows(self) -> None:
        for view in self.rows:
            self._list_layout.removeWidget(view)
            view.deleteLater()
        self.rows = []

    def forget(self) -> None:
        """Locked: no resident's name stays in any widget."""
        self.claims = None
        self.clear_rows()
        show_message(self.notice, "")
        self.retranslate()

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        for view in self.rows:
            view.set_enabled(enabled)

    def row_of(self, claim_id: str) -> InspectorClaimRow | None:
        return next((r for r in self.rows if r.claim.claim_id == claim_id), None)

    def retranslate(self) -> None:
        self.scroller.verticalScrollBar().setAccessibleName(self.tr("Scroll up and down"))
        claims = self.claims
        if claims is None:
            self.title.setText(self.tr("Chores to inspect"))
            self.empty.setText(self.tr("Loading\u2026"))
            self.empty.setVisible(True)
            return
        self.title.setText(fill(self.tr("Chores to inspect: %1"), str(len(claims))))
        self.empty.setText(self.tr("No chores are waiting for inspection."))
        self.empty.setVisible(not claims)


def _ticked(choice: QPushButton, text: str) -> str:
    return f"\u2713 {text}" if choice.isChecked() else text  # ✓


class InspectorRejectPage(Retranslating, QWidget):
    """Why a claim is rejected: one reason from the list, or one typed."""

    def __init__(
        self,
        reasons: Sequence[RejectReason],
        lang: Callable[[], Lang],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._lang = lang
        self.reasons = tuple(reasons)
        self.claim: ClaimToInspect | None = None
        self.title = label("inspector_reject_title", size="title")
        self.about = label("inspector_reject_about")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.reason_buttons: list[QPushButton] = []
        for i, reason in enumerate(self.reasons):
            choice = button(f"inspector_reason_{reason.code}")
            choice.setCheckable(True)
            self.group.addButton(choice, i)
            self.reason_buttons.append(choice)
        self.other = button("inspector_reason_other")
        self.other.setCheckable(True)
        self.group.addButton(self.other, len(self.reasons))
        self.typed_label = label("inspector_reason_typed_label")
        self.typed = QLineEdit()
        self.typed.setObjectName("inspector_reason_typed")
        self.typed.setMaxLength(REASON_MAX)
        self.typed_label.setBuddy(self.typed)
        self.message = label("inspector_reject_message")
        self.message.setVisible(False)
        self.go = button("inspector_reject_go", primary=True)
        self.cancel = button("inspector_reject_cancel")
        self.group.buttonToggled.connect(lambda *_: self._update())
        self.typed.textChanged.connect(self._typed_changed)
        choices = QVBoxLayout()
        for choice in [*self.reason_buttons, self.other]:
            choices.addWidget(choice)
        choices.addWidget(self.typed_label)
        choices.addWidget(self.typed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.go)
        # the reasons scroll, the buttons stay: the page fits a small screen in any language
        inner = QWidget()
        body = QVBoxLayout(inner)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.about)
        body.addLayout(choices)
        body.addWidget(self.message)
        body.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        self.scroller = scroll_area(inner)
        box.addWidget(self.scroller, 1)
        box.addLayout(buttons)
        self.retranslate()

    def start(self, claim: ClaimToInspect) -> None:
        self.claim = claim
        self.group.setExclusive(False)
        for choice in self.group.buttons():
            choice.setChecked(False)
        self.group.setExclusive(True)
        self.typed.clear()
        show_message(self.message, "")
        self.retranslate()

    def forget(self) -> None:
        self.claim = None
        self.typed.clear()
        self.about.clear()

    def chosen(self) -> RejectReason | str | None:
        """The reason as the op takes it: one of the list's, the typed text, or None."""
        picked = self.group.checkedId()
        if 0 <= picked < len(self.reasons):
            return self.reasons[picked]
        if self.other.isChecked() and self.typed.text().strip():
            return self.typed.text()
        return None

    def _typed_changed(self, text: str) -> None:
        if text and not self.other.isChecked():
            self.other.setChecked(True)
        self._update()

    def _update(self) -> None:
        """The chosen reason carries a tick (not only a colour), and Reject waits for one."""
        lang = self._lang()
        for reason, choice in zip(self.reasons, self.reason_buttons, strict=True):
            choice.setText(_ticked(choice, reason.words.message(lang)))
        self.other.setText(_ticked(self.other, self.tr("Another reason (type it below)")))
        self.go.setEnabled(self.chosen() is not None)

    def retranslate(self) -> None:
        lang = self._lang()
        self.title.setText(self.tr("Why is it rejected?"))
        claim = self.claim
        self.about.setText(
            "" if claim is None else f"{claim.title.message(lang)}{DASH}{claim.resident_name}"
        )
        self.typed_label.setText(
            fill(self.tr("The reason (at most %1 characters):"), str(REASON_MAX))
        )
        self.go.setText(self.tr("Reject"))
        self.cancel.setText(self.tr("Cancel"))
        self.scroller.verticalScrollBar().setAccessibleName(self.tr("Scroll up and down"))
        self._update()
