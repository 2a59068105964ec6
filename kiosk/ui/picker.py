"""The demo's picker: one button per device of the demo system, each starting that device.

`run_picker(system, lang=...)` opens it (kiosk/demo_system.py's `run_demo` calls it). The
picker knows the system only through `DemoLauncher`: the devices, `launch`, `is_running`,
`stop_device`, the server's address and where the cards are. It starts processes; it never
touches a database or the network itself.

Closing the window, Ctrl+C or SIGTERM end `run_picker`; the caller then stops everything.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.core import roles
from kiosk.core.errors import Lang
from kiosk.demo import DEMO_STAFF_PIN
from kiosk.ui.i18n import LanguageButton, Retranslating, Translations
from kiosk.ui.theme import ContrastButton, Themes

__all__ = ["DemoLauncher", "DemoPicker", "run_picker"]

MIN_WIDTH = 1000
POLL_MS = 500  # how often the picker looks whether the devices it started still run


class PickerDevice(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def place(self) -> str: ...


class DemoLauncher(Protocol):
    url: str

    @property
    def devices(self) -> Sequence[PickerDevice]: ...
    @property
    def cards_pdf(self) -> Path: ...
    @property
    def photos_dir(self) -> Path: ...
    def launch(self, key: str, *, lang: str = "nl", camera: str | None = None) -> Any: ...
    def is_running(self, key: str) -> bool: ...
    def stop_device(self, key: str) -> None: ...


def role_text(role: str) -> str:
    if role == roles.RESIDENT_KIOSK:
        return QCoreApplication.translate("DemoPicker", "Resident kiosk")
    if role == roles.MERCHANT_COUNTER:
        return QCoreApplication.translate("DemoPicker", "Counter")
    if role == roles.KLUSBOX_DESK:
        return QCoreApplication.translate("DemoPicker", "Klusbox desk")
    if role == roles.INSPECTOR:
        return QCoreApplication.translate("DemoPicker", "Inspector")
    return role


class DemoPicker(Retranslating, QWidget):
    """The picker window: a start button and a state line per device, the camera to give
    them, the language, and where the printable cards and the card photos are."""

    CAMERAS = ("photos", "webcam", "none")

    def __init__(self, system: DemoLauncher, translations: Translations, themes: Themes) -> None:
        super().__init__()
        self.system = system
        self.translations = translations
        self.setObjectName("demo_picker")
        self.setMinimumWidth(MIN_WIDTH)  # every button's text in full, in both languages
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setProperty("text_size", "title")
        top.addWidget(self.title, 1)
        top.addWidget(LanguageButton(translations, self))
        top.addWidget(ContrastButton(themes, self))
        outer.addLayout(top)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        outer.addWidget(self.intro)

        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        self.states: dict[str, QLabel] = {}
        for row, device in enumerate(system.devices):
            button = QPushButton()
            button.setObjectName(f"start_{device.key}")
            button.clicked.connect(lambda _=False, key=device.key: self.start_device(key))
            state = QLabel()
            state.setObjectName(f"state_{device.key}")
            state.setProperty("muted", True)
            grid.addWidget(button, row, 0)
            grid.addWidget(state, row, 1)
            self.buttons[device.key] = button
            self.states[device.key] = state
        outer.addLayout(grid)

        camera_row = QHBoxLayout()
        self.camera_label = QLabel()
        self.camera = QComboBox()
        self.camera.setObjectName("camera_choice")
        self.camera_label.setBuddy(self.camera)
        for _ in self.CAMERAS:
            self.camera.addItem("")
        camera_row.addWidget(self.camera_label)
        camera_row.addWidget(self.camera, 1)
        outer.addLayout(camera_row)

        self.files = QLabel()
        self.files.setWordWrap(True)
        self.files.setProperty("muted", True)
        outer.addWidget(self.files)
        self.quit_button = QPushButton()
        self.quit_button.setObjectName("stop_demo")
        self.quit_button.clicked.connect(self.close)
        outer.addWidget(self.quit_button)

        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.retranslate()

    # -- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Heitje demo"))
        self.title.setText(self.tr("Heitje demo"))
        self.intro.setText(
            self.tr(
                "Choose a device to start. Each one opens in its own window and keeps in step "
                "with the demo server at %1."
            ).replace("%1", self.system.url)
        )
        for device in self.system.devices:
            text = f"{role_text(device.role)} — {device.place}"
            self.buttons[device.key].setText(text)
            self.buttons[device.key].setAccessibleName(self.tr("Start %1").replace("%1", text))
        self.camera_label.setText(self.tr("Camera"))
        names = (
            self.tr("Photos of the demo cards"),
            self.tr("Webcam"),
            self.tr("No camera (type the card number)"),
        )
        for i, name in enumerate(names):
            self.camera.setItemText(i, name)
        self.files.setText(
            self.tr(
                "Printable cards (PDF): %1\nCard photos for the camera: %2\n"
                "Every staff card's PIN in the demo: %3"
            )
            .replace("%1", str(self.system.cards_pdf))
            .replace("%2", str(self.system.photos_dir))
            .replace("%3", DEMO_STAFF_PIN)
        )
        self.quit_button.setText(self.tr("Stop the demo"))
        self.refresh()

    def refresh(self) -> None:
        for key, label in self.states.items():
            running = self.system.is_running(key)
            label.setText(self.tr("Running") if running else self.tr("Not running"))
            self.buttons[key].setEnabled(not running)

    # -- actions -----------------------------------------------------------------------------

    def camera_spec(self) -> str | None:
        choice = self.CAMERAS[max(0, self.camera.currentIndex())]
        if choice == "photos":
            return f"folder:{self.system.photos_dir}"
        if choice == "webcam":
            return "camera"
        return None

    def start_device(self, key: str) -> None:
        self.system.launch(key, lang=self.translations.lang, camera=self.camera_spec())
        self.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        super().closeEvent(event)


def run_picker(
    system: DemoLauncher, *, lang: str = "nl", on_open: Callable[[], object] | None = None
) -> int:
    """Open the picker until it is closed (or Ctrl+C / SIGTERM); returns the exit code.
    `on_open()` is called once the picker is on screen and Ctrl+C closes it."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    language: Lang = "en" if lang == "en" else "nl"
    translations = Translations(app, language)
    themes = Themes(app)
    picker = DemoPicker(system, translations, themes)
    picker.show()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        picker.close()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    # Python runs signal handlers between bytecodes: a timer lets it look while Qt waits.
    wake = QTimer()
    wake.setInterval(200)
    wake.timeout.connect(lambda: None)
    wake.start()
    if on_open is not None:
        QTimer.singleShot(0, on_open)
    try:
        return int(app.exec())
    finally:
        wake.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
