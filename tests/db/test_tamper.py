"""Edit the SQLite file behind the ledger's back; `ledger verify` must find and name it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.core import accounts as acc
from kiosk.db.engine import DB_FILENAME
from kiosk.device import open_device
from tests.db.conftest import rewarded, seed_small


def make_ledger(data_dir: Path) -> dict[int, str]:
    """A small real ledger; returns seq -> tx_id of the device's entries."""
    device = open_device(data_dir)
    store = device.store
    seed_small(store)
    rewarded(store, "r1")
    rewarded(store, "r2")
    for amount in (100, 200, 300):
        store.spend("r1", "m1", amount)
    store.adjust(acc.ISSUANCE, acc.wallet("r3"), 50, reason="correctie", staff_id="s")
    device.close()
    with sqlite3.connect(data_dir / DB_FILENAME) as db:
        return dict(db.execute("SELECT seq, tx_id FROM ledger_entries").fetchall())


def verify_cli(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "ledger", "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )


def flip_amount_byte(db: sqlite3.Connection) -> int:
    # seq 12 is the second spend (amount 200): change the low byte of it, 200 -> 201.
    changed = db.execute("UPDATE ledger_entries SET amount = 201 WHERE seq = 12 AND amount = 200")
    assert changed.rowcount == 1
    return 12


def delete_entry(db: sqlite3.Connection) -> int:
    db.execute("DELETE FROM ledger_entries WHERE seq = 7")
    return 7


def swap_entries(db: sqlite3.Connection) -> int:
    db.execute("UPDATE ledger_entries SET seq = -1 WHERE seq = 4")
    db.execute("UPDATE ledger_entries SET seq = 4 WHERE seq = 5")
    db.execute("UPDATE ledger_entries SET seq = 5 WHERE seq = -1")
    return 4


def delete_last(db: sqlite3.Connection) -> int:
    db.execute("DELETE FROM ledger_entries WHERE seq = 14")
    return 14


@pytest.mark.parametrize(
    ("tamper", "expected_code"),
    [
        (flip_amount_byte, "hash_mismatch"),
        (delete_entry, "seq_gap"),
        (swap_entries, "chain_broken"),
        (delete_last, "entries are missing from the end"),
    ],
)
def test_verify_names_the_tampered_entry(
    tmp_path: Path, tamper: Callable[[sqlite3.Connection], int], expected_code: str
) -> None:
    seqs = make_ledger(tmp_path)
    assert len(seqs) == 14
    clean = verify_cli(tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "checked 14 entries" in clean.stdout

    with sqlite3.connect(tmp_path / DB_FILENAME) as db:
        seq = tamper(db)
    result = verify_cli(tmp_path)
    assert result.returncode == 1
    first = next(line for line in result.stdout.splitlines() if "BROKEN" in line)
    assert expected_code in first
    assert f"seq {seq}" in first
    if tamper is flip_amount_byte:
        assert seqs[seq] in first  # names the very entry by its tx id


def test_verify_catches_a_balance_edited_alone(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    with sqlite3.connect(tmp_path / DB_FILENAME) as db:
        db.execute("UPDATE balances SET balance = balance + 1 WHERE account_id = 'wallet:r2'")
    result = verify_cli(tmp_path)
    assert result.returncode == 1
    assert "balance of wallet:r2" in result.stdout
    assert "sum to 1, not zero" in result.stdout


def test_verify_reports_missing_ledger(tmp_path: Path) -> None:
    result = verify_cli(tmp_path / "nothing-here")
    assert result.returncode == 2
    assert "no ledger" in result.stderr
