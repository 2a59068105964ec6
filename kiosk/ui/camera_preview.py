"""The camera's live picture on a screen that waits for a card (the desk's home, the
inspector's lock): a label that shows each frame scaled into its box, fast, as a live view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QWidget


class CameraPreview(QLabel):
    def __init__(
        self, name: str, width: int = 320, height: int = 240, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFixedSize(width, height)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.has_picture = False

    def show_frame(self, image: QImage) -> None:
        self.setPixmap(
            QPixmap.fromImage(image).scaled(
                self.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )
        self.has_picture = True
