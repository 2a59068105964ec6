"""Starting the Qt application on an opened device."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.core.errors import Lang
from kiosk.db.queries import residents_overview
from kiosk.device import DeviceHandle
from kiosk.ui.main_window import MainWindow


def build_main_window(device: DeviceHandle, lang: Lang = "nl") -> MainWindow:
    return MainWindow(residents_overview(device.engine), device.store.device_id, lang)


def run_app(device: DeviceHandle, lang: Lang = "nl", quit_after_s: float | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = build_main_window(device, lang)
    window.show()
    if quit_after_s is not None:
        QTimer.singleShot(int(quit_after_s * 1000), app.quit)
    return app.exec()
