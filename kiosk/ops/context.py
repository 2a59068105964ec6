"""What every op needs: the ledger store, the runner, the event hub, the clock, the device's
role and bindings, and a few settings. Built once by kiosk/ops/device.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from kiosk.core import accounts as acc
from kiosk.core.clock import Clock
from kiosk.core.entries import Entry
from kiosk.db import ops_queries as oq
from kiosk.db.ledger_store import LedgerStore
from kiosk.ops import errors as err
from kiosk.ops.events import EventHub, LedgerAppended
from kiosk.ops.runner import OpRunner


@dataclass(frozen=True)
class OpsConfig:
    pin_threshold: int = 1_000  # cents: a card with a PIN needs it above 10 heitjes
    refund_window_days: int = 30  # a counter refunds its own payments of the last 30 days
    history_lines: int = 10  # money lines on the resident's screen


@dataclass
class OpsContext:
    store: LedgerStore
    runner: OpRunner
    hub: EventHub
    clock: Clock
    role: str
    merchant_id: str | None = None
    neighbourhoods: frozenset[str] = frozenset()
    config: OpsConfig = field(default_factory=OpsConfig)
    wake_sync: Callable[[], None] = lambda: None

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @property
    def device_id(self) -> str:
        return self.store.device_id

    def now(self) -> int:
        return self.clock.now_ms()

    def appended(self, entry: Entry, resident_id: str | None = None) -> None:
        """After a commit: tell the listeners, and ask the sync loop to send it soon."""
        accounts = tuple(a for a in (entry.debit, entry.credit) if a is not None)
        if resident_id is None:
            wallets = [acc.owner_of(a) for a in accounts if a.startswith(acc.WALLET_PREFIX)]
            ref = entry.refs.get("resident")
            resident_id = wallets[0] if wallets else (ref if isinstance(ref, str) else None)
        self.hub.emit(
            LedgerAppended(entry.kind, entry.tx_id, entry.seq, resident_id, entry.amount, accounts)
        )
        self.wake_sync()


def resident_card(conn: Connection, serial: str) -> oq.CardHolder:
    """The resident card with this serial, usable now; raises OpsError otherwise."""
    holder = oq.card_holder(conn, serial) if isinstance(serial, str) else None
    if holder is None:
        raise err.unknown_card()
    if holder.kind != "resident" or holder.resident_id is None:
        raise err.not_a_resident_card()
    if holder.revoked:
        raise err.card_revoked()
    if holder.resident_revoked or holder.resident_status != "active":
        raise err.resident_blocked()
    return holder
