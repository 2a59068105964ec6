"""A decoder by its name: for the configuration, the benchmarks and the command line.

Its own module because it names the pipeline too, and the pipeline is built from the
decoders (no import cycle).
"""

from __future__ import annotations

from kiosk.scan.decoders import Decoder, OpenCVDecoder, PyzbarDecoder, ZxingDecoder
from kiosk.scan.pipeline import Pipeline

__all__ = ["DECODER_NAMES", "make_decoder"]

DECODER_NAMES = ("zxing-cpp", "pyzbar", "opencv", "pipeline")


def make_decoder(name: str) -> Decoder:
    """A decoder by its name in DECODER_NAMES."""
    if name == "zxing-cpp":
        return ZxingDecoder()
    if name == "pyzbar":
        return PyzbarDecoder()
    if name == "opencv":
        return OpenCVDecoder()
    if name == "pipeline":
        return Pipeline()
    raise ValueError(f"unknown decoder {name!r}; choose from {', '.join(DECODER_NAMES)}")
