"""Makes kiosk/resources/selftest/sample-card.png and .txt: a resident card's QR code, signed
with a throwaway key, that every decoder of a built app must read back (`--self-test`).

    .venv/bin/python resources/selftest/make_sample.py
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import qrcode
from nacl.signing import SigningKey

from kiosk.core.cards import CardKind, issue_card, new_serial

OUT = Path(__file__).resolve().parents[2] / "kiosk" / "resources" / "selftest"


def main() -> None:
    key = SigningKey(bytes(range(32)))  # a fixed throwaway key: the file is the same each run
    card = issue_card(
        key, CardKind.RESIDENT, new_serial(CardKind.RESIDENT, random.Random(7)), dt.date(2026, 1, 1)
    )
    OUT.mkdir(parents=True, exist_ok=True)
    image = qrcode.make(card.payload, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8)
    image.save(OUT / "sample-card.png")
    (OUT / "sample-card.txt").write_text(card.payload + "\n")


if __name__ == "__main__":
    main()
