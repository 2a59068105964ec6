"""What counts as a person touching a screen: it keeps an idle timer from running out (the
resident's page, the inspector's session)."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

TOUCHES: Final = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TouchEnd,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
    }
)


def touched_within(root: QWidget, watched: QObject, event: QEvent) -> bool:
    """`event` (seen by an application-wide filter) is a touch on `root` or inside it."""
    return (
        event.type() in TOUCHES
        and isinstance(watched, QWidget)
        and (watched is root or root.isAncestorOf(watched))
    )
