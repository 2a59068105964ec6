"""A camera that is not there, comes, goes and comes back is found again by the running app:
the shell of a resident kiosk on the demo ledger reads a resident's card from the camera once
it is back, and the log says what happened. tests/scan/test_scan_sources.py shows the same at
the source; here it is the whole way from the device path to the screen.

A video file stands in for the camera's device path (cv2.VideoCapture opens both by path): it
is missing at the start, then appears (the camera plugged in), plays to its end and is removed
(unplugged: the source reports "lost"), then a video with the card appears (plugged in again).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.ops.device import DeviceOptions
from kiosk.scan.sources import CameraSource, SourceState
from kiosk.ui.app import open_shell
from kiosk.ui.screens.resident import ResidentKioskScreen
from kiosk.ui.shell import Shell
from kiosk.ui.sounds import SoundPlayer
from tests.scan.test_scan_qt import card_in_scene
from tests.scan.test_scan_sources import write_video
from tests.ui.resident_support import JO, JO_NAME, backgrounds, demo_card, shown_texts
from tests.ui.shell_support import WAIT_MS, App


@pytest.fixture
def shells() -> Iterator[list[Shell]]:
    made: list[Shell] = []
    yield made
    for shell in made:
        shell.close()
        shell.deleteLater()


def plug_in(device: Path, video: Path) -> None:
    """The camera appears at its path at once (a rename), never half-written."""
    video.rename(device)


def test_a_camera_that_goes_and_comes_back_reads_cards_again(
    qtbot: QtBot,
    app: App,
    tmp_path: Path,
    shells: list[Shell],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk")
    data_dir = tmp_path / "kiosk"
    _serial, payload = demo_card(data_dir, JO)
    rooms = backgrounds()
    device = tmp_path / "video0.avi"
    source = CameraSource(str(device), backoff_s=(0.01, 0.05))
    states: list[str] = []
    shell = open_shell(  # as the app opens it: shown at once, the camera starting
        data_dir,
        DeviceOptions(demo_role="resident-kiosk", demo_neighbourhood="grasbroek", camera=source),
        translations=app.translations,
        themes=app.themes,
        sounds=SoundPlayer(find=False),
    )
    shells.append(shell)
    shell.scan.camera_state.connect(states.append)
    screen = shell.role_screen
    assert isinstance(screen, ResidentKioskScreen)
    qtbot.waitUntil(lambda: SourceState.UNAVAILABLE in states, timeout=WAIT_MS)

    # Plugged in: an empty room, then unplugged.
    plug_in(device, write_video(tmp_path / "room.avi", rooms[:10]))
    qtbot.waitUntil(lambda: SourceState.RUNNING in states, timeout=WAIT_MS)
    device.unlink()
    qtbot.waitUntil(lambda: source.state is SourceState.LOST, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: SourceState.LOST in states, timeout=WAIT_MS)
    assert not screen.resident.isVisible()

    # Plugged in again, with Jo holding up her card: the kiosk shows her page.
    held = [card_in_scene(rooms[i % len(rooms)], payload) for i in range(30)]
    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        plug_in(device, write_video(tmp_path / "card.avi", held))
    assert source.reconnects >= 1
    lost_at = states.index(SourceState.LOST)
    assert SourceState.RUNNING in states[lost_at:]
    assert JO_NAME in shown_texts(screen)

    said = [r.getMessage() for r in caplog.records if r.name.startswith("kiosk")]
    assert "camera unavailable; the device keeps trying to open it" in said
    assert "camera lost; the device keeps trying to open it" in said
    assert any(line.startswith("frame source lost: camera") for line in said), said
    assert any(line.startswith("camera back (it was ") for line in said), said
