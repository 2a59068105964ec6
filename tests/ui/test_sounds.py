"""The scan sounds: two short, different WAV files (the committed ones are what the script
makes), and playing them never blocks, raises or warns — with the system's player and no sound
card (as here, offscreen), with a player that hangs or fails, and with none at all."""

from __future__ import annotations

import importlib.util
import stat
import sys
import wave
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from kiosk.ui.sounds import SOUNDS_DIR, Sound, SoundPlayer, find_player

ROOT = Path(__file__).resolve().parents[2]


def maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_sounds", ROOT / "resources" / "sounds" / "make_sounds.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2), "16-bit mono"
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    return data, rate


def dominant_hz(chunk: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(chunk * np.hanning(len(chunk))))
    return float(np.fft.rfftfreq(len(chunk), 1 / rate)[int(np.argmax(spectrum))])


def bursts(data: np.ndarray, rate: int) -> list[tuple[int, int]]:
    """(start, end) sample of each stretch louder than 1 % of full scale, gaps over 20 ms."""
    loud = np.flatnonzero(np.abs(data) > 327)
    out: list[tuple[int, int]] = []
    for i in loud:
        if out and i - out[-1][1] < rate * 0.02:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    return out


def test_the_sound_files_are_short_distinct_wavs() -> None:
    assert {p.name for p in SOUNDS_DIR.glob("*.wav")} == {f"{s.value}.wav" for s in Sound}
    ok, rate = samples(Sound.OK.path)
    refused, rate2 = samples(Sound.REFUSED.path)
    assert rate == rate2 == 44_100
    for data in (ok, refused):
        assert 0.15 < len(data) / rate < 0.5
        assert np.abs(data).max() > 10_000  # audible, not silence
    assert Sound.OK.path.read_bytes() != Sound.REFUSED.path.read_bytes()

    # "ok" rises: two tones, the second higher.
    (a0, a1), (b0, b1) = bursts(ok, rate)
    low, high = dominant_hz(ok[a0:a1], rate), dominant_hz(ok[b0:b1], rate)
    assert 800 < low < 960 and 1200 < high < 1440
    # "refused" is a low double buzz: two bursts with a clear gap, low pitch, rich harmonics.
    (c0, c1), (d0, d1) = bursts(refused, rate)
    assert (d0 - c1) / rate > 0.05
    assert dominant_hz(refused[c0:c1], rate) < 300 and dominant_hz(refused[d0:d1], rate) < 300


def test_the_committed_files_are_what_the_script_makes(tmp_path: Path) -> None:
    maker().main(tmp_path)
    for sound in Sound:
        fresh, _ = samples(tmp_path / sound.path.name)
        committed, _ = samples(sound.path)
        assert len(fresh) == len(committed)
        assert np.abs(fresh - committed).max() <= 1  # the last bit may differ between libms


def test_playing_with_the_system_player_and_no_sound_card(qapp: QApplication) -> None:
    """Offscreen, in a container without /dev/snd: the player fails; nothing raises, nothing
    warns (Qt warnings and Python warnings fail this test), the app goes on."""
    command = find_player()
    if command is None:
        pytest.skip("no system sound player (./run installs alsa-utils for aplay)")
    player = SoundPlayer()
    assert player.available
    try:
        player.play(Sound.OK)
        player.play(Sound.REFUSED)
        assert player.wait_idle(timeout=30)
    finally:
        player.close()
    if not Path("/dev/snd").exists():
        assert player.last_error is not None  # it tried, and said why in the log


def fake_player(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "player.py"
    script.write_text(body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return [sys.executable, str(script), str(tmp_path)]


def test_play_returns_while_the_player_is_still_playing(tmp_path: Path) -> None:
    """The player blocks until the test lets it go; play() has returned long before."""
    command = fake_player(
        tmp_path,
        "import pathlib, sys, time\n"
        "d = pathlib.Path(sys.argv[1])\n"
        "(d / 'started').write_text(sys.argv[2])\n"
        "for _ in range(600):\n"
        "    if (d / 'release').exists(): break\n"
        "    time.sleep(0.01)\n"
        "(d / 'done').write_text('')\n",
    )
    player = SoundPlayer(command)
    try:
        player.play(Sound.REFUSED)
        # play() came back; the player has not been let go, so it cannot have finished.
        assert not (tmp_path / "done").exists()
        assert not player.wait_idle(timeout=0)
        (tmp_path / "release").write_text("")
        assert player.wait_idle(timeout=30)
        assert (tmp_path / "done").exists()
        assert (tmp_path / "started").read_text() == str(Sound.REFUSED.path)
        assert player.last_error is None
    finally:
        player.close()


def test_a_burst_of_scans_does_not_queue_a_burst_of_sounds(tmp_path: Path) -> None:
    command = fake_player(
        tmp_path,
        "import pathlib, sys, time\n"
        "d = pathlib.Path(sys.argv[1])\n"
        "with (d / 'played').open('a') as f: f.write('x')\n"
        "while not (d / 'release').exists(): time.sleep(0.01)\n",
    )
    player = SoundPlayer(command)
    try:
        for _ in range(20):
            player.play(Sound.OK)
        (tmp_path / "release").write_text("")
        assert player.wait_idle(timeout=30)
    finally:
        player.close()
    assert 1 <= len((tmp_path / "played").read_text()) <= 3  # the one playing + the backlog


def test_a_failing_or_missing_player_is_silent(tmp_path: Path) -> None:
    failing = SoundPlayer(fake_player(tmp_path, "import sys\nsys.exit(3)\n"))
    missing = SoundPlayer([str(tmp_path / "no-such-player")])
    none = SoundPlayer(find=False)
    try:
        for player in (failing, missing, none):
            player.play(Sound.OK)
            assert player.wait_idle(timeout=30)
        assert failing.last_error is not None and "exited 3" in failing.last_error
        assert missing.last_error is not None and "no-such-player" in missing.last_error
        assert not none.available and none.last_error is None
    finally:
        for player in (failing, missing, none):
            player.close()


def test_find_player_looks_on_the_path(tmp_path: Path) -> None:
    assert find_player(path=str(tmp_path)) is None
    fake = tmp_path / "paplay"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_player(path=str(tmp_path)) == [str(fake)]
