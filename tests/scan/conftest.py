"""Fixtures for the scanning tests: the shared photos loaded once, with their expected bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

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


@pytest.fixture(scope="session")
def coded_photos(qr_photos: Path) -> list[Photo]:
    photos = []
    for set_name in PASS_BARS:
        for path in sorted((qr_photos / set_name).iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                expected = path.with_suffix(".txt").read_bytes()
                photos.append(Photo(set_name, path.stem, load_image(path), expected))
    assert len(photos) == 179
    return photos


@pytest.fixture(scope="session")
def empty_photos(qr_photos: Path) -> list[Photo]:
    photos = [
        Photo("no-code", p.stem, load_image(p), None)
        for p in sorted((qr_photos / "no-code").iterdir())
        if p.suffix.lower() in IMAGE_SUFFIXES
    ]
    assert len(photos) == 21
    return photos


def rotate(image: np.ndarray, degrees: int) -> np.ndarray:
    code = ROTATIONS[degrees]
    return image if code is None else cv2.rotate(image, code)
