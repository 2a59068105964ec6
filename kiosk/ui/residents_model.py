"""A Qt table model over the residents overview (data comes from kiosk.db.queries)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from kiosk.core.amounts import format_amount
from kiosk.core.errors import Lang
from kiosk.db.queries import ResidentRow
from kiosk.ui.texts import t

_COLUMNS = ("col_name", "col_neighbourhood", "col_balance", "col_cards")
AnyIndex = QModelIndex | QPersistentModelIndex


class ResidentsModel(QAbstractTableModel):
    def __init__(self, rows: list[ResidentRow], lang: Lang = "nl") -> None:
        super().__init__()
        self._rows = rows
        self._lang: Lang = lang

    def set_rows(self, rows: list[ResidentRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_at(self, row: int) -> ResidentRow:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return t(_COLUMNS[section], self._lang)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = _COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "col_name":
                return row.name
            if column == "col_neighbourhood":
                return row.neighbourhood
            if column == "col_balance":
                return format_amount(row.balance, self._lang)
            return str(row.cards)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("col_balance", "col_cards"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
