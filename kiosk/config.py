"""One TOML file per device: where the server is, which key to trust, the camera, the printer.

    config, problems = load_config(path)      # never raises for a bad file

A device left alone for months must still start when someone mistyped its file: every key is
checked on its own, a bad or missing value falls back to its default, and each problem is
returned as a `ConfigProblem` naming the key, the value found and what is expected, in Dutch
and English, so the app can start far enough to show it on screen (and the log has it).
Unknown keys are problems too: a misspelt key would otherwise be silently ignored.

The file lives in the device's data folder as `heitje.toml` unless `--config` names another;
docs/configuration.md lists every key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from kiosk.core.errors import HeitjeError
from kiosk.printing.receipts import PrinterError, parse_printer_target
from kiosk.scan.factory import DECODER_NAMES

__all__ = ["CONFIG_FILE", "ConfigProblem", "DeviceConfig", "load_config"]

CONFIG_FILE = "heitje.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
HIDE_CURSOR = ("touch", "always", "never")
_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")
_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(:\d{1,5})?(/[^\s]*)?$")
_RESOLUTION = re.compile(r"^(\d{3,4})x(\d{3,4})$")
_CAMERA = re.compile(r"^(none|camera(:\d{1,2})?|video:.+|folder:.+)$")


@dataclass(frozen=True)
class DeviceConfig:
    server_url: str | None = None  # None: not enrolled yet, or the demo
    municipality_key: str | None = None  # the server's public key (hex), pinned at enrolment
    camera: str = "none"  # camera, camera:N, video:PATH, folder:PATH; none: scanner and keypad
    camera_resolution: tuple[int, int] = (1280, 720)
    decoder: str = "pipeline"
    printer: str | None = None  # file:/dev/usb/lp0, net:HOST[:PORT], pdf:FOLDER
    language: str = "nl"
    idle_timeout_s: int = 30
    log_level: str = "INFO"
    backup_dir: str | None = None  # a second location (another disk, a share); None: no backups
    backup_every_h: int = 24
    speak_balance_after_scan: bool = False  # the resident kiosk says the balance after each scan
    kiosk_mode: bool = False  # locked down: full screen, no quit keys, left with a staff card
    hide_cursor: str = "touch"  # in kiosk mode: touch (when Qt sees a touch screen), always, never


@dataclass(frozen=True)
class ConfigProblem:
    key: str
    value: str  # what the file held, shortened ("" when the key or the file is missing)
    expected_nl: str
    expected_en: str

    def message(self, lang: str = "nl") -> str:
        if lang == "nl":
            found = f" (gevonden: {self.value})" if self.value else ""
            return f"Instelling '{self.key}'{found}: verwacht {self.expected_nl}."
        found = f" (found: {self.value})" if self.value else ""
        return f"Setting '{self.key}'{found}: expected {self.expected_en}."

    def as_error(self) -> HeitjeError:
        return HeitjeError("config_" + self.key, self.message("nl"), self.message("en"))


@dataclass
class _Check:
    parse: Callable[[Any], Any]  # the file's value -> the config's, or raises ValueError
    nl: str
    en: str


def _text(pattern: re.Pattern[str]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError
        return value

    return parse


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError
        text: str = value.upper() if upper else value
        if text not in options:
            raise ValueError
        return text

    return parse


def _resolution(value: Any) -> tuple[int, int]:
    match = _RESOLUTION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError
    return int(match.group(1)), int(match.group(2))


def _idle(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 5 <= value <= 600:
        raise ValueError
    return value


def _folder(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or "\x00" in value:
        raise ValueError
    return value


def _hours(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 168:
        raise ValueError
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError
    return value


def _printer(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError
    try:
        parse_printer_target(value)
    except PrinterError as exc:
        raise ValueError from exc
    return value


def _key(value: Any) -> str:
    if not isinstance(value, str) or not _HEX_KEY.match(value.lower()):
        raise ValueError
    return value.lower()


_CHECKS: dict[str, _Check] = {
    "server_url": _Check(
        _text(_URL),
        "een adres als https://heitje.heerlen.nl",
        "an address such as https://heitje.heerlen.nl",
    ),
    "municipality_key": _Check(
        _key,
        "64 hexadecimale tekens (de openbare sleutel van de gemeente)",
        "64 hexadecimal characters (the municipality's public key)",
    ),
    "camera": _Check(
        _text(_CAMERA),
        "camera, camera:N, video:PAD, folder:PAD of none",
        "camera, camera:N, video:PATH, folder:PATH or none",
    ),
    "camera_resolution": _Check(
        _resolution, 'breedte x hoogte, zoals "1280x720"', 'width x height, such as "1280x720"'
    ),
    "decoder": _Check(
        _choice(DECODER_NAMES),
        "een van " + ", ".join(DECODER_NAMES),
        "one of " + ", ".join(DECODER_NAMES),
    ),
    "printer": _Check(
        _printer,
        "file:/dev/usb/lp0, net:HOST[:POORT] of pdf:MAP",
        "file:/dev/usb/lp0, net:HOST[:PORT] or pdf:FOLDER",
    ),
    "language": _Check(_choice(("nl", "en")), "nl of en", "nl or en"),
    "idle_timeout_s": _Check(
        _idle, "een geheel aantal seconden van 5 tot 600", "a whole number of seconds from 5 to 600"
    ),
    "backup_dir": _Check(
        _folder,
        "een absoluut pad van een map (een andere schijf of een netwerkmap)",
        "an absolute folder path (another disk or a network share)",
    ),
    "backup_every_h": _Check(
        _hours, "een geheel aantal uren van 1 tot 168", "a whole number of hours from 1 to 168"
    ),
    "speak_balance_after_scan": _Check(_flag, "true of false", "true or false"),
    "kiosk_mode": _Check(_flag, "true of false", "true or false"),
    "hide_cursor": _Check(_choice(HIDE_CURSOR), "touch, always of never", "touch, always or never"),
    "log_level": _Check(
        _choice(LOG_LEVELS, upper=True),
        "DEBUG, INFO, WARNING of ERROR",
        "DEBUG, INFO, WARNING or ERROR",
    ),
}
assert set(_CHECKS) == {f.name for f in fields(DeviceConfig)}


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def parse_config(data: dict[str, Any]) -> tuple[DeviceConfig, list[ConfigProblem]]:
    """A parsed TOML table -> the config (defaults where a value is bad) and its problems."""
    config = DeviceConfig()
    problems: list[ConfigProblem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        check = _CHECKS.get(key)
        if check is None:
            problems.append(
                ConfigProblem(
                    key,
                    _shown(value),
                    "geen onbekende instellingen (tikfout?); bekend zijn: " + ", ".join(_CHECKS),
                    "no unknown settings (a typo?); known are: " + ", ".join(_CHECKS),
                )
            )
            continue
        try:
            values[key] = check.parse(value)
        except ValueError:
            problems.append(ConfigProblem(key, _shown(value), check.nl, check.en))
    return replace(config, **values), problems


def load_config(path: Path) -> tuple[DeviceConfig, list[ConfigProblem]]:
    """Read `path`. A missing file is no problem (every default holds); an unreadable one is."""
    if not path.exists():
        return DeviceConfig(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return DeviceConfig(), [
            ConfigProblem(
                "(file)",
                _shown(f"{path}: {reason}"),
                "een leesbaar TOML-bestand (sleutel = waarde per regel)",
                "a readable TOML file (key = value per line)",
            )
        ]
    return parse_config(data)
