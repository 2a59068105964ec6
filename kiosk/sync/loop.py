"""The background sync loop: a worker thread that syncs now and then and never blocks the UI.

When the server is away it backs off exponentially with jitter (so a hundred kiosks coming
back after an outage do not all knock at once); an unexpected exception in a round (a bug, a
disk error) is logged with its traceback and backed off the same way, and the loop goes on
(tests/sync/test_loop_restart.py). It keeps a `SyncStatus` for the screen:
online or offline, last successful sync, entries waiting, snapshot age. No Qt here; the UI
wraps `on_status` in a signal.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from kiosk.core.clock import Clock, SystemClock
from kiosk.core.errors import HeitjeError
from kiosk.db import sync_queries as q
from kiosk.sync.client import SyncClient

log = logging.getLogger("kiosk.sync")

INTERVAL_S: Final = 60.0
BACKOFF_BASE_S: Final = 5.0
BACKOFF_CAP_S: Final = 900.0


def backoff_delay(
    failures: int, rng: random.Random, base_s: float = BACKOFF_BASE_S, cap_s: float = BACKOFF_CAP_S
) -> float:
    """Seconds to wait after `failures` failures in a row: "equal jitter" exponential backoff,
    between half and all of min(cap, base * 2**(failures-1))."""
    if failures <= 0:
        return 0.0
    ceiling = min(cap_s, base_s * (1 << min(failures - 1, 30)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class SyncStatus:
    online: bool = False
    last_success_ms: int | None = None
    entries_waiting: int = 0
    snapshot_age_ms: int | None = None
    snapshot_version: int | None = None
    last_error_code: str | None = None
    last_error_nl: str | None = None
    last_error_en: str | None = None
    failures: int = 0
    next_attempt_in_s: float = 0.0


def read_status(client: SyncClient, clock: Clock, base: SyncStatus | None = None) -> SyncStatus:
    """The status as stored in the database (what `sync --once` and a fresh UI show)."""
    with client.engine.connect() as conn:
        stored = q.stored_status(conn)
        waiting = q.count_unsynced(conn, client.device_id)
        snap = q.current_snapshot(conn)
    now = clock.now_ms()
    return replace(
        base or SyncStatus(),
        last_success_ms=stored.last_success_at,
        entries_waiting=waiting,
        snapshot_age_ms=None if snap is None else max(0, now - snap.server_time),
        snapshot_version=None if snap is None else snap.version,
    )


class SyncLoop:
    """Runs `client.sync_once()` on a worker thread: every `interval_s` while it works,
    with backoff + jitter while it does not. `wake()` asks for a sync now (after a sale)."""

    def __init__(
        self,
        client: SyncClient,
        *,
        clock: Clock | None = None,
        interval_s: float = INTERVAL_S,
        base_s: float = BACKOFF_BASE_S,
        cap_s: float = BACKOFF_CAP_S,
        rng: random.Random | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
    ) -> None:
        self.client = client
        self.clock = clock or SystemClock()
        self.interval_s = interval_s
        self.base_s = base_s
        self.cap_s = cap_s
        self.rng = rng or random.Random()
        self.on_status = on_status
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._status = SyncStatus()
        self.failures = 0

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _publish(self, status: SyncStatus) -> None:
        with self._lock:
            self._status = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # a broken listener must not stop syncing
                log.exception("sync status listener failed")

    def step(self) -> float:
        """One sync attempt; returns the seconds to wait before the next one."""
        try:
            self.client.sync_once()
        except HeitjeError as exc:
            self.failures += 1
            delay = backoff_delay(self.failures, self.rng, self.base_s, self.cap_s)
            try:
                self.client.record_failure(exc)
            except Exception:
                log.exception("could not record the sync failure")
            log.info("sync failed (%s); next try in %.0f s", exc.code, delay)
            status = replace(
                read_status(self.client, self.clock, self.status),
                online=False,
                last_error_code=exc.code,
                last_error_nl=exc.nl,
                last_error_en=exc.en,
                failures=self.failures,
                next_attempt_in_s=delay,
            )
            self._publish(status)
            return delay
        self.failures = 0
        self._publish(
            replace(
                read_status(self.client, self.clock, self.status),
                online=True,
                last_error_code=None,
                last_error_nl=None,
                last_error_en=None,
                failures=0,
                next_attempt_in_s=self.interval_s,
            )
        )
        return self.interval_s

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.step()
            except Exception as exc:  # never let the worker die silently: log, back off, go on
                self.failures += 1
                delay = backoff_delay(self.failures, self.rng, self.base_s, self.cap_s)
                log.exception(
                    "sync round crashed (%s); next try in %.0f s", type(exc).__name__, delay
                )
                self._publish(
                    replace(
                        self.status,
                        online=False,
                        last_error_code="internal_error",
                        last_error_nl="Synchroniseren ging mis; het apparaat probeert het later "
                        "opnieuw.",
                        last_error_en="Syncing failed; the device will try again later.",
                        failures=self.failures,
                        next_attempt_in_s=delay,
                    )
                )
            self._wake.wait(delay)
            self._wake.clear()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float | None = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
