"""Reading aloud, for residents who read with difficulty or see poorly ("Lees voor").

    speaker = Speaker()                  # finds a backend once
    speaker.speak(text, "nl")            # returns at once; a new speech stops the one before
    speaker.stop()
    speaker.set_output(Path("out.wav"))  # each speech to a WAV file instead (tests, diagnostics)

The backend is Qt's QtTextToSpeech when it imports and has an engine (it is in PySide6-Addons,
which Heitje does not depend on), else espeak-ng, the system program `./run setup` installs,
run through QProcess so the GUI thread never waits. A WAV file is always espeak-ng's (Qt's
speech to a buffer needs QtMultimedia, also an add-on). With neither, `available` is False and
the screen says it cannot read aloud.

The text holds the resident's name and balance: it goes to espeak-ng on stdin, never on the
command line (which every user of the machine can list), and the log gets the backend, the
language and the length, never the text.
"""

from __future__ import annotations

import importlib
import logging
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QLocale, QObject, QProcess, Signal

from kiosk.core.errors import Lang

__all__ = ["ESPEAK", "VOICES", "Speaker", "espeak_command", "longest_ms"]

log = logging.getLogger("kiosk.ui.speech")

ESPEAK: Final = "espeak-ng"
VOICES: Final[dict[Lang, str]] = {"nl": "nl", "en": "en"}
_LOCALES: Final[dict[Lang, QLocale]] = {
    "nl": QLocale(QLocale.Language.Dutch, QLocale.Country.Netherlands),
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom),
}
_WORDS_PER_MINUTE: Final = 150  # a little slower than espeak-ng's 175: easier to follow
# Every line of the text is a clause of its own (a pause), as it is a line on screen: espeak-ng
# takes a line shorter than this as ending a clause.
_LINE_LENGTH: Final = 10_000
# The longest a written word takes to say ("3,00" is two, said as four): a speech going on
# longer than its words can take is stuck (a sound device that does not play).
_MS_PER_WORD_AT_MOST: Final = 1_500
_WORD: Final = re.compile(r"\w+")
# A killed espeak-ng is kept here until it has exited: a QProcess deleted while its program
# still runs warns, and the speaker (or its screen) may go first.
_ENDING: set[QProcess] = set()


def espeak_command(lang: Lang, output: Path | None = None) -> list[str]:
    """espeak-ng's arguments for a text on stdin in `lang` (UTF-8, a line a clause), to the
    sound device or to the WAV file `output`."""
    args = ["-v", VOICES[lang], "-s", str(_WORDS_PER_MINUTE), "-b", "1"]
    args += ["-l", str(_LINE_LENGTH), "--stdin"]
    return args + (["-w", str(output)] if output is not None else [])


def longest_ms(text: str) -> int:
    """The longest saying `text` can take (at `_MS_PER_WORD_AT_MOST` a word)."""
    return len(_WORD.findall(text)) * _MS_PER_WORD_AT_MOST


def _qt_engine() -> Any | None:
    """QTextToSpeech's class when the add-on is there with at least one engine, else None."""
    try:
        module = importlib.import_module("PySide6.QtTextToSpeech")
    except ImportError:
        return None
    tts = module.QTextToSpeech
    return tts if tts.availableEngines() else None


class Speaker(QObject):
    """Speaks one text at a time in a language, never waiting on the GUI thread."""

    speaking = Signal(str, str)  # the text and its language, as handed to the backend
    finished = Signal(bool)  # a speech ended by itself; False: the backend failed
    stopped = Signal()  # a speech cut short (stop(), or a newer speech)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        espeak: str | None = None,
        path: str | None = None,
        use_qt: bool = True,
    ) -> None:
        """`espeak`: espeak-ng's path; by default looked up on `path` (the PATH by default).
        `use_qt=False` skips QtTextToSpeech even where it exists."""
        super().__init__(parent)
        self._espeak = espeak or shutil.which(ESPEAK, path=path)
        self._qt_class = _qt_engine() if use_qt else None
        self._qt: Any | None = None  # the QTextToSpeech, made at its first speech
        self._process: QProcess | None = None
        self._qt_busy = False
        self._output: Path | None = None
        self.backend: str | None = "qt" if self._qt_class is not None else None
        self.backend = self.backend or (ESPEAK if self._espeak else None)
        if self.backend is None:
            log.warning("no speech backend (QtTextToSpeech, %s): read aloud is off", ESPEAK)

    @property
    def available(self) -> bool:
        return self.backend is not None

    @property
    def is_speaking(self) -> bool:
        return self._process is not None or self._qt_busy

    def set_output(self, path: Path | None) -> None:
        """Write each following speech to the WAV file `path` (espeak-ng) instead of the sound
        device; None: the sound device again."""
        self._output = path

    def speak(self, text: str, lang: Lang) -> None:
        """Start saying `text` in `lang` and return at once; a speech still going is stopped.
        Without a backend nothing happens (the screen shows that it cannot read aloud)."""
        self.stop()
        if not text.strip() or self.backend is None:
            return
        to_file = self._output is not None
        log.info(
            "reading aloud: %d characters in %s (%s%s)",
            len(text),
            lang,
            ESPEAK if to_file else self.backend,
            ", to a file" if to_file else "",
        )
        if self._qt_class is not None and not to_file:
            self._speak_qt(text, lang)
        elif self._espeak is not None:
            self._speak_espeak(self._espeak, text, lang)
        else:
            log.warning("read aloud to a file needs %s, which is not installed", ESPEAK)
            self.finished.emit(False)
            return
        self.speaking.emit(text, lang)

    def stop(self) -> None:
        """Cut the speech short (nothing happens when none is going)."""
        process, self._process = self._process, None
        qt_busy, self._qt_busy = self._qt_busy, False
        if process is not None:
            process.finished.disconnect(self._ended)
            process.errorOccurred.disconnect(self._failed)
            process.kill()
        if qt_busy and self._qt is not None:
            self._qt.stop()
        if process is not None or qt_busy:
            self.stopped.emit()

    # -- espeak-ng ---------------------------------------------------------------------------

    def _speak_espeak(self, program: str, text: str, lang: Lang) -> None:
        process = QProcess()
        process.setStandardOutputFile(QProcess.nullDevice())
        process.finished.connect(self._ended)
        process.errorOccurred.connect(self._failed)
        # Gone from _ENDING (and deleted) once the program has exited, however it ended.
        process.finished.connect(lambda *_: _forget(process))
        process.errorOccurred.connect(
            lambda error: _forget(process) if error == QProcess.ProcessError.FailedToStart else None
        )
        if self._output is not None and self._output.is_file():
            self._output.unlink()  # a file left from before is not this speech
        _ENDING.add(process)
        self._process = process
        process.start(program, espeak_command(lang, self._output))
        process.write(text.encode("utf-8"))  # buffered until it runs
        process.closeWriteChannel()

    def _ended(self, code: int, status: QProcess.ExitStatus) -> None:
        process, self._process = self._process, None
        ok = code == 0 and status == QProcess.ExitStatus.NormalExit
        if ok and self._output is not None and not _has_audio(self._output):
            ok = False  # espeak-ng exits 0 when it cannot write the file
        if not ok and process is not None:
            tail = bytes(process.readAllStandardError().data()).decode(errors="replace")
            log.warning("%s exited %d: %s", ESPEAK, code, " ".join(tail.strip().splitlines()[-1:]))
        self.finished.emit(ok)

    def _failed(self, error: QProcess.ProcessError) -> None:
        if error != QProcess.ProcessError.FailedToStart:
            return  # a crash ends in finished() too
        self._process = None
        log.warning("%s did not start", ESPEAK)
        self.finished.emit(False)

    # -- QtTextToSpeech ----------------------------------------------------------------------

    def _speak_qt(self, text: str, lang: Lang) -> None:
        assert self._qt_class is not None
        if self._qt is None:
            self._qt = self._qt_class(self)
            self._qt.stateChanged.connect(self._qt_state)
        self._qt.setLocale(_LOCALES[lang])
        self._qt_busy = True
        self._qt.say(text)

    def _qt_state(self, state: Any) -> None:
        states = self._qt_class.State if self._qt_class is not None else None
        if states is None or not self._qt_busy or state == states.Speaking:
            return
        if state in (states.Ready, states.Error):
            self._qt_busy = False
            if state == states.Error:
                log.warning("QtTextToSpeech failed")
            self.finished.emit(state == states.Ready)


def _has_audio(path: Path) -> bool:
    try:
        return path.is_fifo() or path.stat().st_size > 44  # more than a WAV header
    except OSError:
        return False


def _forget(process: QProcess) -> None:
    if process in _ENDING:
        _ENDING.discard(process)
        process.deleteLater()


def main(argv: list[str] | None = None) -> int:
    """`python -m kiosk.ui.speech [--lang nl|en] [--wav FILE] TEXT`: say TEXT (or write it to
    FILE), to check a kiosk's speech on the spot. Exit 0 when it was said, 1 when not."""
    import argparse

    from PySide6.QtCore import QCoreApplication

    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.speech", description=main.__doc__)
    parser.add_argument("--lang", choices=tuple(VOICES), default="nl")
    parser.add_argument("--wav", type=Path, help="write the speech to this WAV file")
    parser.add_argument("text")
    args = parser.parse_args(argv)
    app = QCoreApplication.instance() or QCoreApplication([])
    speaker = Speaker(use_qt=args.wav is None)
    if not speaker.available:
        print(f"no speech backend: install {ESPEAK}", file=sys.stderr)
        return 1
    speaker.set_output(args.wav)
    result: list[bool] = []

    def ended(ok: bool) -> None:
        result.append(ok)
        app.quit()

    speaker.finished.connect(ended)
    speaker.speak(args.text, args.lang)
    if not result:
        app.exec()
    print(f"{speaker.backend}: {'said' if result == [True] else 'failed'}")
    return 0 if result == [True] else 1


if __name__ == "__main__":
    sys.exit(main())
