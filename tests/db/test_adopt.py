"""A restored ledger takes back its own later entries, exactly as signed, or nothing at all."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.backup import backup_ledger, restore_backup
from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock
from kiosk.core.entries import Entry
from kiosk.db.adopt import adopt_own_entries
from kiosk.db.entry_rows import row_to_entry
from kiosk.db.errors import LedgerError
from kiosk.db.ledger_store import CLAIMS, ENTRIES
from kiosk.db.verify import verify_ledger
from kiosk.device import DeviceHandle, open_device
from tests.ops.conftest import NOW, seed_local


def _entries_after(handle: DeviceHandle, seq: int) -> list[Entry]:
    with handle.engine.connect() as conn:
        rows = conn.execute(select(ENTRIES).where(ENTRIES.c.seq > seq).order_by(ENTRIES.c.seq))
        return [row_to_entry(r) for r in rows]


def _state(handle: DeviceHandle) -> tuple[object, ...]:
    store = handle.store
    with handle.engine.connect() as conn:
        claims = sorted(
            tuple(r) for r in conn.execute(select(CLAIMS.c.id, CLAIMS.c.status, CLAIMS.c.reason))
        )
    return (
        store.head(),
        [store.balance(acc.wallet(f"r-{i}")) for i in (1, 2, 3)],
        store.balance(acc.till("m-1")),
        claims,
    )


@pytest.fixture
def restored(
    tmp_path: Path,
) -> Iterator[tuple[DeviceHandle, list[Entry], tuple[object, ...], Path]]:
    """A device that wrote more after its backup; the backup put back; what it wrote after."""
    data = tmp_path / "device"
    clock = FixedClock(NOW)
    seed_local(data, clock)
    handle = open_device(data, clock)
    copy = backup_ledger(data, tmp_path / "b")
    k = handle.store.head()[0]
    store = handle.store
    spend = store.spend("r-1", "m-1", 1_250)
    store.refund(spend.tx_id, 250)
    claim = store.sign_up("ch-now", "r-2")
    store.check_in(claim)
    store.check_out(claim)
    other = store.sign_up("ch-now", "r-3")
    store.check_in(other)
    store.reject(other, "insp-1", "niet gedaan")
    after = _entries_after(handle, k)
    expected = _state(handle)
    handle.close()
    restore_backup(data, copy)
    again = open_device(data, clock)
    yield again, after, expected, data
    again.close()


def test_the_missing_entries_come_back_and_the_chain_continues(
    restored: tuple[DeviceHandle, list[Entry], tuple[object, ...], Path],
) -> None:
    handle, after, expected, _ = restored
    assert handle.store.head()[0] == after[0].seq - 1
    with handle.store.transaction() as conn:
        head = adopt_own_entries(conn, handle.store.device_id, handle.key.verify_key, after, NOW)
    assert head == after[-1].seq
    assert _state(handle) == expected
    report = verify_ledger(handle.engine)
    assert report.ok, report.faults
    handle.store.adjust(acc.ISSUANCE, acc.wallet("r-1"), 1, reason="next", staff_id="s")
    assert handle.store.head()[0] == head + 1  # no seq reused
    assert verify_ledger(handle.engine).ok


@pytest.mark.parametrize("fault", ["amount", "signature", "gap", "other_device", "order"])
def test_a_copy_that_does_not_fit_changes_nothing(
    restored: tuple[DeviceHandle, list[Entry], tuple[object, ...], Path], fault: str
) -> None:
    handle, after, _, _ = restored
    before = _state(handle)
    bad = list(after)
    if fault == "amount":
        bad[0] = dataclasses.replace(bad[0], amount=bad[0].amount + 1)
    elif fault == "signature":
        bad[1] = dataclasses.replace(bad[1], signature="00" * 64)
    elif fault == "gap":
        del bad[2]
    elif fault == "other_device":
        bad[0] = dataclasses.replace(bad[0], device_id="someone-else")
    else:
        bad[0], bad[1] = bad[1], bad[0]
    with pytest.raises(LedgerError) as refused, handle.store.transaction() as conn:
        adopt_own_entries(conn, handle.store.device_id, handle.key.verify_key, bad, NOW)
    assert refused.value.code == "restore_chain_mismatch"
    assert "nothing was changed" in refused.value.message("en")
    assert _state(handle) == before
