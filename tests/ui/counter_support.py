"""Setup for the merchant counter's screen tests: counters on real ledger files (a demo counter,
never enrolled, and one enrolled with the real server over HTTP), real signed cards for the
scan path, a TCP gate in front of the server to drop the network, and helpers that touch the
screen as a shopkeeper does.

The ops tests' `Gui` (tests/ops/conftest.py) runs callbacks when a test says so; here Qt's own
event loop runs them, through the app's `GuiCaller`: `QtGui` is a `Gui` whose `call` is that."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import select
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from nacl.signing import SigningKey
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select as sql_select

from kiosk.core.cards import CardKind, issue_card, new_serial
from kiosk.core.clock import FixedClock
from kiosk.core.entries import Kind
from kiosk.db import models as m
from kiosk.db import registry as reg
from kiosk.db.ops_queries import read_only
from kiosk.device import open_device
from kiosk.ops.device import Device, DeviceOptions
from kiosk.scan.sources import ImageFolderSource
from kiosk.server import admin
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.counter import CounterScreen, Page
from tests.conftest import QR_PHOTOS
from tests.ops.conftest import Enrolled, enrol, local_device, seed_local
from tests.scan.scan_helpers import IMAGE_SUFFIXES, load_image
from tests.scan.test_scan_qt import card_in_scene
from tests.server.conftest import NOW, LiveServer
from tests.ui.shell_support import QtGui

WAIT_MS = 30_000  # only so that a broken test fails instead of hanging; nothing is timed
SCREEN_SIZE = (1280, 800)

ISSUED = dt.date(2026, 11, 1)


def write_card_frames(folder: Path, payload: str) -> Path:
    """PNG frames for an ImageFolderSource: real photos without a code (the shared set) as the
    room, empty at first, then with the card held up in it, slightly turned."""
    rooms = [
        cv2.resize(load_image(p), (640, 480))
        for p in sorted((QR_PHOTOS / "no-code").iterdir())
        if p.suffix.lower() in IMAGE_SUFFIXES
    ]
    assert rooms, "no photos in the shared no-code set"
    folder.mkdir(parents=True, exist_ok=True)
    frames = [rooms[i % len(rooms)] for i in range(3)]
    frames += [card_in_scene(rooms[i % len(rooms)], payload) for i in range(6)]
    for i, frame in enumerate(frames):
        assert cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    return folder


def shown_texts(root: QWidget) -> list[str]:
    """The texts a person can see now (visible labels and buttons), and the accessible names."""
    texts = []
    for w in [root, *root.findChildren(QWidget)]:
        if w is not root and not w.isVisibleTo(root):
            continue
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        texts.append(w.accessibleName())
    return [t for t in texts if t and t.strip()]


@dataclass(frozen=True)
class TestCard:
    resident_id: str
    serial: str
    payload: str  # the signed QR text, as the camera or a hand scanner reads it


def new_card(key: SigningKey, resident_id: str) -> TestCard:
    card = issue_card(key, CardKind.RESIDENT, new_serial(CardKind.RESIDENT), ISSUED)
    return TestCard(resident_id, card.serial, card.payload)


# -- a demo counter (never enrolled) -------------------------------------------------------------


def seed_demo_counter(data_dir: Path) -> list[TestCard]:
    """tests/ops' local ledger (r-1..r-3 with 100,00 each, shop m-1 "Bakker Jansen"), plus a
    real signed card for each resident and the municipality key beside it (as the demo has)."""
    clock = FixedClock(NOW)
    seed_local(data_dir, clock)
    key = SigningKey.generate()
    (data_dir / "municipality.pub").write_text(bytes(key.verify_key).hex() + "\n")
    cards = [new_card(key, f"r-{i}") for i in (1, 2, 3)]
    handle = open_device(data_dir, clock)
    try:
        with handle.store.transaction() as conn:
            for c in cards:
                reg.add_card(
                    conn, c.serial, "resident", c.payload, ISSUED, resident_id=c.resident_id
                )
    finally:
        handle.close()
    return cards


# -- the network, and a counter enrolled with the real server ----------------------------------


class Gate:
    """A TCP relay on 127.0.0.1 in front of the live server. `down()` cuts every connection and
    refuses new ones (the network is gone); `up()` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                ready, _, _ = select.select([listener], [], [], 0.1)
                if not ready:
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def live_port(live: LiveServer) -> int:
    return int(live.url.rsplit(":", 1)[1])


def enrol_counter(
    live: LiveServer,
    data_dir: Path,
    *,
    url: str | None = None,
    printer: str | None = None,
) -> tuple[Enrolled, list[TestCard]]:
    """A counter of shop m-1 enrolled with the real server (through `url` if given: a Gate),
    with a real card signed by the server's key for r-1 and r-2 (the server's seed has them),
    synced once. Its sync loop is not started: the test calls sync()."""
    cards = [new_card(live.server.key, rid) for rid in ("r-1", "r-2")]
    for c in cards:
        admin.add_card(live.server, c.serial, c.resident_id)
    target = live
    if url is not None:
        target = copy.copy(live)
        target.url = url
    enrolled = enrol(
        target,
        data_dir,
        QtGui(),
        "merchant-counter",
        merchant="m-1",
        options=DeviceOptions(printer=printer),
    )
    return enrolled, cards


# -- the screen --------------------------------------------------------------------------------


@dataclass
class Counter:
    """A counter as the shell builds it: device, scans, bridge, and the screen in front."""

    qtbot: QtBot
    device: Device
    scan: ScanInput
    bridge: Bridge
    screen: CounterScreen
    paid: list[int] = field(default_factory=list)

    def close(self) -> None:
        self.screen.set_active(False)
        self.scan.stop()
        self.bridge.close()
        self.device.close()
        self.screen.close()
        self.screen.deleteLater()

    # -- touching it -----------------------------------------------------------------------

    def click(self, button: QAbstractButton) -> None:
        self.qtbot.waitUntil(
            lambda: button.isVisibleTo(self.screen) and button.isEnabled(), timeout=WAIT_MS
        )
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def type_amount(self, text: str) -> None:
        """Touch the amount pad's keys: "3,50"."""
        pad = self.screen.amount_pad
        for ch in text:
            self.click(pad.separator if ch in ",." else pad.digits[ch])

    def type_pin(self, pin: str) -> None:
        for digit in pin:
            self.click(self.screen.pin_pad.digits[digit])

    def wait_page(self, page: Page) -> None:
        self.qtbot.waitUntil(lambda: self.screen.page is page, timeout=WAIT_MS)

    def wait_text(self, label: QLabel | QAbstractButton, part: str) -> None:
        self.qtbot.waitUntil(lambda: part in label.text(), timeout=WAIT_MS)

    def quote(self, amount: str, payload: str) -> None:
        """A new customer: the amount, then the card through the hand scanner's path."""
        self.type_amount(amount)
        self.click(self.screen.to_scan)
        self.wait_page(Page.SCAN)
        self.scan.scanned(payload)
        self.wait_page(Page.CONFIRM)

    def pay(self, amount: str, payload: str) -> None:
        """A whole payment that should go through, up to "Paid" on screen."""
        self.quote(amount, payload)
        with self.qtbot.waitSignal(self.screen.paid_shown, timeout=WAIT_MS):
            self.click(self.screen.confirm_go)
        assert self.screen.page is Page.RESULT

    def next_customer(self) -> None:
        self.click(self.screen.result_next)
        self.wait_page(Page.AMOUNT)

    def open_day(self) -> None:
        """The day's list, as it stands now."""
        if self.screen.page is not Page.AMOUNT:
            self.click(self.screen.result_next)
        self.click(self.screen.to_day)
        self.wait_page(Page.DAY)
        self.wait_day()

    def wait_day(self) -> None:
        """Until the list on screen is what the books say (a read is in flight after a change)."""
        want = self.device.counter.day_list_now() if self.device.counter else None
        self.qtbot.waitUntil(lambda: self.screen.day_page.day == want, timeout=WAIT_MS)


def open_counter(qtbot: QtBot, device: Device, translations: Translations) -> Counter:
    scan = ScanInput(device)
    bridge = Bridge(device.hub)
    screen = CounterScreen(device, scan, translations, bridge)
    screen.resize(*SCREEN_SIZE)
    screen.set_active(True)
    screen.show()
    qtbot.waitExposed(screen)
    counter = Counter(qtbot, device, scan, bridge, screen)
    screen.paid_shown.connect(lambda: counter.paid.append(1))
    return counter


def demo_device(
    data_dir: Path, *, printer: str | None = None, camera: Path | None = None
) -> Device:
    options: dict[str, object] = {"printer": printer}
    if camera is not None:
        options["camera"] = ImageFolderSource(camera, fps=10.0, loop=True)
    return local_device(data_dir, QtGui(), "merchant-counter", **options)


# -- what the ledger holds -----------------------------------------------------------------------


def ledger_moves(device: Device) -> list[tuple[Kind, int]]:
    """Every payment and refund in the device's ledger, in order: (kind, amount)."""
    with read_only(device.handle.engine) as conn:
        rows = conn.execute(
            sql_select(m.LedgerEntry.kind, m.LedgerEntry.amount)
            .where(m.LedgerEntry.kind.in_([Kind.SPEND.value, Kind.REFUND.value]))
            .order_by(m.LedgerEntry.seq)
        ).all()
    return [(Kind(r.kind), r.amount) for r in rows]
