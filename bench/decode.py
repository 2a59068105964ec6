"""`python -m bench decode [--data DIR]`: every decoder and the pipeline on the shared QR photos.

Prints one JSON object. Per decoder: `correct`, `misread` and `median_ms` over all photos
at 0°, 90°, 180° and 270° (cv2.rotate), `false_positives` on `no-code/`, the count per
set and rotation next to ZXing's own pass bar, and `median_ms_640x480` on the same photos
resized to 640×480 (a camera frame). An image passes when the decoder returns exactly the
bytes of N.txt; any other text is a misread.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.scan.decoders import Decoder, most_prominent
from kiosk.scan.factory import DECODER_NAMES, make_decoder
from kiosk.scan.pipeline import Pipeline

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "qr-photos"
ROTATIONS: tuple[tuple[int, int | None], ...] = (
    (0, None),
    (90, cv2.ROTATE_90_CLOCKWISE),
    (180, cv2.ROTATE_180),
    (270, cv2.ROTATE_90_COUNTERCLOCKWISE),
)
# ZXing's own pass bar per set at 0/90/180/270 (README of the photo set).
PASS_BARS: dict[str, tuple[int, int, int, int]] = {
    "qrcode-1": (17, 14, 17, 14),
    "qrcode-2": (32, 30, 31, 31),
    "qrcode-3": (38, 39, 36, 39),
    "qrcode-4": (36, 35, 35, 35),
    "qrcode-5": (19, 19, 19, 19),
    "qrcode-6": (15, 14, 13, 14),
}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}


@dataclass(frozen=True)
class Photo:
    set_name: str
    stem: str
    image: np.ndarray
    expected: bytes | None  # None: no code in it


def load_image(path: Path) -> np.ndarray:
    """BGR pixels; Pillow reads what OpenCV refuses (1-pixel WebP files in no-code/)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        from PIL import Image  # Pillow comes with fpdf2; only needed for odd files

        with Image.open(path) as im:
            image = cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2BGR)
    return image


def load_photos(data: Path) -> tuple[list[Photo], list[Photo]]:
    """(photos with a code, photos without) from the shared folder layout."""
    coded: list[Photo] = []
    for set_dir in sorted(p for p in data.iterdir() if p.is_dir() and p.name in PASS_BARS):
        for path in sorted(set_dir.iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                expected = path.with_suffix(".txt").read_bytes()
                coded.append(Photo(set_dir.name, path.stem, load_image(path), expected))
    empty = [
        Photo("no-code", p.stem, load_image(p), None)
        for p in sorted((data / "no-code").iterdir())
        if p.suffix.lower() in IMAGE_SUFFIXES
    ]
    return coded, empty


def rotated(photos: list[Photo]) -> Iterator[tuple[Photo, int, np.ndarray]]:
    for photo in photos:
        for degrees, code in ROTATIONS:
            yield photo, degrees, photo.image if code is None else cv2.rotate(photo.image, code)


def _timed(fn: Callable[[np.ndarray], str | None], image: np.ndarray) -> tuple[str | None, float]:
    t0 = time.perf_counter()
    text = fn(image)
    return text, (time.perf_counter() - t0) * 1000.0


def measure(decoder: Decoder, coded: list[Photo], empty: list[Photo]) -> dict[str, object]:
    def read(image: np.ndarray) -> str | None:
        best = most_prominent(decoder.decode(image))
        return None if best is None else best.text

    correct = misread = 0
    times: list[float] = []
    per_set: Counter[tuple[str, int]] = Counter()
    misreads: list[str] = []
    for photo, degrees, image in rotated(coded):
        text, ms = _timed(read, image)
        times.append(ms)
        if text is None:
            continue
        if text.encode("utf-8") == photo.expected:
            correct += 1
            per_set[(photo.set_name, degrees)] += 1
        else:
            misread += 1
            misreads.append(f"{photo.set_name}/{photo.stem}@{degrees}")
    times_640 = [
        _timed(read, cv2.resize(image, (640, 480), interpolation=cv2.INTER_AREA))[1]
        for _, _, image in rotated(coded)
    ]
    false_positives = [p.stem for p in empty if read(p.image) is not None]
    by_set = {
        name: {
            "correct": [per_set[(name, d)] for d, _ in ROTATIONS],
            "zxing_bar": list(bar),
            "meets_bar": all(
                per_set[(name, d)] >= b for (d, _), b in zip(ROTATIONS, bar, strict=True)
            ),
        }
        for name, bar in PASS_BARS.items()
    }
    return {
        "correct": correct,
        "misread": misread,
        "total": len(times),
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
        "median_ms_640x480": round(statistics.median(times_640), 3),
        "false_positives": len(false_positives),
        "no_code_images": len(empty),
        "meets_all_bars": all(s["meets_bar"] for s in by_set.values()),
        "by_set": by_set,
        "misread_images": misreads,
        "false_positive_images": false_positives,
    }


def baseline_ms() -> float:
    """This machine's speed in the same run: a fixed OpenCV workload (blur + threshold)."""
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, size=(480, 640), dtype=np.uint8)
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        cv2.adaptiveThreshold(
            cv2.GaussianBlur(frame, (5, 5), 0),
            255,
            cv2.ADAPTIVE_THRESH_MEAN_C,
            cv2.THRESH_BINARY,
            31,
            5,
        )
        times.append((time.perf_counter() - t0) * 1000.0)
    return round(statistics.median(times), 3)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench decode", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the qr-photos folder")
    parser.add_argument(
        "--decoders", default=",".join(DECODER_NAMES), help="comma-separated subset to run"
    )
    args = parser.parse_args(argv)
    coded, empty = load_photos(args.data)
    result: dict[str, object] = {
        "benchmark": "decode",
        "data": str(args.data),
        "images": len(coded),
        "frames": len(coded) * len(ROTATIONS),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "opencv": cv2.__version__,
            "baseline_ms": baseline_ms(),
            "baseline": "median ms of GaussianBlur 5×5 + adaptiveThreshold on 640×480",
        },
        "targets": {"pipeline_correct": 680, "pipeline_misread": 0, "median_ms_640x480": 5.0},
    }
    decoders: dict[str, object] = {}
    for name in args.decoders.split(","):
        decoder = make_decoder(name)
        if not decoder.available:
            decoders[name] = {"available": False, "reason": decoder.unavailable_reason}
            continue
        figures = measure(decoder, coded, empty)
        if isinstance(decoder, Pipeline):
            steps: Counter[str] = Counter()
            for _, _, image in rotated(coded):
                steps[str(decoder.decode_traced(image)[1])] += 1
            figures["won_by_step"] = dict(steps)
        decoders[name] = {"available": True, **figures}
    result["decoders"] = decoders
    print(json.dumps(result, ensure_ascii=False))
    return 0
