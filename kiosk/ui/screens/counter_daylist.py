"""The counter's day: today's payments and refunds with where each stands (and a refund button
on each payment that can still be refunded), the day's total, and the end-of-day summary.

These pages only show what the ops returned (`DayList`, `DaySummary`); the counter screen
asks for them and hands them over."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QLocale, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.entries import Kind
from kiosk.core.errors import Lang
from kiosk.ops.results import DayList, DayRow, DaySummary
from kiosk.ui.i18n import Retranslating
from kiosk.ui.screens.counter_pads import amount_text, fill
from kiosk.ui.theme import repolish
from kiosk.ui.widgets import scroll_area

__all__ = ["DayPage", "DayRowView", "SummaryPage"]


class DayRowView(Retranslating, QWidget):
    """One line of the day: time, what it was in words, its status, and "Refund" when a
    payment still has something left to refund."""

    refund = Signal(object)  # the DayRow

    def __init__(
        self, row: DayRow, lang: Callable[[], Lang], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.row = row
        self._lang = lang
        self.what = QLabel()
        self.what.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("day_row_status")
        if row.status == "refused":
            self.status.setProperty("tone", "refused")
        elif row.status == "waiting":
            self.status.setProperty("muted", True)
        self.refund_button: QPushButton | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.what, 1)
        layout.addWidget(self.status)
        if row.refundable > 0 and row.kind is Kind.SPEND:
            self.refund_button = QPushButton()
            self.refund_button.setObjectName("day_row_refund")
            self.refund_button.clicked.connect(lambda: self.refund.emit(self.row))
            layout.addWidget(self.refund_button)
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        row = self.row
        when = (
            fill(self.tr("%1 (earlier day)"), row.time_text) if row.earlier_day else row.time_text
        )
        self.what.setText(f"{when}  {row.words.message(lang)}")
        if row.status == "refused":
            self.status.setText(self.tr("Refused"))
        elif row.status == "sent":
            self.status.setText(self.tr("Sent"))
        else:
            self.status.setText(self.tr("Waiting to be sent"))
        if self.refund_button is not None:
            self.refund_button.setText(self.tr("Refund"))
            self.refund_button.setAccessibleName(
                fill(
                    self.tr("Refund the payment of %1 at %2"),
                    amount_text(row.amount, lang),
                    row.time_text,
                )
            )


class DayPage(Retranslating, QWidget):
    """Today's list and total."""

    refund = Signal(object)  # a DayRow to refund
    back = Signal()
    summary = Signal()

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.day: DayList | None = None
        self.rows: list[DayRowView] = []
        self.title = QLabel()
        self.title.setProperty("text_size", "title")
        self.totals = QLabel()
        self.totals.setObjectName("day_totals")
        self.totals.setWordWrap(True)
        self.empty = QLabel()
        self.empty.setProperty("muted", True)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.addStretch(1)
        self.back_button = QPushButton()
        self.back_button.setObjectName("day_back")
        self.summary_button = QPushButton()
        self.summary_button.setObjectName("day_summary")
        self.back_button.clicked.connect(self.back)
        self.summary_button.clicked.connect(self.summary)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.totals)
        layout.addWidget(self.empty)
        layout.addWidget(scroll_area(self._list), 1)
        layout.addLayout(buttons)
        self.retranslate()

    def show_day(self, day: DayList) -> None:
        self.day = day
        for view in self.rows:
            self._list_layout.removeWidget(view)
            view.deleteLater()
        self.rows = []
        for row in reversed(day.rows):  # the newest on top: what was just paid is first
            view = DayRowView(row, self._lang)
            view.refund.connect(self.refund)
            self._list_layout.insertWidget(self._list_layout.count() - 1, view)
            view.show()  # now, not on the layout's next turn: the list is complete when shown
            self.rows.append(view)
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        self.back_button.setText(self.tr("Back"))
        self.summary_button.setText(self.tr("End of day"))
        self.empty.setText(self.tr("No payments yet today."))
        day = self.day
        self.empty.setVisible(day is not None and not day.rows)
        if day is None:
            self.title.setText(self.tr("Today"))
            self.totals.setText(self.tr("Loading\u2026"))
            return
        date = QDate.fromString(day.day, "yyyy-MM-dd")
        shown = (
            QLocale().toString(date, QLocale.FormatType.LongFormat) if date.isValid() else day.day
        )
        self.title.setText(fill(self.tr("Today, %1"), shown))
        t = day.totals
        text = fill(
            self.tr("Payments: %1, together %2. Refunds: %3, together %4. Total: %5."),
            str(t.payments),
            amount_text(t.paid, lang),
            str(t.refunds),
            amount_text(t.refunded, lang),
            amount_text(t.net, lang),
        )
        if t.refused:
            text += " " + fill(
                self.tr("Refused by the server: %1 (%2)."),
                str(t.refused),
                amount_text(t.refused_amount, lang),
            )
        if t.waiting:
            text += " " + fill(self.tr("Not sent yet: %1."), str(t.waiting))
        self.totals.setText(text)


class SummaryPage(Retranslating, QWidget):
    """The end-of-day summary, line by line as the ops word it."""

    back = Signal()

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.summary: DaySummary | None = None
        self.title = QLabel()
        self.title.setProperty("text_size", "title")
        self.lines: list[QLabel] = []
        self._body = QWidget()
        self._body_layout = QVBoxLayout(self._body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._body_layout.addStretch(1)
        self.back_button = QPushButton()
        self.back_button.setObjectName("summary_back")
        self.back_button.clicked.connect(self.back)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(scroll_area(self._body), 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    def show_summary(self, summary: DaySummary) -> None:
        self.summary = summary
        for label in self.lines:
            self._body_layout.removeWidget(label)
            label.deleteLater()
        count = len(summary.words) + len(summary.refused_rows)
        self.lines = [QLabel() for _ in range(count)]
        for i, label in enumerate(self.lines):
            label.setWordWrap(True)
            if i >= len(summary.words):
                label.setProperty("tone", "refused")
                repolish(label)
            self._body_layout.insertWidget(self._body_layout.count() - 1, label)
            label.show()
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        self.back_button.setText(self.tr("Back"))
        self.title.setText(self.tr("End of day"))
        summary = self.summary
        if summary is None:
            return
        texts = [w.message(lang) for w in summary.words]
        texts += [f"{r.time_text}  {r.words.message(lang)}" for r in summary.refused_rows]
        for label, text in zip(self.lines, texts, strict=True):
            label.setText(text)
