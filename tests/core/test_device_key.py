"""The device key: made on first start, owner-readable only, stable, shown by a command."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.crypto import KeyFileError, device_id_for, load_or_create_key


def test_key_is_created_once_with_owner_only_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "device.key"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path).verify_key == key.verify_key
    assert not list(path.parent.glob("*.tmp"))


def test_damaged_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "device.key"
    path.write_bytes(b"short")
    with pytest.raises(KeyFileError) as exc:
        load_or_create_key(path)
    assert exc.value.code == "key_file_corrupt"


def test_device_show_prints_id_and_public_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "device", "show", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    key = load_or_create_key(tmp_path / "device.key")
    assert f"device id:  {device_id_for(key.verify_key)}" in result.stdout
    assert bytes(key.verify_key).hex() in result.stdout
