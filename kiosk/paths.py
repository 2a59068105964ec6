"""Where a device keeps its data: the ledger file, its key, its configuration."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "heitje"
DEVICE_KEY_FILE = "device.key"


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def device_key_path(data_dir: Path) -> Path:
    return data_dir / DEVICE_KEY_FILE
