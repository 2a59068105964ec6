"""The camera source with a real ffmpeg child process: frames, states, reconnects, no zombies.

This machine has no webcam, so ffmpeg reads what it has instead of /dev/videoN, through the
same class: a lavfi test pattern (an endless camera), a video made from the shared QR photos
(a file at the device path stands in for a camera), a FIFO nobody writes to (a camera that
hangs) and paths that do not exist (no camera). Killing the child is the camera dying.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from kiosk.scan.decoders import most_prominent
from kiosk.scan.pipeline import Pipeline
from kiosk.scan.sources import CameraSource, Frame, SourceState

WAIT = 20.0  # generous: only a hang should ever hit it
PATTERN = ["-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30"]  # endless, paced

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (./run)")


class Recorder:
    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.states: list[SourceState] = []
        self.details: list[str] = []
        self._changed = threading.Condition()

    def frame(self, frame: Frame) -> None:
        with self._changed:
            self.frames.append(frame)
            self._changed.notify_all()

    def state(self, state: SourceState, detail: str) -> None:
        with self._changed:
            self.states.append(state)
            self.details.append(detail)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(predicate, WAIT), f"timed out; states {self.states}"


@pytest.fixture
def started() -> Iterator[Callable[[CameraSource], Recorder]]:
    sources: list[CameraSource] = []

    def start(source: CameraSource) -> Recorder:
        rec = Recorder()
        source.start(rec.frame, rec.state)
        sources.append(source)
        return rec

    yield start
    for source in sources:
        source.stop()


def reaped(pid: int) -> bool:
    """The process is gone entirely: not running and not a zombie waiting for its parent."""
    return not Path(f"/proc/{pid}").exists()


def test_frames_are_grey_of_the_asked_size_and_stop_kills_ffmpeg(
    started: Callable[[CameraSource], Recorder],
) -> None:
    source = CameraSource(size=(640, 480), input_args=PATTERN)
    rec = started(source)
    rec.wait_for(lambda: len(rec.frames) >= 5)
    pid = source.child_pid
    assert pid is not None
    source.stop()
    assert not source.running
    assert source.child_pid is None
    assert reaped(pid)
    assert rec.states == [SourceState.STARTING, SourceState.RUNNING, SourceState.STOPPED]
    image = rec.frames[0].image
    assert image.shape == (480, 640) and image.dtype == np.uint8  # scaled up from 320×240
    assert image.std() > 10  # a picture, not a blank buffer
    assert [f.seq for f in rec.frames] == list(range(len(rec.frames)))


def test_ffmpeg_dying_mid_stream_is_lost_and_the_camera_is_found_again(
    started: Callable[[CameraSource], Recorder],
) -> None:
    source = CameraSource(input_args=PATTERN, backoff_s=(0.01, 0.05))
    rec = started(source)
    rec.wait_for(lambda: len(rec.frames) >= 3)
    first = source.child_pid
    assert first is not None
    os.kill(first, signal.SIGKILL)  # the camera (its reader) dies
    rec.wait_for(lambda: SourceState.LOST in rec.states)
    rec.wait_for(lambda: rec.states[-1] == SourceState.RUNNING and source.reconnects == 1)
    count = len(rec.frames)
    rec.wait_for(lambda: len(rec.frames) > count)  # and frames flow again
    assert rec.states[:4] == [
        SourceState.STARTING,
        SourceState.RUNNING,
        SourceState.LOST,
        SourceState.RUNNING,
    ]
    assert "stopped sending" in rec.details[2]
    assert source.child_pid not in (None, first)
    assert reaped(first)
    assert [f.seq for f in rec.frames] == list(range(len(rec.frames)))


def test_a_camera_that_is_not_there_is_unavailable_with_ffmpegs_reason(
    started: Callable[[CameraSource], Recorder], tmp_path: Path
) -> None:
    source = CameraSource(str(tmp_path / "video7"), backoff_s=(0.01, 0.02))
    rec = started(source)
    rec.wait_for(lambda: SourceState.UNAVAILABLE in rec.states)
    source.stop()
    assert rec.frames == []
    assert rec.states == [SourceState.STARTING, SourceState.UNAVAILABLE, SourceState.STOPPED]
    assert "cannot be opened" in rec.details[1] and "video7" in rec.details[1]


def test_without_ffmpeg_the_camera_is_unavailable_and_says_what_to_install(
    started: Callable[[CameraSource], Recorder], tmp_path: Path
) -> None:
    source = CameraSource(ffmpeg=str(tmp_path / "no-ffmpeg"), backoff_s=(0.01, 0.02))
    rec = started(source)
    rec.wait_for(lambda: SourceState.UNAVAILABLE in rec.states)
    source.stop()
    assert "Debian package ffmpeg" in rec.details[1]


def test_a_camera_that_hangs_is_killed_and_retried(
    started: Callable[[CameraSource], Recorder], tmp_path: Path
) -> None:
    fifo = tmp_path / "hung"
    os.mkfifo(fifo)  # ffmpeg blocks opening it: alive, but no frame ever comes
    source = CameraSource(
        input_args=["-f", "rawvideo", "-i", str(fifo)], stall_s=0.2, backoff_s=(0.01, 0.02)
    )
    rec = started(source)
    rec.wait_for(lambda: SourceState.UNAVAILABLE in rec.states)
    assert "no frame for 0.2 s" in rec.details[1]
    source.stop()
    assert rec.states[-1] == SourceState.STOPPED
    assert rec.frames == []


def write_photo_video(photos: list[Path], path: Path) -> Path:
    """The photos as an MJPG video, 640×480 (letterboxed), each shown for five frames."""
    folder = path.parent / "frames"
    folder.mkdir()
    for i, photo in enumerate(photos):
        (folder / f"{i:03d}{photo.suffix}").symlink_to(photo)
    suffix = photos[0].suffix
    fit = "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:-1:-1:color=white"
    frames = ["-framerate", "6", "-i", str(folder / f"%03d{suffix}")]
    mjpg = ["-vf", fit, "-r", "30", "-c:v", "mjpeg", "-q:v", "2", "-pix_fmt", "yuvj420p"]
    subprocess.run(["ffmpeg", "-loglevel", "error", *frames, *mjpg, str(path)], check=True)
    return path


def test_a_video_of_the_real_qr_photos_at_the_device_path_scans_as_a_camera(
    started: Callable[[CameraSource], Recorder], tmp_path: Path, qr_photos: Path
) -> None:
    photos = sorted((qr_photos / "qrcode-3").glob("0[1-6].png"))
    expected = {p.with_suffix(".txt").read_text() for p in photos}
    device = write_photo_video(photos, tmp_path / "video0.avi")
    source = CameraSource(str(device), backoff_s=(5.0, 5.0))  # one pass, then a long pause
    rec = started(source)
    rec.wait_for(lambda: SourceState.LOST in rec.states)  # the end of the file
    source.stop()
    decoder = Pipeline(curved=False)  # the device build's pipeline
    texts = set()
    for frame in rec.frames:
        best = most_prominent(decoder.decode(frame.image))
        if best is not None:
            texts.add(best.text)
    assert texts == expected
    assert rec.states[:3] == [SourceState.STARTING, SourceState.RUNNING, SourceState.LOST]


def test_the_command_reads_v4l2_in_mjpg_at_the_asked_size_and_rate() -> None:
    command = CameraSource(3, (1280, 720), fps=15).command()
    joined = " ".join(command)
    assert "-f v4l2 -framerate 15 -video_size 1280x720 -input_format mjpeg -i /dev/video3" in joined
    assert command[-7:] == ["-s", "1280x720", "-pix_fmt", "gray", "-f", "rawvideo", "-"]
