"""`python -m kiosk backup now | list | restore`, run as an operator would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.core import accounts as acc
from kiosk.db import registry as reg
from kiosk.device import open_device

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_back_up_list_and_restore_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "device"
    handle = open_device(data)
    try:
        with handle.store.transaction() as conn:
            reg.ensure_municipality_accounts(conn)
            reg.add_neighbourhood(conn, "nb-1", "Oost")
            reg.add_resident(conn, "r-1", "Bewoner", "nb-1", created_at=0)
        handle.store.adjust(acc.ISSUANCE, acc.wallet("r-1"), 500, reason="t", staff_id="s")
    finally:
        handle.close()
    made = kiosk("backup", "now", "--data-dir", str(data), "--to", str(tmp_path / "b"))
    assert made.returncode == 0, made.stderr
    copy = Path(made.stdout.strip())
    assert copy.is_file() and copy.parent == tmp_path / "b"
    listed = kiosk("backup", "list", str(tmp_path / "b"))
    assert str(copy) in listed.stdout
    restored = kiosk("backup", "restore", "--data-dir", str(data), str(copy))
    assert restored.returncode == 0, restored.stderr
    assert "the ledger it replaced is kept as" in restored.stdout
    assert kiosk("ledger", "verify", "--data-dir", str(data)).returncode == 0
    refused = kiosk("backup", "restore", "--data-dir", str(data), str(tmp_path / "nope"))
    assert refused.returncode == 1
    assert "bestaat niet" in refused.stderr and "does not exist" in refused.stderr
