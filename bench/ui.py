"""`python -m bench ui`: what a person waits for at the kiosk and the counter (offscreen Qt).

Prints one JSON object:

- cold_start_s: `python -m kiosk --data-dir D --role resident-kiosk --print-ready` as a new
  process, from its start to the `ready` line it prints right after the home screen's first
  paint (kiosk/ui/app.py); the median of --starts runs after one unmeasured warm-up (the very
  first start, bytecode compiling, is reported beside it). Target <= 1.5 s.
- rss_mb: this process's resident memory (VmRSS) after --scans scans on the resident kiosk
  screen, with its device, camera pipeline and sync-free ledger. Target <= 250 MB.
- scan_to_screen_ms_p95: a card arriving at the camera to the resident's balance painted: a
  camera thread plays a counter top at 15 fps and, for each scan, three frames of one of the
  demo's printed cards photographed as a webcam sees them (kiosk.printing.card_photos:
  perspective, crumpling, a thumb, glare, blur, low light, noise, JPEG; different shots each
  time). Timed from the first card frame leaving the camera to ResidentKioskScreen's
  `resident_shown` plus a synchronous repaint of the screen. A card none of whose three
  frames is read is a missed card (`cards_missed`). Target <= 100 ms.
- pay_to_paid_ms_p95: the confirm touch on CounterScreen (amount typed, card scanned, quote on
  screen) to "Paid" painted (`paid_shown`, which CounterScreen emits after repainting), the
  durable write of the payment included. Target <= 100 ms.
- desk_return_ms_p95: at the klusbox desk, a lent box's label arriving at the camera to its
  return page painted (DeskScreen's `page_shown` for the return page plus a synchronous
  repaint): the same camera, three photographed frames of the demo's printed label of
  "Veegbox Grasbroek" (lent before the run) per scan, --returns scans, home again after each.
  A label none of whose frames is read is `labels_missed`. Target <= 150 ms.
- durable_commit_ms_p50/p95: one bare durable SQLite commit (`BEGIN IMMEDIATE; INSERT;
  COMMIT`, WAL, synchronous=FULL, bench.ledger.Baseline) on the same disk, right before each
  payment: the baseline of the same run.

The three devices are unenrolled demo devices (kiosk/demo.py's data), so nothing waits on a server.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np

from bench.common import emit, median
from bench.ledger import Baseline
from kiosk.core.errors import HeitjeError
from kiosk.demo import seed_demo
from kiosk.device import open_device
from kiosk.scan.sources import FrameSource, SourceState

ROOT = Path(__file__).resolve().parents[1]
FPS = 15.0
CARD_FRAMES = 3  # frames of the card per scan (a fifth of a second at 15 fps)
GAP_S = 0.25  # empty counter between two scans
WAIT_S = 5.0  # a scan with no resident on screen by then is a missed card


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def seeded_device_dir(path: Path) -> Path:
    handle = open_device(path)
    try:
        seed_demo(handle.store, path)
    finally:
        handle.close()
    return path


# -- cold start ----------------------------------------------------------------------------


def one_start(data_dir: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [
        sys.executable,
        "-m",
        "kiosk",
        "--data-dir",
        str(data_dir),
        "--role",
        "resident-kiosk",
        "--print-ready",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if raw.strip() == b"ready":
                return time.perf_counter() - started
        raise RuntimeError(f"the app ended without printing ready (exit {proc.wait()})")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cold_start(data_dir: Path, runs: int) -> tuple[float, float, list[float]]:
    first = one_start(data_dir)
    times = [one_start(data_dir) for _ in range(runs)]
    return first, median(times), times


# -- a camera that shows a card when asked ------------------------------------------------


class BenchCamera(FrameSource):
    """A counter top at FPS; `show(frames)` puts those frames in front of it next. The moment
    the first of them leaves the camera goes to `shown_at` (perf_counter)."""

    name = "bench-camera"

    def __init__(self, empty: np.ndarray) -> None:
        super().__init__()
        self.empty = empty
        self.pending: queue.Queue[list[np.ndarray]] = queue.Queue()
        self.shown_at: queue.Queue[float] = queue.Queue()

    def show(self, frames: list[np.ndarray]) -> None:
        self.pending.put(frames)

    def _run(self) -> None:
        self._set_state(SourceState.RUNNING, "")
        period = 1.0 / FPS
        due = time.monotonic()
        card: list[np.ndarray] = []
        while not self._stop.is_set():
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            due = max(due + period, time.monotonic() - period)
            if not card:
                try:
                    card = list(self.pending.get_nowait())
                    self.shown_at.put(time.perf_counter())
                except queue.Empty:
                    card = []
            if card:
                self._deliver(card.pop(0))
            else:
                self._deliver(self.empty)


def write_card_frames(
    data_dir: Path, scans: int, out: Path, *, kind: str = "resident", where: str | None = None
) -> None:
    """For each scan, CARD_FRAMES photographed frames of one of the demo's cards of `kind`
    (of the neighbourhood `where`, if given), round the holders, as JPEG files in `out`
    (SCAN-FRAME.jpg), with names.json (the holder of each scan's card, a klusbox's name for a
    label, to check what the screen shows) and empty.jpg (the counter top)."""
    from sqlalchemy.orm import Session

    from kiosk.core.cards import Card, CardKind
    from kiosk.db.card_queries import cards_to_print
    from kiosk.db.engine import open_data_dir_engine
    from kiosk.printing.card_photos import background, card_images, film, shot_for, write_frame
    from kiosk.printing.cards_pdf import PrintableCard

    engine = open_data_dir_engine(data_dir)
    try:
        with Session(engine) as session:
            rows = [
                r
                for r in cards_to_print(session, None)
                if r.kind == kind and (where is None or r.neighbourhood == where)
            ]
    finally:
        engine.dispose()
    items = [
        PrintableCard(
            Card(CardKind(r.kind), r.serial, r.issued_on, r.payload), r.holder, r.neighbourhood
        )
        for r in rows
    ]
    faces = card_images(items)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(scans):
        which = i % len(items)
        names.append(items[which].holder)
        for j in range(CARD_FRAMES):
            frame = film(faces[which], shot_for(10_000 + i * CARD_FRAMES + j))
            write_frame(out / f"{i:04d}-{j}.jpg", frame)
    write_frame(out / "empty.jpg", background(np.random.default_rng(7)))
    (out / "names.json").write_text(json.dumps(names))


def read_frame(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise RuntimeError(f"cannot read {path}")
    return image


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- the screens -----------------------------------------------------------------------------


def spin_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Run the Qt event loop until `predicate()` holds (True) or `timeout_s` passed (False)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    poll = QTimer()
    poll.setInterval(1)

    def check() -> None:
        if predicate() or time.monotonic() > deadline:
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    return predicate()


def time_scans(
    camera: BenchCamera,
    frames_dir: Path,
    names: list[str],
    shown: list[float],
    name_shown: Callable[[], str | None],
    go_home: Callable[[], None],
    refused: list[str],
    what: str,
    *,
    gap_first: bool,
) -> tuple[list[float], int, int]:
    """Hold each filmed card up to the camera until the screen says it shows it (`shown` gets
    the moment); the milliseconds from the first frame, and how many were missed or showed
    another name than `names`. The gap between two cards comes before each card (a counter
    top) or after it, before going home (a label taken away first)."""
    latencies: list[float] = []
    missed = wrong = 0
    for i in range(len(names)):
        if gap_first:
            spin_until(lambda: False, GAP_S)
        shown.clear()
        camera.show([read_frame(frames_dir / f"{i:04d}-{j}.jpg") for j in range(CARD_FRAMES)])
        if spin_until(lambda: bool(shown), WAIT_S):
            latencies.append((shown[0] - camera.shown_at.get(timeout=WAIT_S)) * 1000.0)
            if name_shown() != names[i]:
                wrong += 1
        else:
            camera.shown_at.get(timeout=WAIT_S)
            missed += 1
            if missed == i + 1 >= 10:
                raise RuntimeError(f"the first {missed} {what} were all missed: {refused}")
        if not gap_first:
            spin_until(lambda: False, GAP_S)
        go_home()
    return latencies, missed, wrong


def bench_kiosk(data_dir: Path, frames_dir: Path) -> dict[str, object]:
    from PySide6.QtWidgets import QApplication, QLabel

    from kiosk.ops.device import DeviceOptions, build_device
    from kiosk.ui.bridge import Bridge, GuiCaller
    from kiosk.ui.i18n import Translations
    from kiosk.ui.scan_input import ScanInput
    from kiosk.ui.screens.resident import ResidentKioskScreen

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    names: list[str] = json.loads((frames_dir / "names.json").read_text())
    scans = len(names)
    camera = BenchCamera(read_frame(frames_dir / "empty.jpg"))
    caller = GuiCaller()
    device = build_device(
        data_dir,
        caller,
        DeviceOptions(demo_role="resident-kiosk", demo_neighbourhood="grasbroek", camera=camera),
    )
    translations = Translations(app, "nl")
    bridge = Bridge(device.hub)
    scan = ScanInput(device)
    screen = ResidentKioskScreen(device, scan, translations, bridge)
    screen.resize(1280, 800)
    screen.show()
    shown: list[float] = []

    def on_shown() -> None:
        screen.repaint()  # the balance is on the screen, not only in the widgets
        shown.append(time.perf_counter())

    screen.resident_shown.connect(on_shown)
    refused: list[str] = []
    scan.refused.connect(lambda error: refused.append(error.code))
    try:
        scan.start()
        screen.set_active(True)
        spin_until(lambda: camera.state == SourceState.RUNNING, WAIT_S)

        def name_shown() -> str | None:
            label = screen.findChild(QLabel, "resident_name")
            return None if label is None else label.text()

        latencies, missed, wrong = time_scans(
            camera, frames_dir, names, shown, name_shown, screen.go_home, refused, "cards",
            gap_first=True,  # the counter top between two customers
        )  # fmt: skip
        memory = rss_mb()
    finally:
        screen.set_active(False)
        scan.stop()
        bridge.close()
        device.close()
        screen.close()
        screen.deleteLater()
        translations.uninstall()
    return {
        "scans": scans,
        "cards_missed": missed,
        "cards_wrong": wrong,
        "scans_refused": {code: refused.count(code) for code in sorted(set(refused))},
        "scan_to_screen_ms_p50": percentile(latencies, 50),
        "scan_to_screen_ms_p95": percentile(latencies, 95),
        "scan_to_screen_ms_max": round(max(latencies), 2) if latencies else None,
        "rss_mb": memory,
    }


def bench_counter(data_dir: Path, pays: int) -> dict[str, object]:
    from PySide6.QtWidgets import QApplication

    from kiosk.ops.device import DeviceOptions, build_device
    from kiosk.ui.bridge import Bridge, GuiCaller
    from kiosk.ui.i18n import Translations
    from kiosk.ui.scan_input import ScanInput
    from kiosk.ui.screens.counter import CounterScreen, Page

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    caller = GuiCaller()
    device = build_device(
        data_dir, caller, DeviceOptions(demo_role="merchant-counter", demo_merchant="mer-bakker")
    )
    assert device.counter is not None
    from sqlalchemy.orm import Session

    from kiosk.db.card_queries import cards_to_print

    with Session(device.handle.engine) as session:
        cards = [r.serial for r in cards_to_print(session, None) if r.kind == "resident"]
    payers = []
    for serial in cards:
        try:
            if device.counter.quote_now(serial, pays).balance >= pays:
                payers.append(serial)
        except HeitjeError:  # a card with too little on it for the run's payments
            continue
    translations = Translations(app, "nl")
    bridge = Bridge(device.hub)
    scan = ScanInput(device)
    screen = CounterScreen(device, scan, translations, bridge)
    screen.resize(1280, 800)
    screen.show()
    baseline = Baseline(data_dir / "baseline.sqlite3", {"body": "x" * 400})
    paid: list[float] = []
    screen.paid_shown.connect(lambda: paid.append(time.perf_counter()))
    pay_ms: list[float] = []
    commit_ms: list[float] = []
    try:
        scan.start()
        screen.set_active(True)
        for i in range(pays):
            screen.new_customer()
            screen.amount_pad.set_cents(1)
            screen.to_scan.click()
            screen.on_card(payers[i % len(payers)])
            if not spin_until(
                lambda: screen.page == Page.CONFIRM and screen.confirm_go.isEnabled(), WAIT_S
            ):
                raise RuntimeError(f"no confirmation on screen (page {screen.page})")
            spin_until(lambda: False, 0.02)  # the shopkeeper reads it
            t0 = time.perf_counter()
            baseline.commit()
            t1 = time.perf_counter()
            commit_ms.append((t1 - t0) * 1000.0)
            paid.clear()
            t0 = time.perf_counter()
            screen.confirm_go.click()
            if not spin_until(lambda: bool(paid), WAIT_S):
                raise RuntimeError("no 'Paid' on screen")
            pay_ms.append((paid[0] - t0) * 1000.0)
    finally:
        baseline.close()
        screen.set_active(False)
        scan.stop()
        bridge.close()
        device.close()
        screen.close()
        screen.deleteLater()
        translations.uninstall()
    return {
        "pays": pays,
        "pay_to_paid_ms_p50": percentile(pay_ms, 50),
        "pay_to_paid_ms_p95": percentile(pay_ms, 95),
        "pay_to_paid_ms_max": round(max(pay_ms), 2),
        "durable_commit_ms_p50": percentile(commit_ms, 50),
        "durable_commit_ms_p95": percentile(commit_ms, 95),
    }


DESK_HOOD, DESK_HOOD_NAME = "grasbroek", "Grasbroek"  # the demo desk's centre and its box


def bench_desk(data_dir: Path, frames_dir: Path) -> dict[str, object]:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import Session

    from kiosk.db.card_queries import cards_to_print
    from kiosk.ops.device import DeviceOptions, build_device
    from kiosk.ui.bridge import Bridge, GuiCaller
    from kiosk.ui.i18n import Translations
    from kiosk.ui.scan_input import ScanInput
    from kiosk.ui.screens.desk import DeskScreen, Page

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    names: list[str] = json.loads((frames_dir / "names.json").read_text())
    scans = len(names)
    camera = BenchCamera(read_frame(frames_dir / "empty.jpg"))
    caller = GuiCaller()
    device = build_device(
        data_dir,
        caller,
        DeviceOptions(demo_role="klusbox-desk", demo_neighbourhood=DESK_HOOD, camera=camera),
    )
    ops = device.desk
    assert ops is not None
    with Session(device.handle.engine) as session:
        cards = cards_to_print(session, None)
    labels = [r.serial for r in cards if r.kind == "klusbox" and r.neighbourhood == DESK_HOOD_NAME]
    residents = [
        r.serial for r in cards if r.kind == "resident" and r.neighbourhood == DESK_HOOD_NAME
    ]
    for label in labels:  # lend each box of the centre, so its label opens its return page
        if ops.show_box_now(label).status != "available":
            continue
        for serial in residents:
            try:
                plan = ops.prepare_loan_now(serial, label)
                ops.lend_now(serial, label, handed_out=plan.ticked, due_at=plan.due_at)
                break
            except HeitjeError:
                continue
    translations = Translations(app, "nl")
    bridge = Bridge(device.hub)
    scan = ScanInput(device)
    screen = DeskScreen(device, scan, translations, bridge)
    screen.resize(1280, 800)
    screen.show()
    shown: list[float] = []

    def on_page(page: object) -> None:
        if page is Page.RETURN:
            screen.repaint()  # the return page is on the screen, not only in the widgets
            shown.append(time.perf_counter())

    screen.page_shown.connect(on_page)
    refused: list[str] = []
    scan.refused.connect(lambda error: refused.append(error.code))
    try:
        scan.start()
        screen.set_active(True)
        spin_until(lambda: camera.state == SourceState.RUNNING, WAIT_S)
        # The label is taken away before the volunteer goes home: home forgets the scans,
        # and the label's last frames would open its return page again.
        latencies, missed, wrong = time_scans(
            camera, frames_dir, names, shown, screen.return_page.title.text, screen.go_home,
            refused, "labels", gap_first=False,
        )  # fmt: skip
    finally:
        screen.set_active(False)
        scan.stop()
        bridge.close()
        device.close()
        screen.close()
        screen.deleteLater()
        translations.uninstall()
    return {
        "desk_returns": scans,
        "labels_missed": missed,
        "labels_wrong": wrong,
        "desk_scans_refused": {code: refused.count(code) for code in sorted(set(refused))},
        "desk_return_ms_p50": percentile(latencies, 50),
        "desk_return_ms_p95": percentile(latencies, 95),
        "desk_return_ms_max": round(max(latencies), 2) if latencies else None,
    }


def screens(
    kiosk_dir: Path,
    counter_dir: Path,
    frames_dir: Path,
    pays: int,
    desk_dir: Path,
    desk_frames_dir: Path,
) -> dict[str, object]:
    """The screens' part, in a process of its own (its memory is the app's, not the bench's)."""
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.theme import Themes

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    Themes(app)  # the app's look: fonts and sizes as the real screens have them
    rss_start = rss_mb()
    kiosk = bench_kiosk(kiosk_dir, frames_dir)
    counter = bench_counter(counter_dir, pays)
    desk = bench_desk(desk_dir, desk_frames_dir)
    threads = sorted(t.name for t in threading.enumerate() if t is not threading.main_thread())
    return {
        "rss_mb_before_scans": rss_start,
        **kiosk,
        **counter,
        **desk,
        "threads_left": threads,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ui", description=__doc__)
    parser.add_argument("--starts", type=int, default=5, help="cold starts timed (median)")
    parser.add_argument("--scans", type=int, default=100)
    parser.add_argument("--pays", type=int, default=100)
    parser.add_argument("--returns", type=int, default=100, help="labels scanned at the desk")
    parser.add_argument("--screens", nargs=5, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    if args.screens:  # the child: KIOSK_DIR COUNTER_DIR FRAMES_DIR DESK_DIR DESK_FRAMES_DIR
        kiosk_dir, counter_dir, frames_dir, desk_dir, desk_frames = args.screens
        print(
            json.dumps(
                screens(kiosk_dir, counter_dir, frames_dir, args.pays, desk_dir, desk_frames)
            )
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        root = Path(tmp)
        first, cold, runs = cold_start(seeded_device_dir(root / "start"), args.starts)
        kiosk_dir = seeded_device_dir(root / "kiosk")
        counter_dir = seeded_device_dir(root / "counter")
        write_card_frames(kiosk_dir, args.scans, root / "frames")
        desk_dir = seeded_device_dir(root / "desk")
        write_card_frames(
            desk_dir, args.returns, root / "desk-frames", kind="klusbox", where=DESK_HOOD_NAME
        )
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench",
                "ui",
                "--pays",
                str(args.pays),
                "--screens",
                str(kiosk_dir),
                str(counter_dir),
                str(root / "frames"),
                str(desk_dir),
                str(root / "desk-frames"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            check=True,
        )
        measured = json.loads(child.stdout.decode().strip().splitlines()[-1])
    result: dict[str, object] = {
        "benchmark": "ui",
        "cold_start_s": round(cold, 3),
        "cold_start_runs_s": [round(t, 3) for t in runs],
        "cold_start_first_s": round(first, 3),
        **measured,
        "targets": {
            "cold_start_s": 1.5,
            "rss_mb": 250,
            "scan_to_screen_ms_p95": 100,
            "pay_to_paid_ms_p95": 100,
            "desk_return_ms_p95": 150,
        },
        "cpu_load_1m": round(os.getloadavg()[0], 2),
    }
    emit(result)
    return 0
