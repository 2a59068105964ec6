"""Setup for the resident kiosk's screen tests: a real Qt GUI thread for the ops, the demo ledger
with its real signed cards, card photos for the camera, and a walk over every widget's text.

The ops tests' `Gui` (tests/ops/conftest.py) runs callbacks when a test says so; here Qt's own
event loop runs them, through the app's `GuiCaller`, so `QtGui` is a `Gui` whose `call` is that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QWidget,
)
from sqlalchemy import insert, select

from kiosk.core.clock import FixedClock
from kiosk.db import models as m
from kiosk.db.ops_queries import read_only
from kiosk.demo import seed_demo
from kiosk.device import open_device
from kiosk.ops.device import Device
from kiosk.scan.sources import ImageFolderSource
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.resident import IDLE_MS, ResidentKioskScreen
from tests.conftest import QR_PHOTOS
from tests.ops.conftest import DAY, local_device
from tests.scan.scan_helpers import IMAGE_SUFFIXES, load_image
from tests.scan.test_scan_qt import card_in_scene
from tests.server.conftest import NOW
from tests.ui.shell_support import QtGui

WAIT_MS = 30_000  # only so that a broken test fails instead of hanging; nothing is timed
SCREEN_SIZE = (1280, 800)

# The demo's residents of Grasbroek (kiosk/demo.py), and what its history gives them.
JO = "res-002"  # did "Pleintje vegen" (+5,00), paid 2,75 at the bakery, got 0,75 back
JO_NAME = "Jo Ubachs"
MIA = "res-003"  # signed up for "Bladeren ruimen", nothing else yet
MIA_NAME = "Mia Claessen"


def seed_demo_kiosk(data_dir: Path) -> None:
    """The demo's ledger (real signed cards, chores on now, a history), and two klusbox loans
    of Jo's as the desk will write them (no op lends yet): one late, one not."""
    handle = open_device(data_dir, FixedClock(NOW))
    try:
        seed_demo(handle.store, data_dir)
        with handle.store.transaction() as conn:
            for loan_id, lent, due in (
                ("loan-late", NOW - 9 * DAY, NOW - DAY),
                ("loan-ok", NOW, NOW + 3 * DAY),
            ):
                conn.execute(
                    insert(m.Loan.__table__).values(
                        id=loan_id, klusbox_id="kb-veeg-1", resident_id=JO, lent_at=lent, due_at=due
                    )
                )
    finally:
        handle.close()


def demo_card(data_dir: Path, resident_id: str) -> tuple[str, str]:
    """Seed the demo ledger in `data_dir` (once) and read a resident's card from it, as the
    office printed it: (serial, signed QR payload)."""
    if not (data_dir / "ledger.sqlite3").exists():
        seed_demo_kiosk(data_dir)
    handle = open_device(data_dir, FixedClock(NOW))
    try:
        with read_only(handle.engine) as conn:
            row = conn.execute(
                select(m.Card.serial, m.Card.payload).where(m.Card.resident_id == resident_id)
            ).one()
    finally:
        handle.close()
    return row.serial, row.payload


def card_of(device: Device, resident_id: str) -> tuple[str, str]:
    """The resident's card in the device's ledger: (serial, signed QR payload)."""
    with read_only(device.handle.engine) as conn:
        row = conn.execute(
            select(m.Card.serial, m.Card.payload).where(m.Card.resident_id == resident_id)
        ).one()
    return row.serial, row.payload


def backgrounds() -> list[np.ndarray]:
    """Real photos without a code (the shared set), as the room behind a held-up card."""
    folder = QR_PHOTOS / "no-code"
    photos = [load_image(p) for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    return [p for p in photos if p.shape[:2] == (480, 640)]


def write_card_frames(folder: Path, payload: str, *, empty: int = 3, held: int = 6) -> Path:
    """PNG frames for an ImageFolderSource: the empty room, then the card held up in it."""
    folder.mkdir(parents=True, exist_ok=True)
    rooms = backgrounds()
    frames = [rooms[i % len(rooms)] for i in range(empty)]
    frames += [card_in_scene(rooms[(empty + i) % len(rooms)], payload) for i in range(held)]
    for i, frame in enumerate(frames):
        assert cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    return folder


@dataclass
class Kiosk:
    """A kiosk as the shell builds it: device, scans, bridge, the screen in front."""

    device: Device
    scan: ScanInput
    bridge: Bridge
    screen: ResidentKioskScreen

    def close(self) -> None:
        self.screen.set_active(False)
        self.scan.stop()
        self.bridge.close()
        self.device.close()
        self.screen.deleteLater()


def open_kiosk(
    device: Device, translations: Translations, *, idle_ms: int = IDLE_MS, start: bool = True
) -> Kiosk:
    scan = ScanInput(device)
    bridge = Bridge(device.hub)
    screen = ResidentKioskScreen(device, scan, translations, bridge, idle_ms=idle_ms)
    screen.resize(*SCREEN_SIZE)
    screen.set_active(True)
    screen.show()
    if start:
        scan.start()
    return Kiosk(device, scan, bridge, screen)


def demo_kiosk(
    data_dir: Path,
    translations: Translations,
    *,
    camera: Path | None = None,
    idle_ms: int = IDLE_MS,
    printer: str | None = None,
    readers: int = 2,
) -> Kiosk:
    """A never-enrolled resident kiosk (the demo's kind) on the demo ledger in `data_dir`."""
    if not (data_dir / "ledger.sqlite3").exists():
        seed_demo_kiosk(data_dir)
    options: dict[str, object] = {"printer": printer, "readers": readers}
    if camera is not None:
        options["camera"] = ImageFolderSource(camera, fps=10.0)
    device = local_device(
        data_dir, QtGui(), "resident-kiosk", demo_neighbourhood="grasbroek", **options
    )
    return open_kiosk(device, translations, idle_ms=idle_ms)


def all_texts(root: QWidget) -> list[str]:
    """Every text any widget under `root` holds, shown or hidden: labels, buttons, inputs,
    accessible names and tooltips, and every cell of every item view's model."""
    texts: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            texts.append(w.text())
        texts += [w.accessibleName(), w.accessibleDescription(), w.toolTip()]
        if isinstance(w, QAbstractItemView) and (model := w.model()) is not None:
            for row in range(model.rowCount()):
                for col in range(model.columnCount()):
                    texts.append(str(model.index(row, col).data(Qt.ItemDataRole.DisplayRole)))
    return [t for t in texts if t and t.strip()]


def shown_texts(root: QWidget) -> list[str]:
    """The texts a person can see now (visible widgets only), with the accessible names."""
    texts = []
    for w in [root, *root.findChildren(QWidget)]:
        if w is not root and not w.isVisibleTo(root):
            continue
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        texts.append(w.accessibleName())
    return [t for t in texts if t and t.strip()]
