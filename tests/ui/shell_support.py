"""Setup for the shell's tests: the app set up as `run_app` does (theme, Dutch), put back as it
was afterwards; ops callbacks through the app's real `GuiCaller`; a sound player that is a real
program writing down what it was asked to play; and the "nothing untranslated" check."""

from __future__ import annotations

import contextlib
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from kiosk.ui.bridge import GuiCaller
from kiosk.ui.i18n import Translations
from kiosk.ui.i18n_build import messages, ts_path
from kiosk.ui.theme import NORMAL, Themes
from tests.ops.conftest import Gui

WAIT_MS = 30_000  # only so that a broken test fails instead of hanging; nothing is timed


class QtGui(Gui):
    """The ops' callbacks on Qt's GUI thread, as the app runs them."""

    def __init__(self) -> None:
        super().__init__()
        self.caller = GuiCaller()

    def call(self, fn: Callable[[], object]) -> None:
        self.caller(fn)


@dataclass
class App:
    qapp: QApplication
    translations: Translations
    themes: Themes


@contextlib.contextmanager
def set_up_as_the_shell(qapp: QApplication) -> Iterator[App]:
    """The app as `run_app` sets it up (the normal theme, Dutch), put back as it was after."""
    style, pal, font = qapp.style().name(), QPalette(qapp.palette()), qapp.font()
    sheet, locale = qapp.styleSheet(), QLocale()
    themes = Themes(qapp, NORMAL)
    translations = Translations(qapp)
    try:
        yield App(qapp, translations, themes)
    finally:
        translations.uninstall()
        translations.deleteLater()
        themes.deleteLater()
        qapp.setStyleSheet(sheet)
        if style:
            qapp.setStyle(style)
        qapp.setPalette(pal)
        qapp.setFont(font)
        QLocale.setDefault(locale)


@pytest.fixture
def app(qapp: QApplication) -> Iterator[App]:
    with set_up_as_the_shell(qapp) as ready:
        yield ready


@pytest.fixture
def ui(qapp: QApplication) -> Iterator[Translations]:
    """Only the translations of the app set up as the shell does (the screens' own tests)."""
    with set_up_as_the_shell(qapp) as ready:
        yield ready.translations


def recording_player(tmp_path: Path) -> tuple[list[str], Path]:
    """A sound player command (a real shell script) that appends each file it is given to a
    log; the command for SoundPlayer and the log's path."""
    log = tmp_path / "played.txt"
    script = tmp_path / "player.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return [str(script)], log


def played(log: Path) -> list[str]:
    return [Path(line).stem for line in log.read_text().splitlines()] if log.exists() else []


# -- nothing untranslated -------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%(?:n|L?\d)")


def _pattern(text: str) -> re.Pattern[str] | None:
    """A text with its %1 / %n filled in by anything; None for texts too bare to tell apart
    (only placeholders and punctuation) or that are names (the same in both languages)."""
    if len(re.sub(r"[\W\d_]", "", _PLACEHOLDER.sub("", text))) < 3:
        return None
    parts = _PLACEHOLDER.split(text)
    return re.compile(".+?".join(re.escape(p) for p in parts), re.S)


def foreign_patterns(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    """Texts that must not be on a screen in `lang`: in Dutch the English source texts, in
    English the Dutch translations (each only where the two differ)."""
    out = []
    for m in messages(ts_path("nl")):
        texts = [m.source] if lang == "nl" else list(m.translations)
        others = set(m.translations) if lang == "nl" else {m.source}
        for text in texts:
            if text in others:
                continue  # the same in both ("Heitje — %1"): not a sign of anything
            pattern = _pattern(text)
            if pattern is not None:
                out.append((f"{m.context}: {text!r}", pattern))
    return out


def visible_texts(root: QWidget) -> list[tuple[QWidget, str]]:
    """Every text a person can see or hear now: visible labels, buttons and inputs, and the
    accessible names and tooltips of the visible widgets."""
    found: list[tuple[QWidget, str]] = []
    for w in [root, *root.findChildren(QWidget)]:
        if w is not root and not w.isVisibleTo(root):
            continue
        if isinstance(w, QLabel | QAbstractButton):
            found.append((w, w.text()))
        if isinstance(w, QLineEdit):
            found.append((w, w.placeholderText()))
        found.append((w, w.accessibleName()))
        found.append((w, w.toolTip()))
    return [(w, t) for w, t in found if t.strip()]


def untranslated(root: QWidget, lang: str) -> list[str]:
    """The visible texts under `root` that are in the other language, in words."""
    patterns = foreign_patterns(lang)
    problems = []
    for widget, text in visible_texts(root):
        for where, pattern in patterns:
            if pattern.fullmatch(text):
                name = widget.objectName() or type(widget).__name__
                problems.append(f"{lang}: {name} shows {text!r}, untranslated ({where})")
                break
    return problems
