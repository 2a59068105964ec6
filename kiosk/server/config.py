"""Server settings: command-line values over a TOML file over config_defaults.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from kiosk.core.clock import Clock, SystemClock

DEFAULTS_FILE = Path(__file__).with_name("config_defaults.toml")
DB_FILENAME = "server.sqlite3"
KEY_FILENAME = "municipality.key"


def default_data_dir() -> Path:
    return Path(user_data_dir("heitje-server", "heitje"))


def load_config(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The defaults, with the tables of `path` (if given) laid over them key by key."""
    with DEFAULTS_FILE.open("rb") as fh:
        config: dict[str, dict[str, Any]] = tomllib.load(fh)
    if path is not None:
        with path.open("rb") as fh:
            for section, values in tomllib.load(fh).items():
                config.setdefault(section, {}).update(values)
    return config


@dataclass
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None  # None: an SQLite file in data_dir
    config_file: Path | None = None
    clock: Clock = field(default_factory=SystemClock)
    config: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.config:
            self.config = load_config(self.config_file)

    @property
    def key_path(self) -> Path:
        return self.data_dir / KEY_FILENAME

    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+pysqlite:///{self.data_dir / DB_FILENAME}"

    def get(self, section: str, key: str) -> int:
        value = self.config[section][key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"config {section}.{key} must be an integer, not {value!r}")
        return value
