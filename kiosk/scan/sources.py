"""Frame sources: a webcam, a video file or a folder of images, each on its own thread.

A source hands every frame to a callback and reports its state through another; it never
raises into the caller. A camera that is not there, or disappears, is a state ("unavailable",
"lost") and the source keeps trying to reopen it with a growing pause. Consumers keep only
the newest frame (`LatestFrameSlot`), so a slow decoder never builds a queue.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger("kiosk.scan")

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
CAMERA_SIZES = ((640, 480), (1280, 720))


class SourceState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"  # frames are coming
    UNAVAILABLE = "unavailable"  # could not be opened (yet); retrying if it is a camera
    LOST = "lost"  # was delivering, then stopped; retrying
    ENDED = "ended"  # a file or folder came to its end
    STOPPED = "stopped"  # stop() was called


@dataclass(frozen=True, slots=True)
class Frame:
    image: np.ndarray  # BGR uint8
    seq: int  # 0, 1, 2 … per source
    t: float  # time.monotonic() when the source produced it


FrameSink = Callable[[Frame], None]
StateSink = Callable[[SourceState, str], None]


class FrameSource(ABC):
    """Base: one thread per source, stoppable at any moment via an Event."""

    name = "source"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_frame: FrameSink = lambda frame: None
        self._on_state: StateSink = lambda state, detail: None
        self.state = SourceState.STOPPED
        self._seq = 0

    def start(self, on_frame: FrameSink, on_state: StateSink | None = None) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError(f"{self.name} is already running")
        self._on_frame = on_frame
        self._on_state = on_state or (lambda state, detail: None)
        self._stop.clear()
        self._thread = threading.Thread(target=self._main, name=f"scan-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Ask the thread to end; wait up to `timeout` s for it (0: do not wait)."""
        self._stop.set()
        thread = self._thread
        if timeout > 0 and thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("%s did not stop within %.1f s", self.name, timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the source's thread has finished (end of file, stop); True if it did."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _main(self) -> None:
        self._set_state(SourceState.STARTING, "")
        try:
            self._run()
        except Exception:  # a source must never take the app down; say so and end
            log.exception("%s failed", self.name)
            self._set_state(SourceState.LOST, "unexpected error in the frame source")
            return
        if self._stop.is_set():
            self._set_state(SourceState.STOPPED, "")

    def _set_state(self, state: SourceState, detail: str) -> None:
        if state != self.state:
            self.state = state
            self._on_state(state, detail)

    def _deliver(self, image: np.ndarray) -> None:
        frame = Frame(image, self._seq, time.monotonic())
        self._seq += 1
        self._on_frame(frame)

    @abstractmethod
    def _run(self) -> None: ...


class CameraSource(FrameSource):
    """A webcam through cv2.VideoCapture (device index or path), reconnecting when lost.

    MJPG keeps USB 2 bandwidth low at 1280×720; a buffer of one frame keeps the picture
    current (a card seen is a card in front of the camera now, not a second ago).
    """

    name = "camera"

    def __init__(
        self,
        device: int | str = 0,
        size: tuple[int, int] = (640, 480),
        *,
        fps: int = 30,
        api_preference: int = cv2.CAP_ANY,
        backoff_s: tuple[float, float] = (0.5, 5.0),
    ) -> None:
        super().__init__()
        if size not in CAMERA_SIZES:
            raise ValueError(f"camera size must be one of {CAMERA_SIZES}, not {size}")
        self.device = device
        self.size = size
        self.fps = fps
        self.api_preference = api_preference
        self.backoff_s = backoff_s
        self.reconnects = 0

    def _open(self) -> cv2.VideoCapture | None:
        cap = cv2.VideoCapture(self.device, self.api_preference)
        if not cap.isOpened():
            cap.release()
            return None
        # Best effort: a camera (or a file standing in for one) may refuse any of these.
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    def _run(self) -> None:
        pause = self.backoff_s[0]
        ever_opened = False
        while not self._stop.is_set():
            cap = self._open()
            if cap is None:
                state = SourceState.LOST if ever_opened else SourceState.UNAVAILABLE
                self._set_state(state, f"camera {self.device!r} cannot be opened")
                if self._stop.wait(pause):
                    break
                pause = min(pause * 2, self.backoff_s[1])
                continue
            if ever_opened:
                self.reconnects += 1
            ever_opened = True
            pause = self.backoff_s[0]
            try:
                self._read_until_lost(cap)
            finally:
                cap.release()
            if not self._stop.is_set():
                self._set_state(SourceState.LOST, f"camera {self.device!r} stopped sending")
                if self._stop.wait(pause):
                    break

    def _read_until_lost(self, cap: cv2.VideoCapture) -> None:
        announced = False
        while not self._stop.is_set():
            ok, image = cap.read()
            if not ok or image is None:
                return
            if not announced:
                self._set_state(SourceState.RUNNING, "")
                announced = True
            self._deliver(image)


class _PacedSource(FrameSource):
    """Plays images at a steady rate (real time), like a camera would deliver them."""

    def __init__(self, fps: float | None, loop: bool) -> None:
        super().__init__()
        if fps is not None and fps <= 0:
            raise ValueError("fps must be positive")
        self.fps = fps
        self.loop = loop

    @abstractmethod
    def _images(self) -> Iterator[np.ndarray] | None:
        """The images in order, or None when the source cannot be opened at all."""

    def _rate(self) -> float:
        return self.fps or 30.0

    def _run(self) -> None:
        while not self._stop.is_set():
            images = self._images()
            if images is None:
                self._set_state(SourceState.UNAVAILABLE, f"{self.name} cannot be opened")
                return
            period = 1.0 / self._rate()
            due = time.monotonic()
            shown = 0
            for image in images:
                if self._stop.is_set():
                    return
                if shown == 0:
                    self._set_state(SourceState.RUNNING, "")
                delay = due - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
                if delay < -period:
                    # We were held up (a busy machine): play on from now, like a player that
                    # stalls, rather than bursting the backlog into the newest-frame slot.
                    due = time.monotonic()
                self._deliver(image)
                shown += 1
                due += period
            if not self.loop or shown == 0:
                break
        if not self._stop.is_set():
            self._set_state(SourceState.ENDED, "")


class VideoFileSource(_PacedSource):
    """A video file, played at its own frame rate (or `fps`), once or looping."""

    name = "video"

    def __init__(self, path: str | Path, *, fps: float | None = None, loop: bool = False) -> None:
        super().__init__(fps, loop)
        self.path = Path(path)
        self._file_fps: float | None = None

    def _rate(self) -> float:
        return self.fps or self._file_fps or 30.0

    def _images(self) -> Iterator[np.ndarray] | None:
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            return None
        rate = cap.get(cv2.CAP_PROP_FPS)
        self._file_fps = rate if rate and rate > 0 else None

        def frames() -> Iterator[np.ndarray]:
            try:
                while True:
                    ok, image = cap.read()
                    if not ok or image is None:
                        return
                    yield image
            finally:
                cap.release()

        return frames()


class ImageFolderSource(_PacedSource):
    """The images of a folder in name order, `fps` per second (unreadable files skipped)."""

    name = "folder"

    def __init__(self, folder: str | Path, *, fps: float = 5.0, loop: bool = False) -> None:
        super().__init__(fps, loop)
        self.folder = Path(folder)

    def _images(self) -> Iterator[np.ndarray] | None:
        if not self.folder.is_dir():
            return None
        paths = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)

        def images() -> Iterator[np.ndarray]:
            for path in paths:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None:
                    log.warning("skipping unreadable image %s", path)
                    continue
                yield image

        return images()


class LatestFrameSlot:
    """A mailbox of one: `put` replaces what was there, so the reader always gets the newest.

    This is the "drop frames while the decoder is busy" rule; `dropped` counts the frames
    that were replaced before anyone took them, and the depth can never exceed one.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._closed = False
        self.put_count = 0
        self.dropped = 0
        self.max_depth = 0

    def put(self, frame: Frame) -> None:
        with self._cond:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self.put_count += 1
            self.max_depth = max(self.max_depth, 1)
            self._cond.notify()

    def take(self, timeout: float | None = None) -> Frame | None:
        """The newest frame, waiting up to `timeout`; None on timeout or when closed."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._frame is not None or self._closed, timeout):
                return None
            frame, self._frame = self._frame, None
            return frame

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self._closed = False
            self._frame = None
