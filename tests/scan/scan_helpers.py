"""Helpers for the scanning tests: the shared photo set, its pass bars, rotations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
ROTATIONS = {
    0: None,
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}
# ZXing's own pass bar per set at 0/90/180/270, from the photo set's README.
PASS_BARS: dict[str, tuple[int, int, int, int]] = {
    "qrcode-1": (17, 14, 17, 14),
    "qrcode-2": (32, 30, 31, 31),
    "qrcode-3": (38, 39, 36, 39),
    "qrcode-4": (36, 35, 35, 35),
    "qrcode-5": (19, 19, 19, 19),
    "qrcode-6": (15, 14, 13, 14),
}


@dataclass(frozen=True)
class Photo:
    set_name: str
    stem: str
    image: np.ndarray
    expected: bytes | None


def load_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:  # no-code/18.webp and 19.webp are 1-pixel-high images OpenCV refuses
        from PIL import Image

        with Image.open(path) as im:
            image = cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2BGR)
    return image


def rotate(image: np.ndarray, degrees: int) -> np.ndarray:
    code = ROTATIONS[degrees]
    return image if code is None else cv2.rotate(image, code)
