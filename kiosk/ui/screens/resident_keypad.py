"""The on-screen keypad of the resident kiosk: type the card number printed under the QR code,
for a card the camera cannot read or a kiosk without a camera.

It shows only the card's own alphabet (digits and the letters a serial can hold: no I, L, O,
U or Z) and never holds a text field, so a hand scanner's keystrokes cannot land in it. What
is typed goes out as `entered(text)`; the screen hands it to `ScanInput.typed`, which checks
the form the same way for every screen.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.core.cards import SERIAL_ALPHABET, SERIAL_LENGTH, format_serial
from kiosk.ui.i18n import Retranslating

__all__ = ["KEYPAD_COLUMNS", "SerialKeypad"]

KEYPAD_COLUMNS: Final = 8
# The kind letter of a resident card first, then the digits, then the other letters.
_KEYS: Final = "R" + "".join(ch for ch in SERIAL_ALPHABET if ch != "R")


class SerialKeypad(Retranslating, QWidget):
    """Keys for a card number; "OK" sends it, "Cancel" goes back without it."""

    entered = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serial_keypad")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a keyboard's keys come here
        self._typed = ""
        self.instruction = QLabel()
        self.instruction.setProperty("text_size", "title")
        self.instruction.setWordWrap(True)
        self.display = QLabel()
        self.display.setObjectName("keypad_display")
        self.display.setProperty("text_size", "huge")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, symbol in enumerate(_KEYS):
            key = QPushButton(symbol)
            key.setObjectName(f"key_{symbol}")
            key.setMinimumSize(72, 64)
            key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            key.clicked.connect(lambda _=False, s=symbol: self.press(s))
            self.keys[symbol] = key
            grid.addWidget(key, i // KEYPAD_COLUMNS, i % KEYPAD_COLUMNS)
        self.erase = QPushButton()
        self.erase.setObjectName("keypad_erase")
        self.erase.clicked.connect(self.backspace)
        self.cancel = QPushButton()
        self.cancel.setObjectName("keypad_cancel")
        self.cancel.clicked.connect(self._cancel)
        self.ok = QPushButton()
        self.ok.setObjectName("keypad_ok")
        self.ok.setProperty("kind", "primary")
        self.ok.clicked.connect(self.submit)
        for button in (self.erase, self.cancel, self.ok):
            button.setMinimumHeight(64)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        actions = QHBoxLayout()
        actions.addWidget(self.cancel)
        actions.addWidget(self.erase)
        actions.addStretch(1)
        actions.addWidget(self.ok)
        box = QVBoxLayout(self)
        box.addWidget(self.instruction)
        box.addWidget(self.display)
        box.addLayout(grid)
        box.addLayout(actions)
        box.addStretch(1)
        self.retranslate()

    @property
    def typed(self) -> str:
        return self._typed

    def press(self, symbol: str) -> None:
        if len(self._typed) < SERIAL_LENGTH:
            self._typed += symbol
            self._show()

    def backspace(self) -> None:
        self._typed = self._typed[:-1]
        self._show()

    def clear(self) -> None:
        """Forget what was typed (the screen went home)."""
        self._typed = ""
        self._show()

    def submit(self) -> None:
        text = self._typed
        self.clear()
        self.entered.emit(text)

    def _cancel(self) -> None:
        self.clear()
        self.cancelled.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A keyboard works too (a kiosk with one); a hand scanner's burst is taken by the
        application's ScannerInput before it gets here."""
        text = event.text().upper()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif event.key() == Qt.Key.Key_Backspace:
            self.backspace()
        elif event.key() == Qt.Key.Key_Escape:
            self._cancel()
        elif len(text) == 1 and text in self.keys:
            self.press(text)
        else:
            super().keyPressEvent(event)

    def _show(self) -> None:
        # A space keeps the line's height while nothing is typed yet.
        self.display.setText(format_serial(self._typed) if self._typed else " ")
        self.ok.setEnabled(bool(self._typed))
        self.erase.setEnabled(bool(self._typed))

    def retranslate(self) -> None:
        self.instruction.setText(self.tr("Type the number printed under the code on your card"))
        self.display.setAccessibleName(self.tr("Card number typed so far"))
        self.erase.setText(self.tr("Erase"))
        self.erase.setAccessibleName(self.tr("Erase the last character"))
        self.cancel.setText(self.tr("Cancel"))
        self.cancel.setAccessibleName(self.tr("Cancel, back to the start"))
        self.ok.setText(self.tr("OK"))
        self.ok.setAccessibleName(self.tr("Look up this card number"))
        self._show()
