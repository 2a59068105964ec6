"""Frame sources on real files (the camera through a real ffmpeg): states, order, stop, reconnect.

tests/scan/test_ffmpeg_source.py has the camera's own cases (ffmpeg killed, hung, missing).
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.scan.sources import (
    CameraSource,
    Frame,
    FrameSource,
    ImageFolderSource,
    LatestFrameSlot,
    SourceState,
    VideoFileSource,
)

WAIT = 20.0  # generous: only a hang should ever hit it


class Recorder:
    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.states: list[SourceState] = []
        self._changed = threading.Condition()

    def frame(self, frame: Frame) -> None:
        with self._changed:
            self.frames.append(frame)
            self._changed.notify_all()

    def state(self, state: SourceState, detail: str) -> None:
        with self._changed:
            self.states.append(state)
            self._changed.notify_all()

    def wait_for(self, predicate: object) -> None:
        assert callable(predicate)
        with self._changed:
            assert self._changed.wait_for(predicate, WAIT), f"timed out; states {self.states}"

    def start(self, source: FrameSource) -> None:
        source.start(self.frame, self.state)


def solid(value: int, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    return np.full((size[1], size[0], 3), value, np.uint8)


def write_video(path: Path, images: list[np.ndarray], fps: float = 30.0) -> Path:
    h, w = images[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened()
    for image in images:
        writer.write(image)
    writer.release()
    return path


def test_image_folder_plays_in_name_order_skips_unreadable_files_and_ends(tmp_path: Path) -> None:
    for i, value in enumerate([10, 120, 240]):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), solid(value, (64, 48)))
    (tmp_path / "01b.png").write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("ignored")
    rec = Recorder()
    source = ImageFolderSource(tmp_path, fps=200)
    rec.start(source)
    assert source.wait(WAIT)
    assert [int(f.image[0, 0, 0]) for f in rec.frames] == [10, 120, 240]
    assert [f.seq for f in rec.frames] == [0, 1, 2]
    assert rec.states == [SourceState.STARTING, SourceState.RUNNING, SourceState.ENDED]


def test_missing_folder_and_video_are_unavailable_not_errors(tmp_path: Path) -> None:
    for source in (ImageFolderSource(tmp_path / "nope"), VideoFileSource(tmp_path / "nope.avi")):
        rec = Recorder()
        rec.start(source)
        assert source.wait(WAIT)
        assert rec.states == [SourceState.STARTING, SourceState.UNAVAILABLE]
        assert rec.frames == []


def test_video_file_plays_every_frame_at_its_rate(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", [solid(v) for v in range(0, 250, 25)], fps=100)
    rec = Recorder()
    source = VideoFileSource(video)
    rec.start(source)
    assert source.wait(WAIT)
    assert len(rec.frames) == 10
    values = [int(f.image[:, :, 0].mean()) for f in rec.frames]
    assert values == sorted(values)
    assert rec.states[-1] == SourceState.ENDED


def test_looping_video_can_be_stopped(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", [solid(v) for v in (0, 255)], fps=200)
    rec = Recorder()
    source = VideoFileSource(video, loop=True)
    rec.start(source)
    rec.wait_for(lambda: len(rec.frames) >= 6)  # looped at least twice
    source.stop()
    assert not source.running
    assert rec.states[-1] == SourceState.STOPPED


def test_camera_that_never_opens_is_reported_and_stoppable(tmp_path: Path) -> None:
    rec = Recorder()
    source = CameraSource(str(tmp_path / "video99"), backoff_s=(0.01, 0.02))
    rec.start(source)
    rec.wait_for(lambda: SourceState.UNAVAILABLE in rec.states)
    source.stop()
    assert not source.running
    assert rec.frames == []
    assert rec.states == [SourceState.STARTING, SourceState.UNAVAILABLE, SourceState.STOPPED]


def test_camera_comes_back_after_it_was_gone(tmp_path: Path) -> None:
    """A device path that appears later, delivers, disappears (end of stream) and comes back.

    A video file stands in for the device: the camera source has ffmpeg play a regular file
    found at the device path.
    """
    device = tmp_path / "cam.avi"
    rec = Recorder()
    source = CameraSource(str(device), backoff_s=(0.01, 0.05))
    rec.start(source)
    rec.wait_for(lambda: SourceState.UNAVAILABLE in rec.states)
    write_video(tmp_path / "tmp.avi", [solid(v) for v in (30, 60, 90)]).rename(device)
    # three frames from the first opening, then at least one after reconnecting
    rec.wait_for(lambda: source.reconnects >= 1 and len(rec.frames) >= 4)
    source.stop()
    states = rec.states
    assert states[:3] == [SourceState.STARTING, SourceState.UNAVAILABLE, SourceState.RUNNING]
    assert states[3:5] == [SourceState.LOST, SourceState.RUNNING]
    assert [f.seq for f in rec.frames] == list(range(len(rec.frames)))


def test_camera_refuses_odd_sizes() -> None:
    with pytest.raises(ValueError):
        CameraSource(0, (800, 600))


def test_latest_frame_slot_keeps_only_the_newest() -> None:
    slot = LatestFrameSlot()
    for i in range(5):
        slot.put(Frame(solid(i, (4, 4)), i, float(i)))
    frame = slot.take(0)
    assert frame is not None
    assert frame.seq == 4
    assert slot.take(0) is None
    assert (slot.put_count, slot.dropped, slot.max_depth) == (5, 4, 1)
    slot.close()
    assert slot.take(None) is None  # closed: no waiting forever
