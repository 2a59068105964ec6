"""mypy is part of the suite: strict for kiosk.core, kiosk.sync and kiosk.server, checked
everywhere else (settings in pyproject.toml's [tool.mypy])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_passes_on_the_kiosk_package() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-color-output", "kiosk"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "No module named mypy" not in result.stderr, "mypy is not installed (dev extra)"
    assert result.returncode == 0, "mypy found type errors:\n" + result.stdout + result.stderr
