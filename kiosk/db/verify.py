"""`ledger verify`: recompute everything the ledger claims and name the first thing that is off.

Checks, per device: seq 1, 2, 3 … without gaps, every prev_hash link, every entry's hash
over its canonical bytes, every signature against the device's public key, every entry's
shape rules, and that the chain head matches the last entry. Then: every balance equals its
recomputation from the entries, and all balances sum to zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, union_all

from kiosk.core.crypto import VerifyKey, verify_key_from_hex
from kiosk.core.entries import GENESIS_HASH, ChainFault, check_link
from kiosk.db.entry_rows import row_to_entry
from kiosk.db.ledger_store import ENTRIES, HEADS
from kiosk.db.models import Balance, Device


@dataclass
class VerifyReport:
    entries: int = 0
    devices: int = 0
    accounts: int = 0
    faults: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.faults

    def summary(self) -> str:
        head = (
            f"checked {self.entries} entries from {self.devices} device(s) "
            f"and {self.accounts} account balances"
        )
        if self.ok:
            return head + ": chain, hashes, signatures, balances and zero sum all hold"
        return head + f": {len(self.faults)} problem(s); first: {self.faults[0]}"


def _chain_faults(engine: Engine, device_id: str, key: VerifyKey | None) -> Iterator[str]:
    expected_seq, expected_prev = 1, GENESIS_HASH
    with engine.connect() as conn:
        head = conn.execute(
            select(HEADS.c.last_seq, HEADS.c.head_hash).where(HEADS.c.device_id == device_id)
        ).first()
        rows = conn.execution_options(yield_per=5000).execute(
            select(ENTRIES).where(ENTRIES.c.device_id == device_id).order_by(ENTRIES.c.seq)
        )
        for row in rows:
            entry = row_to_entry(row)
            fault: ChainFault | None = check_link(entry, expected_seq, expected_prev, key)
            if fault is not None:
                rows.close()  # stopping early: close PostgreSQL's server-side cursor now
                yield str(fault)
                return
            expected_seq, expected_prev = entry.seq + 1, entry.entry_hash
    if head is not None and (head.last_seq != expected_seq - 1 or head.head_hash != expected_prev):
        yield (
            f"{device_id}: chain head says seq {head.last_seq}, but the entries end at seq "
            f"{expected_seq - 1}: entries are missing from the end"
        )


def verify_ledger(engine: Engine) -> VerifyReport:
    report = VerifyReport()
    with engine.connect() as conn:
        devices = conn.execute(select(Device.id, Device.public_key)).all()
        report.entries = conn.execute(select(func.count()).select_from(ENTRIES)).scalar_one()
        stored = dict(conn.execute(select(Balance.account_id, Balance.balance)).all())
        moves = union_all(
            select(ENTRIES.c.credit.label("account"), ENTRIES.c.amount.label("delta")).where(
                ENTRIES.c.credit.is_not(None)
            ),
            select(ENTRIES.c.debit.label("account"), (-ENTRIES.c.amount).label("delta")).where(
                ENTRIES.c.debit.is_not(None)
            ),
        ).subquery()
        recomputed = dict(
            conn.execute(
                select(moves.c.account, func.sum(moves.c.delta)).group_by(moves.c.account)
            ).all()
        )
        unknown_devices = (
            conn.execute(
                select(ENTRIES.c.device_id)
                .distinct()
                .where(ENTRIES.c.device_id.not_in(select(Device.id)))
            )
            .scalars()
            .all()
        )
    report.devices = len(devices)
    report.accounts = len(stored)
    for device_id, public_key in devices:
        report.faults.extend(_chain_faults(engine, device_id, verify_key_from_hex(public_key)))
    report.faults.extend(f"{d}: entries from a device with no known key" for d in unknown_devices)
    for account in sorted(set(stored) | set(recomputed)):
        have, want = int(stored.get(account, 0)), int(recomputed.get(account) or 0)
        if have != want:
            report.faults.append(f"balance of {account} is {have} but its entries add up to {want}")
    total = sum(int(v) for v in stored.values())
    if total != 0:
        report.faults.append(f"the balances sum to {total}, not zero")
    return report
