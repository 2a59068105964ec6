"""Fixtures for the scanning tests: the shared photos loaded once, with their expected bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan.scan_helpers import IMAGE_SUFFIXES, PASS_BARS, Photo, load_image


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
