"""Languages at run time: Dutch by default, English one touch away, through Qt's own translation
system.

Every text on screen is written in the code in English, through `self.tr("...")` in a widget
or `QCoreApplication.translate("Context", "...")` elsewhere; `kiosk.ui.i18n_build` collects
them into `resources/translations/heitje_nl.ts` (the Dutch, edited by people, with Qt
Linguist or by hand) and builds the `.qm` files the app loads from
`kiosk/resources/translations/`.

The convention every screen follows:

* set every text in one method, `retranslate()`, and call it once from `__init__`;
* put `Retranslating` first among the bases (`class Home(Retranslating, QWidget)`): when the
  language changes Qt sends each widget a LanguageChange event, and the mixin calls
  `retranslate()` on it. Children get their own event, so each widget retranslates only the
  texts it set itself;
* texts that carry data ("3,50 heitjes") are rebuilt from the data in `retranslate()`, never
  patched from what the label showed before.

`Translations.switch("en")` swaps the installed translators; Qt then posts the events, so the
screen changes on the next turn of the event loop.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QObject,
    QTranslator,
    Signal,
)
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.core.errors import Lang

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "TRANSLATIONS_DIR",
    "LanguageButton",
    "Retranslating",
    "Translations",
    "qm_path",
]

log = logging.getLogger("kiosk.ui.i18n")

LANGUAGES: Final[tuple[Lang, ...]] = ("nl", "en")
DEFAULT_LANGUAGE: Final[Lang] = "nl"
TRANSLATIONS_DIR: Final = Path(__file__).resolve().parents[1] / "resources" / "translations"
# The name of each language in that language: on the button that switches to it. Names of
# languages are not translated (a Dutch reader looks for "Nederlands" on an English screen).
LANGUAGE_NAMES: Final[dict[Lang, str]] = {"nl": "Nederlands", "en": "English"}
_LOCALES: Final[dict[Lang, QLocale]] = {
    "nl": QLocale(QLocale.Language.Dutch, QLocale.Country.Netherlands),
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom),
}


def qm_path(lang: Lang, directory: Path = TRANSLATIONS_DIR) -> Path:
    return directory / f"heitje_{lang}.qm"


class Translations(QObject):
    """The application's language: installs and swaps the translators (ours, and Qt's own for
    its standard buttons), and sets the default locale (number and date formats).

    `language_changed` is for what is not a widget (receipts, spoken error texts): widgets
    follow through `Retranslating`."""

    language_changed = Signal(str)

    def __init__(
        self,
        app: QCoreApplication,
        lang: Lang = DEFAULT_LANGUAGE,
        directory: Path = TRANSLATIONS_DIR,
    ) -> None:
        super().__init__(app)
        self._app = app
        self._directory = directory
        self._installed: list[QTranslator] = []
        self._lang: Lang = lang
        self._install(lang)

    @property
    def lang(self) -> Lang:
        return self._lang

    def other(self) -> Lang:
        """The language one touch away."""
        return "en" if self._lang == "nl" else "nl"

    def switch(self, lang: Lang) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
        if lang == self._lang:
            return
        self._lang = lang
        self._install(lang)
        self.language_changed.emit(lang)

    def toggle(self) -> None:
        self.switch(self.other())

    def uninstall(self) -> None:
        """Remove the translators (the English source texts show); for tests and shutdown."""
        for old in self._installed:
            self._app.removeTranslator(old)
            old.deleteLater()
        self._installed = []

    def _install(self, lang: Lang) -> None:
        self.uninstall()
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        # Ours must be there (a missing file is a broken build: say so in the log, show the
        # English source texts); Qt's own is a bonus (Dutch "Annuleren" on standard buttons).
        ours, qts = qm_path(lang, self._directory), Path(qt_dir, f"qtbase_{lang}.qm")
        for path, required in ((ours, True), (qts, False)):
            translator = QTranslator(self)
            if translator.load(str(path)):
                self._app.installTranslator(translator)
                self._installed.append(translator)
            elif required:
                log.error(
                    "translation file %s is missing or unreadable: run "
                    "'python -m kiosk.ui.i18n_build release' (./run setup does)",
                    path,
                )
        QLocale.setDefault(_LOCALES[lang])


class Retranslating:
    """Mixin for widgets: calls `retranslate()` when the application's language changes.
    Put it before the Qt class: `class Home(Retranslating, QWidget)`."""

    def retranslate(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must set its texts in retranslate()")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)  # type: ignore[misc]


class LanguageButton(Retranslating, QPushButton):
    """The touch that switches between Dutch and English: it shows the other language's name,
    in that language."""

    def __init__(self, translations: Translations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._translations = translations
        self.setObjectName("language_button")
        self.clicked.connect(translations.toggle)
        self.retranslate()

    def retranslate(self) -> None:
        other = self._translations.other()
        self.setText(LANGUAGE_NAMES[other])
        if other == "en":
            self.setAccessibleName(self.tr("Switch to English"))
        else:
            self.setAccessibleName(self.tr("Switch to Dutch"))
