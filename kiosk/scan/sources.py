"""Frame sources: a webcam, a video file or a folder of images, each on its own thread.

The webcam is read by the system's `ffmpeg` (Debian package ffmpeg) as a child process that
writes raw grey frames to a pipe: no OpenCV on the device (docs/scanning.md, "The camera").

A source hands every frame to a callback and reports its state through another; it never
raises into the caller. A camera that is not there, or disappears, is a state ("unavailable",
"lost") and the source keeps trying to reopen it with a growing pause. Consumers keep only
the newest frame (`LatestFrameSlot`), so a slow decoder never builds a queue.
"""

from __future__ import annotations

import collections
import logging
import os
import select
import shutil
import stat
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, UnidentifiedImageError

from kiosk.scan.decoders import opencv

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
    image: np.ndarray  # uint8: grey (H×W, the camera) or BGR (H×W×3, files and folders)
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
    """A webcam read by the system's ffmpeg (V4L2), as grey frames; reconnects when lost.

    ffmpeg runs as a child process and writes raw grey frames of exactly `size` to a pipe
    (it scales whatever the camera gives); the thread reads them in whole-frame chunks. MJPG
    keeps USB 2 bandwidth low at 1280×720 (asked for first; a camera that refuses it gets
    its default format on the next try). ffmpeg exiting, or sending nothing for `stall_s`,
    is a lost camera: the child is killed and reaped and a new one started after a pause
    that grows while the camera stays away. `stop()` kills the child at once.

    `device` is an index (/dev/videoN) or a path; a regular file at that path stands in for
    a camera (played at its own pace, as a camera would deliver it). `input_args` replaces
    the whole input part of the command line (the tests read a lavfi pattern or a video).
    """

    name = "camera"

    def __init__(
        self,
        device: int | str = 0,
        size: tuple[int, int] = (640, 480),
        *,
        fps: int = 30,
        backoff_s: tuple[float, float] = (0.5, 5.0),
        stall_s: float = 5.0,
        input_args: Sequence[str] | None = None,
        ffmpeg: str = "ffmpeg",
    ) -> None:
        super().__init__()
        if size not in CAMERA_SIZES:
            raise ValueError(f"camera size must be one of {CAMERA_SIZES}, not {size}")
        self.device = device
        self.size = size
        self.fps = fps
        self.backoff_s = backoff_s
        self.stall_s = stall_s
        self.input_args = None if input_args is None else tuple(input_args)
        self.ffmpeg = ffmpeg
        self.reconnects = 0
        self._ever_opened = False
        self._mjpeg = True
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=3)

    @property
    def device_path(self) -> str:
        return f"/dev/video{self.device}" if isinstance(self.device, int) else self.device

    @property
    def child_pid(self) -> int | None:
        """The running ffmpeg's process id (None between attempts)."""
        child = self._child
        return None if child is None or child.returncode is not None else child.pid

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._kill_child()  # unblocks the thread at once, whatever ffmpeg is waiting for
        super().stop(timeout)

    def command(self) -> list[str]:
        """The ffmpeg command line of the next attempt."""
        width, height = self.size
        return [
            self.ffmpeg,
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            *self._input(),
            "-map",
            "0:v:0",
            "-an",
            "-s",
            f"{width}x{height}",
            "-pix_fmt",
            "gray",
            "-f",
            "rawvideo",
            "-",
        ]

    def _input(self) -> list[str]:
        if self.input_args is not None:
            return list(self.input_args)
        path = self.device_path
        try:
            is_file = stat.S_ISREG(os.stat(path).st_mode)
        except OSError:
            is_file = False
        if is_file:
            return ["-re", "-i", path]
        width, height = self.size
        args = ["-f", "v4l2", "-framerate", str(self.fps), "-video_size", f"{width}x{height}"]
        if self._mjpeg:
            args += ["-input_format", "mjpeg"]
        return [*args, "-i", path]

    def _run(self) -> None:
        pause = self.backoff_s[0]
        self._ever_opened = False
        while not self._stop.is_set():
            frames, why = self._one_session()
            if self._stop.is_set():
                break
            if frames == 0:
                state = SourceState.LOST if self._ever_opened else SourceState.UNAVAILABLE
                self._mjpeg = not self._mjpeg  # the camera may not do MJPG: try without
                self._set_state(state, f"camera {self.device!r} cannot be opened{why}")
                if self._stop.wait(pause):
                    break
                pause = min(pause * 2, self.backoff_s[1])
                continue
            pause = self.backoff_s[0]
            self._set_state(SourceState.LOST, f"camera {self.device!r} stopped sending{why}")
            if self._stop.wait(pause):
                break

    def _one_session(self) -> tuple[int, str]:
        """Run one ffmpeg until it ends, is stalled or is stopped: (frames read, why it ended)."""
        child = self._spawn()
        if child is None:
            return 0, f": {self.ffmpeg} is not installed (Debian package ffmpeg)"
        drain = threading.Thread(
            target=self._drain_stderr, args=(child.stderr,), name="scan-ffmpeg-log", daemon=True
        )
        drain.start()
        frames = 0
        stalled = False
        try:
            assert child.stdout is not None
            frames, stalled = self._read_frames(child.stdout.fileno())
        finally:
            self._kill_child()
            child.wait()  # reaped: no zombie
            drain.join(1.0)
            for stream in (child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
            with self._lock:
                self._child = None
        if stalled:
            return frames, f": no frame for {self.stall_s:g} s"
        tail = " / ".join(self._stderr_tail)
        return frames, f": {tail}" if tail else ""

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        exe = shutil.which(self.ffmpeg)
        if exe is None:
            return None
        self._stderr_tail.clear()
        with self._lock:
            if self._stop.is_set():
                return None
            self._child = subprocess.Popen(
                [exe, *self.command()[1:]],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,
                env=_child_environment(),
            )
            return self._child

    def _kill_child(self) -> None:
        with self._lock:
            child = self._child
            if child is not None and child.poll() is None:
                child.kill()

    def _drain_stderr(self, stream: IO[bytes] | None) -> None:
        """Keep ffmpeg's last lines (for the state's detail); a full pipe would stall it."""
        if stream is None:
            return
        try:
            for line in stream:
                text = line.decode("utf-8", "replace").strip()
                if text:
                    self._stderr_tail.append(text)
        except (OSError, ValueError):  # closed under us after a hung ffmpeg was killed
            return

    def _read_frames(self, fd: int) -> tuple[int, bool]:
        """Read whole frames until the pipe ends: (frames delivered, stalled)."""
        width, height = self.size
        frame_bytes = width * height
        frames = 0
        while not self._stop.is_set():
            buffer = bytearray(frame_bytes)
            view = memoryview(buffer)
            filled = 0
            while filled < frame_bytes:
                ready, _, _ = select.select([fd], [], [], self.stall_s)
                if not ready:
                    return frames, True
                got = os.readv(fd, [view[filled:]])
                if got == 0:
                    return frames, False  # ffmpeg ended: a partial frame is dropped
                filled += got
            if frames == 0:
                if self._ever_opened:
                    self.reconnects += 1
                self._ever_opened = True
                self._set_state(SourceState.RUNNING, "")
            frames += 1
            self._deliver(np.frombuffer(buffer, np.uint8).reshape(height, width))
        return frames, False


def _child_environment() -> dict[str, str]:
    """The environment for ffmpeg: in the frozen app without the bundle's library path.

    PyInstaller points LD_LIBRARY_PATH at its own folder and keeps the original in
    LD_LIBRARY_PATH_ORIG; the system's ffmpeg must load the system's libraries.
    """
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            env.pop("LD_LIBRARY_PATH", None)
        else:
            env["LD_LIBRARY_PATH"] = original
    return env


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
    """A video file, played at its own frame rate (or `fps`), once or looping.

    Read with OpenCV: for the demo and the tests on a developer's machine. The device build
    has no OpenCV; there a video is unavailable (a video standing in for the camera can be
    given as the camera's device path instead: ffmpeg plays it).
    """

    name = "video"

    def __init__(self, path: str | Path, *, fps: float | None = None, loop: bool = False) -> None:
        super().__init__(fps, loop)
        self.path = Path(path)
        self._file_fps: float | None = None

    def _rate(self) -> float:
        return self.fps or self._file_fps or 30.0

    def _images(self) -> Iterator[np.ndarray] | None:
        cv2 = opencv()
        if cv2 is None:
            log.warning("video files need OpenCV, which is not in the device build: %s", self.path)
            return None
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
                image = read_bgr(path)
                if image is None:
                    log.warning("skipping unreadable image %s", path)
                    continue
                yield image

        return images()


def read_bgr(path: Path) -> np.ndarray | None:
    """An image file as BGR pixels (what OpenCV's imread gives), with Pillow; None if unreadable."""
    try:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return np.ascontiguousarray(rgb[..., ::-1])


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
