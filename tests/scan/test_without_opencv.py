"""Scanning as the device build has it: no OpenCV (docs/packaging.md, "Size").

The build excludes cv2, so `import cv2` fails there. Here it is made to fail the same way
(`sys.modules["cv2"] = None`, what Python does for a module that is not installed), and the
pieces that used OpenCV are checked: the grey conversion and image reading that replace it
give the same pixels, the pipeline without its OpenCV step keeps its bar, the decoder factory
falls back, and the self-test checks the decoders that are there.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode

from kiosk import self_test
from kiosk.scan.decoders import DecoderUnavailable, OpenCVDecoder, read, to_gray
from kiosk.scan.factory import make_decoder, usable_names
from kiosk.scan.pipeline import Pipeline
from kiosk.scan.sources import SourceState, VideoFileSource, read_bgr
from tests.scan.scan_helpers import PASS_BARS, ROTATIONS, Photo, rotate


@pytest.fixture
def no_opencv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` now raises ImportError


def rendered(text: str, box: int = 6) -> np.ndarray:
    matrix = qrcode.QRCode(border=4, box_size=1)
    matrix.add_data(text)
    modules = np.array(matrix.get_matrix(), dtype=np.uint8)
    return np.kron(np.where(modules == 1, 0, 255), np.ones((box, box))).astype(np.uint8)


def test_grey_conversion_is_bit_for_bit_opencvs() -> None:
    rng = np.random.default_rng(7)
    bgr = rng.integers(0, 256, (97, 131, 3), dtype=np.uint8)
    bgra = rng.integers(0, 256, (64, 48, 4), dtype=np.uint8)
    assert np.array_equal(to_gray(bgr), cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    assert np.array_equal(to_gray(bgra), cv2.cvtColor(bgra, cv2.COLOR_BGRA2GRAY))
    grey = bgr[..., 0]
    assert to_gray(grey) is grey


def test_images_read_with_pillow_are_opencvs_pixels(qr_photos: Path) -> None:
    paths = [self_test.SAMPLE, *sorted((qr_photos / "qrcode-3").glob("0[1-3].png"))]
    for path in paths:
        image, reference = read_bgr(path), cv2.imread(str(path), cv2.IMREAD_COLOR)
        assert image is not None and reference is not None
        assert np.array_equal(image, reference), path
    assert read_bgr(qr_photos / "qrcode-3" / "01.txt") is None  # not an image: None


def test_the_pipeline_without_its_opencv_step_keeps_the_bar(coded_photos: list[Photo]) -> None:
    decoder = Pipeline(curved=False)
    assert decoder.steps == ("plain", "global-histogram", "upscale-3x")
    passed: Counter[tuple[str, int]] = Counter()
    misreads = []
    for photo in coded_photos:
        for degrees in ROTATIONS:
            text = read(decoder, rotate(photo.image, degrees))
            if text is None:
                continue
            if text.encode("utf-8") == photo.expected:
                passed[(photo.set_name, degrees)] += 1
            else:
                misreads.append(f"{photo.set_name}/{photo.stem}@{degrees}")
    assert misreads == []
    assert sum(passed.values()) >= 680  # 686 with the OpenCV step (tests/scan/test_scan_decoders)
    for set_name, bars in PASS_BARS.items():
        for degrees, bar in zip(ROTATIONS, bars, strict=True):
            assert passed[(set_name, degrees)] >= bar, (set_name, degrees)


@pytest.mark.usefixtures("no_opencv")
def test_without_opencv_its_decoder_is_unavailable_and_the_factory_falls_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    decoder = OpenCVDecoder()
    assert not decoder.available
    assert decoder.unavailable_reason is not None and "OpenCV" in decoder.unavailable_reason
    with pytest.raises(DecoderUnavailable):
        decoder.decode(np.zeros((40, 40), np.uint8))
    assert not make_decoder("opencv", fallback=False).available

    with caplog.at_level(logging.WARNING, logger="kiosk.scan"):
        stand_in = make_decoder("opencv")
    assert stand_in.name == "pipeline"
    assert "decoder 'opencv' is not available" in caplog.text and "using 'pipeline'" in caplog.text
    assert read(stand_in, rendered("HEITJE-NO-OPENCV")) == "HEITJE-NO-OPENCV"


@pytest.mark.usefixtures("no_opencv")
def test_without_opencv_the_pipeline_has_no_curved_step_and_still_reads() -> None:
    pipeline = Pipeline()
    assert "curved" not in pipeline.steps
    assert read(pipeline, rendered("HEITJE-1")) == "HEITJE-1"
    assert read(pipeline, 255 - rendered("HEITJE-INVERTED")) == "HEITJE-INVERTED"


@pytest.mark.usefixtures("no_opencv")
def test_without_opencv_the_self_test_checks_the_decoders_that_are_there() -> None:
    assert usable_names() == ["zxing-cpp", "pyzbar", "pipeline"]
    assert self_test._decoders() == "decoders read the sample card: zxing-cpp, pyzbar, pipeline"


def test_with_opencv_the_self_test_checks_all_four() -> None:
    assert usable_names() == ["zxing-cpp", "pyzbar", "opencv", "pipeline"]


@pytest.mark.usefixtures("no_opencv")
def test_without_opencv_a_video_file_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    states: list[SourceState] = []
    source = VideoFileSource(tmp_path / "any.avi")
    source.start(lambda frame: None, lambda state, detail: states.append(state))
    assert source.wait(20.0)
    assert states == [SourceState.STARTING, SourceState.UNAVAILABLE]
