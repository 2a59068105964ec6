"""The Qt adapter with real Qt (offscreen), a real video file and real signed cards."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
from nacl.signing import SigningKey
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from kiosk.core.cards import Card, CardKind, issue_card, new_serial, read_card
from kiosk.scan.qt_adapter import (
    CHECK_FAILED,
    ScanController,
    ScannerInput,
    frame_to_qimage,
)
from kiosk.scan.sources import CameraSource, ImageFolderSource, VideoFileSource
from kiosk.scan.wedge import WedgeRecogniser
from tests.scan.scan_helpers import Photo, load_image

SEGMENT = 10  # frames each picture stays in view: a third of a second at 30 fps
WAIT_MS = 30_000  # generous: only a hang should ever hit it


@pytest.fixture(scope="module")
def municipality_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def cards(municipality_key: SigningKey) -> list[Card]:
    kinds = [CardKind.RESIDENT, CardKind.STAFF, CardKind.KLUSBOX]
    return [
        issue_card(municipality_key, kind, new_serial(kind), datetime.date(2026, 11, 1))
        for kind in kinds
    ]


def render_card(payload: str, module_px: int = 5) -> np.ndarray:
    """The card's QR as the printer would draw it (alphanumeric mode, quiet zone of 4)."""
    code = qrcode.QRCode(border=4, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    modules = np.array(code.get_matrix(), dtype=np.uint8)
    image = np.where(modules == 1, 0, 255).astype(np.uint8)
    image = cv2.resize(image, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def card_in_scene(background: np.ndarray, payload: str) -> np.ndarray:
    """A card held up in front of a real photo, slightly turned, in a 640×480 frame."""
    scene = cv2.resize(background, (640, 480)).copy()
    card = render_card(payload)
    h, w = card.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[190, 90], [190 + w, 105], [180 + w, 100 + h], [175, 85 + h]])
    warp = cv2.getPerspectiveTransform(src, dst)
    cv2.warpPerspective(card, warp, (640, 480), scene, borderMode=cv2.BORDER_TRANSPARENT)
    return scene


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (640, 480))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def backgrounds(empty_photos: list[Photo]) -> list[np.ndarray]:
    return [p.image for p in empty_photos if p.image.shape[:2] == (480, 640)]


def test_video_gives_one_recognition_per_card_and_none_for_empty_frames(
    qtbot: QtBot,
    tmp_path: Path,
    cards: list[Card],
    municipality_key: SigningKey,
    backgrounds: list[np.ndarray],
    qr_photos: Path,
) -> None:
    foreign = cv2.resize(load_image(qr_photos / "qrcode-3" / "01.png"), (640, 480))
    scenes = [
        backgrounds[0],
        card_in_scene(backgrounds[1], cards[0].payload),
        backgrounds[2],
        card_in_scene(backgrounds[3], cards[1].payload),
        backgrounds[4],
        foreign,  # a real QR code that is not one of our cards
        backgrounds[5],
        card_in_scene(backgrounds[6], cards[2].payload),
        backgrounds[7],
    ]
    video = write_video(tmp_path / "counter.avi", [s for s in scenes for _ in range(SEGMENT)])

    verify_key = municipality_key.verify_key
    controller = ScanController(VideoFileSource(video), lambda p: read_card(p, verify_key))
    recognised: list[Card] = []
    rejected: list[tuple[str, str]] = []
    states: list[str] = []
    previews: list[QImage] = []
    controller.card_recognised.connect(recognised.append)
    controller.card_rejected.connect(lambda code, reason: rejected.append((code, reason)))
    controller.camera_state.connect(states.append)
    controller.frame.connect(previews.append)
    controller.start()
    try:
        qtbot.waitUntil(lambda: "ended" in states, timeout=WAIT_MS)
    finally:
        controller.stop()
    qtbot.wait(50)  # let the last queued signals arrive

    assert [c.serial for c in recognised] == [c.serial for c in cards]
    assert [code for code, _ in rejected] == ["not_a_card"]
    assert "Heitje" in rejected[0][1]  # the reason is for people, in Dutch by default
    assert states[:2] == ["starting", "running"]
    assert states[-1] == "ended"
    assert previews
    assert (previews[0].width(), previews[0].height()) == (640, 480)
    stats = controller.stats()
    assert stats["frames"] == len(scenes) * SEGMENT
    assert stats["max_queue_depth"] == 1
    assert stats["decoded"] + stats["dropped"] <= stats["frames"]


def test_a_made_up_card_is_rejected_with_its_reason(
    qtbot: QtBot, tmp_path: Path, cards: list[Card], backgrounds: list[np.ndarray]
) -> None:
    other_key = SigningKey.generate().verify_key  # not the key these cards were signed with
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "1.png"), card_in_scene(backgrounds[0], cards[0].payload))
    controller = ScanController(
        ImageFolderSource(folder, fps=50), lambda p: read_card(p, other_key), lang="en"
    )
    recognised: list[Card] = []
    controller.card_recognised.connect(recognised.append)
    with qtbot.waitSignal(controller.card_rejected, timeout=WAIT_MS) as blocker:
        controller.start()
    controller.stop()
    assert blocker.args is not None
    assert blocker.args[0] == "bad_signature"
    assert "genuine" in blocker.args[1]
    assert recognised == []


def test_camera_that_is_not_there_is_a_state_not_a_crash(qtbot: QtBot, tmp_path: Path) -> None:
    controller = ScanController(
        CameraSource(str(tmp_path / "video42"), backoff_s=(0.01, 0.05)), lambda p: p
    )
    with qtbot.waitSignal(
        controller.camera_state, timeout=WAIT_MS, check_params_cb=lambda s: s == "unavailable"
    ):
        controller.start()
    controller.stop()


def test_frame_to_qimage_copies_pixels() -> None:
    image = np.zeros((4, 6, 3), np.uint8)
    image[1, 2] = (255, 0, 0)  # blue in BGR
    qimage = frame_to_qimage(image)
    image[:] = 0  # the QImage must not share the buffer
    assert (qimage.width(), qimage.height()) == (6, 4)
    assert qimage.pixelColor(2, 1).blue() == 255
    assert qimage.pixelColor(2, 1).red() == 0
    gray = frame_to_qimage(np.full((3, 3), 7, np.uint8))
    assert gray.format() == QImage.Format.Format_Grayscale8


# -- hand scanner -------------------------------------------------------------------------


class FakeClockMs:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def type_keys(window: object, text: str, clock: FakeClockMs, gap_ms: float) -> None:
    """Type `text` + Enter as key events on the window, `gap_ms` apart on the given clock."""
    for ch in text:
        if ch.isalpha():
            key, modifier = Qt.Key(ord(ch.upper())), Qt.KeyboardModifier.ShiftModifier
        else:
            key, modifier = Qt.Key(ord(ch)), Qt.KeyboardModifier.NoModifier
        QTest.keyClick(window, key, modifier)  # type: ignore[call-overload]
        clock.now += gap_ms
    QTest.keyClick(window, Qt.Key.Key_Return)  # type: ignore[call-overload]
    clock.now += gap_ms


def test_scanner_speed_is_a_scan_and_human_speed_is_not(
    qtbot: QtBot, cards: list[Card], municipality_key: SigningKey
) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    field.setFocus()
    window = field.windowHandle()
    clock = FakeClockMs()
    scanner = ScannerInput(WedgeRecogniser(max_gap_ms=30), clock_ms=clock)
    scanner.install()
    scans: list[str] = []
    returns: list[str] = []
    scanner.scanned.connect(scans.append)
    field.returnPressed.connect(lambda: returns.append(field.text()))
    try:
        payload = cards[0].payload
        type_keys(window, payload, clock, gap_ms=4)  # a USB scanner
        clock.now += 2000
        field.clear()
        type_keys(window, "R1234567", clock, gap_ms=140)  # a person typing a serial
    finally:
        scanner.uninstall()

    # QTest's key events carry lower-case text even with Shift; the card reader accepts an
    # all-lower-case payload (a scanner with Caps Lock on) and gives the same card.
    assert scans == [payload.lower()]
    assert read_card(scans[0], municipality_key.verify_key).serial == cards[0].serial
    assert returns == ["r1234567"]  # the person's Enter reached the field; the scan's did not


def test_a_hand_scan_goes_the_same_way_as_a_camera_hit(
    qtbot: QtBot, tmp_path: Path, cards: list[Card], municipality_key: SigningKey
) -> None:
    verify_key = municipality_key.verify_key
    controller = ScanController(ImageFolderSource(tmp_path), lambda p: read_card(p, verify_key))
    scanned = cards[1].payload.lower()  # as QTest's key events type it
    with qtbot.waitSignal(controller.card_recognised, timeout=WAIT_MS) as blocker:
        controller.submit(scanned)
    assert blocker.args is not None
    assert blocker.args[0].serial == cards[1].serial
    with qtbot.assertNotEmitted(controller.card_recognised, wait=50):
        controller.submit(scanned)  # the same scan again at once: one scan, one action
    with qtbot.waitSignal(controller.card_rejected, timeout=WAIT_MS) as blocker:
        controller.submit("HT1 hello")
    assert blocker.args is not None
    assert blocker.args[0] == "bad_encoding"


def test_many_emits_do_not_wear_down_the_true_singleton() -> None:
    """PySide6 6.12.0's emit() returned True without a reference (pyproject.toml excludes it).

    With that release, about a thousand emits on Python 3.11 abort the interpreter.
    """
    probe = ScanController(ImageFolderSource(Path("/nonexistent")), lambda p: p)
    before = sys.getrefcount(True)
    for _ in range(5000):
        probe.camera_state.emit("running")
    assert abs(sys.getrefcount(True) - before) < 100  # the bug would take away 5000


def test_a_failing_check_is_a_rejection_not_a_dead_worker(
    qtbot: QtBot, tmp_path: Path, cards: list[Card], backgrounds: list[np.ndarray]
) -> None:
    def broken_check(payload: str) -> Card:
        raise RuntimeError("database is gone")

    folder = tmp_path / "frames"
    folder.mkdir()
    for i, card in enumerate(cards[:2]):
        scene = card_in_scene(backgrounds[i], card.payload)
        for j in range(5):  # each card in view for several frames, as in front of a camera
            cv2.imwrite(str(folder / f"{i}-{j}.png"), scene)
    controller = ScanController(ImageFolderSource(folder, fps=30), broken_check)
    codes: list[str] = []
    controller.card_rejected.connect(lambda code, reason: codes.append(code))
    controller.start()
    try:
        qtbot.waitUntil(lambda: len(codes) == 2, timeout=WAIT_MS)  # the worker lived on
    finally:
        controller.stop()
    assert codes == [CHECK_FAILED, CHECK_FAILED]


def test_stop_without_waiting_returns_and_the_controller_can_start_again(
    qtbot: QtBot, tmp_path: Path
) -> None:
    source = CameraSource(str(tmp_path / "video7"), backoff_s=(0.01, 0.02))
    controller = ScanController(source, lambda p: p)
    states: list[str] = []
    controller.camera_state.connect(states.append)
    controller.start()
    qtbot.waitUntil(lambda: "unavailable" in states, timeout=WAIT_MS)
    controller.stop(wait=False)
    assert source.wait(WAIT_MS / 1000)  # the thread ends on its own
    states.clear()
    controller.start()
    qtbot.waitUntil(lambda: "unavailable" in states, timeout=WAIT_MS)
    controller.stop()
    assert not source.running
