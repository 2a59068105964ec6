"""The status bar on every screen: online or offline, the last sync, entries waiting to be sent,
how old the server's data is, and which device this is (its role and name).

The first paint comes from `device.status()` (an op on the reader pool: the GUI thread never
reads the database); after that every `bridge.sync_status` event (each sync round, online or
not) replaces what it shows, a `ledger_appended` (a payment, a sign-up: one more entry waiting)
asks for the status again, and a slow timer keeps the ages current. Every text goes through
`tr()`, rebuilt from the data in `retranslate()`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Final

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.core.errors import HeitjeError
from kiosk.ops.device import Device
from kiosk.ops.events import SyncStatusChanged
from kiosk.ops.results import DeviceStatus
from kiosk.ops.words import time_text
from kiosk.sync.loop import SyncStatus
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Retranslating, Translations
from kiosk.ui.theme import repolish

__all__ = ["StatusBar"]

log = logging.getLogger("kiosk.ui.status")

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS
REFRESH_MS: Final = 30_000  # the ages ("5 minutes ago") move on without a sync round


class StatusBar(Retranslating, QFrame):
    """One line of plain words under every screen (`role="status"` in the theme)."""

    updated = Signal()  # after each new status is shown (the first one too)

    def __init__(
        self,
        device: Device,
        bridge: Bridge,
        translations: Translations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._device = device
        self._translations = translations
        self._status: DeviceStatus | None = None
        self._stopped = False
        self.setObjectName("status_bar")
        self.setProperty("role", "status")
        self.online = self._label("status_online")
        self.last_sync = self._label("status_last_sync")
        self.waiting = self._label("status_waiting")
        self.snapshot = self._label("status_snapshot")
        self.device_label = self._label("status_device")
        self.device_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Two rows: at 18 pt the five texts do not fit one line of a 1280 px screen.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(2)
        for row in (
            (self.online, self.last_sync, None, self.device_label),
            (self.waiting, self.snapshot, None),
        ):
            line = QHBoxLayout()
            line.setSpacing(24)
            for label in row:
                if label is None:
                    line.addStretch(1)
                else:
                    line.addWidget(label)
            layout.addLayout(line)
        bridge.sync_status.connect(self._on_sync_event)
        bridge.ledger_appended.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.retranslate()
        self.refresh()

    def _label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setProperty("role", "status")
        return label

    @property
    def status(self) -> DeviceStatus | None:
        """What the bar shows now (None before the first answer)."""
        return self._status

    def stop(self) -> None:
        """No more asking (the device is closing)."""
        self._timer.stop()
        self._stopped = True

    def refresh(self, *_args: object) -> None:
        """Ask the device for its status (on a reader) and show it when it comes."""
        if self._stopped:
            return
        self._device.status().success(self._show).failure(self._failed)

    def _show(self, status: DeviceStatus) -> None:
        self._status = status
        self.retranslate()
        self.updated.emit()

    def _failed(self, error: HeitjeError) -> None:
        if error.code != "device_closing":
            log.warning("status not read: %s", error.en)

    def _on_sync_event(self, event: object) -> None:
        assert isinstance(event, SyncStatusChanged)
        if self._status is None:
            self.refresh()
            return
        self._show(replace(self._status, sync=event.status))

    # -- texts ------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        status = self._status
        if status is None:
            for label in (self.online, self.last_sync, self.waiting, self.snapshot):
                label.clear()
            self.device_label.setText(self.tr("Starting…"))
            return
        sync = status.sync
        self._set_tone(self.online, None if sync.online or not status.enrolled else "warning")
        self.online.setText(self._online_text(status))
        self.last_sync.setText(self._last_sync_text(status))
        # A device that was never enrolled has no server to send to or hear from.
        self.waiting.setText(self._waiting_text(sync) if status.enrolled else "")
        self.snapshot.setText(self._snapshot_text(sync) if status.enrolled else "")
        for label in (self.last_sync, self.waiting, self.snapshot):
            label.setVisible(status.enrolled)
        role = status.role_words.message(self._translations.lang)
        role = role[:1].upper() + role[1:]
        # The name the server gave it; a device never enrolled has only the store's placeholder.
        shown = f"{role} · {status.device_name}" if status.enrolled else role
        self.device_label.setText(shown)

    def _online_text(self, status: DeviceStatus) -> str:
        if not status.enrolled:
            return self.tr("Demo without a server")
        return self.tr("Online") if status.sync.online else self.tr("Offline")

    def _last_sync_text(self, status: DeviceStatus) -> str:
        if not status.enrolled:
            return ""
        at = status.sync.last_success_ms
        if at is None:
            return self.tr("Not synced yet")
        return self.tr("Last sync %1").replace("%1", time_text(at))

    def _waiting_text(self, sync: SyncStatus) -> str:
        if sync.entries_waiting == 0:
            return self.tr("Nothing waiting to be sent")
        return self.tr("%n entries waiting to be sent", "", sync.entries_waiting)

    def _snapshot_text(self, sync: SyncStatus) -> str:
        age = sync.snapshot_age_ms
        if age is None:
            return self.tr("No data from the server yet")
        if age < MINUTE_MS:
            return self.tr("Server data is up to date")
        if age < HOUR_MS:
            return self.tr("Server data from %n minutes ago", "", age // MINUTE_MS)
        if age < DAY_MS:
            return self.tr("Server data from %n hours ago", "", age // HOUR_MS)
        return self.tr("Server data from %n days ago", "", age // DAY_MS)

    @staticmethod
    def _set_tone(label: QLabel, tone: str | None) -> None:
        if label.property("tone") == tone:
            return
        label.setProperty("tone", tone)
        label.setProperty("role", None if tone else "status")
        repolish(label)
