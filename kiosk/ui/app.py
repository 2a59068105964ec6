"""Starting the Qt application of one device.

    run_app(data_dir, DeviceOptions(camera="camera"), "nl")      # python -m kiosk does this

builds the QApplication, the theme, the translations (Dutch by default) and the device's
`Shell` (kiosk/ui/shell.py), shows it and runs the event loop until the window closes. For a
program that already runs a QApplication (the demo's picker), `open_shell()` builds and shows
one more device window in it.

`print_ready=True` prints one line, `ready`, on stdout (flushed) right after the home screen's
first paint: `python -m bench ui` times process start to that line. `on_ready(shell)` is called
at the same moment; `quit_after_s` quits after that many seconds (tests, benchmarks).

`kiosk=True` (`--kiosk`, `kiosk_mode`) locks the window down (kiosk/ui/lockdown.py): full
screen without decorations, the quit keys ignored, the pointer hidden as `hide_cursor` says,
left only with a staff card and its PIN.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from kiosk.core.errors import HeitjeError, Lang
from kiosk.ops.device import DeviceOptions
from kiosk.ui.i18n import DEFAULT_LANGUAGE, LanguageButton, Retranslating, Translations
from kiosk.ui.lockdown import Lockdown
from kiosk.ui.shell import DEFAULT_SETTINGS, ScreenSettings, Shell, build_shell
from kiosk.ui.sounds import SoundPlayer
from kiosk.ui.theme import NORMAL, Theme, Themes

__all__ = ["StartupError", "application", "open_shell", "run_app"]

log = logging.getLogger("kiosk.ui")

APP_NAME = "Heitje"
ICON = Path(__file__).resolve().parents[1] / "resources" / "icon" / "heitje.png"


def application() -> QApplication:
    """The running QApplication, or a new one."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(QIcon(str(ICON)))
    return app


def open_shell(
    data_dir: Path,
    options: DeviceOptions | None = None,
    *,
    translations: Translations,
    themes: Themes,
    sounds: SoundPlayer | None = None,
    settings: ScreenSettings = DEFAULT_SETTINGS,
    notices: Sequence[HeitjeError] = (),
    on_ready: Callable[[Shell], object] | None = None,
    print_ready: bool = False,
    fullscreen: bool = False,
    kiosk: bool = False,
    hide_cursor: str = "touch",
) -> Shell:
    """Build the device's window in the running app and show it (closing it stops it all);
    `fullscreen` for a kiosk's or counter's own screen, `kiosk` locked down as well."""
    shell = build_shell(
        data_dir,
        options,
        translations=translations,
        themes=themes,
        sounds=sounds,
        settings=settings,
        notices=notices,
    )

    def ready() -> None:
        if print_ready:
            print("ready", flush=True)
        if on_ready is not None:
            on_ready(shell)

    shell.ready.connect(ready)
    _log_camera(shell)
    if kiosk:
        Lockdown(shell, hide_cursor=hide_cursor, idle_ms=settings.idle_ms).lock()
    elif fullscreen:
        shell.showFullScreen()
    else:
        shell.show()
    return shell


def run_app(
    data_dir: Path,
    options: DeviceOptions | None = None,
    lang: Lang = DEFAULT_LANGUAGE,
    *,
    theme: Theme = NORMAL,
    settings: ScreenSettings = DEFAULT_SETTINGS,
    notices: Sequence[HeitjeError] = (),
    quit_after_s: float | None = None,
    on_ready: Callable[[Shell], object] | None = None,
    print_ready: bool = False,
    fullscreen: bool = False,
    kiosk: bool = False,
    hide_cursor: str = "touch",
) -> int:
    """Open the device in `data_dir` with its screens and run until its window is closed (or
    `quit_after_s`); the exit code of the event loop."""
    app = application()
    themes = Themes(app, theme)
    translations = Translations(app, lang)
    app.setQuitOnLastWindowClosed(True)
    try:
        shell = open_shell(
            data_dir,
            options,
            translations=translations,
            themes=themes,
            settings=settings,
            notices=notices,
            on_ready=on_ready,
            print_ready=print_ready,
            fullscreen=fullscreen,
            kiosk=kiosk,
            hide_cursor=hide_cursor,
        )
    except HeitjeError as exc:
        # The device cannot start (a ledger of a newer version, a bad camera source, ...):
        # say so on its screen, where the person in front of it looks, not only in a log.
        log.error("the device could not start: %s", exc.code)
        window = StartupError(exc, translations)
        if fullscreen or kiosk:
            window.showFullScreen()
        else:
            window.show()
        if quit_after_s is not None:
            QTimer.singleShot(int(quit_after_s * 1000), window.close)
        app.exec()
        translations.uninstall()
        raise
    if quit_after_s is not None:
        QTimer.singleShot(int(quit_after_s * 1000), partial(_quit, shell))
    try:
        return app.exec()
    finally:
        shell.shutdown()  # also when the loop ended without the window closing
        translations.uninstall()


def _log_camera(shell: Shell) -> None:
    """The camera's comings and goings in the log (the source keeps reopening it by itself):
    a device left alone for months must say when its camera went and when it came back."""
    last: list[str] = [""]

    def changed(state: str) -> None:
        if state in ("lost", "unavailable") and last[0] != state:
            log.warning("camera %s; the device keeps trying to open it", state)
        elif state == "running" and last[0] in ("lost", "unavailable"):
            log.info("camera back (it was %s)", last[0])
        last[0] = state

    shell.scan.camera_state.connect(changed)


def _quit(shell: Shell) -> None:
    """`quit_after_s` is up: close the window, locked down or not."""
    if isinstance(shell.lockdown, Lockdown):
        shell.lockdown.release()
    shell.close()


class StartupError(Retranslating, QWidget):
    """The one window of a device that could not start: what is wrong, in words."""

    def __init__(self, error: HeitjeError, translations: Translations) -> None:
        super().__init__()
        self.error = error
        self.translations = translations
        self.setObjectName("startup_error")
        self.heading = QLabel()
        self.heading.setProperty("text_size", "title")
        self.heading.setProperty("tone", "refused")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.language = LanguageButton(translations)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.reason, 1)
        layout.addWidget(self.language)
        self.resize(1280, 800)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Heitje — could not start"))
        self.heading.setText(self.tr("This device could not start"))
        self.reason.setText(self.error.message(self.translations.lang))
