"""`python -m kiosk --self-test` (what the frozen build runs): every check, and a failing one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import self_test

ROOT = Path(__file__).resolve().parents[1]


def test_the_self_test_passes_on_this_install() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--self-test"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["ok"] * len(self_test.CHECKS)
    assert lines[-1] == "self-test passed"


def test_a_missing_sample_fails_that_check_and_the_rest_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(self_test, "SAMPLE", tmp_path / "missing.png")
    seen: list[str] = []
    assert self_test.run_self_test(seen.append) == 1
    assert [line.split()[0] for line in seen[:-1]] == ["ok", "ok", "ok", "FAIL", "ok", "ok"]
    assert "decoders" in seen[3] and seen[-1] == "self-test FAILED: 1 of 6 checks"
