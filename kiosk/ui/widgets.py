"""The screens' plain widgets, made one way: a named label or button with its style
properties (kiosk/ui/theme.py styles them by `text_size`, `tone`, `muted` and `kind`), and a
scroll area."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QWidget


def label(
    name: str,
    *,
    size: str | None = None,
    tone: str | None = None,
    muted: bool = False,
    wrap: bool = True,
) -> QLabel:
    widget = QLabel()
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    if size is not None:
        widget.setProperty("text_size", size)
    if tone is not None:
        widget.setProperty("tone", tone)
    if muted:
        widget.setProperty("muted", True)
    return widget


def button(name: str, *, primary: bool = False, min_height: int | None = None) -> QPushButton:
    widget = QPushButton()
    widget.setObjectName(name)
    if min_height is not None:
        widget.setMinimumHeight(min_height)
    if primary:
        widget.setProperty("kind", "primary")
    return widget


def scroll_area(inner: QWidget, *, name: str | None = None, sideways: bool = False) -> QScrollArea:
    """`inner` in a frameless area that scrolls up and down (and sideways where asked)."""
    area = QScrollArea()
    if name is not None:
        area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not sideways:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(inner)
    return area
