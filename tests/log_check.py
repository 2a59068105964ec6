"""What the end-to-end tests log must hold no personal data (issue 11): every `kiosk.*` record
of such a test goes through the log file's own filter and format (kiosk/logs.py), and the lines
are checked for a full card serial and for the names of the residents the tests use."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from kiosk.core.cards import SERIAL_ALPHABET, CardKind
from kiosk.demo import RESIDENTS
from kiosk.logs import Redact

# The residents of kiosk/demo.py and of the tests' seeds (tests/server/conftest.py LiveServer,
# tests/ops/conftest.py seed_local), as whole words.
NAMES = [name for _, name, _ in RESIDENTS] + ["Anna", "Bram", "Bewoner 1", "Bewoner 2"]
_NAMES = re.compile(r"\b(" + "|".join(re.escape(n) for n in NAMES) + r")\b")
_KINDS = "".join(kind.letter for kind in CardKind)
_SERIAL = re.compile(
    rf"(?<![0-9A-Za-z])[{_KINDS}][{re.escape(SERIAL_ALPHABET)}]{{8}}(?![0-9A-Za-z])"
)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(Redact())
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def personal(lines: list[str]) -> list[str]:
    return [line for line in lines if _NAMES.search(line) or _SERIAL.search(line)]


@pytest.fixture(autouse=True)
def _no_personal_data_in_the_logs() -> Iterator[None]:
    root = logging.getLogger("kiosk")
    handler = _Lines()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    found = personal(handler.lines)
    assert not found, "log lines with personal data:\n  " + "\n  ".join(found[:10])
