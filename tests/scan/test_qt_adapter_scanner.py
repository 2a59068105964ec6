"""ScannerInput holds back keys that might be a hand scan: a scan's keystrokes never land in a
text field, and a person's keys reach it in order. Real Qt (offscreen), a real QLineEdit, key
events through the window as the keyboard sends them, timed by an injected clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from kiosk.scan.qt_adapter import ScannerInput
from kiosk.scan.wedge import WedgeRecogniser

SCANNER_GAP_MS = 4.0  # a USB scanner
PERSON_GAP_MS = 140.0  # a person, quick
NO_TIMER_MS = 600_000  # a hold that only the clock ends (the timer never fires in the test)


class ClockMs:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Keyboard:
    """Types on a window as the keyboard does, moving the clock on after every key."""

    def __init__(self, window: QWindow, clock: ClockMs) -> None:
        self.window = window
        self.clock = clock

    def type(self, text: str, gap_ms: float, *, enter: bool = False) -> None:
        for ch in text:
            if ch.isalpha() and ch.isupper():
                QTest.keyClick(self.window, Qt.Key(ord(ch)), Qt.KeyboardModifier.ShiftModifier)
            else:
                QTest.keyClick(self.window, ch)  # type: ignore[call-overload]
            self.clock.now += gap_ms
        if enter:
            self.press(Qt.Key.Key_Return)
            self.clock.now += gap_ms

    def press(self, key: Qt.Key) -> None:
        QTest.keyClick(self.window, key)


@pytest.fixture
def field(qtbot: QtBot) -> QLineEdit:
    widget = QLineEdit()
    widget.setObjectName("serial_field")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.setFocus()
    return widget


@pytest.fixture
def clock() -> ClockMs:
    return ClockMs()


@pytest.fixture
def keyboard(field: QLineEdit, clock: ClockMs) -> Keyboard:
    window = field.windowHandle()
    assert window is not None
    return Keyboard(window, clock)


def scanner_input(clock: ClockMs, hold_ms: int = NO_TIMER_MS) -> Iterator[ScannerInput]:
    scanner = ScannerInput(WedgeRecogniser(max_gap_ms=30), clock_ms=clock, hold_ms=hold_ms)
    scanner.install()
    try:
        yield scanner
    finally:
        scanner.uninstall()


@pytest.fixture
def scanner(clock: ClockMs) -> Iterator[ScannerInput]:
    yield from scanner_input(clock)


def collect(field: QLineEdit, scanner: ScannerInput) -> tuple[list[str], list[str]]:
    scans: list[str] = []
    returns: list[str] = []
    scanner.scanned.connect(scans.append)
    field.returnPressed.connect(lambda: returns.append(field.text()))
    return scans, returns


def test_a_scan_types_nothing_into_the_field(
    field: QLineEdit, keyboard: Keyboard, scanner: ScannerInput
) -> None:
    scans, returns = collect(field, scanner)
    keyboard.type("HT1:R-7Q2K-93XW", SCANNER_GAP_MS, enter=True)
    assert scans == ["ht1:r-7q2k-93xw"]  # QTest's key events carry lower-case text
    assert field.text() == ""  # not one character of the scan reached the field
    assert returns == []  # nor its Enter
    assert scanner.holding == 0


def test_a_person_typing_reaches_the_field_in_order(
    field: QLineEdit, keyboard: Keyboard, scanner: ScannerInput
) -> None:
    scans, returns = collect(field, scanner)
    keyboard.type("r-1234567", PERSON_GAP_MS)
    # Every key but the last is handed on once the next one comes slowly; the last is held.
    assert field.text() == "r-123456"
    assert scanner.holding > 0
    keyboard.press(Qt.Key.Key_Return)
    assert returns == ["r-1234567"]  # the held key first, then the Enter
    assert scans == []
    assert scanner.holding == 0


def test_what_a_person_typed_before_a_scan_stays_and_the_scan_does_not_add_to_it(
    field: QLineEdit, keyboard: Keyboard, scanner: ScannerInput, clock: ClockMs
) -> None:
    scans, returns = collect(field, scanner)
    keyboard.type("abc", PERSON_GAP_MS)
    clock.now += PERSON_GAP_MS
    keyboard.type("HT1:R-AAAA-BBBB", SCANNER_GAP_MS, enter=True)
    assert scans == ["ht1:r-aaaa-bbbb"]
    assert field.text() == "abc"
    assert returns == []


def test_a_key_that_cannot_be_in_a_scan_comes_after_the_held_ones(
    field: QLineEdit, keyboard: Keyboard, scanner: ScannerInput
) -> None:
    keyboard.type("xyz", SCANNER_GAP_MS)  # fast: held, it might be a scan
    assert field.text() == "" and scanner.holding > 0
    keyboard.press(Qt.Key.Key_Backspace)  # a person correcting: the held keys first
    assert field.text() == "xy"
    assert scanner.holding == 0


def test_a_short_fast_burst_with_enter_is_a_person(
    field: QLineEdit, keyboard: Keyboard, scanner: ScannerInput
) -> None:
    scans, returns = collect(field, scanner)
    keyboard.type("42", SCANNER_GAP_MS, enter=True)  # under the scan's minimum length
    assert scans == []
    assert returns == ["42"]


def test_held_keys_are_handed_on_when_no_key_follows(
    qtbot: QtBot, field: QLineEdit, keyboard: Keyboard, clock: ClockMs
) -> None:
    for scanner in scanner_input(clock, hold_ms=40):
        keyboard.type("hallo", SCANNER_GAP_MS)  # a fast burst with no Enter: rollover
        assert field.text() == ""
        qtbot.waitUntil(lambda: field.text() == "hallo", timeout=10_000)
        assert scanner.holding == 0


def test_uninstalling_hands_on_what_is_held(
    field: QLineEdit, keyboard: Keyboard, clock: ClockMs
) -> None:
    for _scanner in scanner_input(clock):
        keyboard.type("ab", SCANNER_GAP_MS)
        assert field.text() == ""
    assert field.text() == "ab"  # nothing typed is lost when scanning stops
