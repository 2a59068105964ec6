"""Kiosk lockdown: the device's window as the only thing on the screen, left only by staff.

    lockdown = Lockdown(shell, hide_cursor="touch")     # before the window is shown
    lockdown.lock()                                     # frameless, full screen, keys filtered

`python -m kiosk --kiosk` (or `kiosk_mode = true`, docs/configuration.md) does this. While
locked, the window has no decorations and fills the screen; the pointer is hidden when asked
(`always`, or `touch`: when Qt sees a touch screen); an application-wide event filter
(`QuitKeyFilter`) swallows the usual ways out (Alt+F4, Ctrl+Q, Ctrl+W, Escape, F11, Alt+Tab,
Ctrl+Alt+Backspace, the Super key, the platform's Quit and Close) before any widget or
shortcut sees them; and the window refuses to close (`Shell.closeEvent` asks `refuses_close`).

The one way out is the small "Staff" button in the top bar: it brings `ExitPage` to the
front (so the next scan goes to it, not to the role's screen), which takes a staff card
(`device.staff.identify`), then its holder's PIN on a keypad (`device.staff.check`: a wrong
PIN is counted, three block the card on this device). Only `EXIT_ROLES` may leave. Then the
lockdown is released and the window closes, which stops the device cleanly. Cancel, or no
touch for the idle time, goes back to the role's screen. The log (`kiosk.ui`) has what
happened; never a PIN, card serials shortened.
"""

from __future__ import annotations

import logging
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QInputDevice, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.config import HIDE_CURSOR
from kiosk.core.errors import HeitjeError
from kiosk.logs import redact
from kiosk.ops.staff import StaffMember
from kiosk.ui.i18n import Retranslating, Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.counter_pads import PinPad, fill
from kiosk.ui.shell import DEFAULT_IDLE_MS, Shell
from kiosk.ui.theme import show_message

__all__ = [
    "EXIT_ROLES",
    "ExitPage",
    "Lockdown",
    "QuitKeyFilter",
    "StaffButton",
    "is_quit_key",
]

log = logging.getLogger("kiosk.ui.lockdown")

# Who may take a device out of kiosk mode: the municipality's kiosk staff and its inspectors.
# Desk volunteers run a klusbox desk; they have no business at the operating system.
EXIT_ROLES: Final = ("kiosk-staff", "inspector")

_K = Qt.Key
_M = Qt.KeyboardModifier
_ALWAYS: Final = frozenset(
    {
        _K.Key_Escape,
        _K.Key_F11,  # full screen off, in many window managers
        _K.Key_Meta,
        _K.Key_Super_L,
        _K.Key_Super_R,
        _K.Key_Hyper_L,
        _K.Key_Hyper_R,
        _K.Key_Menu,
        _K.Key_Close,
        _K.Key_PowerOff,
        _K.Key_Sleep,
        _K.Key_Suspend,
        _K.Key_Hibernate,
        _K.Key_LogOff,
        _K.Key_Launch0,
        _K.Key_LaunchMail,
        _K.Key_Explorer,
    }
)
_WITH_ALT: Final = frozenset({_K.Key_F4, _K.Key_Tab, _K.Key_Backtab, _K.Key_Escape, _K.Key_Space})
_WITH_CTRL: Final = frozenset({_K.Key_Q, _K.Key_W, _K.Key_F4, _K.Key_Escape})
_WITH_CTRL_ALT: Final = frozenset({_K.Key_Backspace, _K.Key_Delete, _K.Key_Tab})
_F_KEYS: Final = frozenset(getattr(_K, f"Key_F{n}") for n in range(1, 13))  # Ctrl+Alt+Fn: a VT
_STANDARD: Final = (QKeySequence.StandardKey.Quit, QKeySequence.StandardKey.Close)
_KEY_EVENTS: Final = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride)


def is_quit_key(event: QKeyEvent) -> bool:
    """Whether a key event is one of the ways out a locked kiosk ignores."""
    key, mods = event.key(), event.modifiers()
    ctrl, alt = bool(mods & _M.ControlModifier), bool(mods & _M.AltModifier)
    if key in _ALWAYS or mods & _M.MetaModifier:
        return True
    if ctrl and alt and (key in _WITH_CTRL_ALT or key in _F_KEYS):
        return True
    if (alt and key in _WITH_ALT) or (ctrl and key in _WITH_CTRL):
        return True
    return event.type() != QEvent.Type.KeyRelease and any(event.matches(k) for k in _STANDARD)


class QuitKeyFilter(QObject):
    """Application-wide: swallows the quit keys, whatever widget has the focus. The shortcut
    override is accepted too, so no QAction or QShortcut ever fires on them. Keys that the
    window manager or the X server takes for itself never reach Qt: docs/configuration.md."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ignored = 0  # key presses swallowed (tests, the log)
        self._installed = False

    def install(self) -> None:
        app = QGuiApplication.instance()
        if app is not None and not self._installed:
            # Before or after the hand scanner's filter, the same: it passes these keys on
            # (or sends them again later), and they come through here either way.
            app.installEventFilter(self)
            self._installed = True

    def uninstall(self) -> None:
        app = QGuiApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in _KEY_EVENTS or not isinstance(event, QKeyEvent):
            return False
        if not is_quit_key(event):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # "the widget takes this key": no shortcut fires; the press follows
        elif event.type() == QEvent.Type.KeyPress and not event.isAutoRepeat():
            self.ignored += 1
            log.debug(
                "lockdown: ignored key %s",
                QKeySequence(event.keyCombination()).toString(
                    QKeySequence.SequenceFormat.PortableText
                ),
            )
        return True


def _touch_screen() -> bool:
    return any(d.type() == QInputDevice.DeviceType.TouchScreen for d in QInputDevice.devices())


class ExitPage(Retranslating, QWidget):
    """Staff leave kiosk mode here: a staff card (the next scan), then its PIN.

    In front of the shell's stack (Shell.set_screen), it alone takes scans. The right card and
    PIN call `Lockdown.leave`; Cancel, or no touch for `idle_ms`, `Lockdown.back`. A callback
    that comes after the page was left, or after another card was scanned, is dropped."""

    def __init__(
        self,
        lockdown: Lockdown,
        scan: ScanInput,
        translations: Translations,
        *,
        idle_ms: int = DEFAULT_IDLE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.lockdown = lockdown
        self.scan = scan
        self.translations = translations
        self.setObjectName("lockdown_exit_page")
        self.member: StaffMember | None = None  # the card scanned, once identified
        self.error: HeitjeError | None = None
        self.busy: str | None = None  # "identify" | "check" | "leaving"
        self._active = False
        self._turn = 0  # a callback from an earlier visit or card is stale

        self.title = QLabel()
        self.title.setObjectName("lockdown_title")
        self.title.setProperty("text_size", "title")
        self.title.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("lockdown_hint")
        self.hint.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("lockdown_message")
        self.message.setWordWrap(True)
        self.pad = PinPad()
        self.go = QPushButton()
        self.go.setObjectName("lockdown_go")
        self.go.setProperty("kind", "primary")
        self.cancel = QPushButton()
        self.cancel.setObjectName("lockdown_cancel")
        for button in (self.go, self.cancel):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touched, never tabbed to
        self.pad.changed.connect(self._touched)
        self.pad.changed.connect(self.retranslate)
        self.go.clicked.connect(self.submit)
        self.cancel.clicked.connect(self._cancel)

        texts = QVBoxLayout()
        for w in (self.title, self.hint, self.message):
            texts.addWidget(w)
        texts.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(48)
        row.addLayout(texts, 1)
        row.addWidget(self.pad, 0, Qt.AlignmentFlag.AlignTop)
        buttons = QHBoxLayout()  # across the whole page: long words never squeezed
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.go)
        page = QVBoxLayout(self)
        page.setContentsMargins(48, 32, 48, 32)
        page.addLayout(row, 1)
        page.addLayout(buttons)

        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self._walked_away)
        self.retranslate()

    # -- the shell's screen protocol -----------------------------------------------------------

    def set_active(self, active: bool) -> None:
        if active == self._active:
            return
        self._active = active
        if active:
            self.scan.card.connect(self._card)
            self.scan.refused.connect(self._refused)
            self.scan.forget()  # the card scanned just before is welcome again
            self._idle.start()
        else:
            self.scan.card.disconnect(self._card)
            self.scan.refused.disconnect(self._refused)
            self._idle.stop()
            self.reset()

    def reset(self) -> None:
        """Back to "scan a staff card", nothing typed, nothing remembered."""
        self._turn += 1
        self.member = None
        self.error = None
        self.busy = None
        self.pad.clear()
        self.retranslate()

    # -- steps ---------------------------------------------------------------------------------

    def _card(self, serial: str) -> None:
        if self.busy is not None:
            return
        self._touched()
        self.reset()
        self.busy = "identify"
        turn = self._turn
        log.info("lockdown: exit asked with card %s", redact(serial))
        self.lockdown.device.staff.identify(serial, EXIT_ROLES).success(
            lambda member: self._identified(turn, member)
        ).failure(lambda error: self._failed(turn, error, serial))
        self.retranslate()

    def _identified(self, turn: int, member: StaffMember) -> None:
        if turn != self._turn:
            return
        self.busy = None
        self.member = member
        self.retranslate()

    def _refused(self, error: object) -> None:
        if isinstance(error, HeitjeError) and self.busy is None:
            self._touched()
            log.info("lockdown: exit refused, the scan was refused (%s)", error.code)
            self.reset()
            self.error = error
            self.retranslate()

    def submit(self) -> None:
        """The PIN typed: check it with the card (a write: wrong tries are counted)."""
        member = self.member
        if member is None or self.busy is not None or not self.pad.complete():
            return
        self._touched()
        pin = self.pad.pin
        self.pad.clear()  # never kept longer than the check needs
        self.busy = "check"
        self.error = None
        turn = self._turn
        self.lockdown.device.staff.check(member.card_serial, pin, EXIT_ROLES).success(
            lambda ok: self._checked(turn, ok)
        ).failure(lambda error: self._failed(turn, error, member.card_serial))
        self.retranslate()

    def _checked(self, turn: int, member: StaffMember) -> None:
        if turn != self._turn:
            return
        self.busy = "leaving"
        self._idle.stop()
        self.retranslate()
        self.lockdown.leave(member)

    def _failed(self, turn: int, error: HeitjeError, serial: str) -> None:
        if turn != self._turn:
            return
        log.info("lockdown: exit refused for card %s (%s)", redact(serial), error.code)
        self.busy = None
        self.error = error
        if error.code == "pin_blocked" or self.member is None:
            self.member = None  # back to "scan a staff card", with the reason shown
        self.retranslate()

    def _touched(self) -> None:
        if self._active:
            self._idle.start()

    def _cancel(self) -> None:
        log.info("lockdown: exit cancelled")
        self.lockdown.back()

    def _walked_away(self) -> None:
        if self.busy not in ("check", "leaving"):
            log.info("lockdown: exit page left idle")
            self.lockdown.back()

    # -- texts ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        lang = self.translations.lang
        self.title.setText(self.tr("Staff: leave kiosk mode"))
        self.cancel.setText(self.tr("Cancel"))
        self.go.setText(self.tr("Leave kiosk mode"))
        member = self.member
        asking_pin = member is not None
        self.pad.setVisible(asking_pin)
        self.go.setVisible(asking_pin)
        self.go.setEnabled(asking_pin and self.busy is None and self.pad.complete())
        self.cancel.setEnabled(self.busy != "leaving")
        if member is None:
            self.hint.setText(self.tr("Scan a staff card, or hold it in front of the camera."))
        else:
            self.hint.setText(
                fill(self.tr("Card of %1. Type the PIN, then touch Leave kiosk mode."), member.name)
            )
        if self.busy == "identify":
            show_message(self.message, self.tr("Reading the card\u2026"))
        elif self.busy == "check":
            show_message(self.message, self.tr("Checking the PIN\u2026"))
        elif self.busy == "leaving":
            show_message(self.message, self.tr("Leaving kiosk mode\u2026"), "ok")
        elif self.error is not None:
            show_message(self.message, self.error.message(lang), "refused")
        else:
            show_message(self.message, "")


class Lockdown(QObject):
    """The shell locked down as a kiosk; `leave` (after a staff card and PIN) ends it."""

    def __init__(
        self,
        shell: Shell,
        *,
        hide_cursor: str = "touch",
        idle_ms: int = DEFAULT_IDLE_MS,
    ) -> None:
        super().__init__(shell)
        if hide_cursor not in HIDE_CURSOR:
            raise ValueError(f"hide_cursor must be one of {HIDE_CURSOR}, not {hide_cursor!r}")
        self.shell = shell
        self.device = shell.device
        self.hide_cursor = hide_cursor
        self.locked = False
        self.cursor_hidden = False
        self.keys = QuitKeyFilter(self)
        self.exit_page = ExitPage(self, shell.scan, shell.translations, idle_ms=idle_ms)
        shell.stack.addWidget(self.exit_page)
        self.staff_button = StaffButton()
        self.staff_button.clicked.connect(self.ask_exit)
        shell.top_bar.addWidget(self.staff_button)
        shell.lockdown = self
        shell.closed.connect(self._shell_closed)

    def lock(self) -> None:
        """Frameless, full screen, quit keys filtered, pointer hidden if asked; shows the
        window (so call it instead of show())."""
        if self.locked:
            return
        self.locked = True
        shell = self.shell
        shell.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        shell.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.keys.install()
        if self.hide_cursor == "always" or (self.hide_cursor == "touch" and _touch_screen()):
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)
            self.cursor_hidden = True
        shell.showFullScreen()
        log.info(
            "lockdown on: full screen, frameless, quit keys ignored, pointer %s",
            "hidden" if self.cursor_hidden else "shown",
        )

    def refuses_close(self) -> bool:
        """Asked by the window's closeEvent: True while locked (the close is ignored)."""
        if self.locked:
            log.info("lockdown: a request to close the window was refused")
        return self.locked

    def ask_exit(self) -> None:
        """The staff button: the exit page to the front; the next scan goes to it."""
        if self.locked and self.shell.stack.currentWidget() is not self.exit_page:
            log.info("lockdown: exit page opened")
            self.staff_button.setVisible(False)
            self.shell.set_screen(self.exit_page)

    def back(self) -> None:
        """The role's screen to the front again, still locked."""
        self.staff_button.setVisible(True)
        self.shell.set_screen(self.shell.role_screen)

    def leave(self, member: StaffMember) -> None:
        """The right staff card and PIN: kiosk mode ends and the app closes cleanly."""
        log.info("lockdown: left by staff %s (%s)", member.staff_id, member.role)
        self.release()
        QTimer.singleShot(0, self.shell.close)  # after the op's callback has returned

    def release(self) -> None:
        """Undo the lockdown (filter, pointer); the window stays as it is."""
        if not self.locked:
            return
        self.locked = False
        self.keys.uninstall()
        if self.cursor_hidden:
            QGuiApplication.restoreOverrideCursor()
            self.cursor_hidden = False
        log.info("lockdown off (%d quit keys were ignored)", self.keys.ignored)

    def _shell_closed(self) -> None:
        # The app ends some other way (the event loop stopped, quit_after_s): leave no filter.
        self.release()


class StaffButton(Retranslating, QPushButton):
    """Small and plain in the top bar (a resident should not be drawn to it), but a touch
    target like any other."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("lockdown_staff_button")
        self.setFlat(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(self.tr("Staff"))
        self.setAccessibleName(self.tr("Staff: leave kiosk mode"))
