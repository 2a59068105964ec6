"""One scan, one action: the same payload is ignored for a few seconds after a hit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]  # monotonic seconds


class Deduper:
    """Accepts a payload once, then ignores it until it has been out of sight for `window_s`.

    Every sighting restarts the window, so a card held in front of the camera for half a
    minute is still one scan; taking it away and showing it again after the window is a new
    one. The clock is injected (monotonic seconds) so tests never sleep or patch time.
    Thread-safe: the decoder worker and the keyboard-wedge path may share one.
    """

    def __init__(self, window_s: float = 3.0, clock: Clock = time.monotonic) -> None:
        if window_s < 0:
            raise ValueError("window_s must not be negative")
        self.window_s = window_s
        self._clock = clock
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def accept(self, payload: str) -> bool:
        """True when this sighting should act; False when it repeats a recent one."""
        now = self._clock()
        with self._lock:
            self._forget_older_than(now - self.window_s)
            fresh = payload not in self._last_seen
            self._last_seen[payload] = now
            return fresh

    def forget(self) -> None:
        """Start afresh (e.g. when the screen changes and the next scan means something new)."""
        with self._lock:
            self._last_seen.clear()

    def _forget_older_than(self, limit: float) -> None:
        stale = [p for p, t in self._last_seen.items() if t < limit]
        for payload in stale:
            del self._last_seen[payload]
