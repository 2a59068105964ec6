"""The Qt half of `--self-test` (kiosk/self_test.py): Qt draws, the sounds and the
translations load. Each check returns what it saw, or raises."""

from __future__ import annotations

import sys
import wave

from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication, QLabel

from kiosk.ui.i18n import qm_path
from kiosk.ui.sounds import Sound
from kiosk.ui.theme import NORMAL, apply_theme

__all__ = ["draws_a_widget", "sounds_load", "translations_load"]


def draws_a_widget() -> str:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app, NORMAL)
    label = QLabel("Heitje")
    label.resize(200, 60)
    image = label.grab().toImage()
    if image.isNull() or image.width() != 200:
        raise RuntimeError("a widget could not be drawn")
    return f"Qt {app.platformName()} draws a themed widget"


def sounds_load() -> str:
    lengths = []
    for sound in Sound:
        with wave.open(str(sound.path), "rb") as wav:
            lengths.append(wav.getnframes() / wav.getframerate())
        if lengths[-1] <= 0:
            raise RuntimeError(f"{sound.path.name} is empty")
    return "sounds: " + ", ".join(
        f"{s.value} {n:.2f} s" for s, n in zip(Sound, lengths, strict=True)
    )


def translations_load() -> str:
    translator = QTranslator()
    if not translator.load(str(qm_path("nl"))):
        raise RuntimeError(f"{qm_path('nl')} does not load")
    dutch = translator.translate("ResidentKioskScreen", "Hold your card in front of the camera")
    if dutch != "Houd je pas voor de camera":
        raise RuntimeError(f"the Dutch translation gave {dutch!r}")
    if not QTranslator().load(str(qm_path("en"))):
        raise RuntimeError(f"{qm_path('en')} does not load")
    return "translations: nl and en load; the home screen's text is Dutch"
