"""What changed, told to whoever shows it: a tiny event hub (after Electrum's callback manager).

Ops and the sync loop emit from their own threads (the writer, the sync worker); a listener
runs on that thread, so it must be quick and must not touch widgets. The UI's bridge
(kiosk/ui) subscribes once and re-emits each event as a queued Qt signal, which Qt delivers on
the GUI thread. No Qt here.

Events are plain frozen dataclasses; a listener subscribes to one class:

    unsubscribe = hub.subscribe(LedgerAppended, lambda e: ...)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from kiosk.core.entries import Kind
from kiosk.sync.loop import SyncStatus

log = logging.getLogger("kiosk.ops")

__all__ = [
    "Event",
    "EventHub",
    "LedgerAppended",
    "RefusalsArrived",
    "SnapshotApplied",
    "SyncStatusChanged",
]


@dataclass(frozen=True)
class LedgerAppended:
    """An entry was committed on this device (a payment, a refund, a sign-up, ...)."""

    kind: Kind
    tx_id: str
    seq: int
    resident_id: str | None
    amount: int  # 0 for events
    accounts: tuple[str, ...]  # the accounts it moved money between (none for events)


@dataclass(frozen=True)
class SnapshotApplied:
    """A newer snapshot from the server is in use: balances, cards and chores may differ."""

    version: int


@dataclass(frozen=True)
class SyncStatusChanged:
    """A sync round ended (online or not, entries waiting, snapshot age)."""

    status: SyncStatus


@dataclass(frozen=True)
class RefusalsArrived:
    """The server named entries of ours it stored as refused (the day's list changes)."""

    new: int  # how many this round
    total: int  # how many this device holds


Event = LedgerAppended | SnapshotApplied | SyncStatusChanged | RefusalsArrived
E = TypeVar("E", LedgerAppended, SnapshotApplied, SyncStatusChanged, RefusalsArrived)


class EventHub:
    """Listeners per event class. Thread-safe; a listener that raises is logged and skipped,
    so one broken screen cannot stop a payment from being reported to the others."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[type[Any], list[Callable[[Any], None]]] = {}

    def subscribe(self, kind: type[E], listener: Callable[[E], None]) -> Callable[[], None]:
        """Call `listener(event)` for every event of class `kind`; returns the unsubscribe."""
        with self._lock:
            self._listeners.setdefault(kind, []).append(listener)

        def unsubscribe() -> None:
            with self._lock:
                listeners = self._listeners.get(kind, [])
                if listener in listeners:
                    listeners.remove(listener)

        return unsubscribe

    def emit(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners.get(type(event), ()))
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("listener for %s failed", type(event).__name__)
