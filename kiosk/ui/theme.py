"""The look of every screen: a normal and a high-contrast theme, large text and large targets,
and the checks the screen tests run to hold them.

A theme is a set of named colours. The QPalette and the stylesheet are both built from those
names, and `colour_pairs()` lists every pair of them that is ever drawn as text (or a focus
ring, or a button's edge) on a background, so `check_contrast()` checks what is really on
screen. Both themes hold WCAG 2.x's 4.5:1 for every pair — the edges and rings too, though
WCAG asks only 3:1 of them — because the people at a kiosk include the partially sighted.

Screens pick styles by Qt property, not by colour:

* `button.setProperty("kind", "primary")` — the one main action of a screen;
* `label.setProperty("tone", "ok" | "refused" | "warning")` — a good or refused scan, the
  offline banner;
* `label.setProperty("text_size", "title" | "huge")` — 28 pt headings, 48 pt for the balance;
* `label.setProperty("muted", True)` — secondary text (still 4.5:1);
* `widget.setProperty("role", "status")` — the status bar.

Set a property before the widget is first shown; after that, call `repolish(widget)`.
Everything else is at least 18 pt, every control at least 48 x 48 px (`check_sizes()`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTabBar,
    QTextEdit,
    QWidget,
)

from kiosk.ui.i18n import Retranslating

__all__ = [
    "HIGH_CONTRAST",
    "MIN_CONTRAST",
    "MIN_POINT_SIZE",
    "MIN_TARGET_PX",
    "NORMAL",
    "THEMES",
    "ColourPair",
    "ContrastButton",
    "Theme",
    "Themes",
    "apply_theme",
    "check_contrast",
    "check_sizes",
    "colour_pairs",
    "contrast_ratio",
    "palette",
    "repolish",
    "stylesheet",
]

MIN_CONTRAST: Final = 4.5  # WCAG 2.x AA for normal text
MIN_POINT_SIZE: Final = 18.0
MIN_TARGET_PX: Final = 48
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Theme:
    """Every colour a screen uses, as "#RRGGBB"."""

    name: str
    window: str  # the screen's background
    text: str  # text on it
    muted: str  # secondary text on it
    status: str  # the status bar
    status_text: str
    base: str  # inputs and lists
    base_text: str
    alt_base: str  # every other row of a list
    placeholder: str
    button: str
    button_text: str
    border: str  # the edge of buttons and inputs, on the window
    disabled_text: str
    primary: str  # the one main action of a screen
    primary_text: str
    highlight: str  # selected rows and text
    highlight_text: str
    ok: str  # a good scan, "Betaald"
    ok_text: str
    refused: str  # a refused scan or payment
    refused_text: str
    warning: str  # offline, old snapshot
    warning_text: str
    tooltip: str
    tooltip_text: str
    focus: str  # the ring round the control that has the keyboard
    link: str

    def colours(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "name"}


NORMAL: Final = Theme(
    name="normal",
    window="#F5F3EE",
    text="#1A1A1A",
    muted="#4A4F55",
    status="#E4E1D9",
    status_text="#1A1A1A",
    base="#FFFFFF",
    base_text="#1A1A1A",
    alt_base="#ECE9E1",
    placeholder="#5A5A5A",
    button="#DDE4EE",
    button_text="#1A1A1A",
    border="#5E6670",
    disabled_text="#555B62",
    primary="#0B5CAD",
    primary_text="#FFFFFF",
    highlight="#0B5CAD",
    highlight_text="#FFFFFF",
    ok="#1B6E3A",
    ok_text="#FFFFFF",
    refused="#A4161A",
    refused_text="#FFFFFF",
    warning="#FFD166",
    warning_text="#1A1A1A",
    tooltip="#1A1A1A",
    tooltip_text="#FFFFFF",
    focus="#0B5CAD",
    link="#0B5CAD",
)

# White and yellow on black: the high-contrast scheme partially sighted people know.
HIGH_CONTRAST: Final = Theme(
    name="high_contrast",
    window="#000000",
    text="#FFFFFF",
    muted="#E0E0E0",
    status="#000000",
    status_text="#FFFF00",
    base="#000000",
    base_text="#FFFFFF",
    alt_base="#1A1A1A",
    placeholder="#BDBDBD",
    button="#000000",
    button_text="#FFFF00",
    border="#FFFFFF",
    disabled_text="#BDBDBD",
    primary="#FFFF00",
    primary_text="#000000",
    highlight="#00FFFF",
    highlight_text="#000000",
    ok="#7CFC00",
    ok_text="#000000",
    refused="#FF6B6B",
    refused_text="#000000",
    warning="#FFB000",
    warning_text="#000000",
    tooltip="#FFFFFF",
    tooltip_text="#000000",
    focus="#00FFFF",
    link="#00FFFF",
)

THEMES: Final = (NORMAL, HIGH_CONTRAST)


# -- contrast ----------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of "#RRGGBB" (sRGB, with the 0.04045 knee of IEC 61966-2-1)."""
    if not _HEX.fullmatch(colour):
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two "#RRGGBB" colours: from 1.0 (the same) to 21.0 (black and
    white); symmetric."""
    a, b = _luminance(fg), _luminance(bg)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class ColourPair:
    where: str
    fg: str  # the Theme field names
    bg: str

    def ratio(self, theme: Theme) -> float:
        return contrast_ratio(getattr(theme, self.fg), getattr(theme, self.bg))


# Every foreground drawn on every background, by the palette or by the stylesheet below.
PAIRS: Final = (
    ColourPair("text on the window", "text", "window"),
    ColourPair("secondary text on the window", "muted", "window"),
    ColourPair("disabled text on the window", "disabled_text", "window"),
    ColourPair("status bar", "status_text", "status"),
    ColourPair("input and list text", "base_text", "base"),
    ColourPair("list text on alternate rows", "base_text", "alt_base"),
    ColourPair("placeholder in an input", "placeholder", "base"),
    ColourPair("disabled input text", "disabled_text", "base"),
    ColourPair("button text", "button_text", "button"),
    ColourPair("disabled button text", "disabled_text", "button"),
    ColourPair("button and input edge on the window", "border", "window"),
    ColourPair("input edge on the input", "border", "base"),
    ColourPair("main action", "primary_text", "primary"),
    ColourPair("main action's edge on the window", "primary", "window"),
    ColourPair("selected row", "highlight_text", "highlight"),
    ColourPair("good scan, paid", "ok_text", "ok"),
    ColourPair("refused", "refused_text", "refused"),
    ColourPair("warning, offline", "warning_text", "warning"),
    ColourPair("tooltip", "tooltip_text", "tooltip"),
    ColourPair("focus ring on the window", "focus", "window"),
    ColourPair("focus ring on a button", "focus", "button"),
    ColourPair("focus ring on an input", "focus", "base"),
    ColourPair("link", "link", "base"),
)


def colour_pairs(theme: Theme) -> list[tuple[str, str, str, float]]:
    """(where, fg colour, bg colour, ratio) for every pair the theme draws."""
    return [(p.where, getattr(theme, p.fg), getattr(theme, p.bg), p.ratio(theme)) for p in PAIRS]


_R, _G = QPalette.ColorRole, QPalette.ColorGroup
# The palette's text-on-background pairs, as Qt's styles draw them.
_PALETTE_PAIRS: Final = (
    (_G.Active, _R.WindowText, _R.Window),
    (_G.Active, _R.Text, _R.Base),
    (_G.Active, _R.Text, _R.AlternateBase),
    (_G.Active, _R.PlaceholderText, _R.Base),
    (_G.Active, _R.ButtonText, _R.Button),
    (_G.Active, _R.HighlightedText, _R.Highlight),
    (_G.Active, _R.ToolTipText, _R.ToolTipBase),
    (_G.Active, _R.Link, _R.Base),
    (_G.Inactive, _R.HighlightedText, _R.Highlight),
    (_G.Disabled, _R.WindowText, _R.Window),
    (_G.Disabled, _R.Text, _R.Base),
    (_G.Disabled, _R.ButtonText, _R.Button),
)


def check_contrast(theme: Theme, minimum: float = MIN_CONTRAST) -> list[str]:
    """Every pair of the theme under `minimum`, in words (empty: all pass). Checks the named
    pairs and the QPalette built from the theme as Qt will use it."""
    problems = [
        f"{theme.name}: {where} {fg} on {bg} is {ratio:.2f}:1, under {minimum}:1"
        for where, fg, bg, ratio in colour_pairs(theme)
        if ratio < minimum
    ]
    pal = palette(theme)
    for group, fg_role, bg_role in _PALETTE_PAIRS:
        fg, bg = pal.color(group, fg_role).name().upper(), pal.color(group, bg_role).name().upper()
        ratio = contrast_ratio(fg, bg)
        if ratio < minimum:
            problems.append(
                f"{theme.name}: palette {group.name} {fg_role.name} {fg} on {bg_role.name} {bg} "
                f"is {ratio:.2f}:1, under {minimum}:1"
            )
    return problems


# -- palette and stylesheet --------------------------------------------------------------------


def palette(theme: Theme) -> QPalette:
    pal = QPalette()
    roles = {
        _R.Window: theme.window,
        _R.WindowText: theme.text,
        _R.Base: theme.base,
        _R.AlternateBase: theme.alt_base,
        _R.Text: theme.base_text,
        _R.PlaceholderText: theme.placeholder,
        _R.Button: theme.button,
        _R.ButtonText: theme.button_text,
        _R.BrightText: theme.refused_text,
        _R.Highlight: theme.highlight,
        _R.HighlightedText: theme.highlight_text,
        _R.ToolTipBase: theme.tooltip,
        _R.ToolTipText: theme.tooltip_text,
        _R.Link: theme.link,
        _R.LinkVisited: theme.link,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))  # all groups
    for role in (_R.WindowText, _R.Text, _R.ButtonText):
        pal.setColor(_G.Disabled, role, QColor(theme.disabled_text))
    return pal


_STYLESHEET: Final = """
QToolTip {{ color: {tooltip_text}; background-color: {tooltip}; border: 2px solid {tooltip_text}; }}
QLabel[muted="true"] {{ color: {muted}; }}
QStatusBar, *[role="status"] {{ color: {status_text}; background-color: {status}; }}
QPushButton, QToolButton {{
    color: {button_text}; background-color: {button};
    border: 2px solid {border}; border-radius: 8px;
    min-height: 48px; min-width: 48px; padding: 6px 16px;
}}
QPushButton:disabled, QToolButton:disabled {{ color: {disabled_text}; border-style: dashed; }}
QPushButton:focus, QToolButton:focus {{ border: 3px solid {focus}; }}
QPushButton[kind="primary"] {{
    color: {primary_text}; background-color: {primary}; border-color: {primary};
}}
QPushButton[kind="primary"]:focus {{ border: 3px solid {primary_text}; }}
QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QAbstractItemView {{
    color: {base_text}; background-color: {base}; alternate-background-color: {alt_base};
    border: 2px solid {border}; border-radius: 6px;
    selection-color: {highlight_text}; selection-background-color: {highlight};
}}
QLineEdit:disabled, QComboBox:disabled, QAbstractSpinBox:disabled {{ color: {disabled_text}; }}
QLineEdit:focus, QComboBox:focus, QAbstractSpinBox:focus, QAbstractItemView:focus {{
    border-color: {focus};
}}
QLineEdit, QComboBox, QAbstractSpinBox {{ min-height: 48px; padding: 0 8px; }}
QAbstractItemView::item {{ min-height: 48px; }}
QCheckBox, QRadioButton {{ min-height: 48px; spacing: 12px; }}
QScrollBar:vertical {{ width: 48px; }}
QScrollBar:horizontal {{ height: 48px; }}
*[tone="ok"] {{ color: {ok_text}; background-color: {ok}; border-radius: 8px; padding: 8px; }}
*[tone="refused"] {{
    color: {refused_text}; background-color: {refused}; border-radius: 8px; padding: 8px;
}}
*[tone="warning"] {{
    color: {warning_text}; background-color: {warning}; border-radius: 8px; padding: 8px;
}}
*[text_size="title"] {{ font-size: 28pt; font-weight: bold; }}
*[text_size="huge"] {{ font-size: 48pt; font-weight: bold; }}
"""


def stylesheet(theme: Theme) -> str:
    return _STYLESHEET.format(**theme.colours())


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Fusion (it follows the palette on every platform), the theme's palette and stylesheet,
    and 18 pt text everywhere."""
    app.setStyle("Fusion")
    app.setPalette(palette(theme))
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), MIN_POINT_SIZE))
    app.setFont(font)
    app.setStyleSheet(stylesheet(theme))


def repolish(widget: QWidget) -> None:
    """Apply a style property changed after the widget was shown."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def set_tone(widget: QWidget, tone: str | None) -> None:
    """The widget's tone (ok, warning, refused; None: plain), restyled only when it changes."""
    if widget.property("tone") != tone:
        widget.setProperty("tone", tone)
        repolish(widget)


def show_message(label: QLabel, text: str, tone: str | None = None) -> None:
    """A line that is there only when it says something, in its tone."""
    label.setText(text)
    set_tone(label, tone if text else None)
    label.setVisible(bool(text))


class Themes(QObject):
    """The app's current theme, switched at run time (a touch on `ContrastButton`)."""

    theme_changed = Signal(str)

    def __init__(self, app: QApplication, theme: Theme = NORMAL) -> None:
        super().__init__(app)
        self._app = app
        self._theme = theme
        apply_theme(app, theme)

    @property
    def theme(self) -> Theme:
        return self._theme

    def toggle(self) -> None:
        self._theme = HIGH_CONTRAST if self._theme is NORMAL else NORMAL
        apply_theme(self._app, self._theme)
        self.theme_changed.emit(self._theme.name)


class ContrastButton(Retranslating, QPushButton):
    """Switches between the normal and the high-contrast theme."""

    def __init__(self, themes: Themes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._themes = themes
        self.setObjectName("contrast_button")
        self.clicked.connect(themes.toggle)
        themes.theme_changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        if self._themes.theme is NORMAL:
            self.setText(self.tr("High contrast"))
            self.setAccessibleName(self.tr("Switch to high contrast"))
        else:
            self.setText(self.tr("Normal contrast"))
            self.setAccessibleName(self.tr("Switch to normal contrast"))


# -- sizes and names ---------------------------------------------------------------------------

_CONTROLS: Final = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QAbstractSpinBox,
    QAbstractSlider,
    QTabBar,
    QAbstractItemView,
)


def _describe(w: QWidget) -> str:
    parts = [type(w).__name__]
    if w.objectName():
        parts.append(f"'{w.objectName()}'")
    text = _shown_text(w)
    if text:
        parts.append(f"«{text[:30]}»")
    return " ".join(parts)


def _shown_text(w: QWidget) -> str:
    if isinstance(w, QLabel | QAbstractButton | QLineEdit):
        return w.text()
    if isinstance(w, QComboBox):
        return w.currentText()
    if isinstance(w, QGroupBox):
        return w.title()
    if isinstance(w, QTextEdit | QPlainTextEdit):
        return w.toPlainText()
    return ""


def _shows_text(w: QWidget) -> bool:
    if isinstance(w, QLabel | QAbstractButton | QGroupBox):
        return bool(_shown_text(w))
    if isinstance(w, QProgressBar):
        return w.isTextVisible()
    return isinstance(
        w, QLineEdit | QComboBox | QAbstractSpinBox | QTextEdit | QPlainTextEdit | QTabBar
    ) or (isinstance(w, QAbstractItemView) and w.model() is not None and w.model().rowCount() > 0)


def _point_size(w: QWidget) -> float:
    font = w.font()
    if font.pointSizeF() > 0:
        return font.pointSizeF()
    return font.pixelSize() * 72.0 / w.logicalDpiY()


def _accessible_name(w: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(w)
    return iface.text(QAccessible.Text.Name).strip() if iface is not None else ""


def _small_targets(w: QWidget) -> list[str]:
    if isinstance(w, QTabBar):
        return [
            f"tab {i} is {r.width()}x{r.height()} px"
            for i in range(w.count())
            if (r := w.tabRect(i)).width() < MIN_TARGET_PX or r.height() < MIN_TARGET_PX
        ]
    if isinstance(w, QAbstractItemView):
        model = w.model()
        if w.selectionMode() == QAbstractItemView.SelectionMode.NoSelection or model is None:
            return []  # a list to read, not to touch
        heights = {
            w.visualRect(model.index(row, 0)).height()
            for row in range(min(model.rowCount(), 200))
            if w.visualRect(model.index(row, 0)).isValid()
        }
        low = sorted(h for h in heights if h < MIN_TARGET_PX)
        return [f"rows are {low[0]} px high"] if low else []
    if w.width() < MIN_TARGET_PX or w.height() < MIN_TARGET_PX:
        return [f"is {w.width()}x{w.height()} px"]
    return []


def _is_control(w: QWidget) -> bool:
    if isinstance(w, QAbstractItemView):
        return w.selectionMode() != QAbstractItemView.SelectionMode.NoSelection
    return isinstance(w, _CONTROLS)


def check_sizes(root: QWidget) -> list[str]:
    """Every visible widget under `root` (itself included) that breaks the access rules, in
    words: text under 18 pt, a control under 48 x 48 px, a control without an accessible name
    (a screen reader's name: the button's text, the label that is its buddy, or
    setAccessibleName). Call it on a shown widget, after its layout has run."""
    problems = []
    for w in [root, *root.findChildren(QWidget)]:
        if w is not root and not w.isVisibleTo(root):
            continue
        where = _describe(w)
        if _shows_text(w) and (size := _point_size(w)) < MIN_POINT_SIZE:
            problems.append(f"{where}: text is {size:g} pt, under {MIN_POINT_SIZE:g} pt")
        if _is_control(w):
            problems += [f"{where}: {p}, under {MIN_TARGET_PX} px" for p in _small_targets(w)]
            if not _accessible_name(w):
                problems.append(f"{where}: no accessible name")
    return problems
