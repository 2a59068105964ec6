"""The main window: for now the ledger's residents and balances, and which device this is."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLabel, QMainWindow, QTableView, QVBoxLayout, QWidget

from kiosk.core.errors import Lang
from kiosk.db.queries import ResidentRow
from kiosk.ui.residents_model import ResidentsModel
from kiosk.ui.texts import t


class MainWindow(QMainWindow):
    def __init__(self, rows: list[ResidentRow], device_id: str, lang: Lang = "nl") -> None:
        super().__init__()
        self.setWindowTitle(t("app_title", lang))
        self.resize(900, 600)
        self.model = ResidentsModel(rows, lang)
        self.table = QTableView()
        self.table.setObjectName("residentsTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        heading = QLabel(t("residents", lang))
        heading.setStyleSheet("font-size: 20px; font-weight: bold;")
        footer = QLabel(f"{t('device', lang)}: {device_id}")
        footer.setObjectName("deviceLabel")
        layout = QVBoxLayout()
        layout.addWidget(heading)
        layout.addWidget(self.table)
        layout.addWidget(footer)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
