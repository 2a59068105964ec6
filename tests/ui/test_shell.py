"""The shell on real devices (real ledger files, the real scan pipeline fed from image files):
the role picks the screen, every screen has the top bar and the status bar, a good and a refused
scan each play their sound, only the screen in front takes scans, closing the window leaves
nothing running; and the walk over every page of every role, in both languages and both themes,
that fails on any text not translated and on any text or control too small."""

from __future__ import annotations

import shutil
import threading
from functools import partial
from pathlib import Path

import cv2
import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.core.clock import FixedClock
from kiosk.core.errors import HeitjeError
from kiosk.db import models as m
from kiosk.db.engine import DB_FILENAME
from kiosk.db.ops_queries import read_only
from kiosk.demo import RESIDENTS, seed_demo
from kiosk.device import open_device
from kiosk.ops.device import DeviceOptions
from kiosk.paths import DEVICE_KEY_FILE
from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.screens.counter import CounterScreen
from kiosk.ui.screens.desk import DeskScreen
from kiosk.ui.screens.inspector import InspectorScreen
from kiosk.ui.screens.resident import ResidentKioskScreen
from kiosk.ui.screenshots import demo_serials, render_screenshots
from kiosk.ui.shell import NoScreenPage, Shell, build_shell
from kiosk.ui.sounds import SoundPlayer
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, THEMES, Theme, check_sizes
from tests.conftest import QR_PHOTOS
from tests.ops.conftest import seed_local
from tests.scan.scan_helpers import IMAGE_SUFFIXES, load_image
from tests.scan.test_scan_qt import card_in_scene
from tests.server.conftest import NOW
from tests.ui.shell_support import WAIT_MS, App, app, played, recording_player, untranslated

__all__ = ["app"]  # the fixture, imported

THREADS = ("heitje-", "kiosk-sync", "scan-")  # the threads a device and its window start


def our_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith(THREADS) and t.is_alive()}


def open_shell(
    qtbot: QtBot,
    app: App,
    data_dir: Path,
    role: str,
    sounds: SoundPlayer | None = None,
    **opts: object,
) -> Shell:
    merchant = "m-1" if role == "merchant-counter" else None
    if role == "merchant-counter" and not (data_dir / "ledger.sqlite3").exists():
        seed_local(data_dir, FixedClock(NOW))
    options = DeviceOptions(demo_role=role, demo_merchant=merchant, **opts)  # type: ignore[arg-type]
    shell = build_shell(
        data_dir,
        options,
        translations=app.translations,
        themes=app.themes,
        sounds=sounds or SoundPlayer(find=False),
    )
    qtbot.addWidget(shell)
    return shell


FROZEN = Path(__file__).resolve().parents[1] / "data" / "ledgers"


def open_unbound_counter(qtbot: QtBot, app: App, data_dir: Path) -> Shell:
    """The frozen counter of schema 0002 (tests/data/ledgers), enrolled before certificates
    named the shop: the real way a device ends up without the work of its role."""
    data_dir.mkdir(mode=0o700)
    for name in (DB_FILENAME, DEVICE_KEY_FILE):
        shutil.copyfile(FROZEN / "0002" / "counter" / name, data_dir / name)
    (data_dir / DEVICE_KEY_FILE).chmod(0o600)
    shell = build_shell(
        data_dir,
        DeviceOptions(sync=False),
        translations=app.translations,
        themes=app.themes,
        sounds=SoundPlayer(find=False),
    )
    qtbot.addWidget(shell)
    return shell


def show(qtbot: QtBot, shell: Shell) -> None:
    shell.show()
    qtbot.waitExposed(shell)
    qtbot.waitUntil(lambda: shell.is_ready and shell.status_bar.status is not None, timeout=WAIT_MS)


def seeded_demo(data_dir: Path) -> dict[str, str]:
    """The demo ledger in `data_dir`; its residents' card serials by name, read from it (and
    they are the ones the screenshots take: demo_serials())."""
    handle = open_device(data_dir)
    try:
        seed_demo(handle.store, data_dir)
        with read_only(handle.engine) as conn:
            rows = conn.execute(select(m.Card.resident_id, m.Card.serial)).all()
    finally:
        handle.close()
    by_resident = {r.resident_id: r.serial for r in rows if r.resident_id}
    serials = {name: by_resident[rid] for rid, name, _nid in RESIDENTS}
    assert serials == demo_serials()
    return serials


@pytest.mark.parametrize(
    ("role", "screen"),
    [
        ("resident-kiosk", ResidentKioskScreen),
        ("merchant-counter", CounterScreen),
        ("klusbox-desk", DeskScreen),
        ("inspector", InspectorScreen),
    ],
)
def test_the_role_picks_the_screen_and_every_screen_has_both_bars(
    qtbot: QtBot, app: App, tmp_path: Path, role: str, screen: type
) -> None:
    shell = open_shell(qtbot, app, tmp_path / role, role)
    show(qtbot, shell)
    assert isinstance(shell.role_screen, screen)
    for bar in (shell.language_button, shell.contrast_button, shell.status_bar):
        assert bar.isVisible()
    assert shell.language_button.text() == "English"
    shell.language_button.click()
    qtbot.waitUntil(lambda: shell.language_button.text() == "Nederlands", timeout=WAIT_MS)
    assert app.translations.lang == "en"
    shell.contrast_button.click()
    assert app.themes.theme is HIGH_CONTRAST
    shell.contrast_button.click()
    shell.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_counter_that_names_no_shop_says_so(
    qtbot: QtBot, app: App, tmp_path: Path, lang: str
) -> None:
    """A counter enrolled before certificates named the shop cannot take payments: its
    screen says so and what to do, instead of a till that would refuse every payment."""
    app.translations.switch(lang)  # type: ignore[arg-type]
    shell = open_unbound_counter(qtbot, app, tmp_path / "counter")
    show(qtbot, shell)
    page = shell.role_screen
    assert isinstance(page, NoScreenPage)
    expected = {
        "nl": ("Dit apparaat is een winkelkassa.", "Zo ingesteld kan het dat werk niet doen"),
        "en": ("This device is a shop counter.", "It cannot do that work as it was set up"),
    }[lang]
    assert page.title.text() == expected[0]
    assert page.body.text().startswith(expected[1])
    shell.close()


def test_scans_sound_and_reach_only_the_screen_in_front(
    qtbot: QtBot, app: App, tmp_path: Path
) -> None:
    serials = seeded_demo(tmp_path / "kiosk")
    command, log = recording_player(tmp_path)
    sounds = SoundPlayer(command)
    shell = open_shell(qtbot, app, tmp_path / "kiosk", "resident-kiosk", sounds)
    screen = shell.role_screen
    assert isinstance(screen, ResidentKioskScreen)
    shown: list[object] = []
    screen.resident_shown.connect(lambda: shown.append(True))

    shell.scan.typed(serials["Annie Hendriks"])  # before the window is up: no screen in front
    qtbot.wait(50)
    assert shown == []

    show(qtbot, shell)
    shell.scan.typed(serials["Jo Ubachs"])  # the keypad's path: a good card
    qtbot.waitUntil(lambda: shown == [True], timeout=WAIT_MS)
    shell.scan.typed("not a card")  # refused by its form
    assert sounds.wait_idle(WAIT_MS / 1000)
    qtbot.waitUntil(lambda: len(played(log)) == 3, timeout=WAIT_MS)
    # Annie's card before the window was up was a good scan too (the sound says the card
    # was read), but no screen acted on it.
    assert played(log) == ["scan_ok", "scan_ok", "scan_refused"]
    shell.close()
    assert shell.role_screen.findChild(QLabel, "resident_name") is not None


def test_the_camera_scan_plays_and_closing_stops_everything(
    qtbot: QtBot, app: App, tmp_path: Path
) -> None:
    data_dir = tmp_path / "kiosk"
    seeded_demo(data_dir)
    handle = open_device(data_dir)
    try:
        with read_only(handle.engine) as conn:
            payload = conn.execute(
                select(m.Card.payload).where(m.Card.resident_id == "res-001")
            ).scalar_one()
    finally:
        handle.close()
    rooms = [
        cv2.resize(load_image(p), (640, 480))
        for p in sorted((QR_PHOTOS / "no-code").iterdir())
        if p.suffix.lower() in IMAGE_SUFFIXES
    ]
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(6):
        scene = rooms[i % len(rooms)] if i < 2 else card_in_scene(rooms[i % len(rooms)], payload)
        assert cv2.imwrite(str(frames / f"{i:03d}.png"), scene)

    before = our_threads()
    command, log = recording_player(tmp_path)
    shell = open_shell(
        qtbot, app, data_dir, "resident-kiosk", SoundPlayer(command), camera=f"folder:{frames}"
    )
    screen = shell.role_screen
    assert isinstance(screen, ResidentKioskScreen)
    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        show(qtbot, shell)  # the camera starts with the window and sees Annie's card
    name = screen.findChild(QLabel, "resident_name")
    assert name is not None and "Annie Hendriks" in name.text()
    qtbot.waitUntil(lambda: played(log)[:1] == ["scan_ok"], timeout=WAIT_MS)
    assert our_threads() - before  # the writer, the readers, the camera, the sounds ran

    device = shell.device
    shell.close()
    qtbot.waitUntil(lambda: our_threads() <= before, timeout=WAIT_MS)
    outcome: list[object] = []
    device.status().failure(outcome.append)
    qtbot.waitUntil(lambda: bool(outcome), timeout=WAIT_MS)
    assert isinstance(outcome[0], HeitjeError) and outcome[0].code == "device_closing"


# -- the walk over every page --------------------------------------------------------------------


def shows_other_language(shell: Shell, lang: str) -> bool:
    return shell.language_button.text() == ("English" if lang == "nl" else "Nederlands")


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_every_page_of_every_role_is_translated_and_large_enough(
    qtbot: QtBot, app: App, tmp_path: Path, theme: Theme
) -> None:
    problems: list[str] = []
    visited: list[str] = []

    def check(shell: Shell, role: str, page: str, lang: str) -> None:
        visited.append(f"{role}-{page}-{lang}")
        assert app.translations.lang == lang
        problems.extend(f"{role}-{page}: {p}" for p in untranslated(shell, lang))
        problems.extend(f"{role}-{page}-{lang}: {p}" for p in check_sizes(shell))

    run = render_screenshots(
        tmp_path / "shots",
        theme=theme,
        on_page=check,
        translations=app.translations,
        themes=app.themes,
    )
    assert run.missed == []
    assert len(visited) == 2 * (3 + 9 + 5 + 6)
    # And the page of a counter that names no shop, in both languages.
    for lang in LANGUAGES:
        app.translations.switch(lang)
        shell = open_unbound_counter(qtbot, app, tmp_path / f"unbound-{lang}")
        if app.themes.theme is not theme:
            app.themes.toggle()
        show(qtbot, shell)
        qtbot.waitUntil(partial(shows_other_language, shell, lang), timeout=WAIT_MS)
        problems.extend(f"unbound-{lang}: {p}" for p in untranslated(shell, lang))
        problems.extend(f"unbound-{lang}: {p}" for p in check_sizes(shell))
        shell.close()
    if app.themes.theme is not NORMAL:
        app.themes.toggle()
    assert problems == []


def test_the_untranslated_check_has_teeth(qtbot: QtBot, app: App) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    english = QLabel("Server data from 3 minutes ago")
    dutch = QLabel("Verbonden")
    layout.addWidget(english)
    layout.addWidget(dutch)
    root.show()
    assert [p.split(" shows ")[1].split(",")[0] for p in untranslated(root, "nl")] == [
        "'Server data from 3 minutes ago'"
    ]
    assert [p.split(" shows ")[1].split(",")[0] for p in untranslated(root, "en")] == [
        "'Verbonden'"
    ]
