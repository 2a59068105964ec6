"""The inspector's two lists: today's decisions of this device (each with where it stands:
waiting to be sent, sent, refused), and what the server refused of them, each with its reason
in words (kiosk/sync/refusals.py, as the counter's day list shows a refused payment)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.core.errors import Lang
from kiosk.ops.inspector_results import Decided, RefusedDecision
from kiosk.ui.i18n import Retranslating
from kiosk.ui.theme import repolish
from kiosk.ui.widgets import label, scroll_area

__all__ = [
    "InspectorDecidedPage",
    "InspectorDecidedRow",
    "InspectorRefusedPage",
    "InspectorRefusedRow",
]


class _ListPage(QWidget):
    """A title, a line for an empty list, and rows in a scroll area."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.title = label(f"{name}_title", size="title")
        self.empty = label(f"{name}_empty", muted=True)
        self.rows: list[QWidget] = []
        self.loaded = False
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.empty)
        self.scroller = scroll_area(self._list)
        box.addWidget(self.scroller, 1)

    def _replace(self, views: list[QWidget]) -> None:
        self.clear_rows()
        for view in views:
            self._list_layout.insertWidget(self._list_layout.count() - 1, view)
            view.show()
        self.rows = views
        self.loaded = True

    def clear_rows(self) -> None:
        for view in self.rows:
            self._list_layout.removeWidget(view)
            view.deleteLater()
        self.rows = []
        self.loaded = False


class InspectorDecidedRow(Retranslating, QWidget):
    def __init__(self, row: Decided, lang: Callable[[], Lang]) -> None:
        super().__init__()
        self.row = row
        self._lang = lang
        self.what = label("inspector_decided_what")
        self.status = label("inspector_decided_status")
        if row.status == "refused":
            self.status.setProperty("tone", "refused")
        elif row.status == "waiting":
            self.status.setProperty("muted", True)
        line = QHBoxLayout(self)
        line.setContentsMargins(4, 4, 4, 4)
        line.addWidget(self.what, 1)
        line.addWidget(self.status)
        self.retranslate()

    def retranslate(self) -> None:
        row = self.row
        self.what.setText(f"{row.time_text}  {row.words.message(self._lang())}")
        if row.status == "refused":
            self.status.setText(self.tr("Refused"))
        elif row.status == "sent":
            self.status.setText(self.tr("Sent"))
        else:
            self.status.setText(self.tr("Waiting to be sent"))


class InspectorDecidedPage(Retranslating, _ListPage):
    """Today's approvals and rejections on this device, the newest first."""

    def __init__(self, lang: Callable[[], Lang]) -> None:
        super().__init__("inspector_decided")
        self._lang = lang
        self.retranslate()

    def show_rows(self, rows: tuple[Decided, ...]) -> None:
        self._replace([InspectorDecidedRow(r, self._lang) for r in rows])
        self.retranslate()

    def views(self) -> list[InspectorDecidedRow]:
        return [r for r in self.rows if isinstance(r, InspectorDecidedRow)]

    def retranslate(self) -> None:
        self.title.setText(self.tr("Decided today"))
        self.scroller.verticalScrollBar().setAccessibleName(self.tr("Scroll up and down"))
        self.empty.setText(
            self.tr("Nothing decided yet today.") if self.loaded else self.tr("Loading\u2026")
        )
        self.empty.setVisible(not self.rows)


class InspectorRefusedRow(Retranslating, QWidget):
    def __init__(self, row: RefusedDecision, lang: Callable[[], Lang]) -> None:
        super().__init__()
        self.row = row
        self._lang = lang
        self.about = label("inspector_refused_about")
        self.about.setStyleSheet("font-weight: bold;")
        self.words = label("inspector_refused_words")
        self.words.setProperty("tone", "refused")
        repolish(self.words)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.about)
        box.addWidget(self.words)
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        row = self.row
        when = row.when.message(lang)
        self.about.setText(f"{when}: {row.about.message(lang)}" if row.about else when)
        self.words.setText(row.words.message(lang))


class InspectorRefusedPage(Retranslating, _ListPage):
    """The decisions (and earns) of this device the server refused, with the reason."""

    def __init__(self, lang: Callable[[], Lang]) -> None:
        super().__init__("inspector_refused")
        self._lang = lang
        self.retranslate()

    def show_rows(self, rows: tuple[RefusedDecision, ...]) -> None:
        self._replace([InspectorRefusedRow(r, self._lang) for r in rows])
        self.retranslate()

    def views(self) -> list[InspectorRefusedRow]:
        return [r for r in self.rows if isinstance(r, InspectorRefusedRow)]

    def texts(self) -> list[str]:
        return [f"{r.about.text()} {r.words.text()}" for r in self.views()]

    def retranslate(self) -> None:
        self.title.setText(self.tr("Refused by the server"))
        self.scroller.verticalScrollBar().setAccessibleName(self.tr("Scroll up and down"))
        self.empty.setText(
            self.tr("The server has refused nothing of this device.")
            if self.loaded
            else self.tr("Loading\u2026")
        )
        self.empty.setVisible(not self.rows)
