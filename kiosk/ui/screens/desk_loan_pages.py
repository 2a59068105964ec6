"""The klusbox desk's pages for one box: lend it (the components ticked, the due date), the
staff override for a resident with an overdue box (staff card, then PIN), and take it back
(the components ticked back, the condition, a note). Each keeps what it shows and draws it in
`retranslate()`; the screen (kiosk/ui/screens/desk.py) calls the ops."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.days import local
from kiosk.core.errors import HeitjeError, Lang
from kiosk.ops.desk_results import BoxView, LoanPlan
from kiosk.ops.staff import STAFF_ROLE_NAMES, StaffMember
from kiosk.ops.words import date_words
from kiosk.ui.i18n import Retranslating
from kiosk.ui.screens.counter_pads import PinPad, fill
from kiosk.ui.screens.desk_pages import Notice, button, show_notice
from kiosk.ui.widgets import label

__all__ = ["CONDITIONS", "LendPage", "OverridePage", "ReturnPage", "shift_days"]

CONDITIONS = ("good", "worn", "damaged")  # kiosk/db/loan_queries.py's, in the order shown


def shift_days(ms: int, days: int) -> int:
    """The same local time of day, `days` later (or earlier): a due date moved by the picker."""
    return int((local(ms) + dt.timedelta(days=days)).timestamp() * 1000)


def _refusal(error: HeitjeError | None, lang: Lang) -> Notice | None:
    if error is None:
        return None
    return ("refused", lambda: error.message(lang))


class _Ticks(QWidget):
    """A checkbox for each component line of a box; `picked()` the indexes ticked."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.boxes: list[tuple[int, QCheckBox]] = []
        self._col = QVBoxLayout(self)
        self._col.setContentsMargins(0, 0, 0, 0)

    def show_lines(self, lines: Sequence[tuple[int, str]], ticked: bool) -> None:
        self.clear()
        for i, text in lines:
            box = QCheckBox(text)
            box.setObjectName(f"{self.objectName()}_{i}")
            box.setChecked(ticked)
            self._col.addWidget(box)
            box.show()
            self.boxes.append((i, box))

    def picked(self) -> list[int]:
        return [i for i, box in self.boxes if box.isChecked()]

    def clear(self) -> None:
        for _, box in self.boxes:
            box.hide()
            box.deleteLater()
            box.setParent(None)
        self.boxes = []


class LendPage(Retranslating, QWidget):
    """The box for the resident: what goes out (all ticked), until when, and Lend."""

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.plan: LoanPlan | None = None
        self.due_at = 0
        self.error: HeitjeError | None = None
        self.busy = False
        self.title = label("lend_title", size="title")
        self.who = label("lend_who")
        self.late = label("lend_late", tone="warning")
        self.late.hide()
        self.ticks_heading = label("lend_ticks_heading")
        self.ticks = _Ticks("lend_component")
        self.due = label("lend_due", size="title")
        self.earlier = button("lend_earlier")
        self.later = button("lend_later")
        self.check_in = QCheckBox()
        self.check_in.setObjectName("lend_check_in")
        self.check_in.hide()
        self.message = label("lend_message")
        self.message.hide()
        self.go = button("lend_go", primary=True)
        self.override = button("lend_override")
        self.override.hide()
        self.cancel = button("lend_cancel")
        self.earlier.clicked.connect(lambda: self.move_due(-1))
        self.later.clicked.connect(lambda: self.move_due(1))
        due_row = QHBoxLayout()
        due_row.addWidget(self.due, 1)
        due_row.addWidget(self.earlier)
        due_row.addWidget(self.later)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.override)
        buttons.addWidget(self.go)
        col = QVBoxLayout(self)
        for w in (self.title, self.who, self.late, self.ticks_heading, self.ticks):
            col.addWidget(w)
        col.addLayout(due_row)
        col.addWidget(self.check_in)
        col.addStretch(1)
        col.addWidget(self.message)
        col.addLayout(buttons)
        self.retranslate()

    def show_plan(self, plan: LoanPlan) -> None:
        self.plan = plan
        self.due_at = plan.due_at
        self.error = None
        self.busy = False
        box = plan.box
        self.ticks.show_lines(list(enumerate(box.components)), ticked=True)
        self.check_in.setChecked(plan.can_check_in)
        self.retranslate()

    def move_due(self, days: int) -> None:
        self.due_at = shift_days(self.due_at, days)
        self.retranslate()

    def show_error(self, error: HeitjeError | None) -> None:
        self.error = error
        self.busy = False
        self.retranslate()

    def clear(self) -> None:
        self.plan = None
        self.error = None
        self.busy = False
        self.ticks.clear()
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        plan = self.plan
        self.ticks_heading.setText(self.tr("Tick what you hand out:"))
        self.earlier.setText(self.tr("One day earlier"))
        self.later.setText(self.tr("One day later"))
        self.go.setText(self.tr("Lend"))
        self.override.setText(self.tr("Staff card"))
        self.override.setAccessibleName(self.tr("Lend anyway with a staff card"))
        self.cancel.setText(self.tr("Cancel"))
        if plan is None:
            self.title.clear()
            self.who.clear()
            self.due.clear()
            self.late.hide()
            self.check_in.hide()
            show_notice(self.message, None)
            return
        self.title.setText(plan.box.name)
        self.who.setText(fill(self.tr("For %1"), plan.resident_name))
        self.due.setText(fill(self.tr("Due back on %1"), date_words(self.due_at).message(lang)))
        late = ", ".join(x.box_name for x in plan.overdue)
        self.late.setText(
            fill(
                self.tr("%1 still has an overdue klusbox: %2. Lending needs a staff card."),
                plan.resident_name,
                late,
            )
        )
        self.late.setVisible(plan.needs_override)
        title = plan.chore_title.message(lang) if plan.chore_title is not None else ""
        self.check_in.setText(fill(self.tr("Also check in for: %1"), title))
        self.check_in.setVisible(plan.can_check_in)
        refused_overdue = self.error is not None and self.error.code == "resident_overdue"
        self.override.setVisible(plan.needs_override or refused_overdue)
        if self.busy:
            show_notice(self.message, ("", lambda: self.tr("Lending\u2026")))
        else:
            show_notice(self.message, _refusal(self.error, lang))
        for w in (self.go, self.override, self.cancel, self.earlier, self.later):
            w.setEnabled(not self.busy)


class OverridePage(Retranslating, QWidget):
    """A staff member allows the loan: their staff card scanned, then their PIN."""

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.member: StaffMember | None = None
        self.error: HeitjeError | None = None
        self.busy = False
        self.resident = ""
        self.title = label("override_title", size="title")
        self.hint = label("override_hint")
        self.staff = label("override_staff", size="title")
        self.pad = PinPad()
        self.message = label("override_message")
        self.message.hide()
        self.go = button("override_go", primary=True)
        self.cancel = button("override_cancel")
        self.pad.changed.connect(self.retranslate)
        side = QVBoxLayout()
        for w in (self.title, self.hint, self.staff, self.message):
            side.addWidget(w)
        side.addStretch(1)
        side.addWidget(self.go)
        side.addWidget(self.cancel)
        row = QHBoxLayout(self)
        row.addWidget(self.pad, 3)
        row.addLayout(side, 2)
        self.retranslate()

    def start(self, resident: str) -> None:
        self.resident = resident
        self.member = None
        self.error = None
        self.busy = False
        self.pad.clear()
        self.retranslate()

    def show_member(self, member: StaffMember) -> None:
        self.member = member
        self.error = None
        self.pad.clear()
        self.retranslate()

    def show_error(self, error: HeitjeError | None) -> None:
        self.error = error
        self.busy = False
        self.pad.clear()
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        member = self.member
        self.title.setText(fill(self.tr("Lend to %1 with a staff card"), self.resident))
        if member is None:
            self.hint.setText(self.tr("Scan the staff card of the staff member who allows it."))
            self.staff.clear()
            self.staff.hide()
        else:
            nl, en = STAFF_ROLE_NAMES.get(member.role, (member.role, member.role))
            self.hint.setText(self.tr("Let the staff member type their PIN, then touch Lend."))
            self.staff.setText(f"{member.name} ({nl if lang == 'nl' else en})")
            self.staff.show()
        for key in (*self.pad.digits.values(), self.pad.delete):
            key.setEnabled(member is not None and not self.busy)
        self.go.setText(self.tr("Lend"))
        self.go.setEnabled(member is not None and self.pad.complete() and not self.busy)
        self.cancel.setText(self.tr("Cancel"))
        self.cancel.setEnabled(not self.busy)
        if self.busy:
            show_notice(self.message, ("", lambda: self.tr("Lending\u2026")))
        else:
            show_notice(self.message, _refusal(self.error, lang))


class ReturnPage(Retranslating, QWidget):
    """A box coming back: tick what came back, its condition, a note, and Take back."""

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.box: BoxView | None = None
        self.error: HeitjeError | None = None
        self.busy = False
        self.title = label("return_title", size="title")
        self.who = label("return_who")
        self.late = label("return_late", tone="warning")
        self.late.hide()
        self.ticks_heading = label("return_ticks_heading")
        self.ticks = _Ticks("return_component")
        self.condition_heading = label("return_condition_heading")
        self.conditions: dict[str, QRadioButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        condition_row = QHBoxLayout()
        for name in CONDITIONS:
            radio = QRadioButton()
            radio.setObjectName(f"return_condition_{name}")
            self._group.addButton(radio)
            self.conditions[name] = radio
            condition_row.addWidget(radio)
        condition_row.addStretch(1)
        self.note = QLineEdit()
        self.note.setObjectName("return_note")
        self.note.setMaxLength(200)
        self.message = label("return_message")
        self.message.hide()
        self.go = button("return_go", primary=True)
        self.cancel = button("return_cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.go)
        col = QVBoxLayout(self)
        for w in (self.title, self.who, self.late, self.ticks_heading, self.ticks):
            col.addWidget(w)
        col.addWidget(self.condition_heading)
        col.addLayout(condition_row)
        col.addWidget(self.note)
        col.addStretch(1)
        col.addWidget(self.message)
        col.addLayout(buttons)
        self.retranslate()

    def show_box(self, box: BoxView) -> None:
        self.box = box
        self.error = None
        self.busy = False
        loan = box.loan
        out = loan.handed_out if loan is not None else ()
        self.ticks.show_lines([(i, box.components[i]) for i in out], ticked=False)
        self.conditions["good"].setChecked(True)
        self.note.clear()
        self.retranslate()

    def condition(self) -> str:
        return next((name for name, radio in self.conditions.items() if radio.isChecked()), "")

    def show_error(self, error: HeitjeError | None) -> None:
        self.error = error
        self.busy = False
        self.retranslate()

    def clear(self) -> None:
        self.box = None
        self.error = None
        self.busy = False
        self.ticks.clear()
        self.note.clear()
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        self.ticks_heading.setText(self.tr("Tick what came back:"))
        self.condition_heading.setText(self.tr("Condition of the klusbox:"))
        texts = {
            "good": self.tr("Good"),
            "worn": self.tr("Worn"),
            "damaged": self.tr("Damaged, needs repair"),
        }
        for name, radio in self.conditions.items():
            radio.setText(texts[name])
        self.note.setPlaceholderText(self.tr("Note: what is missing or broken (optional)"))
        self.note.setAccessibleName(self.tr("Note"))
        self.go.setText(self.tr("Take back"))
        self.cancel.setText(self.tr("Cancel"))
        box = self.box
        loan = box.loan if box is not None else None
        if box is None or loan is None:
            self.title.clear()
            self.who.clear()
            self.late.hide()
            show_notice(self.message, None)
            return
        self.title.setText(box.name)
        self.who.setText(box.status_words.message(lang))
        if loan.overdue:
            self.late.setText(fill(self.tr("Days overdue: %1"), str(loan.days_overdue)))
        self.late.setVisible(loan.overdue)
        if self.busy:
            show_notice(self.message, ("", lambda: self.tr("Taking back\u2026")))
        else:
            show_notice(self.message, _refusal(self.error, lang))
        for w in (self.go, self.cancel):
            w.setEnabled(not self.busy)
