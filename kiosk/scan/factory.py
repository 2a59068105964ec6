"""A decoder by its name: for the configuration, the benchmarks and the command line.

Its own module because it names the pipeline too, and the pipeline is built from the
decoders (no import cycle).
"""

from __future__ import annotations

import logging

from kiosk.scan.decoders import Decoder, OpenCVDecoder, PyzbarDecoder, ZxingDecoder
from kiosk.scan.pipeline import Pipeline

__all__ = ["DECODER_NAMES", "FALLBACK_DECODER", "OPTIONAL_DECODERS", "make_decoder", "usable_names"]

log = logging.getLogger("kiosk.scan")

DECODER_NAMES = ("zxing-cpp", "pyzbar", "opencv", "pipeline")
OPTIONAL_DECODERS = frozenset({"opencv"})  # not in the device build (docs/packaging.md)
FALLBACK_DECODER = "pipeline"  # what an optional decoder that is missing is replaced by


def _build(name: str) -> Decoder:
    if name == "zxing-cpp":
        return ZxingDecoder()
    if name == "pyzbar":
        return PyzbarDecoder()
    if name == "opencv":
        return OpenCVDecoder()
    if name == "pipeline":
        return Pipeline()
    raise ValueError(f"unknown decoder {name!r}; choose from {', '.join(DECODER_NAMES)}")


def make_decoder(name: str, *, fallback: bool = True) -> Decoder:
    """A decoder by its name in DECODER_NAMES.

    OpenCV is not in the device build: asked for there, the pipeline stands in and the log
    says why (a device configured for "opencv" still scans). `fallback=False` hands back the
    unavailable decoder itself (the benchmarks report it as such).
    """
    decoder = _build(name)
    if name in OPTIONAL_DECODERS and not decoder.available and fallback:
        log.warning(
            "decoder %r is not available (%s); using %r instead",
            name,
            decoder.unavailable_reason,
            FALLBACK_DECODER,
        )
        return _build(FALLBACK_DECODER)
    return decoder


def usable_names() -> list[str]:
    """The decoders this installation must be able to run: all but the optional ones that are
    missing (a missing pyzbar is a broken installation, a missing OpenCV is the device build)."""
    return [
        name for name in DECODER_NAMES if name not in OPTIONAL_DECODERS or _build(name).available
    ]
