"""`ledger verify`'s zero-sum check, on its own: money made from nothing is named as such.

With every entry well-formed, each balance equal to its entries forces the sum to zero, so
the zero sum can only break next to another fault. The case that breaks it with least else:
a correctly hashed and signed entry that credits a wallet and debits nothing, the wallet's
balance raised to match and the chain head moved on. Every link, hash, signature, the head
and every per-account balance then hold; only that entry's shape and the zero sum do not.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, update

from kiosk.core import accounts as acc
from kiosk.core.canonical import canonical_json
from kiosk.core.crypto import sign
from kiosk.core.entries import Entry, Kind
from kiosk.db.ledger_store import LedgerStore
from kiosk.db.models import Balance, ChainHead, LedgerEntry
from kiosk.db.verify import verify_ledger
from tests.db.conftest import rewarded

MINTED = 500
ZERO_SUM_FAULT = f"the balances sum to {MINTED}, not zero"


def append_one_sided_credit(store: LedgerStore, account: str, amount: int) -> Entry:
    """Write, behind the store's back, the next entry of its chain: a money entry with a
    credit and no debit, hashed and signed with the device's own key."""
    seq, head_hash = store.head()
    unsigned = Entry(
        device_id=store.device_id,
        seq=seq + 1,
        prev_hash=head_hash,
        tx_id="00000000-0000-7000-8000-00000000d0d0",
        kind=Kind.ADJUST,
        debit=None,
        credit=account,
        amount=amount,
        refs={"reason": "uit het niets", "staff": "s"},
        wall_time=store.clock.now_ms(),
    )
    message = unsigned.signed_bytes()
    entry = Entry(
        **{
            **unsigned.__dict__,
            "entry_hash": hashlib.sha256(message).hexdigest(),
            "signature": sign(store.key, message),
        }
    )
    entries, balances, heads = LedgerEntry.__table__, Balance.__table__, ChainHead.__table__
    with store.engine.begin() as conn:
        conn.execute(
            entries.insert().values(
                device_id=entry.device_id,
                seq=entry.seq,
                version=entry.version,
                tx_id=entry.tx_id,
                prev_hash=entry.prev_hash,
                entry_hash=entry.entry_hash,
                kind=str(entry.kind),
                debit=None,
                credit=account,
                amount=amount,
                refs=canonical_json(entry.refs).decode(),
                wall_time=entry.wall_time,
                signature=entry.signature,
            )
        )
        conn.execute(
            update(balances)
            .where(balances.c.account_id == account)
            .values(balance=balances.c.balance + amount)
        )
        conn.execute(
            update(heads)
            .where(heads.c.device_id == entry.device_id)
            .values(last_seq=entry.seq, head_hash=entry.entry_hash)
        )
    return entry


def test_a_signed_entry_that_makes_money_from_nothing_breaks_the_zero_sum(
    store: LedgerStore, engine: Engine
) -> None:
    rewarded(store, "r1")
    store.spend("r1", "m1", 300)
    assert verify_ledger(engine).faults == []

    wallet = acc.wallet("r2")
    entry = append_one_sided_credit(store, wallet, MINTED)
    assert store.balance(wallet) == MINTED
    assert store.head() == (entry.seq, entry.entry_hash)

    report = verify_ledger(engine)
    assert not report.ok
    shape, *rest = report.faults
    assert shape.startswith(f"{store.device_id} seq {entry.seq} (tx {entry.tx_id}): bad_shape:")
    # No per-account fault, no chain fault beyond the entry's shape: the zero sum alone.
    assert rest == [ZERO_SUM_FAULT], report.faults


def test_balances_moved_without_entries_keep_the_zero_sum(
    store: LedgerStore, engine: Engine
) -> None:
    """The other side: money shifted between two balances is two per-account faults, and
    the zero-sum check does not claim money was made."""
    rewarded(store, "r1")
    balances = Balance.__table__
    with engine.begin() as conn:
        for account, delta in ((acc.wallet("r1"), -100), (acc.wallet("r3"), 100)):
            conn.execute(
                update(balances)
                .where(balances.c.account_id == account)
                .values(balance=balances.c.balance + delta)
            )
    faults = verify_ledger(engine).faults
    assert faults == [
        f"balance of {acc.wallet('r1')} is 900 but its entries add up to 1000",
        f"balance of {acc.wallet('r3')} is 100 but its entries add up to 0",
    ]
