"""The themes' colour pairs reach 4.5:1; the access checkers find text under 18 pt, targets under
48 px and controls without a name (on deliberately bad widgets, so they can fail); switching
the language retranslates real widgets; switching the contrast restyles the app."""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kiosk.ui import theme as theme_mod
from kiosk.ui.i18n import LanguageButton, Translations
from kiosk.ui.theme import (
    HIGH_CONTRAST,
    MIN_CONTRAST,
    NORMAL,
    PAIRS,
    THEMES,
    ContrastButton,
    Theme,
    Themes,
    apply_theme,
    check_contrast,
    check_sizes,
    colour_pairs,
    contrast_ratio,
)


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The shared QApplication, put back as it was after the test (style, palette, font,
    stylesheet, translators' locale)."""
    style, pal, font = qapp.style().name(), QPalette(qapp.palette()), qapp.font()
    sheet = qapp.styleSheet()
    locale = QLocale()
    yield qapp
    qapp.setStyleSheet(sheet)
    if style:
        qapp.setStyle(style)
    qapp.setPalette(pal)
    qapp.setFont(font)
    QLocale.setDefault(locale)


@pytest.fixture
def themed(app: QApplication) -> QApplication:
    apply_theme(app, NORMAL)
    return app


# -- contrast ----------------------------------------------------------------------------------


def test_contrast_ratio_known_values() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#336699", "#336699") == pytest.approx(1.0)
    # The well-known grey that just fails AA on white, and the one that just passes.
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#0000FF", "#FFFFFF") == pytest.approx(8.59, abs=0.01)
    with pytest.raises(ValueError, match="RRGGBB"):
        contrast_ratio("red", "#FFFFFF")


colours = st.text(alphabet=string.hexdigits, min_size=6, max_size=6).map(lambda h: "#" + h)


@given(colours, colours)
def test_contrast_ratio_is_symmetric_and_bounded(a: str, b: str) -> None:
    r = contrast_ratio(a, b)
    assert r == pytest.approx(contrast_ratio(b, a))
    assert 1.0 <= r <= 21.0 + 1e-9
    assert contrast_ratio(a, a) == pytest.approx(1.0)
    # Against black and against white the ratios multiply to 21: one of them is >= 4.58.
    assert contrast_ratio(a, "#000000") * contrast_ratio(a, "#FFFFFF") == pytest.approx(21.0)


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_every_colour_pair_of_the_theme_reaches_4_5(theme: Theme) -> None:
    assert check_contrast(theme) == []
    for where, fg, bg, ratio in colour_pairs(theme):
        assert ratio >= MIN_CONTRAST, (where, fg, bg)


def test_the_pairs_cover_every_colour_of_the_themes() -> None:
    """No colour is used without being checked: every theme colour is in a pair, and every
    colour the stylesheet names is a theme colour."""
    in_pairs = {p.fg for p in PAIRS} | {p.bg for p in PAIRS}
    assert set(NORMAL.colours()) == in_pairs
    in_sheet = set(re.findall(r"\{(\w+)\}", theme_mod._STYLESHEET))
    assert in_sheet <= set(NORMAL.colours()), in_sheet - set(NORMAL.colours())
    assert "#" not in theme_mod._STYLESHEET  # no colour written into the stylesheet by hand


def test_check_contrast_catches_a_bad_theme() -> None:
    bad = dataclasses.replace(NORMAL, name="bad", muted="#AAAAAA", button_text="#8A8A8A")
    problems = check_contrast(bad)
    assert any("secondary text on the window #AAAAAA on #F5F3EE" in p for p in problems)
    assert any("button text #8A8A8A" in p for p in problems)
    # ... and the palette built from it, as Qt draws it
    assert any("palette Active ButtonText #8A8A8A on Button" in p for p in problems)
    assert check_contrast(bad, minimum=1.0) == []


def test_the_applied_palette_is_the_themes(themed: QApplication) -> None:
    pal = themed.palette()
    assert pal.color(QPalette.ColorRole.Window).name().upper() == NORMAL.window
    assert pal.color(QPalette.ColorRole.ButtonText).name().upper() == NORMAL.button_text
    assert themed.font().pointSizeF() >= 18


# -- sizes and names ---------------------------------------------------------------------------


def good_screen() -> QWidget:
    screen = QWidget()
    screen.setObjectName("good")
    box = QVBoxLayout(screen)
    title = QLabel("Saldo")
    title.setProperty("text_size", "title")
    box.addWidget(title)
    amount = QLabel("12,50")
    amount.setProperty("text_size", "huge")
    box.addWidget(amount)
    serial_label = QLabel("Pasnummer")
    serial = QLineEdit()
    serial_label.setBuddy(serial)  # the buddy label names the field for a screen reader
    box.addWidget(serial_label)
    box.addWidget(serial)
    row = QHBoxLayout()
    pay = QPushButton("Betalen")
    pay.setProperty("kind", "primary")
    row.addWidget(pay)
    row.addWidget(QPushButton("Klaar"))
    box.addLayout(row)
    choices = QListWidget()
    choices.setAccessibleName("Klussen")
    choices.addItems(["Plein vegen", "Zwerfafval rapen"])
    box.addWidget(choices)
    hidden = QPushButton()
    hidden.setFixedSize(10, 10)
    hidden.hide()  # not shown: not checked
    box.addWidget(hidden)
    return screen


def test_a_themed_screen_passes_the_checks(qtbot: QtBot, themed: QApplication) -> None:
    screen = good_screen()
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    assert check_sizes(screen) == []
    huge = screen.findChildren(QLabel)[1]
    assert huge.font().pointSizeF() >= 48  # the size property took effect


def test_the_checks_catch_small_text_small_targets_and_missing_names(
    qtbot: QtBot, themed: QApplication
) -> None:
    screen = QWidget()
    box = QVBoxLayout(screen)
    fine_print = QLabel("Kleine lettertjes")
    fine_print.setObjectName("fine_print")
    fine_print.setFont(QFont(fine_print.font().family(), 10))
    box.addWidget(fine_print)
    icon_only = QPushButton()  # no text, no name
    icon_only.setObjectName("icon_only")
    icon_only.setStyleSheet(
        "QPushButton { min-height: 30px; max-height: 30px; min-width: 30px; max-width: 30px;"
        " padding: 0 }"
    )
    box.addWidget(icon_only)
    unnamed_field = QLineEdit()  # no buddy label, no name
    unnamed_field.setObjectName("unnamed_field")
    box.addWidget(unnamed_field)
    pixel_font = QLabel("Piepklein")
    pixel_font.setObjectName("pixel_font")
    f = QFont(pixel_font.font())
    f.setPixelSize(12)
    pixel_font.setFont(f)
    box.addWidget(pixel_font)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)

    problems = check_sizes(screen)
    assert "QLabel 'fine_print' «Kleine lettertjes»: text is 10 pt, under 18 pt" in problems
    assert "QPushButton 'icon_only': is 34x34 px, under 48 px" in problems  # 30 + 2 px edges
    assert "QPushButton 'icon_only': no accessible name" in problems
    assert "QLineEdit 'unnamed_field': no accessible name" in problems
    assert any(p.startswith("QLabel 'pixel_font' «Piepklein»: text is ") for p in problems)
    assert len(problems) == 5, problems


def test_without_the_theme_a_plain_button_is_too_small(qtbot: QtBot, app: QApplication) -> None:
    """The theme is what makes the sizes: the same widgets under Qt's defaults fail."""
    app.setStyleSheet("")
    app.setFont(QFont(app.font().family(), 9))
    screen = QWidget()
    box = QVBoxLayout(screen)
    box.addWidget(QPushButton("OK"))
    rows = QListWidget()
    rows.setAccessibleName("Rijen")
    rows.addItems(["een", "twee"])
    box.addWidget(rows)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    problems = check_sizes(screen)
    assert any(p.startswith("QPushButton «OK»: is ") for p in problems), problems
    assert any("QListWidget: rows are" in p for p in problems), problems
    assert any("text is 9 pt" in p for p in problems), problems


# -- switching language and contrast at run time -----------------------------------------------


@pytest.fixture
def translations(app: QApplication) -> Iterator[Translations]:
    t = Translations(app)
    yield t
    t.uninstall()
    t.deleteLater()


def test_dutch_is_the_default_and_english_is_one_touch_away(
    qtbot: QtBot, translations: Translations
) -> None:
    screen = QWidget()
    box = QVBoxLayout(screen)
    language = LanguageButton(translations)  # a child: Qt hands it its own LanguageChange
    box.addWidget(language)
    qtbot.addWidget(screen)
    screen.show()
    assert translations.lang == "nl"
    assert language.text() == "English"
    assert language.accessibleName() == "Kies Engels"
    changes: list[str] = []
    translations.language_changed.connect(changes.append)

    qtbot.mouseClick(language, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: language.text() == "Nederlands")
    assert language.accessibleName() == "Switch to Dutch"
    assert translations.lang == "en" and changes == ["en"]
    assert QLocale().language() == QLocale.Language.English

    qtbot.mouseClick(language, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: language.text() == "English")
    assert language.accessibleName() == "Kies Engels"
    assert changes == ["en", "nl"]
    assert QLocale().toString(1234.5, "f", 2) == "1.234,50"


def test_contrast_is_one_touch_away_and_follows_the_language(
    qtbot: QtBot, app: QApplication, translations: Translations
) -> None:
    themes = Themes(app)
    button = ContrastButton(themes)
    qtbot.addWidget(button)
    button.show()
    assert button.text() == "Hoog contrast"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert themes.theme is HIGH_CONTRAST
    assert app.palette().color(QPalette.ColorRole.Window).name().upper() == "#000000"
    assert button.text() == "Gewoon contrast"
    assert button.accessibleName() == "Zet gewoon contrast aan"
    translations.switch("en")
    qtbot.waitUntil(lambda: button.text() == "Normal contrast")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert themes.theme is NORMAL and button.text() == "High contrast"
    themes.deleteLater()


def test_unknown_language_is_refused(translations: Translations) -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        translations.switch("de")  # type: ignore[arg-type]
