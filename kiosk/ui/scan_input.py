"""Every way a card arrives, as one stream of scans for the screens.

The camera (ScanController: its own source and decoder threads), a hand scanner typing into
the keyboard (ScannerInput, an application-wide event filter) and the serial typed on a
screen's keypad all end in the same two signals:

    card(str)        a checked card's serial; one scan makes one action
    refused(object)  a HeitjeError: show `error.message(lang)`

A hand scanner's payload is checked (signature, revocation list) on the device's reader pool
(`Device.check_scan`), never on the GUI thread. Screens connect to these signals only while
they are the screen in front (`set_active`), so one scan never acts twice.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from kiosk.core.cards import Card
from kiosk.core.errors import HeitjeError
from kiosk.ops.device import Device
from kiosk.scan.qt_adapter import ScanController, ScannerInput

__all__ = ["ScanInput"]


class ScanInput(QObject):
    card = Signal(str)
    refused = Signal(object)
    frame = Signal(QImage)  # the camera's preview (nothing without a camera)
    camera_state = Signal(str)  # a SourceState value

    def __init__(self, device: Device, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._device = device
        parts = device.scan
        self.camera: ScanController | None = None
        if parts.source is not None:
            self.camera = ScanController(
                parts.source, parts.check, decoder=parts.decoder, deduper=parts.deduper, parent=self
            )
            self.camera.card_recognised.connect(self._on_card)
            self.camera.card_refused.connect(self.refused)
            self.camera.frame.connect(self.frame)
            self.camera.camera_state.connect(self.camera_state)
        self.scanner = ScannerInput(parent=self)
        self.scanner.scanned.connect(self.scanned)
        self._camera_errors: dict[str, HeitjeError] = {}

    def start(self) -> None:
        """Start the camera and listen to the keyboard for a hand scanner."""
        self.scanner.install()
        if self.camera is not None:
            self.camera.start()

    def stop(self) -> None:
        self.scanner.uninstall()
        if self.camera is not None:
            self.camera.stop(wait=False)

    def scanned(self, payload: str) -> None:
        """A payload from a hand scanner (or a test): checked off the GUI thread."""
        self._device.check_scan(payload).success(self._on_card).failure(self._on_refused)

    def typed(self, text: str) -> None:
        """A serial typed on a keypad: the form is checked here, the card by the op it goes to."""
        try:
            serial = self._device.scan.typed(text)
        except HeitjeError as exc:
            self.refused.emit(exc)
            return
        self.card.emit(serial)

    def forget(self) -> None:
        """The next sighting of any card acts again (the screen went home)."""
        self._device.scan.deduper.forget()

    def _on_card(self, card: object) -> None:
        assert isinstance(card, Card)
        self.card.emit(card.serial)

    def _on_refused(self, error: HeitjeError) -> None:
        if error.code != "repeat_scan":  # a card held still is not a refusal
            self.refused.emit(error)
