"""`python -m bench scan-latency`: 1280×720 frames at 30 fps through the Qt adapter (offscreen).

A synthetic camera thread plays real photos without a code (../shared/data/qr-photos/no-code)
and, every cycle, one of our own signed cards held up in front of one. Latency is from the
moment the first frame carrying a card leaves the camera to the moment `card_recognised`
reaches the GUI thread. Prints one JSON object: p50/p95/max latency, cards missed, the
frame slot's depth and drops over time (it must not grow), and how late a 100 ms GUI timer
fired (the GUI thread must never be blocked by scanning).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np
import qrcode
from nacl.signing import SigningKey
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QImage

from kiosk.core.cards import Card, CardKind, issue_card, new_serial, read_card
from kiosk.scan.factory import make_decoder
from kiosk.scan.qt_adapter import ScanController
from kiosk.scan.sources import FrameSource, SourceState

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "qr-photos"
SIZE = (1280, 720)


def render_card(payload: str, module_px: int = 6) -> np.ndarray:
    code = qrcode.QRCode(border=4, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    modules = np.where(np.array(code.get_matrix(), dtype=np.uint8) == 1, 0, 255).astype(np.uint8)
    big = cv2.resize(modules, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)


def card_scene(background: np.ndarray, payload: str, shift: int) -> np.ndarray:
    """The card held a little turned in front of the background, somewhere in the frame."""
    scene = background.copy()
    card = render_card(payload)
    h, w = card.shape[:2]
    x, y = 300 + shift, 180 + shift // 3
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[x, y], [x + w, y + 20], [x + w - 10, y + h + 15], [x - 15, y + h]])
    cv2.warpPerspective(
        card, cv2.getPerspectiveTransform(src, dst), SIZE, scene, borderMode=cv2.BORDER_TRANSPARENT
    )
    # a little sensor noise so no two frames are byte-identical
    noise = np.random.default_rng(shift).integers(-6, 7, scene.shape, dtype=np.int16)
    return np.clip(scene.astype(np.int16) + noise, 0, 255).astype(np.uint8)


class SyntheticCamera(FrameSource):
    """Plays prepared frames at a steady `fps`, like a camera; notes when each card appears."""

    name = "synthetic-camera"

    def __init__(self, frames: list[tuple[np.ndarray, int | None]], fps: float) -> None:
        super().__init__()
        self.frames = frames  # (image, index of the card in it or None)
        self.fps = fps
        self.first_seen: dict[int, float] = {}

    def _run(self) -> None:
        self._set_state(SourceState.RUNNING, "")
        period = 1.0 / self.fps
        due = time.monotonic()
        for image, card in self.frames:
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            if card is not None and card not in self.first_seen:
                self.first_seen[card] = time.monotonic()
            self._deliver(image)
            due += period
        self._set_state(SourceState.ENDED, "")


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scan-latency", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cards", type=int, default=20, help="cards shown, one per cycle")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--empty-frames", type=int, default=30, help="frames between cards")
    parser.add_argument("--card-frames", type=int, default=12, help="frames a card is in view")
    parser.add_argument("--decoder", default="pipeline")
    args = parser.parse_args(argv)

    key = SigningKey.generate()
    cards: list[Card] = [
        issue_card(key, CardKind.RESIDENT, new_serial(CardKind.RESIDENT), datetime.date.today())
        for _ in range(args.cards)
    ]
    backgrounds = []
    for path in sorted((args.data / "no-code").iterdir()):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None and min(image.shape[:2]) >= 100:
            backgrounds.append(cv2.resize(image, SIZE, interpolation=cv2.INTER_LINEAR))
    frames: list[tuple[np.ndarray, int | None]] = []
    for i, card in enumerate(cards):
        for j in range(args.empty_frames):
            frames.append((backgrounds[(i + j) % len(backgrounds)], None))
        scene = card_scene(backgrounds[i % len(backgrounds)], card.payload, shift=(i * 37) % 400)
        frames.extend((scene, i) for _ in range(args.card_frames))
    frames.extend((backgrounds[j % len(backgrounds)], None) for j in range(args.empty_frames))

    app = QGuiApplication.instance() or QGuiApplication([])
    source = SyntheticCamera(frames, args.fps)
    serial_index = {c.serial: i for i, c in enumerate(cards)}
    controller = ScanController(
        source, lambda p: read_card(p, key.verify_key), decoder=make_decoder(args.decoder)
    )
    latencies: dict[int, float] = {}
    rejected: list[str] = []
    previews = 0
    samples: list[dict[str, int]] = []
    timer_late_ms: list[float] = []

    def recognised(card: Card) -> None:
        index = serial_index[card.serial]
        latencies[index] = (time.monotonic() - source.first_seen[index]) * 1000.0

    def preview(_image: QImage) -> None:
        nonlocal previews
        previews += 1

    def state(value: str) -> None:
        if value == SourceState.ENDED:
            QTimer.singleShot(300, app.quit)  # let the last frames and signals arrive

    tick_due = [time.monotonic() + 0.1]

    def tick() -> None:
        now = time.monotonic()
        timer_late_ms.append(max(0.0, (now - tick_due[0]) * 1000.0))
        tick_due[0] = now + 0.1
        if len(timer_late_ms) % 10 == 0:
            samples.append(controller.stats())

    controller.card_recognised.connect(recognised)
    controller.card_rejected.connect(lambda code, reason: rejected.append(code))
    controller.frame.connect(preview)
    controller.camera_state.connect(state)
    ticker = QTimer()
    ticker.setInterval(100)
    ticker.timeout.connect(tick)
    ticker.start()
    QTimer.singleShot(int(len(frames) / args.fps * 1000) + 30_000, app.quit)  # a safety net
    started = time.monotonic()
    controller.start()
    app.exec()
    ticker.stop()
    controller.stop()
    wall_s = time.monotonic() - started

    values = sorted(latencies.values())
    stats = controller.stats()
    drops = [b["dropped"] - a["dropped"] for a, b in itertools.pairwise(samples)]
    half = len(drops) // 2

    def mean_or_none(values: list[int]) -> float | None:
        return round(statistics.fmean(values), 2) if values else None

    result = {
        "benchmark": "scan-latency",
        "decoder": args.decoder,
        "frame_size": list(SIZE),
        "fps": args.fps,
        "seconds": round(wall_s, 2),
        "cards_shown": len(cards),
        "cards_recognised": len(latencies),
        "cards_missed": len(cards) - len(latencies),
        "rejected": rejected,
        "latency_ms": {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "max": round(values[-1], 2) if values else None,
            "mean": round(statistics.fmean(values), 2) if values else None,
        },
        "target_p95_ms": 50,
        "frames": stats["frames"],
        "decoded": stats["decoded"],
        "dropped": stats["dropped"],
        "max_queue_depth": stats["max_queue_depth"],
        "dropped_per_second_first_half": mean_or_none(drops[:half]),
        "dropped_per_second_second_half": mean_or_none(drops[half:]),
        "previews_emitted": previews,
        "gui_timer_late_ms": {
            "p95": percentile(timer_late_ms, 95),
            "max": round(max(timer_late_ms), 2) if timer_late_ms else None,
        },
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "baseline_ms": baseline_ms(),
            "baseline": "median ms of zxing-cpp on one empty 1280×720 frame",
        },
    }
    print(json.dumps(result))
    return 0


def baseline_ms() -> float:
    decoder = make_decoder("zxing-cpp")
    frame = np.random.default_rng(1).integers(0, 256, (SIZE[1], SIZE[0]), dtype=np.uint8)
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        decoder.decode(frame)
        times.append((time.perf_counter() - t0) * 1000.0)
    return round(statistics.median(times), 3)
