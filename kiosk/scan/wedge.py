"""Keyboard-wedge scanners: a USB hand scanner "types" its payload followed by Enter.

It is told apart from a person by timing alone: a scanner sends every character within a
few milliseconds of the last, a person needs 80 ms or more per key. Pure logic, no Qt:
the Qt event filter in `qt_adapter` feeds it key events with their timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_GAP_MS = 30.0  # USB HID scanners: 2–16 ms between characters; people: 80+ ms
DEFAULT_MIN_LENGTH = 6  # shorter bursts are key rollover or auto-repeat, not a scan


def is_scannable_text(text: str) -> bool:
    """A key's text that a scanner could have typed: one or more printable characters."""
    return bool(text) and text.isprintable()


@dataclass
class WedgeRecogniser:
    """Feed it keystrokes and Enters with their times (ms, any monotonic origin).

    A scan is a run of at least `min_length` characters in which every gap — between
    characters and from the last character to Enter — is at most `max_gap_ms`. A slower
    gap starts a new run at that character, so a person typing before a scan does not spoil
    it. Keys that carry no text (Shift, which scanners press for capitals) are not fed.
    """

    max_gap_ms: float = DEFAULT_MAX_GAP_MS
    min_length: int = DEFAULT_MIN_LENGTH
    _chars: list[str] = field(default_factory=list, init=False, repr=False)
    _last_ms: float | None = field(default=None, init=False, repr=False)

    def key(self, text: str, t_ms: float) -> None:
        """A key press that produced `text` at time `t_ms`."""
        if not is_scannable_text(text):
            self.reset()
            return
        if self._last_ms is None or not self._in_time(t_ms):
            self._chars = []
        self._chars.append(text)
        self._last_ms = t_ms

    def continues(self, t_ms: float) -> bool:
        """Whether a key at `t_ms` would continue the current run (it comes fast enough)."""
        return self._last_ms is not None and self._in_time(t_ms)

    def enter(self, t_ms: float) -> str | None:
        """Enter pressed at `t_ms`: the scanned text if the run before it was a scan."""
        scan: str | None = None
        if self._chars and self._last_ms is not None and self._in_time(t_ms):
            text = "".join(self._chars)
            if len(text) >= self.min_length:
                scan = text
        self.reset()
        return scan

    def reset(self) -> None:
        self._chars = []
        self._last_ms = None

    def _in_time(self, t_ms: float) -> bool:
        assert self._last_ms is not None
        return 0 <= t_ms - self._last_ms <= self.max_gap_ms
