"""Kiosk lockdown on a real shell and a real demo device (real ledger, real signed cards, the
hand-scanner path for scans): the window is frameless and full screen, Alt+F4, Ctrl+Q and
friends do nothing (not even a shortcut made for them), closing is refused, and only a
kiosk-staff or inspector card with its PIN opens it; a resident's card, an unknown card, a
desk volunteer's card and a wrong PIN do not, and three wrong PINs block the staff card.
`python -m kiosk --kiosk` starts locked and logs it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.cli import build_parser
from kiosk.config import parse_config
from kiosk.core.cards import CardKind, issue_card, new_serial
from kiosk.core.crypto import load_or_create_key
from kiosk.db import models as m
from kiosk.db import registry as reg
from kiosk.db.ops_queries import read_only
from kiosk.db.pin_queries import store_pin_hash
from kiosk.demo import MUNICIPALITY_DEMO_KEY, seed_demo
from kiosk.device import open_device
from kiosk.ops.device import DeviceOptions
from kiosk.ops.pins import hash_pin
from kiosk.ui.lockdown import ExitPage, Lockdown
from kiosk.ui.screens.resident import ResidentKioskScreen
from kiosk.ui.shell import Shell, build_shell
from kiosk.ui.sounds import SoundPlayer
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, Theme, check_sizes
from tests.ui.shell_support import WAIT_MS, App

ROOT = Path(__file__).resolve().parents[2]
KIOSK_PIN = "1234"
DESK_PIN = "5678"
INSPECTOR_PIN = "2468"

# The quit keys as QTest can send them: (key, modifiers).
_A, _C, _N = (
    Qt.KeyboardModifier.AltModifier,
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.NoModifier,
)
QUIT_KEYS = [
    (Qt.Key.Key_F4, _A),
    (Qt.Key.Key_Q, _C),
    (Qt.Key.Key_W, _C),
    (Qt.Key.Key_F4, _C),
    (Qt.Key.Key_Escape, _N),
    (Qt.Key.Key_F11, _N),
    (Qt.Key.Key_Tab, _A),
    (Qt.Key.Key_Escape, _A),
    (Qt.Key.Key_Backspace, _C | _A),
    (Qt.Key.Key_Delete, _C | _A),
    (Qt.Key.Key_F1, _C | _A),
    (Qt.Key.Key_Meta, _N),
    (Qt.Key.Key_Super_L, _N),
    (Qt.Key.Key_D, Qt.KeyboardModifier.MetaModifier),
]


@dataclass(frozen=True)
class Cards:
    """Signed QR payloads of the cards the tests scan."""

    kiosk_staff: str
    inspector: str
    desk: str
    resident: str
    unknown: str  # signed by the municipality, but this device has never heard of it


def seed(data_dir: Path) -> Cards:
    """The demo ledger, plus a kiosk-staff member's and a desk volunteer's staff cards, and a
    PIN for each of them and for the demo's inspector (as the snapshot would bring them)."""
    handle = open_device(data_dir)
    try:
        seed_demo(handle.store, data_dir)
        key = load_or_create_key(data_dir / MUNICIPALITY_DEMO_KEY)
        today = dt.date.today()
        now = handle.store.clock.now_ms()
        payloads: dict[str, str] = {}
        with handle.store.transaction() as conn:
            for staff_id, role, pin in (
                ("staff-kiosk-9", "kiosk-staff", KIOSK_PIN),  # not the demo's own
                ("staff-desk-2", "desk", DESK_PIN),
            ):
                reg.add_staff(conn, staff_id, f"Medewerker {role}", role)
                card = issue_card(key, CardKind.STAFF, new_serial(CardKind.STAFF), today)
                reg.add_card(
                    conn, card.serial, str(card.kind), card.payload, today, staff_id=staff_id
                )
                store_pin_hash(conn, card.serial, hash_pin(pin), now)
                payloads[role] = card.payload
            inspector = conn.execute(
                select(m.Card.serial, m.Card.payload).where(m.Card.staff_id == "staff-insp-1")
            ).one()
            store_pin_hash(conn, inspector.serial, hash_pin(INSPECTOR_PIN), now)
        with read_only(handle.engine) as conn:
            resident = conn.execute(
                select(m.Card.payload).where(m.Card.resident_id == "res-002")
            ).scalar_one()
        unknown = issue_card(key, CardKind.STAFF, new_serial(CardKind.STAFF), today).payload
    finally:
        handle.close()
    return Cards(payloads["kiosk-staff"], inspector.payload, payloads["desk"], resident, unknown)


@dataclass
class Locked:
    shell: Shell
    lockdown: Lockdown
    cards: Cards
    qtbot: QtBot

    @property
    def page(self) -> ExitPage:
        return self.lockdown.exit_page


@contextlib.contextmanager
def lock_down(qtbot: QtBot, app: App, data_dir: Path, *, idle_ms: int = 60_000) -> Iterator[Locked]:
    cards = seed(data_dir)
    shell = build_shell(
        data_dir,
        DeviceOptions(demo_role="resident-kiosk", demo_neighbourhood="grasbroek"),
        translations=app.translations,
        themes=app.themes,
        sounds=SoundPlayer(find=False),
    )
    lockdown = Lockdown(shell, hide_cursor="always", idle_ms=idle_ms)
    try:
        lockdown.lock()
        qtbot.waitExposed(shell)
        qtbot.waitUntil(lambda: shell.is_ready, timeout=WAIT_MS)
        yield Locked(shell, lockdown, cards, qtbot)
    finally:
        lockdown.release()
        shell.close()
        shell.deleteLater()


@pytest.fixture
def locked(qtbot: QtBot, app: App, tmp_path: Path) -> Iterator[Locked]:
    with lock_down(qtbot, app, tmp_path / "kiosk") as ready:
        yield ready


def scan(locked: Locked, payload: str) -> None:
    """A card through the hand-scanner path; waits until the exit page has dealt with it."""
    page = locked.page
    page.error = None
    locked.shell.scan.scanned(payload)
    locked.qtbot.waitUntil(
        lambda: page.busy is None and (page.error is not None or page.member is not None),
        timeout=WAIT_MS,
    )


def type_pin(locked: Locked, pin: str) -> None:
    page = locked.page
    for digit in pin:
        page.pad.press(digit)
    assert page.go.isEnabled()
    page.go.click()
    locked.qtbot.waitUntil(lambda: page.busy in (None, "leaving"), timeout=WAIT_MS)


# -- locked -------------------------------------------------------------------------------------


def test_locked_the_window_is_frameless_full_screen_and_the_pointer_hidden(
    locked: Locked,
) -> None:
    shell = locked.shell
    assert shell.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert shell.isFullScreen()
    cursor = QGuiApplication.overrideCursor()
    assert cursor is not None and cursor.shape() == Qt.CursorShape.BlankCursor
    assert locked.lockdown.staff_button.isVisible()
    locked.lockdown.release()
    assert QGuiApplication.overrideCursor() is None


def test_the_quit_keys_do_nothing_wherever_the_focus_is(locked: Locked) -> None:
    shell = locked.shell
    quits: list[int] = []
    # A shortcut made for the very keys (as a careless widget might have): it must not fire.
    for seq in ("Ctrl+Q", "Ctrl+W", "Alt+F4", "Esc"):
        shortcut = QShortcut(QKeySequence(seq), shell)
        shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        shortcut.activated.connect(lambda: quits.append(1))
    targets: list[QWidget] = [shell, shell.role_screen, shell.language_button]
    focus = QGuiApplication.focusObject()
    if isinstance(focus, QWidget):
        targets.append(focus)
    for target in targets:
        for key, mods in QUIT_KEYS:
            QTest.keyClick(target, key, mods)
    assert shell.isVisible() and shell.isFullScreen()
    assert not quits
    assert locked.lockdown.keys.ignored >= len(QUIT_KEYS) * len(targets)
    assert isinstance(shell.role_screen, ResidentKioskScreen)
    assert shell.stack.currentWidget() is shell.role_screen
    # Unlocked, the same shortcut does fire: the test above has teeth.
    locked.lockdown.release()
    QTest.keyClick(shell, Qt.Key.Key_Q, _C)
    assert quits


def test_closing_the_window_is_refused_while_locked(locked: Locked) -> None:
    shell = locked.shell
    stopped: list[bool] = []
    shell.closed.connect(lambda: stopped.append(True))
    assert shell.close() is False
    assert shell.isVisible() and not stopped
    # The device still works: a resident's card still reaches the exit page's check.
    locked.lockdown.ask_exit()
    scan(locked, locked.cards.resident)
    assert locked.page.error is not None


# -- the staff exit -----------------------------------------------------------------------------


def test_the_staff_button_brings_the_exit_page_and_it_takes_the_scans(locked: Locked) -> None:
    shell, lockdown = locked.shell, locked.lockdown
    lockdown.staff_button.click()
    assert shell.stack.currentWidget() is lockdown.exit_page
    assert not lockdown.staff_button.isVisible()
    assert not locked.page.pad.isVisible()  # first the card
    scan(locked, locked.cards.kiosk_staff)
    assert locked.page.member is not None and locked.page.member.role == "kiosk-staff"
    assert locked.page.pad.isVisible()
    locked.page.cancel.click()
    assert shell.stack.currentWidget() is shell.role_screen
    assert locked.page.member is None  # forgotten
    assert lockdown.staff_button.isVisible() and lockdown.locked


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ("resident", "not_a_staff_card"),
        ("unknown", "not_a_staff_card"),
        ("desk", "staff_wrong_role"),
    ],
)
def test_other_cards_do_not_open_it(locked: Locked, app: App, card: str, code: str) -> None:
    locked.lockdown.staff_button.click()
    scan(locked, getattr(locked.cards, card))
    page = locked.page
    assert page.error is not None and page.error.code == code
    assert page.member is None and not page.pad.isVisible()
    assert page.message.text() == page.error.message(app.translations.lang)
    assert locked.lockdown.locked and locked.shell.isVisible()


def test_a_wrong_pin_does_not_open_it_and_says_so_in_both_languages(
    locked: Locked, app: App
) -> None:
    locked.lockdown.staff_button.click()
    scan(locked, locked.cards.kiosk_staff)
    type_pin(locked, "9999")
    page = locked.page
    assert page.error is not None and page.error.code == "pin_wrong"
    assert page.message.text() == page.error.message("nl")
    app.translations.switch("en")
    english = page.error.message("en")
    locked.qtbot.waitUntil(lambda: page.message.text() == english, timeout=WAIT_MS)
    assert page.pad.pin == ""  # not kept
    assert locked.lockdown.locked and locked.shell.isVisible()


@pytest.mark.parametrize(
    ("card", "pin"), [("kiosk_staff", KIOSK_PIN), ("inspector", INSPECTOR_PIN)]
)
def test_a_staff_card_with_its_pin_leaves_kiosk_mode(
    locked: Locked, qtbot: QtBot, card: str, pin: str
) -> None:
    shell = locked.shell
    locked.lockdown.staff_button.click()
    scan(locked, getattr(locked.cards, card))
    type_pin(locked, "0000")  # one wrong try first: it does not spoil the right one
    assert locked.page.error is not None
    with qtbot.waitSignal(shell.closed, timeout=WAIT_MS):
        type_pin(locked, pin)
    assert not locked.lockdown.locked
    assert not shell.isVisible()
    assert QGuiApplication.overrideCursor() is None


def test_three_wrong_pins_block_the_staff_card(locked: Locked) -> None:
    locked.lockdown.staff_button.click()
    scan(locked, locked.cards.kiosk_staff)
    codes = []
    for wrong in ("1111", "2222", "3333"):
        type_pin(locked, wrong)
        assert locked.page.error is not None
        codes.append(locked.page.error.code)
    assert codes == ["pin_wrong", "pin_wrong", "pin_blocked"]
    assert locked.page.member is None  # back to "scan a staff card"
    # Even the right PIN does not open it now.
    locked.shell.scan.forget()
    scan(locked, locked.cards.kiosk_staff)
    type_pin(locked, KIOSK_PIN)
    assert locked.page.error is not None and locked.page.error.code == "pin_blocked"
    assert locked.lockdown.locked and locked.shell.isVisible()


def test_walking_away_from_the_exit_page_goes_back_to_the_role_screen(
    qtbot: QtBot, app: App, tmp_path: Path
) -> None:
    with lock_down(qtbot, app, tmp_path / "kiosk", idle_ms=200) as locked:
        shell = locked.shell
        locked.lockdown.staff_button.click()
        shell.scan.scanned(locked.cards.kiosk_staff)  # a card, and then nobody types
        qtbot.waitUntil(lambda: shell.stack.currentWidget() is shell.role_screen, timeout=WAIT_MS)
        assert locked.page.member is None and locked.lockdown.locked


@pytest.mark.parametrize("theme", [NORMAL, HIGH_CONTRAST], ids=lambda t: t.name)
def test_the_exit_page_and_the_staff_button_are_big_enough_to_touch(
    locked: Locked, app: App, theme: Theme
) -> None:
    if app.themes.theme is not theme:
        app.themes.toggle()
    shell = locked.shell
    assert check_sizes(shell) == []  # the staff button among them
    locked.lockdown.staff_button.click()
    assert check_sizes(shell) == []
    scan(locked, locked.cards.kiosk_staff)
    type_pin(locked, "9999")  # the PIN pad, the buttons and an error's words
    assert locked.page.message.isVisible()
    assert check_sizes(shell) == []


# -- configuration and the command line ---------------------------------------------------------


def test_kiosk_mode_is_a_flag_and_two_configuration_keys() -> None:
    assert build_parser().parse_args(["--kiosk"]).kiosk is True
    assert build_parser().parse_args([]).kiosk is False
    config, problems = parse_config({"kiosk_mode": True, "hide_cursor": "always"})
    assert not problems and config.kiosk_mode and config.hide_cursor == "always"
    _, problems = parse_config({"kiosk_mode": "ja", "hide_cursor": "sometimes"})
    assert sorted(p.key for p in problems) == ["hide_cursor", "kiosk_mode"]
    assert "touch, always or never" in next(
        p.message("en") for p in problems if p.key == "hide_cursor"
    )


def test_the_app_starts_locked_with_kiosk(tmp_path: Path) -> None:
    """The real program: `python -m kiosk --kiosk` on a demo ledger, offscreen, quits after a
    moment (quit_after_s releases the lock); its log says the lockdown was on."""
    data_dir = tmp_path / "kiosk"
    seed(data_dir)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    args = ["--data-dir", str(data_dir), "--role", "resident-kiosk", "--neighbourhood"]
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "grasbroek", "--kiosk", "--quit-after", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    log = (data_dir / "logs" / "heitje.log").read_text(encoding="utf-8")
    assert "lockdown on: full screen, frameless" in log
    assert "lockdown off" in log
