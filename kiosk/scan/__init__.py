"""Scanning: frame sources, QR decoders and the default pipeline, dedupe, hand scanners.

Pure Python + OpenCV/zxing-cpp/pyzbar; Qt only in `qt_adapter`. See docs/scanning.md.
"""
