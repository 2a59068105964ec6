"""`python -m kiosk screenshots DIR`, the command itself, offscreen: one PNG per page of each
role in each language, each a real picture (not empty, not one flat colour). The run keeps them:
in $HEITJE_SCREENSHOTS_DIR, or tests/ui/screenshots-out/ (git ignores it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.screenshots import COUNTER_PAGES, DESK_PAGES, INSPECTOR_PAGES, KIOSK_PAGES

OUT = Path(os.environ.get("HEITJE_SCREENSHOTS_DIR") or Path(__file__).with_name("screenshots-out"))


def expected_names() -> list[str]:
    pages = [("resident-kiosk", p) for p in KIOSK_PAGES]
    pages += [("merchant-counter", p) for p in COUNTER_PAGES]
    pages += [("klusbox-desk", p) for p in DESK_PAGES]
    pages += [("inspector", p) for p in INSPECTOR_PAGES]
    return sorted(f"{role}-{page}-{lang}.png" for role, page in pages for lang in LANGUAGES)


def test_every_page_of_every_role_in_both_languages_is_rendered() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "screenshots", str(OUT)],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names = expected_names()
    assert len(names) == 2 * (3 + 9 + 5 + 6)
    assert sorted(Path(line).name for line in result.stdout.splitlines()) == names
    assert sorted(p.name for p in OUT.glob("*.png")) == names
    pictures = {}
    for name in names:
        path = OUT / name
        assert path.stat().st_size > 1_000, name
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        assert image is not None, f"{name} is not a readable PNG"
        assert image.shape[:2] == (800, 1280), name
        pixels = image.reshape(-1, 3).astype(np.uint32)
        colours = np.unique(pixels[:, 0] << 16 | pixels[:, 1] << 8 | pixels[:, 2])
        assert len(colours) > 16, f"{name} is (nearly) one flat colour"
        pictures[name] = image
    # Each language is its own picture of the page (the texts differ), and pages differ.
    for role, page in [
        ("resident-kiosk", "home"),
        ("merchant-counter", "paid"),
        ("klusbox-desk", "return"),
        ("inspector", "claims"),
    ]:
        nl, en = pictures[f"{role}-{page}-nl.png"], pictures[f"{role}-{page}-en.png"]
        assert not np.array_equal(nl, en), f"{role}-{page}: Dutch and English look the same"
    assert not np.array_equal(
        pictures["merchant-counter-paid-nl.png"], pictures["merchant-counter-refused-nl.png"]
    )
