"""The merchant counter's two keypads: the amount (typed as heitjes and cents, "3,50") and the
card holder's PIN. Plain widgets: they hold what was typed and say when it changes; the
counter screen decides what to do with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.core.amounts import format_amount, parse_amount
from kiosk.core.errors import Lang
from kiosk.ui.i18n import Retranslating

__all__ = ["AmountPad", "PinPad", "amount_text", "fill"]

KEY_W: Final = 110  # px: a keypad key, well over the 48 px minimum
KEY_H: Final = 72
MAX_WHOLE_DIGITS: Final = 5  # up to 99.999,99: far above any offline cap
PIN_MIN: Final = 4
PIN_MAX: Final = 6
DOT: Final = "\u25cf"  # ● for a typed PIN digit


def amount_text(cents: int, lang: Lang) -> str:
    """12345 -> "123,45" (nl) or "123.45" (en): the way the ops' words write amounts."""
    return format_amount(cents, lang)


def fill(text: str, *values: str) -> str:
    """A translated text with its data: "%1", "%2", ... replaced by `values` (Qt's place
    markers, which translators may reorder; PySide6's tr() gives a plain str, without arg())."""
    for i in range(len(values), 0, -1):  # %10 before %1
        text = text.replace(f"%{i}", values[i - 1])
    return text


def _key(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setMinimumSize(KEY_W, KEY_H)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a touch never steals the keyboard
    return button


class AmountPad(Retranslating, QWidget):
    """A large keypad for an amount: digits, the decimal separator, delete, clear.

    What was typed is kept as the digits and at most one separator ("3,5"); `cents()` reads
    it (None for nothing or zero). The separator key shows "," in Dutch and "." in English."""

    changed = Signal()

    def __init__(self, lang: Callable[[], Lang], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self._typed = ""
        self.display = QLabel()
        self.display.setObjectName("amount_display")
        self.display.setProperty("text_size", "huge")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.digits: dict[str, QPushButton] = {}
        for i, digit in enumerate("123456789"):
            self.digits[digit] = _key(digit, f"amount_key_{digit}")
            grid.addWidget(self.digits[digit], i // 3, i % 3)
        self.separator = _key(",", "amount_key_separator")
        self.digits["0"] = _key("0", "amount_key_0")
        self.delete = _key("\u232b", "amount_key_delete")  # ⌫
        grid.addWidget(self.separator, 3, 0)
        grid.addWidget(self.digits["0"], 3, 1)
        grid.addWidget(self.delete, 3, 2)
        self.clear_key = _key("", "amount_key_clear")
        grid.addWidget(self.clear_key, 4, 0, 1, 3)
        for digit, button in self.digits.items():
            button.clicked.connect(lambda _=False, d=digit: self.press(d))
        self.separator.clicked.connect(lambda: self.press(","))
        self.delete.clicked.connect(self.backspace)
        self.clear_key.clicked.connect(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.display)
        layout.addLayout(grid)
        self.retranslate()

    # -- what was typed ------------------------------------------------------------------------

    def cents(self) -> int | None:
        typed = self._typed.rstrip(",")  # "3," is 3,00 on its way to 3,50
        if not typed:
            return None
        return parse_amount(typed) or None

    def set_cents(self, cents: int) -> None:
        whole, frac = divmod(cents, 100)
        self._typed = f"{whole},{frac:02d}"
        self._changed()

    def press(self, key: str) -> None:
        """One key: a digit or the separator ("," or ".")."""
        typed = self._typed
        whole, sep, frac = typed.partition(",")
        if key in ",.":
            if sep:
                return
            typed = (typed or "0") + ","
        elif key.isdigit() and len(key) == 1:
            if sep:
                if len(frac) >= 2:
                    return
                typed += key
            elif typed == "0":
                typed = key
            elif len(whole) >= MAX_WHOLE_DIGITS:
                return
            else:
                typed += key
        else:
            return
        self._typed = typed
        self._changed()

    def backspace(self) -> None:
        self._typed = self._typed[:-1]
        self._changed()

    def clear(self) -> None:
        self._typed = ""
        self._changed()

    def _changed(self) -> None:
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        lang = self._lang()
        shown = self._typed.replace(",", "," if lang == "nl" else ".")
        self.display.setText(shown or amount_text(0, lang))
        self.display.setAccessibleName(fill(self.tr("Amount: %1"), self.display.text()))

    def retranslate(self) -> None:
        self.separator.setText("," if self._lang() == "nl" else ".")
        self.separator.setAccessibleName(self.tr("Decimal comma"))
        self.delete.setAccessibleName(self.tr("Delete the last digit"))
        self.clear_key.setText(self.tr("Clear"))
        self.clear_key.setAccessibleName(self.tr("Clear the amount"))
        self._show()


class PinPad(Retranslating, QWidget):
    """A keypad for the card holder's PIN (4 to 6 digits), shown as dots, never as digits."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pin = ""
        self.display = QLabel()
        self.display.setObjectName("pin_display")
        self.display.setProperty("text_size", "huge")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.digits: dict[str, QPushButton] = {}
        for i, digit in enumerate("123456789"):
            self.digits[digit] = _key(digit, f"pin_key_{digit}")
            grid.addWidget(self.digits[digit], i // 3, i % 3)
        self.digits["0"] = _key("0", "pin_key_0")
        self.delete = _key("\u232b", "pin_key_delete")
        grid.addWidget(self.digits["0"], 3, 1)
        grid.addWidget(self.delete, 3, 2)
        for digit, button in self.digits.items():
            button.clicked.connect(lambda _=False, d=digit: self.press(d))
        self.delete.clicked.connect(self.backspace)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.display)
        layout.addLayout(grid)
        self.retranslate()

    @property
    def pin(self) -> str:
        return self._pin

    def complete(self) -> bool:
        return PIN_MIN <= len(self._pin) <= PIN_MAX

    def press(self, digit: str) -> None:
        if len(digit) == 1 and digit.isdigit() and len(self._pin) < PIN_MAX:
            self._pin += digit
            self._changed()

    def backspace(self) -> None:
        self._pin = self._pin[:-1]
        self._changed()

    def clear(self) -> None:
        """Forget the PIN (after each try, and whenever the page is left)."""
        self._pin = ""
        self._changed()

    def _changed(self) -> None:
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        self.display.setText(" ".join(DOT * len(self._pin)) or "\u2013")  # – when empty
        self.display.setAccessibleName(
            fill(self.tr("PIN: %1 of 4 to 6 digits"), str(len(self._pin)))
        )

    def retranslate(self) -> None:
        self.delete.setAccessibleName(self.tr("Delete the last digit"))
        self._show()
