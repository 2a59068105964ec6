"""`python -m kiosk screenshots DIR`: every screen and page of both roles, in both languages,
on the demo data, offscreen, as PNG files named `<role>-<page>-<lang>.png`.

Each (role, language) gets a fresh copy of one seeded demo ledger (kiosk/demo.py) and a device
that was never enrolled (`demo_role`), in its own `Shell`. The screens are driven only through
their public contract: `on_card(serial)` for a scan, and clicks on their buttons found by object
name, as a person would touch them. A page that cannot be reached that way is reported in
`Run.missed` (and the command exits 1), never faked.

    run = render_screenshots(Path("shots"))             # -> Run(paths=[...], missed=[...])
    run = render_screenshots(tmp, on_page=check)         # tests: check(shell, role, page, lang)

The pages:

| role | pages |
|---|---|
| resident-kiosk | home, keypad, resident |
| merchant-counter | amount, scan, confirm, pin, paid, refused, day, refund, summary |
| klusbox-desk | home, resident, lend, override, return |
| inspector | locked, pin, claims, reject, decided, refused |

The demo's work in progress (kiosk/demo.py `add_demo_work`) gives the inspector two claims
done in Grasbroek, decided through its screen with the demo's staff card and PIN, and the desk
a second Grasbroek box and the first lent to Annie ten days ago, due three days ago: the home
page lists it overdue, Annie's new loan needs a staff card, and its label opens the return.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.core.errors import HeitjeError, Lang
from kiosk.demo import (
    DEMO_STAFF_PIN,
    OVERDUE_BOX,
    OVERDUE_RESIDENT,
    RESIDENTS,
    SECOND_BOX_LABEL,
    add_demo_work,
    card_serials,
    seed_demo,
)
from kiosk.device import open_device
from kiosk.ops.context import OpsConfig
from kiosk.ops.device import DeviceOptions
from kiosk.ui.i18n import LANGUAGES, Translations
from kiosk.ui.shell import Shell, build_shell
from kiosk.ui.sounds import SoundPlayer
from kiosk.ui.theme import NORMAL, Theme, Themes

__all__ = [
    "COUNTER_PAGES",
    "DESK_PAGES",
    "INSPECTOR_PAGES",
    "KIOSK_PAGES",
    "ROLES",
    "Run",
    "demo_serials",
    "render_screenshots",
]

KIOSK: Final = "resident-kiosk"
COUNTER: Final = "merchant-counter"
DESK: Final = "klusbox-desk"
INSPECTOR: Final = "inspector"
ROLES: Final = (KIOSK, COUNTER, DESK, INSPECTOR)
DESK_PAGES: Final = ("home", "resident", "lend", "override", "return")
KIOSK_PAGES: Final = ("home", "keypad", "resident")
INSPECTOR_PAGES: Final = ("locked", "pin", "claims", "reject", "decided", "refused")
COUNTER_PAGES: Final = (
    "amount",
    "scan",
    "confirm",
    "pin",
    "paid",
    "refused",
    "day",
    "refund",
    "summary",
)
SIZE: Final = (1280, 800)
WAIT_S: Final = 30.0  # a page that does not come within this is missed (only a fault hits it)
DEMO_MERCHANT: Final = "mer-bakker"
DEMO_NEIGHBOURHOOD: Final = "grasbroek"
PIN: Final = "2580"
# A PIN pad shows above this (the demo's balances are all under the real 10,00 threshold).
PIN_THRESHOLD: Final = 200

OnPage = Callable[[Shell, str, str, Lang], None]


class Missed(Exception):
    """A page the contract could not reach."""


@dataclass
class Run:
    paths: list[Path] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # "<role>-<page>-<lang>: why"


def demo_serials() -> dict[str, str]:
    """The card serial of each demo resident (kiosk/demo.py card_serials), by name."""
    serials = card_serials().residents
    return {name: serials[rid] for rid, name, _nid in RESIDENTS}


def render_screenshots(
    directory: Path,
    *,
    roles: tuple[str, ...] = ROLES,
    langs: tuple[Lang, ...] = LANGUAGES,
    theme: Theme = NORMAL,
    on_page: OnPage | None = None,
    translations: Translations | None = None,
    themes: Themes | None = None,
) -> Run:
    """Render every page of `roles` in `langs` to `directory` (made if missing). In a running
    app, pass its `translations` and `themes`: they are switched as needed and put back."""
    directory.mkdir(parents=True, exist_ok=True)
    app = _app()
    own_translations = translations is None
    translations = translations or Translations(app, langs[0])
    own_themes = themes is None
    themes = themes or Themes(app, theme)
    lang_before, theme_before = translations.lang, themes.theme
    if themes.theme is not theme:
        themes.toggle()
    run = Run()
    try:
        with tempfile.TemporaryDirectory(prefix="heitje-shots-") as tmp:
            seeded = Path(tmp) / "seeded"
            _seed(seeded)
            for role in roles:
                for lang in langs:
                    translations.switch(lang)
                    data_dir = Path(tmp) / f"{role}-{lang}"
                    shutil.copytree(seeded, data_dir)
                    _render_role(
                        translations, themes, data_dir, role, lang, directory, run, on_page
                    )
    finally:
        translations.switch(lang_before)
        if themes.theme is not theme_before:
            themes.toggle()
        if own_translations:
            translations.uninstall()
            translations.deleteLater()
        if own_themes:
            themes.deleteLater()
    return run


# -- the walk ----------------------------------------------------------------------------------


def _render_role(
    translations: Translations,
    themes: Themes,
    data_dir: Path,
    role: str,
    lang: Lang,
    directory: Path,
    run: Run,
    on_page: OnPage | None,
) -> None:
    options = DeviceOptions(
        demo_role=role,
        demo_merchant=DEMO_MERCHANT if role == COUNTER else None,
        demo_neighbourhood=DEMO_NEIGHBOURHOOD if role in (KIOSK, DESK, INSPECTOR) else None,
        printer=f"pdf:{data_dir / 'receipts'}",
        config=OpsConfig(pin_threshold=PIN_THRESHOLD),
    )
    shell = build_shell(
        data_dir,
        options,
        translations=translations,
        themes=themes,
        sounds=SoundPlayer(find=False),
    )
    try:
        shell.resize(*SIZE)
        shell.show()
        _wait(lambda: shell.is_ready, "the first paint")
        walks: dict[str, type[_Walk]] = {
            KIOSK: _KioskWalk,
            COUNTER: _CounterWalk,
            DESK: _DeskWalk,
            INSPECTOR: _InspectorWalk,
        }
        walk = walks[role](shell)
        for page, reach in walk.steps():
            name = f"{role}-{page}-{lang}"
            try:
                reach()
                _settle(shell)
            except Missed as exc:
                run.missed.append(f"{name}: {exc}")
                continue
            if on_page is not None:
                on_page(shell, role, page, lang)
            path = directory / f"{name}.png"
            if not shell.grab().save(str(path), "PNG"):
                run.missed.append(f"{name}: the PNG could not be written to {path}")
                continue
            run.paths.append(path)
    finally:
        shell.close()
        shell.shutdown()
        shell.deleteLater()
        QCoreApplication.sendPostedEvents()


class _Walk:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.screen = shell.role_screen
        self.serials = demo_serials()

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        raise NotImplementedError

    def find(self, name: str) -> QWidget:
        """The widget named `name` (the one on screen, when several pages have one)."""
        found = self.screen.findChildren(QWidget, name)
        if not found:
            raise Missed(f"the screen has no widget named {name!r}")
        return next((w for w in found if w.isVisible()), found[0])

    def click(self, name: str) -> None:
        """Touch the button named `name` once it is on screen and enabled."""
        self.find(name)

        def ready() -> QAbstractButton | None:
            buttons = self.screen.findChildren(QAbstractButton, name)
            return next((b for b in buttons if b.isVisible() and b.isEnabled()), None)

        _wait(ready, f"button {name!r}")
        button = ready()
        assert button is not None
        button.click()

    def shown(self, name: str) -> None:
        """Wait until the page named `name` is on screen."""
        self.find(name)
        _wait(
            lambda: any(w.isVisible() for w in self.screen.findChildren(QWidget, name)),
            f"page {name!r}",
        )

    def card(self, resident: str) -> None:
        on_card = getattr(self.screen, "on_card", None)
        if not callable(on_card):
            raise Missed("the screen has no on_card()")
        on_card(self.serials[resident])


class _KioskWalk(_Walk):
    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [("home", self.home), ("keypad", self.keypad), ("resident", self.resident)]

    def home(self) -> None:
        self.shown("home_page")

    def keypad(self) -> None:
        self.click("open_keypad")
        self.shown("serial_keypad")

    def resident(self) -> None:
        self.click("keypad_cancel")
        self.shown("home_page")
        self.card("Annie Hendriks")
        self.shown("resident_page")
        balance = self.find("balance")
        _wait(lambda: bool(getattr(balance, "text", lambda: "")()), "the balance")


class _CounterWalk(_Walk):
    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("amount", self.amount),
            ("scan", self.scan),
            ("confirm", self.confirm),
            ("paid", self.paid),
            ("pin", self.pin),
            ("refused", self.refused),
            ("day", self.day),
            ("refund", self.refund),
            ("summary", self.summary),
        ]

    def type_amount(self, keys: str) -> None:
        self.shown("page_amount")
        for key in keys:
            self.click("amount_key_separator" if key == "," else f"amount_key_{key}")

    def amount(self) -> None:
        self.type_amount("3,5")

    def scan(self) -> None:
        self.click("to_scan")
        self.shown("page_scan")

    def confirm(self) -> None:
        self.card("Annie Hendriks")
        self.shown("page_confirm")

    def paid(self) -> None:
        self.click("confirm_go")
        self.shown("page_result")

    def pin(self) -> None:
        self._set_pin("Fatma Yilmaz")
        self.click("result_next")
        self.type_amount("4")
        self.click("to_scan")
        self.card("Fatma Yilmaz")
        self.shown("page_confirm")
        self.click("confirm_go")
        self.shown("page_pin")

    def refused(self) -> None:
        self.click("pin_cancel")
        self.type_amount("9")
        self.click("to_scan")
        self.card("Jo Ubachs")  # 3,00 to spend
        self.shown("page_result")

    def day(self) -> None:
        self.click("result_next")
        self.shown("page_amount")
        self.click("to_day")
        self.shown("page_day")
        _wait(lambda: self._refund_button() is not None, "the day's payments")

    def refund(self) -> None:
        button = self._refund_button()
        if button is None:
            raise Missed("no refundable payment on the day's list")
        button.click()
        self.shown("page_refund")

    def summary(self) -> None:
        self.click("refund_cancel")
        self.shown("page_day")
        self.click("day_summary")
        self.shown("page_summary")

    def _refund_button(self) -> QAbstractButton | None:
        for button in self.screen.findChildren(QAbstractButton, "day_row_refund"):
            if button.isVisible() and button.isEnabled():
                return button
        return None

    def _set_pin(self, resident: str) -> None:
        """The PIN pad shows for a card with a PIN: give one card a PIN through the op a kiosk
        or counter uses (`set_pin`)."""
        counter = self.shell.device.counter
        if counter is None:
            raise Missed("the device has no counter ops")
        outcome: list[object] = []
        counter.set_pin(self.serials[resident], PIN).success(outcome.append).failure(outcome.append)
        _wait(lambda: bool(outcome), "the PIN to be set")
        if isinstance(outcome[0], HeitjeError):
            raise Missed(f"the PIN was not set: {outcome[0].en}")


class _DeskWalk(_Walk):
    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("home", self.home),
            ("resident", self.resident),
            ("lend", self.lend),
            ("override", self.override),
            ("return", self.take_back),
        ]

    def scan(self, serial: str) -> None:
        on_card = getattr(self.screen, "on_card", None)
        if not callable(on_card):
            raise Missed("the screen has no on_card()")
        on_card(serial)

    def home(self) -> None:
        self.shown("desk_page_home")
        _wait(lambda: self._overdue_listed(), "the overdue list")

    def _overdue_listed(self) -> bool:
        return any(w.objectName().startswith("overdue_") for w in self.screen.findChildren(QWidget))

    def resident(self) -> None:
        self.card(OVERDUE_RESIDENT)
        self.shown("desk_page_resident")

    def lend(self) -> None:
        self.scan(SECOND_BOX_LABEL)
        self.shown("desk_page_lend")
        self.find("lend_override")

    def override(self) -> None:
        self.click("lend_override")
        self.shown("desk_page_override")

    def take_back(self) -> None:
        self.click("override_cancel")
        self.shown("desk_page_lend")
        self.click("lend_cancel")
        self.shown("desk_page_resident")
        self.click("desk_resident_done")
        self.shown("desk_page_home")
        self.scan(card_serials().labels[OVERDUE_BOX])
        self.shown("desk_page_return")


class _InspectorWalk(_Walk):
    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("locked", lambda: self.shown("inspector_page_locked")),
            ("pin", self.pin),
            ("claims", self.claims),
            ("reject", self.reject),
            ("decided", self.decided),
            ("refused", self.refused),
        ]

    def pin(self) -> None:
        on_card = getattr(self.screen, "on_card", None)
        if not callable(on_card):
            raise Missed("the screen has no on_card()")
        on_card(card_serials().staff["staff-insp-1"])
        self.shown("inspector_page_pin")
        for digit in DEMO_STAFF_PIN[:-1]:  # the dots of all but the last digit show
            self.click(f"pin_key_{digit}")

    def claims(self) -> None:
        self.click(f"pin_key_{DEMO_STAFF_PIN[-1]}")
        self.click("inspector_pin_go")
        self.shown("inspector_page_claims")
        _wait(lambda: self.screen.findChildren(QWidget, "inspector_claim"), "a claim")

    def reject(self) -> None:
        self.click("inspector_reject")
        self.shown("inspector_page_reject")
        self.click("inspector_reason_not_done_well")

    def decided(self) -> None:
        self.click("inspector_reject_go")
        self.shown("inspector_page_claims")
        self.click("inspector_to_decided")
        self.shown("inspector_page_decided")
        _wait(lambda: self.screen.findChildren(QWidget, "inspector_decided_what"), "a decision")

    def refused(self) -> None:
        self.click("inspector_to_refused")
        self.shown("inspector_page_refused")


# -- helpers -----------------------------------------------------------------------------------


def _seed(data_dir: Path) -> None:
    handle = open_device(data_dir)
    try:
        seed_demo(handle.store, data_dir)
    finally:
        handle.close()
    add_demo_work(data_dir)


def _app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.ui.app import application

    return application()


def _wait(condition: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise Missed(f"{what} did not come within {timeout_s:g} s")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)


def _settle(shell: Shell) -> None:
    """Let the posted events (language changes, layouts, the status bar's answer) run."""
    _wait(lambda: shell.status_bar.status is not None, "the status bar")
    for _ in range(5):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
