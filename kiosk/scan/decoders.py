"""QR decoders behind one small interface: zxing-cpp (default), pyzbar and OpenCV.

OpenCV is optional: the device build leaves it out (152 MB, docs/packaging.md), so `cv2` is
imported only by the OpenCV decoder, which reports itself unavailable where it is missing.

A decoder takes a frame (a numpy uint8 image, grayscale or BGR) and returns the QR
symbols it found. `read()` then keeps only the most prominent one (the largest), because
one frame is one scan: a card held up to the camera is the biggest code in view, and
ZXing's own test photos count one code per image (qrcode-2/16 is a QR code printed
inside another one; the expected text is the outer, larger one).
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import zxingcpp

log = logging.getLogger("kiosk.scan")

Image = np.ndarray


@dataclass(frozen=True, slots=True)
class Symbol:
    """One decoded QR code: its text and the area (px²) of its outline in the frame."""

    text: str
    area: float


class DecoderUnavailable(RuntimeError):
    """The decoder cannot run on this machine (e.g. the system libzbar is missing)."""


class Decoder(Protocol):
    name: str

    @property
    def available(self) -> bool: ...

    @property
    def unavailable_reason(self) -> str | None: ...

    def decode(self, image: Image) -> list[Symbol]: ...


# BT.601 luma in 15-bit fixed point: bit for bit what cv2.cvtColor(BGR2GRAY) gives, so the
# decode rates measured with OpenCV's conversion hold without it.
_GRAY_WEIGHTS = (3735, 19235, 9798)  # B, G, R; they sum to 1 << 15
_GRAY_SHIFT = 15


def to_gray(image: Image) -> Image:
    """Grayscale view of a frame (BGR or BGRA): every decoder binarises luminance anyway.

    The camera already delivers grey frames; this is for files, photos and tests.
    """
    if image.ndim == 2:
        return image
    acc = np.empty(image.shape[:2], np.uint32)
    term = np.empty_like(acc)
    np.multiply(image[..., 0], _GRAY_WEIGHTS[0], out=acc, dtype=np.uint32)
    for channel in (1, 2):
        np.multiply(image[..., channel], _GRAY_WEIGHTS[channel], out=term, dtype=np.uint32)
        acc += term
    acc += 1 << (_GRAY_SHIFT - 1)
    acc >>= _GRAY_SHIFT
    return acc.astype(np.uint8)


def opencv() -> ModuleType | None:
    """The cv2 module, or None where it is not installed (the device build)."""
    try:
        import cv2  # optional: only the OpenCV decoder and the benchmarks use it
    except ImportError:
        return None
    return cv2


def quad_area(points: Sequence[tuple[float, float]]) -> float:
    """Area of a polygon (shoelace); 0 for anything degenerate."""
    if len(points) < 3:
        return 0.0
    arr = np.asarray(points, dtype=np.float64)
    x, y = arr[:, 0], arr[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def most_prominent(symbols: Sequence[Symbol]) -> Symbol | None:
    """The largest symbol; ties keep the decoder's own order."""
    best: Symbol | None = None
    for symbol in symbols:
        if best is None or symbol.area > best.area:
            best = symbol
    return best


def read(decoder: Decoder, image: Image) -> str | None:
    """The text of the most prominent code in `image`, or None."""
    best = most_prominent(decoder.decode(image))
    return None if best is None else best.text


def text_from_bytes(data: bytes) -> str:
    """Text of a QR byte segment for decoders that hand back raw bytes.

    QR codes without an ECI marker carry no charset; in practice they are UTF-8, or
    Shift_JIS on Japanese phones' codes, else ISO-8859-1 (the QR default). Strict
    decoding picks the first that fits; latin-1 always fits, so this never raises.
    """
    for charset in ("utf-8", "shift_jis"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


class ZxingDecoder:
    """zxing-cpp: the default. Fast (well under a millisecond on a 640×480 frame)."""

    name = "zxing-cpp"
    available = True
    unavailable_reason: str | None = None

    def __init__(
        self,
        *,
        binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
        try_rotate: bool = True,
        try_downscale: bool = True,
        try_invert: bool = True,
    ) -> None:
        self._options: dict[str, Any] = {
            "formats": zxingcpp.BarcodeFormat.QRCode,
            # Plain, not the default HRI: HRI renders control characters as "<SOH>", a misread.
            "text_mode": zxingcpp.TextMode.Plain,
            "binarizer": binarizer,
            "try_rotate": try_rotate,
            "try_downscale": try_downscale,
            "try_invert": try_invert,
        }

    def decode(self, image: Image) -> list[Symbol]:
        gray = to_gray(image)
        if gray.size == 0:
            return []
        found = zxingcpp.read_barcodes(np.ascontiguousarray(gray), **self._options)
        out = []
        for barcode in found:
            p = barcode.position
            corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
            out.append(Symbol(barcode.text, quad_area([(c.x, c.y) for c in corners])))
        return out


class PyzbarDecoder:
    """ZBar through pyzbar. Needs the system library (Debian: libzbar0).

    ZBar's own charset guess turns Shift_JIS text into Big5-looking garbage, so we ask it
    for the raw bytes (ZBAR_CFG_BINARY) and decode them with `text_from_bytes`.
    """

    name = "pyzbar"
    _CFG_BINARY = 4  # zbar.h: ENABLE, ADD_CHECK, EMIT_CHECK, ASCII, BINARY (zbar >= 0.23)
    _Y800 = 0x30303859  # fourcc "Y800": 8-bit grayscale

    def __init__(self) -> None:
        self._zbar: Any = None
        self.unavailable_reason: str | None = None
        try:
            from pyzbar import pyzbar as zbar_module  # optional native library: imported late
            from pyzbar import wrapper as zbar_wrapper
        except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is absent
            self.unavailable_reason = f"pyzbar is unavailable: {exc}"
            log.warning("%s", self.unavailable_reason)
            return
        self._zbar = zbar_module
        self._w = zbar_wrapper

    @property
    def available(self) -> bool:
        return self._zbar is not None

    def decode(self, image: Image) -> list[Symbol]:
        if self._zbar is None:
            raise DecoderUnavailable(self.unavailable_reason or "pyzbar is unavailable")
        gray = np.ascontiguousarray(to_gray(image))
        if gray.size == 0:
            return []
        w = self._w
        h, wd = gray.shape
        out: list[Symbol] = []
        scanner = w.zbar_image_scanner_create()
        try:
            qr = w.ZBarSymbol.QRCODE
            w.zbar_image_scanner_set_config(scanner, 0, w.ZBarConfig.CFG_ENABLE, 0)
            w.zbar_image_scanner_set_config(scanner, qr, w.ZBarConfig.CFG_ENABLE, 1)
            w.zbar_image_scanner_set_config(scanner, qr, self._CFG_BINARY, 1)
            img = w.zbar_image_create()
            try:
                w.zbar_image_set_format(img, self._Y800)
                w.zbar_image_set_size(img, wd, h)
                data = gray.tobytes()
                w.zbar_image_set_data(
                    img, ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p), len(data), None
                )
                if w.zbar_scan_image(scanner, img) > 0:
                    symbol = w.zbar_image_first_symbol(img)
                    while symbol:
                        raw = ctypes.string_at(
                            w.zbar_symbol_get_data(symbol), w.zbar_symbol_get_data_length(symbol)
                        )
                        pts = [
                            (w.zbar_symbol_get_loc_x(symbol, i), w.zbar_symbol_get_loc_y(symbol, i))
                            for i in range(w.zbar_symbol_get_loc_size(symbol))
                        ]
                        out.append(Symbol(text_from_bytes(raw), quad_area(pts)))
                        symbol = w.zbar_symbol_next(symbol)
            finally:
                w.zbar_image_destroy(img)
        finally:
            w.zbar_image_scanner_destroy(scanner)
        return out


class OpenCVDecoder:
    """OpenCV's QRCodeDetector; `curved=True` uses its decoder for codes on bent surfaces.

    Only where cv2 imports (a developer's machine, the benchmarks); not in the device build.
    """

    name = "opencv"

    def __init__(self, *, curved: bool = False) -> None:
        self._curved = curved
        self._cv2 = opencv()
        self._detector: Any = None
        self.unavailable_reason: str | None = None
        if self._cv2 is None:
            self.unavailable_reason = "OpenCV (cv2) is not installed; it is not in the device build"
            return
        self._detector = self._cv2.QRCodeDetector()

    @property
    def available(self) -> bool:
        return self._detector is not None

    def decode(self, image: Image) -> list[Symbol]:
        if self._cv2 is None:
            raise DecoderUnavailable(self.unavailable_reason or "OpenCV is unavailable")
        gray = to_gray(image)
        if min(gray.shape[:2], default=0) < 21:  # smaller than the smallest QR code: nothing
            return []
        try:
            if self._curved:
                # The curved variant only returns str, and raises on bytes that are not UTF-8.
                text, points, _ = self._detector.detectAndDecodeCurved(gray)
            else:
                raw, points, _ = self._detector.detectAndDecodeBytes(gray)
                text = undo_latin1_reading(text_from_bytes(raw)) if raw else ""
        except (self._cv2.error, UnicodeDecodeError):
            return []
        if not text or points is None:
            return []
        return [Symbol(text, quad_area([tuple(p) for p in points.reshape(-1, 2)]))]


def undo_latin1_reading(text: str) -> str:
    """OpenCV reads a byte segment without ECI as ISO-8859-1 and hands it back as UTF-8.

    Undo that and guess again, so UTF-8 and Shift_JIS codes read as they were meant to.
    """
    if any(ord(c) > 0xFF for c in text) or text.isascii():
        return text
    return text_from_bytes(text.encode("latin-1"))
