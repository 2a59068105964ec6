"""The main window of a device: the screen of its role, a top bar and the status bar.

    shell = build_shell(data_dir, DeviceOptions(), translations=t, themes=th)
    shell.show()                    # scanning starts; closing the window stops everything

`Shell` is built once from a `Device` (kiosk/ops/device.py, built with a `GuiCaller`), its
`Bridge`, a `ScanInput`, the app's `Translations` and `Themes` and a `SoundPlayer`. The role in
the certificate picks the screen: `device.kiosk` the resident kiosk, `device.counter` the
merchant counter; a desk or an inspector (no screen yet) gets a page saying so. Every screen has
the top bar (the language and the contrast switch) and the status bar (`status_bar.py`).

A good scan (`scan.card`) plays `Sound.OK`, a refused one `Sound.REFUSED`; what a scan does is
the screen's own business: only the screen in front is active (`set_active(True)`: it listens
to the scans then). Closing the window stops the bridge, the scanning, the device (queued
writes finish first) and the sounds: nothing is left running. In kiosk mode
kiosk/ui/lockdown.py adds its staff button to `top_bar` and its exit page to the stack, and
holds the window open (`lockdown.refuses_close()`) until a staff member leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.errors import HeitjeError
from kiosk.core.roles import ROLE_NAMES
from kiosk.ops.device import Device, DeviceOptions, build_device
from kiosk.ui.bridge import Bridge, GuiCaller
from kiosk.ui.i18n import LanguageButton, Retranslating, Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.sounds import Sound, SoundPlayer
from kiosk.ui.status_bar import StatusBar
from kiosk.ui.theme import ContrastButton, Themes

__all__ = [
    "DEFAULT_IDLE_MS",
    "CloseGuard",
    "NoScreenPage",
    "NoticeBanner",
    "RoleScreen",
    "ScreenSettings",
    "Shell",
    "build_shell",
    "role_screen",
]

log = logging.getLogger("kiosk.ui.shell")

DEFAULT_IDLE_MS = 30_000


class RoleScreen(Protocol):
    """What the shell asks of a role's screen (a QWidget)."""

    def set_active(self, active: bool) -> None: ...


class CloseGuard(Protocol):
    """What may hold the window open (kiosk/ui/lockdown.py's `Lockdown`, while locked)."""

    def refuses_close(self) -> bool: ...


@dataclass(frozen=True)
class ScreenSettings:
    """What the device's configuration says about its screens (kiosk/config.py)."""

    idle_ms: int = DEFAULT_IDLE_MS  # the resident kiosk goes home; lockdown's exit page closes
    speak_balance_after_scan: bool = False  # the resident kiosk says the balance at once


DEFAULT_SETTINGS = ScreenSettings()

# (device, scan, translations, bridge, settings) -> the role's screen, or None: no screen yet.
ScreenFactory = Callable[[Device, ScanInput, Translations, Bridge, ScreenSettings], QWidget | None]


def role_screen(
    device: Device,
    scan: ScanInput,
    translations: Translations,
    bridge: Bridge,
    settings: ScreenSettings,
) -> QWidget | None:
    """The screen of the device's role (kiosk/ui/screens), or None when the device cannot do
    its role's work (a counter whose certificate names no shop)."""
    if device.kiosk is not None:
        from kiosk.ui.screens.resident import ResidentKioskScreen

        return ResidentKioskScreen(
            device,
            scan,
            translations,
            bridge,
            idle_ms=settings.idle_ms,
            speak_balance_after_scan=settings.speak_balance_after_scan,
        )
    if device.counter is not None:
        from kiosk.ui.screens.counter import CounterScreen

        return CounterScreen(device, scan, translations, bridge)
    if device.desk is not None:
        from kiosk.ui.screens.desk import DeskScreen

        return DeskScreen(device, scan, translations, bridge)
    if device.inspector is not None:
        from kiosk.ui.screens.inspector import InspectorScreen

        # its own idle lock (minutes, not the kiosk's seconds): a laptop in the field
        return InspectorScreen(device, scan, translations, bridge)
    return None


class NoScreenPage(Retranslating, QWidget):
    """A device that cannot do its role's work (a counter enrolled before certificates named
    its shop): say so plainly, and what to do."""

    def __init__(
        self, role: str, translations: Translations, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._role = role
        self._translations = translations
        self.setObjectName("no_screen_page")
        self.title = QLabel()
        self.title.setObjectName("no_screen_title")
        self.title.setProperty("text_size", "title")
        self.title.setWordWrap(True)
        self.body = QLabel()
        self.body.setObjectName("no_screen_body")
        self.body.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addStretch(2)
        self.retranslate()

    def set_active(self, active: bool) -> None:
        pass  # no scans to take

    def retranslate(self) -> None:
        nl, en = ROLE_NAMES.get(self._role, (self._role, self._role))
        role = nl if self._translations.lang == "nl" else en
        self.title.setText(self.tr("This device is a %1.").replace("%1", role))
        self.body.setText(
            self.tr(
                "It cannot do that work as it was set up: its enrolment does not say where it "
                "belongs. Scanning a card here does nothing. Ask the municipality to enrol "
                "this device again."
            )
        )


class NoticeBanner(Retranslating, QLabel):
    """What is wrong with the device's set-up but did not stop it (a bad configuration key),
    in words, above every screen, until someone fixes the file and restarts."""

    def __init__(self, notices: Sequence[HeitjeError], translations: Translations) -> None:
        super().__init__()
        self.notices = list(notices)
        self.translations = translations
        self.setObjectName("shell_notices")
        self.setProperty("tone", "warning")
        self.setWordWrap(True)
        self.setVisible(bool(self.notices))
        self.retranslate()

    def retranslate(self) -> None:
        lang = self.translations.lang
        head = self.tr("This device started with its defaults for:")
        self.setText("\n".join([head, *(n.message(lang) for n in self.notices)]))


class _FirstPaint(QObject):
    """Calls `done` once, on the turn after `widget`'s first paint (the paint is on screen)."""

    def __init__(self, widget: QWidget, done: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._done: Callable[[], None] | None = done
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint and self._done:
            done, self._done = self._done, None
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, done)
        return False


class Shell(Retranslating, QMainWindow):
    """The one window of a device."""

    ready = Signal()  # once: the home screen has been painted for the first time
    closed = Signal()  # everything is stopped

    def __init__(
        self,
        device: Device,
        bridge: Bridge,
        scan: ScanInput,
        translations: Translations,
        themes: Themes,
        sounds: SoundPlayer | None = None,
        *,
        settings: ScreenSettings = DEFAULT_SETTINGS,
        screens: ScreenFactory = role_screen,
        notices: Sequence[HeitjeError] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.device = device
        self.bridge = bridge
        self.scan = scan
        self.translations = translations
        self.themes = themes
        self.sounds = sounds if sounds is not None else SoundPlayer()
        self._closed = False
        self._started = False
        self.is_ready = False
        self.lockdown: CloseGuard | None = None  # set by kiosk/ui/lockdown.py in kiosk mode
        self.setObjectName("shell")

        self.title = QLabel("Heitje")  # the scheme's name: the same in both languages
        self.title.setObjectName("shell_title")
        self.title.setProperty("text_size", "title")
        self.language_button = LanguageButton(translations)
        self.contrast_button = ContrastButton(themes)
        top = QHBoxLayout()
        top.setContentsMargins(16, 8, 16, 8)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.language_button)
        top.addWidget(self.contrast_button)
        self.top_bar = top  # the lockdown adds its staff button here

        self.stack = QStackedWidget()
        self.stack.setObjectName("shell_screens")
        self.settings = settings
        screen = screens(device, scan, translations, bridge, settings)
        self.role_screen: QWidget = (
            screen if screen is not None else NoScreenPage(device.role, translations)
        )
        self.stack.addWidget(self.role_screen)
        self.status_bar = StatusBar(device, bridge, translations)
        self.notices = NoticeBanner(notices, translations)

        central = QWidget()
        central.setObjectName("shell_central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.notices)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status_bar)
        self.setCentralWidget(central)
        self.resize(1280, 800)

        scan.card.connect(self._good_scan)
        scan.refused.connect(self._refused_scan)
        _FirstPaint(self.role_screen, self._first_paint)
        self.retranslate()

    # -- screens -------------------------------------------------------------------------------

    def role_screens(self) -> list[QWidget]:
        return [w for i in range(self.stack.count()) if (w := self.stack.widget(i)) is not None]

    def set_screen(self, screen: QWidget) -> None:
        """Bring `screen` to the front: it alone listens to scans."""
        for other in self.role_screens():
            if other is not screen:
                _set_active(other, False)
        self.stack.setCurrentWidget(screen)
        if self.isVisible():
            _set_active(screen, True)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Heitje — %1").replace("%1", self._role_text()))

    def _role_text(self) -> str:
        nl, en = ROLE_NAMES.get(self.device.role, (self.device.role, self.device.role))
        return nl if self.translations.lang == "nl" else en

    # -- life -----------------------------------------------------------------------------------

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        if not self._started and not self._closed:
            self._started = True
            self.scan.start()
            current = self.stack.currentWidget()
            if current is not None:
                _set_active(current, True)

    def _first_paint(self) -> None:
        if not self._closed and not self.is_ready:
            self.is_ready = True
            self.ready.emit()

    def _good_scan(self, _serial: str) -> None:
        self.sounds.play(Sound.OK)

    def _refused_scan(self, _error: object) -> None:
        self.sounds.play(Sound.REFUSED)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.lockdown is not None and self.lockdown.refuses_close():
            event.ignore()  # a locked kiosk is left only through the staff exit
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop everything this window started (also what closing it does); once."""
        if self._closed:
            return
        self._closed = True
        for screen in self.role_screens():
            _set_active(screen, False)
        self.bridge.close()
        self.scan.stop()
        self.status_bar.stop()
        self.device.close()
        self.sounds.close()
        self.closed.emit()


def _set_active(screen: QWidget, active: bool) -> None:
    set_active = getattr(screen, "set_active", None)
    if callable(set_active):
        set_active(active)


def build_shell(
    data_dir: Path,
    options: DeviceOptions | None = None,
    *,
    translations: Translations,
    themes: Themes,
    sounds: SoundPlayer | None = None,
    settings: ScreenSettings = DEFAULT_SETTINGS,
    screens: ScreenFactory = role_screen,
    notices: Sequence[HeitjeError] = (),
    start: bool = True,
) -> Shell:
    """Build the device in `data_dir` (its sync loop starts unless `start` is False) and its
    window. The window owns the device: closing it closes the device."""
    caller = GuiCaller()
    device = build_device(data_dir, caller, options, start=start)
    try:
        bridge = Bridge(device.hub)
        scan = ScanInput(device)
        shell = Shell(
            device,
            bridge,
            scan,
            translations,
            themes,
            sounds,
            settings=settings,
            screens=screens,
            notices=notices,
        )
    except BaseException:
        device.close()
        raise
    caller.setParent(shell)
    bridge.setParent(shell)
    scan.setParent(shell)
    return shell
