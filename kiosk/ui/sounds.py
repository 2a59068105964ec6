"""The scan sounds: a rising chime for a good scan, a low double buzz for a refused one.

Qt plays sounds with QtMultimedia's QSoundEffect, but QtMultimedia is not in
PySide6-Essentials (only in PySide6-Addons, a 167 MiB wheel that is mostly WebEngine and 3D),
so the sounds go through the system's player instead: `pw-play` (PipeWire), `paplay`
(PulseAudio) or `aplay` (ALSA, from alsa-utils, which `./run` installs), whichever is found
first. The player runs on one worker thread: `play()` only hands the sound over and returns,
so the GUI thread never waits for audio. No player, no sound card, a player that fails or
hangs: the app goes on silently (the reason is in the log, at debug level, once).
"""

from __future__ import annotations

import enum
import logging
import queue
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

__all__ = ["SOUNDS_DIR", "Sound", "SoundPlayer", "find_player"]

log = logging.getLogger("kiosk.ui.sounds")

SOUNDS_DIR: Final = Path(__file__).resolve().parents[1] / "resources" / "sounds"
# (program, its arguments before the file): quiet, and no waiting for a busy device.
_PLAYERS: Final = (("pw-play", ()), ("paplay", ()), ("aplay", ("-q", "-N")))
_PLAY_TIMEOUT_S: Final = 5.0  # a player that hangs (a stuck sound server) is killed
_BACKLOG: Final = 2  # sounds waiting; more are dropped (one beep per scan, not a queue of them)


class Sound(enum.Enum):
    OK = "scan_ok"
    REFUSED = "scan_refused"

    @property
    def path(self) -> Path:
        return SOUNDS_DIR / f"{self.value}.wav"


def find_player(path: str | None = None) -> list[str] | None:
    """The command line (without the file) of the first system player found on `path` (the
    PATH by default), or None."""
    for program, args in _PLAYERS:
        found = shutil.which(program, path=path)
        if found:
            return [found, *args]
    return None


_STOP: Final = object()


class SoundPlayer:
    """Plays sounds one after another on its own thread. `command` is the player's command
    line without the file; by default the system's player (`find_player()`), and with none
    found, `play()` does nothing."""

    def __init__(self, command: Sequence[str] | None = None, *, find: bool = True) -> None:
        self._command = list(command) if command is not None else (find_player() if find else None)
        self._queue: queue.Queue[object] = queue.Queue(maxsize=_BACKLOG)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self.last_error: str | None = None
        if self._command is None:
            log.debug("no sound player found (pw-play, paplay, aplay): scans are silent")

    @property
    def available(self) -> bool:
        return self._command is not None

    def play(self, sound: Sound) -> None:
        """Start playing `sound` and return at once; never raises."""
        if self._command is None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="heitje-sounds", daemon=True)
                self._thread.start()
            try:
                self._queue.put_nowait(sound.path)
            except queue.Full:
                return
            self._pending += 1
            self._idle.clear()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until every sound handed over has played (for tests and shutdown)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Stop the worker after the sounds already waiting."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            wait = _PLAY_TIMEOUT_S * (_BACKLOG + 1)
            try:
                self._queue.put(_STOP, timeout=wait)
            except queue.Full:
                return  # a daemon thread: it goes with the process
            thread.join(timeout=wait)

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            assert isinstance(item, Path)
            self._play_one(item)
            with self._lock:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    def _play_one(self, path: Path) -> None:
        command = self._command
        if command is None:
            return
        try:
            result = subprocess.run(
                [*command, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=_PLAY_TIMEOUT_S,
                check=False,
            )
        except Exception as exc:  # a sound must never take the worker down
            self._failed(f"{command[0]}: {exc}")
            return
        if result.returncode != 0:
            tail = result.stderr.decode(errors="replace").strip().splitlines()[-1:]
            self._failed(f"{command[0]} exited {result.returncode}: {' '.join(tail)}")

    def _failed(self, reason: str) -> None:
        if self.last_error is None:
            log.debug("scan sound not played (no sound device?): %s", reason)
        self.last_error = reason
