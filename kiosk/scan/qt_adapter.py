"""The only Qt in kiosk/scan: signals for the UI, and hand-scanner input anywhere in the app.

`ScanController` runs a frame source (its own thread) and the decoder (a worker thread)
and reports through Qt signals that are always emitted on the thread the controller lives
on (the GUI thread): worker threads emit private signals that Qt queues over. So receivers
may touch widgets, whatever they are (bound methods or lambdas).

`ScannerInput` is an event filter on the QApplication that recognises keyboard-wedge scans
by their timing (`kiosk.scan.wedge`) and emits `scanned(str)`; it holds back the keys that
might be a scan, so a scan never types into a text field, and hands a person's keys on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QKeyEvent, QWindow

from kiosk.core.errors import HeitjeError, Lang
from kiosk.scan.decoders import Decoder, most_prominent
from kiosk.scan.dedupe import Deduper
from kiosk.scan.pipeline import Pipeline
from kiosk.scan.sources import Frame, FrameSource, LatestFrameSlot, SourceState
from kiosk.scan.wedge import WedgeRecogniser, is_scannable_text

log = logging.getLogger("kiosk.scan")

CHECK_FAILED = "scan.check_failed"
DEFAULT_HOLD_MS = 40  # how long a key that might start a scan is held back (> max gap)


def frame_to_qimage(image: np.ndarray) -> QImage:
    """A deep copy of a BGR (or gray) frame as a QImage, safe to hand to another thread."""
    image = np.ascontiguousarray(image)
    height, width = image.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if image.ndim == 2 else QImage.Format.Format_BGR888
    return QImage(image.data, width, height, image.strides[0], fmt).copy()


class ScanController(QObject):
    """Runs `source` → newest-frame slot → decoder → dedupe → `check` → signals.

    `check(payload)` turns a payload into a card or raises a HeitjeError (CardError), whose
    code and message go out as `card_rejected`. It is injected so that scanning does not
    depend on the card format or the key in use.
    """

    frame = Signal(QImage)  # a preview, at most `preview_fps` per second
    card_recognised = Signal(object)
    card_rejected = Signal(str, str)  # error code, reason for people
    card_refused = Signal(object)  # the same refusal as a HeitjeError (both languages)
    camera_state = Signal(str)  # a SourceState value

    _hit = Signal(object)
    _miss = Signal(object)
    _state = Signal(str)
    _preview = Signal(QImage)

    def __init__(
        self,
        source: FrameSource,
        check: Callable[[str], Any],
        *,
        decoder: Decoder | None = None,
        deduper: Deduper | None = None,
        preview_fps: float = 10.0,
        lang: Lang = "nl",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._check = check
        self._decoder: Decoder = decoder or Pipeline()
        self._deduper = deduper or Deduper()
        self._preview_period = 1.0 / preview_fps if preview_fps > 0 else float("inf")
        self._last_preview = float("-inf")
        self._lang: Lang = lang
        self._slot = LatestFrameSlot()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self.decoded_frames = 0
        queued = Qt.ConnectionType.QueuedConnection
        self._hit.connect(self._emit_recognised, queued)
        self._miss.connect(self._emit_rejected, queued)
        self._state.connect(self._emit_state, queued)
        self._preview.connect(self._emit_frame, queued)

    # -- life cycle (GUI thread) -------------------------------------------------------

    def start(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        # Fresh stop flag and slot per run: a worker from a run stopped without waiting
        # must not pick up this run's frames.
        self._stopping = threading.Event()
        self._slot = LatestFrameSlot()
        self._worker = threading.Thread(
            target=self._decode_loop,
            args=(self._slot, self._stopping),
            name="scan-decoder",
            daemon=True,
        )
        self._worker.start()
        self._source.start(self._on_frame, self._on_state)

    def stop(self, *, wait: bool = True) -> None:
        """Stops the source and the worker.

        With `wait=False` it returns at once and the threads end on their own: a camera
        stuck in a driver read must not freeze the GUI when the screen changes.
        """
        self._stopping.set()
        self._source.stop(timeout=3.0 if wait else 0)
        self._slot.close()
        if self._worker is not None:
            if wait:
                self._worker.join(5.0)
            self._worker = None

    def submit(self, payload: str) -> None:
        """A payload from elsewhere (a hand scanner, manual entry): same path as a camera hit."""
        self._handle(payload)

    def stats(self) -> dict[str, int]:
        """Frames in, frames decoded, frames dropped while the decoder was busy, queue depth."""
        return {
            "frames": self._slot.put_count,
            "decoded": self.decoded_frames,
            "dropped": self._slot.dropped,
            "max_queue_depth": self._slot.max_depth,
        }

    # -- source thread -----------------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        self._slot.put(frame)
        now = time.monotonic()
        if now - self._last_preview >= self._preview_period:
            self._last_preview = now
            self._preview.emit(frame_to_qimage(frame.image))

    def _on_state(self, state: SourceState, detail: str) -> None:
        if detail:
            log.info("frame source %s: %s", state, detail)
        self._state.emit(str(state))

    # -- decoder thread ----------------------------------------------------------------

    def _decode_loop(self, slot: LatestFrameSlot, stopping: threading.Event) -> None:
        while not stopping.is_set():
            frame = slot.take(timeout=0.2)
            if frame is None:
                continue
            try:
                best = most_prominent(self._decoder.decode(frame.image))
            except Exception:  # one bad frame must not end scanning
                log.exception("decoder failed on frame %d", frame.seq)
                continue
            self.decoded_frames += 1
            if best is not None:
                self._handle(best.text)

    def _handle(self, payload: str) -> None:
        if not self._deduper.accept(payload):
            return
        try:
            card = self._check(payload)
        except HeitjeError as exc:
            self._miss.emit(exc)
            return
        except Exception:
            log.exception("card check failed unexpectedly")
            self._miss.emit(
                HeitjeError(
                    CHECK_FAILED,
                    "Kaart kon niet worden gecontroleerd",
                    "The card could not be checked",
                )
            )
            return
        self._hit.emit(card)

    # -- back on the controller's thread -----------------------------------------------

    @Slot(object)
    def _emit_recognised(self, card: object) -> None:
        self.card_recognised.emit(card)

    @Slot(object)
    def _emit_rejected(self, error: HeitjeError) -> None:
        self.card_rejected.emit(error.code, error.message(self._lang))
        self.card_refused.emit(error)

    @Slot(str)
    def _emit_state(self, state: str) -> None:
        self.camera_state.emit(state)

    @Slot(QImage)
    def _emit_frame(self, image: QImage) -> None:
        self.frame.emit(image)


_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
_ENTER_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


class ScannerInput(QObject):
    """Application-wide event filter: keyboard-wedge scans become `scanned(str)`, and none of
    a scan's keystrokes lands in a text field.

    Every key press reaches a window first (QWidgetWindow), then Qt forwards it to the focus
    widget and, if ignored, to its parents: the filter would see one key several times. So it
    looks only at the window stage, which happens exactly once per key.

    A scan cannot be known before its Enter, so a key that could start or continue a burst
    (printable text, no Ctrl/Alt/Meta) is held back: the filter keeps a copy and stops the
    original. The keys of a burst stay held as long as they come fast (`max_gap_ms` of the
    recogniser). Then either
      * Enter comes in time and the recogniser calls it a scan: every held key is dropped, the
        Enter (and its release) too, and `scanned(payload)` goes out; or
      * the burst turns out to be a person: a slow gap, no key for `hold_ms` (a timer), a key
        that cannot be in a scan (Backspace, Tab, an arrow, Ctrl+V), an Enter after a slow gap
        or after too few characters — then the held keys are delivered to their window in
        their order (sent again, synchronously, before the key that ended the hold), and Qt
        routes them to the focus widget as it would have.
    A person's key thus arrives at most `hold_ms` late (a few tens of ms: not felt); key
    releases and modifier keys met during a hold are held with the presses, to keep the order.

    Times come from the key events (`QKeyEvent.timestamp()`, ms) unless a clock is given
    (`clock_ms`, any monotonic milliseconds) — tests inject one to type at exact speeds. The
    `hold_ms` timer runs on real time.
    """

    scanned = Signal(str)

    def __init__(
        self,
        recogniser: WedgeRecogniser | None = None,
        *,
        clock_ms: Callable[[], float] | None = None,
        hold_ms: int = DEFAULT_HOLD_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._wedge = recogniser or WedgeRecogniser()
        self._clock_ms = clock_ms
        self._app: QCoreApplication | None = None
        self._held: list[tuple[QWindow, QKeyEvent]] = []
        self._replaying = False
        self._swallow_release: int | None = None  # the key of the Enter that ended a scan
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(hold_ms, int(self._wedge.max_gap_ms) + 1))
        self._timer.timeout.connect(self.flush)

    @property
    def holding(self) -> int:
        """How many key events are held back now (for tests)."""
        return len(self._held)

    def install(self, app: QCoreApplication | None = None) -> None:
        target = app or QCoreApplication.instance()
        if target is None:
            raise RuntimeError("ScannerInput needs a running QApplication")
        target.installEventFilter(self)
        self._app = target

    def uninstall(self) -> None:
        self.flush()
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    def flush(self) -> None:
        """Deliver the held keys to their windows, in order: they were a person typing."""
        self._timer.stop()
        held, self._held = self._held, []
        self._wedge.reset()
        self._replaying = True
        try:
            for window, event in held:
                if shiboken6.isValid(window):
                    QCoreApplication.sendEvent(window, event)
        finally:
            self._replaying = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if (
            self._replaying
            or kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
            or not isinstance(watched, QWindow)
        ):
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if kind == QEvent.Type.KeyRelease:
            if self._swallow_release is not None and key == self._swallow_release:
                self._swallow_release = None
                return True
            return self._hold(watched, event) if self._held else False
        t_ms = self._clock_ms() if self._clock_ms is not None else float(event.timestamp())
        if key in _ENTER_KEYS:
            scan = self._wedge.enter(t_ms)
            if scan is not None:
                self._drop_held()
                self._swallow_release = key
                self.scanned.emit(scan)
                return True
            self.flush()  # what came before the Enter reaches the field first
            return False
        if key in _MODIFIER_KEYS:
            # Scanners press Shift for capitals: not a break in the burst.
            return self._hold(watched, event) if self._held else False
        text = event.text()
        if not (is_scannable_text(text) and not event.modifiers() & _COMMAND_MODIFIERS):
            self.flush()
            return False
        if self._held and not self._wedge.continues(t_ms):
            self.flush()  # a slow gap: what was held was typed by a person
        self._wedge.key(text, t_ms)
        return self._hold(watched, event)

    def _hold(self, window: QWindow, event: QKeyEvent) -> bool:
        if self._held and self._held[0][0] is not window:
            self.flush()  # another window: the earlier keys go where they were typed
        copy = event.clone()
        assert isinstance(copy, QKeyEvent)
        self._held.append((window, copy))
        self._timer.start()
        return True

    def _drop_held(self) -> None:
        self._timer.stop()
        self._held = []
