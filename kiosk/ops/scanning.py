"""The Qt-free half of scanning, built once per device: the frame source, the decoder, the
de-duplication, and the card check. The UI hands these to kiosk.scan.qt_adapter's
ScanController (the only Qt part of scanning):

    ScanController(parts.source, parts.check, decoder=parts.decoder, deduper=parts.deduper)

`check` verifies a scanned payload offline with the municipality's key (the key this device
pinned at enrolment; for the demo, its data folder's municipality.pub) and refuses a card on
the revocation list; a typed serial goes through `typed()` (forgiving about case, spaces and
O/0, strict about the check character).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from kiosk.core.cards import Card, parse_manual_serial, read_card
from kiosk.core.crypto import VerifyKey, verify_key_from_hex
from kiosk.db import ops_queries as oq
from kiosk.db import sync_queries as q
from kiosk.db.ops_queries import read_only
from kiosk.ops.errors import OpsError
from kiosk.scan.decoders import Decoder
from kiosk.scan.dedupe import Deduper
from kiosk.scan.factory import make_decoder
from kiosk.scan.sources import CameraSource, FrameSource, ImageFolderSource, VideoFileSource

DEMO_MUNICIPALITY_KEY = "municipality.pub"


class RevokedCards:
    """The revocation list as a container, read from the device's tables on each look-up
    (the newest snapshot counts, without rebuilding anything)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __contains__(self, serial: object) -> bool:
        if not isinstance(serial, str):
            return False
        with read_only(self.engine) as conn:
            holder = oq.card_holder(conn, serial)
        return holder is not None and holder.revoked


@dataclass
class ScanParts:
    source: FrameSource | None  # None: no camera configured (hand scanner and keypad only)
    decoder: Decoder
    deduper: Deduper
    check: Callable[[str], Card]

    def typed(self, text: str) -> str:
        """A serial typed on the keypad -> the canonical serial, or CardError."""
        return parse_manual_serial(text)

    def close(self) -> None:
        if self.source is not None:
            self.source.stop(timeout=3.0)


def no_key_check(_payload: str) -> Card:
    raise OpsError(
        "no_card_key",
        "Dit apparaat kan passen nog niet controleren: de sleutel van de gemeente ontbreekt. "
        "Typ het pasnummer in, of meld het apparaat aan.",
        "This device cannot check cards yet: the municipality's key is missing. Type the "
        "card number, or enrol the device.",
    )


def municipality_key(engine: Engine, data_dir: Path) -> VerifyKey | None:
    """The key cards are signed with: the pinned server key, else the demo's file."""
    with read_only(engine) as conn:
        pinned = q.pinned_server(conn)
    if pinned is not None:
        return verify_key_from_hex(pinned.public_key)
    demo = data_dir / DEMO_MUNICIPALITY_KEY
    if demo.is_file():
        return verify_key_from_hex(demo.read_text().strip())
    return None


def card_check(key: VerifyKey | None, engine: Engine) -> Callable[[str], Card]:
    if key is None:
        return no_key_check
    revoked = RevokedCards(engine)

    def check(payload: str) -> Card:
        return read_card(payload, key, revoked)

    return check


def source_from_spec(
    spec: str | None, camera_size: tuple[int, int] | None = None
) -> FrameSource | None:
    """ "camera" or "camera:N" (a webcam, at `camera_size` where given), "video:PATH",
    "folder:PATH" (images played to the camera, as the demo does), or None / "none"."""
    if spec is None or spec == "none":
        return None
    kind, _, rest = spec.partition(":")
    if kind == "camera":
        device = int(rest) if rest.isdigit() else (rest or 0)
        if camera_size is None:
            return CameraSource(device)
        return CameraSource(device, size=camera_size)
    if kind == "video" and rest:
        return VideoFileSource(rest, loop=True)
    if kind == "folder" and rest:
        return ImageFolderSource(rest, loop=True)
    raise OpsError(
        "bad_source",
        f"Onbekende camerabron '{spec}'. Gebruik camera, camera:N, video:PAD of folder:PAD.",
        f"Unknown camera source '{spec}'. Use camera, camera:N, video:PATH or folder:PATH.",
    )


def build_scan_parts(
    engine: Engine,
    data_dir: Path,
    source: str | FrameSource | None,
    *,
    camera_size: tuple[int, int] | None = None,
    decoder: str = "pipeline",
) -> ScanParts:
    """`camera_size` and `decoder`: the configuration's camera_resolution and decoder."""
    frame_source = (
        source if isinstance(source, FrameSource) else source_from_spec(source, camera_size)
    )
    return ScanParts(
        source=frame_source,
        decoder=make_decoder(decoder),
        deduper=Deduper(),
        check=card_check(municipality_key(engine, data_dir), engine),
    )
