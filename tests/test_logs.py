"""Logs: rotating files in the data folder, owner-only, and no card serial or payload in them."""

from __future__ import annotations

import datetime as dt
import logging
import random
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.signing import SigningKey

from kiosk.core.cards import CardKind, format_serial, issue_card, new_serial
from kiosk.logs import BACKUPS, MAX_BYTES, redact, setup_logging


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = setup_logging(tmp_path, "DEBUG")
    yield path
    root = logging.getLogger("kiosk")
    for handler in list(root.handlers):
        if getattr(handler, "heitje_file", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.NOTSET)


def test_the_file_is_owner_only_in_an_owner_only_folder(log_file: Path) -> None:
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700


def test_serials_and_payloads_are_shortened_whoever_logs_them(log_file: Path) -> None:
    card = issue_card(
        SigningKey.generate(), CardKind.RESIDENT, new_serial(CardKind.RESIDENT), dt.date(2026, 1, 1)
    )
    logging.getLogger("kiosk.scan").info("scanned %s", card.payload)
    logging.getLogger("kiosk.ops").warning("card %s refused", card.serial)
    logging.getLogger("kiosk.ui").info("typed %s", format_serial(card.serial))
    try:
        raise ValueError(f"bad card {card.serial}")
    except ValueError:
        logging.getLogger("kiosk.sync").exception("failed")
    text = log_file.read_text()
    assert card.serial not in text.replace(" ", "")
    assert card.payload not in text
    assert f"{card.serial[0]}…{card.serial[-2:]}" in text
    assert "[card]" in text and "kiosk.scan" in text and "kiosk.sync" in text


def test_the_files_rotate_and_stay_bounded(log_file: Path) -> None:
    log = logging.getLogger("kiosk.db")
    line = "x" * 1000
    for _ in range((BACKUPS + 3) * MAX_BYTES // 1000):
        log.info(line)
    files = sorted(log_file.parent.iterdir())
    assert len(files) == BACKUPS + 1
    assert all(f.stat().st_size <= MAX_BYTES + 2000 for f in files)


def test_ordinary_words_and_numbers_are_left_alone() -> None:
    text = "tx 0190f3a2-7c1b amount 123456789 status RESIDENT SNAPSHOT seq 42 HTTP/1.1 200"
    assert redact(text) == text


@given(st.randoms(use_true_random=False), st.text(max_size=30), st.text(max_size=30), st.booleans())
def test_no_serial_survives(rng: random.Random, before: str, after: str, spaced: bool) -> None:
    serial = new_serial(rng.choice(list(CardKind)), rng)
    shown = format_serial(serial) if spaced else serial
    cleaned = redact(f"{before} {shown} {after}")
    assert serial not in cleaned.replace(" ", "").replace("\n", "") or serial in (
        before + after
    ).replace(" ", "")


def test_the_end_to_end_log_check_catches_names_and_serials() -> None:
    from tests.log_check import _Lines, personal

    handler = _Lines()
    log = logging.getLogger("kiosk.ops")
    log.addHandler(handler)
    try:
        serial = new_serial(CardKind.RESIDENT)
        log.warning("paid by Annie Hendriks")
        log.warning("card %s refused", serial)  # shortened by the filter, as in the file
        log.warning("seq 42 applied")
    finally:
        log.removeHandler(handler)
    assert personal(handler.lines) == ["kiosk.ops WARNING paid by Annie Hendriks"]
    assert personal([f"card {serial} refused"]) == [f"card {serial} refused"]
