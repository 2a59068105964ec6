"""The resident's page of the kiosk: what one scan shows, with nothing more to touch.

Name and neighbourhood, the balance in large type, the latest transactions in words, the
resident's own chores (where each stands, check-in / check-out when the chore is on now), the
chores open for sign-up, the tools on loan (a late one marked), a notice line for the outcome
of the last action, "Lees voor" (the balance, the transactions and the open chores read aloud:
`spoken_text()` takes them from the widgets, so what is said is what is shown), "Saldo-overzicht
printen" (only with a printer) and "Klaar".

The page only shows: its buttons emit what was touched and `ResidentKioskScreen` calls the ops.
It keeps the `ResidentView` it shows, to say it again in the other language; `clear()` drops
it and deletes every row, so nothing personal is left in any widget.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from kiosk.core.amounts import format_amount
from kiosk.core.errors import Lang
from kiosk.ops.results import ChoreLine, ClaimLine, ResidentView
from kiosk.ops.words import DASH, date_words
from kiosk.ui.i18n import Retranslating
from kiosk.ui.theme import show_message

__all__ = ["Notice", "ResidentPage", "Section"]

Notice = tuple[str, Callable[[], str]]  # tone, the text in the language of the moment


class Section(QWidget):
    """A heading and its rows; `clear()` deletes the rows (and what they showed)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.heading = QLabel()
        self.heading.setProperty("text_size", "title")
        self.heading.setWordWrap(True)
        self.empty = QLabel()
        self.empty.setProperty("muted", True)
        self.empty.setWordWrap(True)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(8)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 12)
        box.addWidget(self.heading)
        box.addLayout(self.rows)
        box.addWidget(self.empty)

    def add(self, row: QWidget) -> None:
        self.rows.addWidget(row)
        row.show()  # at once, not at the layout's next turn: the page is complete when filled
        self.empty.hide()

    def clear(self) -> None:
        while (item := self.rows.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
                widget.setParent(None)
        self.empty.show()

    def texts(self) -> list[str]:
        """What the section shows, a line each: its heading, then each row's words (without its
        buttons), or the line saying it is empty."""
        lines = [self.heading.text()]
        for i in range(self.rows.count()):
            item = self.rows.itemAt(i)
            row = item.widget() if item is not None else None
            if row is None:
                continue
            label = row if isinstance(row, QLabel) else row.findChild(QLabel)
            if label is not None:
                lines.append(label.text())
        if self.empty.isVisibleTo(self):
            lines.append(self.empty.text())
        return [line for line in lines if line.strip()]


def _line(text: str, tone: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if tone is not None:
        label.setProperty("tone", tone)
    return label


class ResidentPage(Retranslating, QWidget):
    sign_up = Signal(object)  # the ChoreLine touched
    check_in = Signal(object)  # the ClaimLine
    check_out = Signal(object)  # the ClaimLine

    def __init__(
        self, lang: Callable[[], Lang], *, can_print: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resident_page")
        self._lang = lang
        self.view: ResidentView | None = None
        self._notice: Notice | None = None
        self._busy = False
        self._can_speak = True
        self.name = QLabel()
        self.name.setObjectName("resident_name")
        self.name.setProperty("text_size", "title")
        self.name.setWordWrap(True)
        self.place = QLabel()
        self.place.setObjectName("resident_place")
        self.place.setProperty("muted", True)
        self.balance_caption = QLabel()
        self.balance = QLabel()
        self.balance.setObjectName("balance")
        self.balance.setProperty("text_size", "huge")
        self.flagged = QLabel()
        self.flagged.setObjectName("flagged")
        self.flagged.setProperty("tone", "warning")
        self.flagged.setWordWrap(True)
        self.flagged.hide()
        self.history = Section("history")
        self.my_chores = Section("my_chores")
        self.open_chores = Section("open_chores")
        self.loans = Section("loans")
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.print_slip = QPushButton()
        self.print_slip.setObjectName("print_slip")
        self.print_slip.setMinimumHeight(64)
        self.print_slip.setVisible(can_print)
        self.read_aloud = QPushButton()
        self.read_aloud.setObjectName("read_aloud")
        self.read_aloud.setMinimumHeight(64)
        self.done = QPushButton()
        self.done.setObjectName("done")
        self.done.setProperty("kind", "primary")
        self.done.setMinimumSize(200, 64)

        left = QVBoxLayout()
        for widget in (self.name, self.place, self.balance_caption, self.balance, self.flagged):
            left.addWidget(widget)
        left.addWidget(self.history)
        left.addStretch(1)
        right = QVBoxLayout()
        for section in (self.my_chores, self.open_chores, self.loans):
            right.addWidget(section)
        right.addStretch(1)
        content = QWidget()
        content.setObjectName("resident_content")
        columns = QHBoxLayout(content)
        columns.addLayout(left, 1)
        columns.addSpacing(24)
        columns.addLayout(right, 1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(content)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        bottom = QHBoxLayout()
        bottom.addWidget(self.read_aloud)
        bottom.addWidget(self.print_slip)
        bottom.addStretch(1)
        bottom.addWidget(self.done)
        box = QVBoxLayout(self)
        box.addWidget(self.scroller, 1)
        box.addWidget(self.notice)
        box.addLayout(bottom)
        self.retranslate()

    # -- what the screen does with it --------------------------------------------------------

    def show_view(self, view: ResidentView) -> None:
        self.view = view
        self._fill()

    def set_notice(self, notice: Notice | None) -> None:
        self._notice = notice
        self._show_notice()

    def set_busy(self, busy: bool) -> None:
        """One action at a time: the action buttons wait for the one being written."""
        self._busy = busy
        for button in self.findChildren(QPushButton):
            if button is not self.done and button is not self.read_aloud:
                button.setEnabled(not busy)
        self.read_aloud.setEnabled(self._can_speak)  # reading aloud writes nothing

    def set_can_speak(self, can: bool) -> None:
        """Whether this device can read aloud; when not, the button says so (and is off)."""
        self._can_speak = can
        self.read_aloud.setEnabled(can)
        self._say_read_aloud()

    def spoken_balance(self) -> str:
        """The balance as shown: its caption and the amount (and the warning when shown)."""
        lines = [self.balance_caption.text(), self.balance.text()]
        if self.flagged.isVisibleTo(self):
            lines.append(self.flagged.text())
        return "\n".join(line for line in lines if line.strip())

    def spoken_text(self) -> str:
        """What "Read aloud" says: the balance, the latest transactions and the open chores,
        a line for each line on screen, taken from the widgets (so in the screen's language);
        "" when no resident is shown."""
        if self.view is None:
            return ""
        lines = [self.spoken_balance(), *self.history.texts(), *self.open_chores.texts()]
        return "\n".join(lines)

    def clear(self) -> None:
        """Drop the view and empty every widget that showed it."""
        self.view = None
        self._notice = None
        self._clear_rows()
        for label in (self.name, self.place, self.balance, self.notice):
            label.clear()
        self.flagged.hide()
        self.notice.hide()
        self.scroller.verticalScrollBar().setValue(0)
        self.set_busy(False)

    # -- filling -----------------------------------------------------------------------------

    def _fill(self) -> None:
        view = self.view
        if view is None:
            return
        lang = self._lang()
        self._clear_rows()
        self.name.setText(view.name)
        self.place.setText(view.neighbourhood)
        self.balance.setText("" if view.balance is None else format_amount(view.balance, lang))
        self.flagged.setVisible(view.flagged)
        for line in view.history:
            when = date_words(line.at_ms).message(lang)
            self.history.add(_line(f"{when}{DASH}{line.words.message(lang)}"))
        for claim in view.my_chores:
            self.my_chores.add(self._claim_row(claim, lang))
        for chore in view.open_chores:
            self.open_chores.add(self._chore_row(chore, lang))
        for loan in view.loans:
            self.loans.add(_line(loan.words.message(lang), "warning" if loan.overdue else None))
        self.set_busy(self._busy)
        self._show_notice()

    def _chore_row(self, chore: ChoreLine, lang: Lang) -> QWidget:
        row = QWidget()
        row.setObjectName(f"chore_{chore.chore_id}")
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(_line(chore.words.message(lang)), 1)
        if chore.places_left > 0:
            button = QPushButton(self.tr("Sign up"))
            button.setObjectName(f"sign_up_{chore.chore_id}")
            button.setAccessibleName(self.tr("Sign up for %1").replace("%1", chore.title))
            button.clicked.connect(lambda _=False, c=chore: self.sign_up.emit(c))
            box.addWidget(button)
        return row

    def _claim_row(self, claim: ClaimLine, lang: Lang) -> QWidget:
        row = QWidget()
        row.setObjectName(f"claim_{claim.claim_id}")
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(_line(f"{claim.title}{DASH}{claim.status_words.message(lang)}"), 1)
        if claim.can_check_in:
            button = QPushButton(self.tr("Check in"))
            button.setObjectName(f"check_in_{claim.claim_id}")
            button.setAccessibleName(self.tr("Check in for %1").replace("%1", claim.title))
            button.clicked.connect(lambda _=False, c=claim: self.check_in.emit(c))
            box.addWidget(button)
        if claim.can_check_out:
            button = QPushButton(self.tr("Check out"))
            button.setObjectName(f"check_out_{claim.claim_id}")
            button.setAccessibleName(self.tr("Check out of %1").replace("%1", claim.title))
            button.clicked.connect(lambda _=False, c=claim: self.check_out.emit(c))
            box.addWidget(button)
        return row

    def _clear_rows(self) -> None:
        for section in (self.history, self.my_chores, self.open_chores, self.loans):
            section.clear()

    def _show_notice(self) -> None:
        if self._notice is None:
            show_message(self.notice, "")
            return
        tone, text = self._notice
        show_message(self.notice, text(), tone)

    # -- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.balance_caption.setText(self.tr("Your balance"))
        self.flagged.setText(
            self.tr("Your balance is below zero. You can pay again when it is above zero.")
        )
        self.history.heading.setText(self.tr("Latest transactions"))
        self.history.empty.setText(self.tr("No transactions yet."))
        self.my_chores.heading.setText(self.tr("Your chores"))
        self.my_chores.empty.setText(self.tr("You have no chores yet."))
        self.open_chores.heading.setText(self.tr("Chores you can sign up for"))
        self.open_chores.empty.setText(self.tr("There are no open chores right now."))
        self.loans.heading.setText(self.tr("Tools you have borrowed"))
        self.loans.empty.setText(self.tr("You have not borrowed anything."))
        self.print_slip.setText(self.tr("Print balance slip"))
        self._say_read_aloud()
        self.done.setText(self.tr("Done"))
        self.done.setAccessibleName(self.tr("Done, back to the start"))
        self.scroller.verticalScrollBar().setAccessibleName(self.tr("Scroll up and down"))
        self.scroller.horizontalScrollBar().setAccessibleName(self.tr("Scroll left and right"))
        self._fill()  # the rows, in the new language

    def _say_read_aloud(self) -> None:
        if self._can_speak:
            self.read_aloud.setText(self.tr("Read aloud"))
            self.read_aloud.setAccessibleName(
                self.tr("Read aloud: your balance, transactions and open chores")
            )
        else:
            self.read_aloud.setText(self.tr("Read aloud is not available here"))
            self.read_aloud.setAccessibleName(self.tr("Read aloud is not available on this kiosk"))
