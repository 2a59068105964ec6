"""The device's logs: one logger per subsystem, rotating files in the data folder, no personal data.

    setup_logging(data_dir, level="INFO")      # once, at start (the app and the CLI)

Loggers are named after their subsystem (`kiosk.ops`, `kiosk.scan`, `kiosk.sync`, `kiosk.db`,
`kiosk.ui`, `kiosk.printing`); the files are `logs/heitje.log` in the data folder, 1 MiB each,
five kept (a kiosk left alone for months never fills its disk), mode 0600 in a 0700 folder.

Personal data never reaches a file: the code logs ids, not names, and `Redact` (on the file
handler, so on everything any library logs too) shortens every card serial and card payload to
its kind letter and last two characters (`R…8T`), enough to tell two cards apart in a support
call, not enough to pay with or to look a resident up.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from kiosk.core.cards import PREFIX, SERIAL_ALPHABET, VERSION, CardKind
from kiosk.sql import private_dir

__all__ = ["LOG_FILE", "Redact", "redact", "setup_logging"]

LOG_FILE = "heitje.log"
LOG_DIR = "logs"
MAX_BYTES = 1 << 20
BACKUPS = 5
SUBSYSTEMS = ("kiosk.ops", "kiosk.scan", "kiosk.sync", "kiosk.db", "kiosk.ui", "kiosk.printing")

_S = re.escape(SERIAL_ALPHABET)
# A whole card payload (prefix, version, serial, date, signature), then a bare serial (with or
# without the spaces of format_serial). A serial is 9 symbols; matched as a token, not inside a
# longer word (hex ids and tx ids are not serials).
_KINDS = "".join(kind.letter for kind in CardKind)
_PAYLOAD = re.compile(re.escape(PREFIX + VERSION) + rf"[{_KINDS}][0-9A-Z$%*+\-./:]{{20,}}")
_SERIAL = re.compile(rf"(?<![0-9A-Za-z])[{_KINDS}] ?(?:[{_S}] ?){{7}}[{_S}](?![0-9A-Za-z])")


def _short(match: re.Match[str]) -> str:
    whole = match.group(0).replace(" ", "")
    return f"{whole[0]}…{whole[-2:]}"


def redact(text: str) -> str:
    """`text` with every card payload and serial shortened."""
    text = _PAYLOAD.sub("[card]", text)
    return _SERIAL.sub(_short, text)


class Redact(logging.Filter):
    """Rewrites each record's message (arguments filled in) through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(data_dir: Path, level: str = "INFO") -> Path:
    """Send every `kiosk.*` logger to the rotating file; returns its path. Idempotent."""
    folder = private_dir(data_dir / LOG_DIR)
    path = folder / LOG_FILE
    root = logging.getLogger("kiosk")
    for handler in list(root.handlers):
        if getattr(handler, "heitje_file", False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.heitje_file = True  # type: ignore[attr-defined]
    handler.addFilter(Redact())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)
    path.touch(exist_ok=True)
    path.chmod(0o600)
    return path
