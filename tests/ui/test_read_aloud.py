""" "Lees voor" / "Read aloud" on the resident kiosk: the real demo ledger and its cards, real Qt,
and the real espeak-ng (`./run setup` installs it) writing what it says to a WAV file, which is
measured: loud enough to be speech, as long as the words take to say."""

from __future__ import annotations

import logging
import math
import os
import re
import subprocess
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import DeviceConfig, parse_config
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.resident import ResidentKioskScreen
from kiosk.ui.screens.resident_page import ResidentPage, Section
from kiosk.ui.speech import ESPEAK, Speaker
from kiosk.ui.theme import check_sizes
from tests.ops.conftest import local_device
from tests.ui.resident_support import (
    JO,
    JO_NAME,
    MIA,
    SCREEN_SIZE,
    WAIT_MS,
    Kiosk,
    card_of,
    seed_demo_kiosk,
    shown_texts,
)
from tests.ui.shell_support import QtGui, foreign_patterns

# What speech is, measured: the whole file's RMS (of samples in -1..1; silence is 0, espeak-ng's
# speech about 0.1), the share of 20 ms windows that are not quiet (pauses between words and
# lines are), and the seconds per written word (a word is a run of letters or digits: "3,00"
# is two, said "drie komma nul nul"). A file cut short, or silence, fails all three.
MIN_RMS = 0.02
QUIET = 0.005
MIN_VOICED = 0.4
SECONDS_PER_WORD = (0.3, 1.5)  # espeak-ng said 0.43 to 0.72 here, at 150 words a minute


@dataclass(frozen=True)
class Audio:
    seconds: float
    rms: float
    voiced: float  # share of 20 ms windows above QUIET


def measure(path: Path) -> Audio:
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    assert samples.size > 0, f"{path.name} holds no sound"
    window = rate // 50
    whole = samples[: samples.size - samples.size % window].reshape(-1, window)
    loudness = np.sqrt((whole**2).mean(axis=1))
    return Audio(
        seconds=samples.size / rate,
        rms=math.sqrt(float((samples**2).mean())),
        voiced=float((loudness > QUIET).mean()),
    )


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def assert_speech(path: Path, text: str) -> Audio:
    audio = measure(path)
    per_word = audio.seconds / words(text)
    assert audio.rms > MIN_RMS, audio
    assert audio.voiced > MIN_VOICED, audio
    assert SECONDS_PER_WORD[0] <= per_word <= SECONDS_PER_WORD[1], (audio, words(text))
    return audio


# -- the kiosk, with the screen's speech options ----------------------------------------------


@pytest.fixture
def kiosks() -> Iterator[list[Kiosk]]:
    made: list[Kiosk] = []
    yield made
    for kiosk in made:
        kiosk.close()


def speaking_kiosk(
    data_dir: Path,
    translations: Translations,
    *,
    idle_ms: int = 600_000,
    speak_balance_after_scan: bool = False,
    speaker: Speaker | None = None,
) -> Kiosk:
    """A demo resident kiosk as `demo_kiosk` makes it (tests/ui/resident_support.py), with the
    speech options of the screen."""
    seed_demo_kiosk(data_dir)
    device = local_device(data_dir, QtGui(), "resident-kiosk", demo_neighbourhood="grasbroek")
    scan = ScanInput(device)
    bridge = Bridge(device.hub)
    screen = ResidentKioskScreen(
        device,
        scan,
        translations,
        bridge,
        idle_ms=idle_ms,
        speak_balance_after_scan=speak_balance_after_scan,
        speaker=speaker,
    )
    screen.resize(*SCREEN_SIZE)
    screen.set_active(True)
    screen.show()
    scan.start()
    return Kiosk(device, scan, bridge, screen)


def heard(speaker: Speaker) -> list[tuple[str, str]]:
    """Every (text, language) handed to the speaker from now on."""
    said: list[tuple[str, str]] = []
    speaker.speaking.connect(lambda text, lang: said.append((text, lang)))
    return said


def touch(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def scan_and_wait(qtbot: QtBot, kiosk: Kiosk, serial: str) -> None:
    with qtbot.waitSignal(kiosk.screen.resident_shown, timeout=WAIT_MS):
        kiosk.screen.on_card(serial)


def section_lines(section: Section) -> list[str]:
    """A section as a person sees it: the heading, each row's words, or the empty line."""
    lines = [section.heading.text()]
    for i in range(section.rows.count()):
        item = section.rows.itemAt(i)
        row = item.widget() if item is not None else None
        assert row is not None
        lines.append(row.text() if isinstance(row, QLabel) else row.findChildren(QLabel)[0].text())
    if section.empty.isVisible():
        lines.append(section.empty.text())
    return lines


def screen_lines(page: ResidentPage) -> list[str]:
    """The balance, the latest transactions and the open chores, as the page shows them."""
    lines = [page.balance_caption.text(), page.balance.text()]
    if page.flagged.isVisible():
        lines.append(page.flagged.text())
    return lines + section_lines(page.history) + section_lines(page.open_chores)


def read_aloud(qtbot: QtBot, kiosk: Kiosk) -> None:
    """Touch "Read aloud" and wait for the speech to end."""
    button = kiosk.screen.resident.read_aloud
    assert button.isVisible() and button.isEnabled()
    with qtbot.waitSignal(kiosk.screen.speaker.finished, timeout=WAIT_MS) as done:
        touch(button)
    assert done.args == [True]


# -- the tests --------------------------------------------------------------------------------


def test_read_aloud_says_what_the_screen_shows_in_its_language(
    qtbot: QtBot,
    tmp_path: Path,
    ui: Translations,
    kiosks: list[Kiosk],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.ui.speech")
    kiosk = speaking_kiosk(tmp_path / "kiosk", ui)
    kiosks.append(kiosk)
    screen, page, speaker = kiosk.screen, kiosk.screen.resident, kiosk.screen.speaker
    assert speaker.backend == ESPEAK  # PySide6-Essentials has no QtTextToSpeech
    said = heard(speaker)
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    assert said == []  # without the setting, nothing is said until asked
    assert page.read_aloud.text() == "Lees voor"
    assert check_sizes(page) == []

    speaker.set_output(tmp_path / "nl.wav")
    read_aloud(qtbot, kiosk)
    dutch = screen_lines(page)
    assert dutch[:3] == ["Je saldo", "3,00", "Laatste boekingen"]
    assert dutch[3].endswith("Terug van Bakkerij Bemelmans — +0,75")
    assert dutch[6:] == [
        "Klussen waarvoor je je kunt aanmelden",
        "Bladeren ruimen bij het buurthuis — 6,00 — nog 3 plaatsen",
    ]
    assert len(dutch) == 8  # three transactions
    visible = shown_texts(screen)
    assert all(line in visible for line in dutch)
    assert said == [("\n".join(dutch), "nl")]
    assert JO_NAME not in said[0][0]  # the balance, not who it is
    untranslated = [name for name, p in foreign_patterns("nl") if p.search(said[0][0])]
    assert untranslated == []
    audio_nl = assert_speech(tmp_path / "nl.wav", said[0][0])

    ui.switch("en")
    qtbot.waitUntil(lambda: page.balance_caption.text() == "Your balance", timeout=WAIT_MS)
    assert page.read_aloud.text() == "Read aloud"
    speaker.set_output(tmp_path / "en.wav")
    read_aloud(qtbot, kiosk)
    english = screen_lines(page)
    assert english[:3] == ["Your balance", "3.00", "Latest transactions"]
    assert english[3].endswith("Refund from Bakkerij Bemelmans — +0.75")
    assert english[6] == "Chores you can sign up for"
    assert said[1:] == [("\n".join(english), "en")]
    untranslated = [name for name, p in foreign_patterns("en") if p.search(said[1][0])]
    assert untranslated == []
    audio_en = assert_speech(tmp_path / "en.wav", said[1][0])
    assert audio_en != audio_nl
    ui.switch("nl")

    # The log has that it spoke, never what.
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "kiosk.ui.speech")
    assert "reading aloud" in logged
    assert all(t not in logged for t in ("3,00", "3.00", "Bakkerij", "saldo", "balance"))


def test_the_setting_says_the_balance_after_every_scan(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    config, problems = parse_config({"speak_balance_after_scan": True})
    assert problems == [] and config == DeviceConfig(speak_balance_after_scan=True)
    _config, problems = parse_config({"speak_balance_after_scan": "yes"})
    assert [p.message("en") for p in problems] == [
        "Setting 'speak_balance_after_scan' (found: yes): expected true or false."
    ]
    assert DeviceConfig().speak_balance_after_scan is False

    kiosk = speaking_kiosk(
        tmp_path / "kiosk", ui, speak_balance_after_scan=config.speak_balance_after_scan
    )
    kiosks.append(kiosk)
    screen, page, speaker = kiosk.screen, kiosk.screen.resident, kiosk.screen.speaker
    said = heard(speaker)
    speaker.set_output(tmp_path / "jo.wav")
    with qtbot.waitSignal(speaker.finished, timeout=WAIT_MS) as done:
        scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    assert done.args == [True]
    assert said == [("Je saldo\n3,00", "nl")]
    assert [page.balance_caption.text(), page.balance.text()] == ["Je saldo", "3,00"]
    assert_speech(tmp_path / "jo.wav", said[0][0])

    # The page read again after an action is no new scan: nothing more is said.
    sign_up = page.findChild(QPushButton, "sign_up_klus-004")
    assert sign_up is not None
    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        touch(sign_up)
    assert page.notice.text() == "Je bent aangemeld voor: Bladeren ruimen bij het buurthuis"
    assert len(said) == 1

    # The next scan, the next resident's balance.
    speaker.set_output(tmp_path / "mia.wav")
    with qtbot.waitSignal(speaker.finished, timeout=WAIT_MS):
        scan_and_wait(qtbot, kiosk, card_of(kiosk.device, MIA)[0])
    assert said[1:] == [("Je saldo\n0,00", "nl")]
    assert_speech(tmp_path / "mia.wav", said[1][0])


def test_done_and_the_idle_timeout_stop_the_speech(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    """espeak-ng writing to a pipe nobody reads waits, as a speech to a sound device that does
    not play would, until it is stopped (killed: the pipe never gets a reader). The balance
    said after the scan, "Je saldo 3,00", can take at most 6 s (speech.longest_ms): the idle
    wait lets it run that long, then goes home all the same."""
    pipe = tmp_path / "speech.pipe"
    os.mkfifo(pipe)
    kiosk = speaking_kiosk(
        tmp_path / "kiosk", ui, idle_ms=3_000, speak_balance_after_scan=True
    )  # a short wait, not a timing
    kiosks.append(kiosk)
    screen, page, speaker = kiosk.screen, kiosk.screen.resident, kiosk.screen.speaker
    speaker.set_output(pipe)
    ended: list[bool] = []
    speaker.finished.connect(ended.append)
    said = heard(speaker)
    jo, mia = card_of(kiosk.device, JO)[0], card_of(kiosk.device, MIA)[0]

    scan_and_wait(qtbot, kiosk, jo)
    assert speaker.is_speaking and said == [("Je saldo\n3,00", "nl")]
    with qtbot.waitSignals([speaker.stopped, screen.went_home], timeout=WAIT_MS):
        touch(page.done)
    assert not speaker.is_speaking and page.spoken_text() == ""

    scan_and_wait(qtbot, kiosk, jo)
    assert speaker.is_speaking
    with qtbot.waitSignals([speaker.stopped, screen.went_home], timeout=WAIT_MS):
        pass  # nobody touches the screen, the speech is stuck
    assert not speaker.is_speaking

    # A new scan stops the speech of the card before, and so does another language.
    scan_and_wait(qtbot, kiosk, jo)
    with qtbot.waitSignal(speaker.stopped, timeout=WAIT_MS):
        scan_and_wait(qtbot, kiosk, mia)
    assert said[-1] == ("Je saldo\n0,00", "nl") and speaker.is_speaking
    touch(page.read_aloud)
    assert said[-1] == (page.spoken_text(), "nl") and speaker.is_speaking
    with qtbot.waitSignal(speaker.stopped, timeout=WAIT_MS):
        ui.switch("en")
    assert not speaker.is_speaking
    ui.switch("nl")
    assert ended == []  # each was cut short, none ended by itself


def test_without_a_speech_program_the_button_says_it_cannot(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    mute = Speaker(path=str(tmp_path / "no-programs-here"), use_qt=False)
    assert not mute.available and mute.backend is None
    kiosk = speaking_kiosk(tmp_path / "kiosk", ui, speaker=mute)
    kiosks.append(kiosk)
    page = kiosk.screen.resident
    said = heard(mute)
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    assert page.read_aloud.isVisible() and not page.read_aloud.isEnabled()
    assert page.read_aloud.text() == "Voorlezen kan hier niet"
    assert page.read_aloud.accessibleName() == "Voorlezen kan niet op deze kiosk"
    assert check_sizes(page) == []
    ui.switch("en")
    qtbot.waitUntil(
        lambda: page.read_aloud.text() == "Read aloud is not available here", timeout=WAIT_MS
    )
    ui.switch("nl")
    kiosk.screen.read_aloud()  # even when asked in code: nothing, and no error
    assert said == [] and not mute.is_speaking


def test_a_kiosk_s_speech_can_be_checked_on_the_spot(tmp_path: Path) -> None:
    """`python -m kiosk.ui.speech --wav FILE TEXT`, for whoever installs a kiosk."""
    text = "Je saldo is drie euro. Tot ziens!"
    wav = tmp_path / "check.wav"
    args = [sys.executable, "-m", "kiosk.ui.speech", "--lang", "nl", "--wav", str(wav), text]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "espeak-ng: said", done.stderr
    assert_speech(wav, text)
    args[args.index(str(wav))] = str(tmp_path / "no-such-folder" / "check.wav")
    failed = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert failed.returncode == 1 and failed.stdout.strip() == "espeak-ng: failed"

    # The measure tells speech from silence, from speech cut short and from speech padded out.
    with wave.open(str(wav), "rb") as said:
        params, frames = said.getparams(), said.readframes(said.getnframes())
    for name, changed in (
        ("silent", bytes(len(frames))),
        ("cut", frames[: len(frames) // 4]),
        ("padded", frames + bytes(3 * len(frames))),
    ):
        with wave.open(str(tmp_path / f"{name}.wav"), "wb") as out:
            out.setparams(params)
            out.writeframes(changed)
        with pytest.raises(AssertionError):
            assert_speech(tmp_path / f"{name}.wav", text)
