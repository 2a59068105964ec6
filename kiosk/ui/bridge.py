"""The one bridge between the Qt-free ops and the screens (after Electrum's QtEventListener).

Ops and the sync loop emit events on their own threads (kiosk/ops/events.py). `Bridge`
subscribes once per event class and re-emits each as a Qt signal; a signal emitted on another
thread is queued by Qt, so a screen's slot always runs on the GUI thread. `GuiCaller` is the
`call_on_gui` the composition root wants: it runs a function soon on the GUI thread, from any
thread, which is how an op's `.success` / `.failure` callbacks reach the screen.

    caller = GuiCaller()
    device = build_device(data_dir, caller)
    bridge = Bridge(device.hub)
    bridge.ledger_appended.connect(screen.on_ledger_appended)
    ...
    bridge.close(); device.close()
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from kiosk.ops.events import (
    EventHub,
    LedgerAppended,
    RefusalsArrived,
    SnapshotApplied,
    SyncStatusChanged,
)

__all__ = ["Bridge", "GuiCaller"]


class GuiCaller(QObject):
    """`caller(fn)` runs `fn()` on the thread this object lives on (the GUI thread)."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, fn: Callable[[], object]) -> None:
        self._call.emit(fn)

    @staticmethod
    def _run(fn: Callable[[], object]) -> None:
        fn()


class Bridge(QObject):
    """The device's events as Qt signals; each carries the event dataclass unchanged."""

    ledger_appended = Signal(object)  # LedgerAppended
    snapshot_applied = Signal(object)  # SnapshotApplied
    sync_status = Signal(object)  # SyncStatusChanged
    refusals_arrived = Signal(object)  # RefusalsArrived

    def __init__(self, hub: EventHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Emitting a signal from a worker thread is safe; Qt queues it to the receivers'
        # thread. The listeners do nothing else, so the ops' threads are never held up.
        self._unsubscribe = [
            hub.subscribe(LedgerAppended, self.ledger_appended.emit),
            hub.subscribe(SnapshotApplied, self.snapshot_applied.emit),
            hub.subscribe(SyncStatusChanged, self.sync_status.emit),
            hub.subscribe(RefusalsArrived, self.refusals_arrived.emit),
        ]

    def close(self) -> None:
        """Stop listening (before the device closes, so no event arrives at a dead widget)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
