"""The default decoder: plain zxing-cpp first, then a few extra steps, each kept only because
it wins codes the plain library misses on the shared photo set without a single misread.

Measured on ../shared/data/qr-photos (179 photos × 4 rotations = 716; see docs/scanning.md):

  step              wins  cost when it runs         why it is here
  plain              664  ~0.3 ms (640×480)         zxing-cpp, with its rotate/downscale/invert
  global-histogram    10  ~0.5 ms                   global threshold: evenly lit, low contrast
  upscale-3x           6  ~4 ms, small images only  tiny codes need more pixels per module
  curved               6  ~10–40 ms, gated          OpenCV's decoder for codes on bent fabric

The curved step exists only where OpenCV is installed (a developer's machine, the benchmarks).
The device build leaves OpenCV out (docs/packaging.md), so there the pipeline is the first three
steps: 680 of 716 instead of 686; the six lost are photos of codes on bent fabric, and nothing
without OpenCV that was tried wins them back (pyzbar, ×1.5 and ×2 upscales, downscales, fixed
threshold, sharpening, equalising). The kiosk's own cards are flat.

The curved step is slow, so it runs only when zxing-cpp *saw* a QR code it could not
decode (`return_errors`), never on an empty frame: a live camera mostly sees no code, and
the frame after an empty one must not wait for it.

Tried and dropped (no extra wins, or misreads): CLAHE, Otsu and adaptive thresholds,
sharpening, ×2 upscaling (2 misreads), median/opening filters (misread qrcode-2/13),
pyzbar and plain OpenCV as fallbacks (their wins are a subset of the above), ROI crops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import zxingcpp
from PIL import Image as PILImage

from kiosk.scan.decoders import Image, OpenCVDecoder, Symbol, ZxingDecoder, quad_area, to_gray

SMALL_IMAGE_SIDE = 512  # long side at or below which the ×3 upscale step runs
CURVED_MAX_SIDE = 640  # the curved decoder gets at most this long side (its cost grows fast)


@dataclass(frozen=True, slots=True)
class _FirstPass:
    symbols: list[Symbol]
    saw_candidate: bool  # zxing found a QR outline but could not decode it


def _zxing_first_pass(gray: Image) -> _FirstPass:
    found = zxingcpp.read_barcodes(
        np.ascontiguousarray(gray),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        text_mode=zxingcpp.TextMode.Plain,
        return_errors=True,
    )
    symbols: list[Symbol] = []
    candidate = False
    for barcode in found:
        if not barcode.valid:
            candidate = True
            continue
        p = barcode.position
        corners = [(c.x, c.y) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
        symbols.append(Symbol(barcode.text, quad_area(corners)))
    return _FirstPass(symbols, candidate)


def resize(gray: Image, factor: float, method: PILImage.Resampling) -> Image:
    """A grey image scaled by `factor` with Pillow (bundled anyway: fpdf2 needs it)."""
    height, width = gray.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(PILImage.fromarray(np.ascontiguousarray(gray)).resize(size, method))


def _scale_symbols(symbols: list[Symbol], factor: float) -> list[Symbol]:
    """Areas back in the original frame's pixels, so prominence compares across steps."""
    return [Symbol(s.text, s.area * factor * factor) for s in symbols]


class Pipeline:
    """The default decoder of the kiosk (name "pipeline")."""

    name = "pipeline"
    available = True
    unavailable_reason: str | None = None

    def __init__(self, *, curved: bool = True) -> None:
        """`curved=False` leaves out the OpenCV step even where OpenCV is installed (the
        tests use it to measure the device build's pipeline)."""
        self._global_histogram = ZxingDecoder(binarizer=zxingcpp.Binarizer.GlobalHistogram)
        opencv = OpenCVDecoder(curved=True) if curved else None
        self._curved = opencv if opencv is not None and opencv.available else None
        self.steps: tuple[str, ...] = ("plain", "global-histogram", "upscale-3x")
        if self._curved is not None:
            self.steps += ("curved",)

    def decode(self, image: Image) -> list[Symbol]:
        return self.decode_traced(image)[0]

    def decode_traced(self, image: Image) -> tuple[list[Symbol], str | None]:
        """The symbols found and the name of the step that found them (None: nothing)."""
        gray = to_gray(image)
        if gray.size == 0 or min(gray.shape[:2]) < 3:
            return [], None
        first = _zxing_first_pass(gray)
        if first.symbols:
            return first.symbols, "plain"
        tries: list[tuple[str, Callable[[Image], list[Symbol]]]] = [
            ("global-histogram", self._global_histogram.decode),
        ]
        if max(gray.shape[:2]) <= SMALL_IMAGE_SIDE:
            tries.append(("upscale-3x", self._upscaled))
        if first.saw_candidate and self._curved is not None:
            tries.append(("curved", self._curved_decode))
        for name, step in tries:
            symbols = step(gray)
            if symbols:
                return symbols, name
        return [], None

    def _upscaled(self, gray: Image) -> list[Symbol]:
        big = resize(gray, 3, PILImage.Resampling.BICUBIC)
        return _scale_symbols(self._global_histogram.decode(big), 1 / 3)

    def _curved_decode(self, gray: Image) -> list[Symbol]:
        assert self._curved is not None  # the step is only tried when OpenCV is there
        long_side = max(gray.shape[:2])
        if long_side <= CURVED_MAX_SIDE:
            return self._curved.decode(gray)
        factor = CURVED_MAX_SIDE / long_side
        small = resize(gray, factor, PILImage.Resampling.BOX)  # BOX: an area average
        return _scale_symbols(self._curved.decode(small), 1 / factor)
