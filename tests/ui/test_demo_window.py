"""`python -m kiosk` itself, offscreen, in its own process: a device opens the screen of its role
and says `ready` once the home screen is painted (what `bench ui` times); a device that was
never enrolled and has no --role says in words what to do. (The old one-table window that
showed every resident's balance is gone.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.db.verify import verify_ledger
from kiosk.demo import seed_demo
from kiosk.device import open_device


def kiosk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_a_demo_counter_opens_says_ready_and_quits(tmp_path: Path) -> None:
    handle = open_device(tmp_path)
    try:
        seed_demo(handle.store, tmp_path)
        entries = handle.store.head()[0]
    finally:
        handle.close()
    result = kiosk(
        "--data-dir",
        str(tmp_path),
        "--role",
        "merchant-counter",
        "--merchant",
        "mer-bakker",
        "--lang",
        "en",
        "--print-ready",
        "--quit-after",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines().count("ready") == 1
    handle = open_device(tmp_path)
    try:
        assert handle.store.head()[0] == entries  # opening and closing wrote nothing
        assert verify_ledger(handle.engine).ok
    finally:
        handle.close()


def test_an_empty_kiosk_opens_full_screen_without_a_camera(tmp_path: Path) -> None:
    result = kiosk(
        "--data-dir",
        str(tmp_path),
        "--role",
        "resident-kiosk",
        "--fullscreen",
        "--print-ready",
        "--quit-after",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert "ready" in result.stdout.splitlines()


def test_a_device_without_a_role_says_what_to_do(tmp_path: Path) -> None:
    result = kiosk("--data-dir", str(tmp_path), "--quit-after", "1")
    assert result.returncode == 2
    assert "ready" not in result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert last.startswith("Dit apparaat is niet aangemeld.")  # in words, in Dutch
