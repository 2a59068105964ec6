"""`heitje-kiosk --self-test`: does this build of the device app have what it needs?

Run on an installed PC (or in CI on the frozen build) before it is left alone for months. It
checks, and prints one line per check:

- Qt starts (offscreen when there is no display) and draws a themed widget;
- the resources are there: both sounds, both translations (a known text comes out Dutch);
- every QR decoder in the build reads the bundled sample card (kiosk/resources/selftest;
  OpenCV's is checked only where OpenCV is installed: the device build leaves it out);
- the system's ffmpeg, which reads the camera, runs from this build and hands frames to the
  camera source (a test pattern stands in for the camera: the check needs none plugged in);
- a fresh ledger in a temporary folder opens (its migrations run), takes an entry, and
  `ledger verify` holds on it.

Exit 0 only when every check holds. Nothing outside the temporary folder is touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"
SAMPLE = RESOURCES / "selftest" / "sample-card.png"
SAMPLE_TEXT = RESOURCES / "selftest" / "sample-card.txt"


def _qt() -> str:
    from kiosk.ui.self_check import draws_a_widget

    return draws_a_widget()


def _sounds() -> str:
    from kiosk.ui.self_check import sounds_load

    return sounds_load()


def _translations() -> str:
    from kiosk.ui.self_check import translations_load

    return translations_load()


def _decoders() -> str:
    from kiosk.scan.factory import make_decoder, usable_names
    from kiosk.scan.sources import read_bgr

    expected = SAMPLE_TEXT.read_text().strip()
    image = read_bgr(SAMPLE)  # Pillow: the build has no OpenCV
    if image is None:
        raise RuntimeError(f"{SAMPLE} does not load")
    names = usable_names()
    for name in names:
        # No fallback: an unavailable pyzbar must fail here, not quietly become the pipeline.
        texts = [symbol.text for symbol in make_decoder(name, fallback=False).decode(image)]
        if expected not in texts:
            raise RuntimeError(f"decoder {name} read {texts!r}")
    return "decoders read the sample card: " + ", ".join(names)


def _camera() -> str:
    from kiosk.scan.sources import CameraSource, Frame, SourceState

    frames: list[Frame] = []
    details: list[str] = []
    done = threading.Event()

    def on_frame(frame: Frame) -> None:
        frames.append(frame)
        if len(frames) >= 3:
            done.set()

    def on_state(state: SourceState, detail: str) -> None:
        if state in (SourceState.UNAVAILABLE, SourceState.LOST):
            details.append(detail)
            done.set()

    # The same class and command line as the camera, with ffmpeg's test pattern as input.
    pattern = ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30"]
    source = CameraSource(input_args=pattern, backoff_s=(5.0, 5.0))
    source.start(on_frame, on_state)
    done.wait(20.0)
    source.stop()
    if len(frames) < 3:
        raise RuntimeError("; ".join(details) or "ffmpeg sent no frames within 20 s")
    height, width = frames[0].image.shape
    return f"camera: ffmpeg runs and sends grey {width}×{height} frames (a test pattern)"


def _ledger() -> str:
    from kiosk.core import accounts as acc
    from kiosk.db import registry as reg
    from kiosk.db.verify import verify_ledger
    from kiosk.device import open_device

    with tempfile.TemporaryDirectory(prefix="heitje-self-test-") as folder:
        device = open_device(Path(folder) / "device")
        try:
            with device.store.transaction() as conn:
                reg.ensure_municipality_accounts(conn)
                reg.add_neighbourhood(conn, "nb-1", "Test")
                reg.add_resident(conn, "r-1", "Test", "nb-1", created_at=0)
            device.store.adjust(
                acc.ISSUANCE, acc.wallet("r-1"), 100, reason="self-test", staff_id="t"
            )
            report = verify_ledger(device.engine)
        finally:
            device.close()
    if not report.ok:
        raise RuntimeError(report.summary())
    return f"a fresh ledger migrates, takes an entry and verifies ({report.entries} entry)"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("qt", _qt),
    ("sounds", _sounds),
    ("translations", _translations),
    ("decoders", _decoders),
    ("camera", _camera),
    ("ledger", _ledger),
)


def run_self_test(out: Callable[[str], object] = print) -> int:
    os.environ.setdefault(
        "QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb"
    )
    failed = 0
    for name, check in CHECKS:
        try:
            out(f"ok    {check()}")
        except Exception as exc:  # every failure is reported, and the next check still runs
            failed += 1
            out(f"FAIL  {name}: {exc}")
            traceback.print_exc(file=sys.stderr)
    out("self-test passed" if not failed else f"self-test FAILED: {failed} of {len(CHECKS)} checks")
    return 0 if not failed else 1
