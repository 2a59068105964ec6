"""A bad configuration file: the device still starts and names the key on its screen; a device
that cannot start at all says why on its screen (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.config import load_config
from kiosk.core.clock import FixedClock
from kiosk.ops.device import DeviceOptions
from kiosk.sql import SchemaTooNew
from kiosk.ui.app import StartupError
from kiosk.ui.shell import build_shell
from kiosk.ui.sounds import SoundPlayer
from tests.ops.conftest import NOW, seed_local
from tests.ui.shell_support import App, app  # noqa: F401 - the fixture

WAIT_MS = 30_000

BAD = """
language = "en"
idle_timeout_s = 2
camera = "webcam"
"""


def test_a_bad_key_is_named_on_the_screen_and_the_device_works(
    qtbot: QtBot,
    app: App,  # noqa: F811
    tmp_path: Path,
) -> None:
    data = tmp_path / "kiosk"
    seed_local(data, FixedClock(NOW))
    (data / "heitje.toml").write_text(BAD)
    config, problems = load_config(data / "heitje.toml")
    assert config.language == "en" and [p.key for p in problems] == ["idle_timeout_s", "camera"]
    shell = build_shell(
        data,
        DeviceOptions(demo_role="resident-kiosk", demo_neighbourhood="nb-1"),
        translations=app.translations,
        themes=app.themes,
        sounds=SoundPlayer(find=False),
        notices=[p.as_error() for p in problems],
    )
    qtbot.addWidget(shell)
    shell.show()
    qtbot.waitUntil(lambda: shell.is_ready, timeout=WAIT_MS)
    banner = shell.notices
    assert banner.isVisible()
    assert "'idle_timeout_s'" in banner.text() and "'camera'" in banner.text()
    assert "verwacht" in banner.text()  # Dutch, the app's language here
    app.translations.switch("en")
    qtbot.waitUntil(lambda: "expected" in banner.text(), timeout=WAIT_MS)
    assert "from 5 to 600" in banner.text() and "camera, camera:N" in banner.text()
    app.translations.switch("nl")
    shell.close()


def test_a_good_file_shows_no_band(qtbot: QtBot, app: App, tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "kiosk"
    seed_local(data, FixedClock(NOW))
    shell = build_shell(
        data,
        DeviceOptions(demo_role="resident-kiosk", demo_neighbourhood="nb-1"),
        translations=app.translations,
        themes=app.themes,
        sounds=SoundPlayer(find=False),
    )
    qtbot.addWidget(shell)
    shell.show()
    qtbot.waitUntil(lambda: shell.is_ready, timeout=WAIT_MS)
    assert not shell.notices.isVisible()
    shell.close()


def test_a_device_that_cannot_start_says_why_on_its_screen(
    qtbot: QtBot,
    app: App,  # noqa: F811
) -> None:
    window = StartupError(SchemaTooNew("9999", "0005"), app.translations)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.heading.text() == "Dit apparaat kon niet starten"
    assert "nieuwere versie van Heitje" in window.reason.text()
    app.translations.switch("en")
    qtbot.waitUntil(lambda: window.heading.text() == "This device could not start", timeout=WAIT_MS)
    assert "newer version of Heitje (schema 9999" in window.reason.text()
    app.translations.switch("nl")


def test_the_command_logs_the_bad_key_and_still_opens(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    seed_local(data, FixedClock(NOW))
    (data / "heitje.toml").write_text('langauge = "en"\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "--data-dir",
            str(data),
            "--role",
            "resident-kiosk",
            "--neighbourhood",
            "nb-1",
            "--print-ready",
            "--quit-after",
            "1",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines().count("ready") == 1
    log = (data / "logs" / "heitje.log").read_text()
    assert "configuration: Setting 'langauge'" in log
