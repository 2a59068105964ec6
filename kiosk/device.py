"""Opening a device's data directory: its key, its migrated ledger, its ledger store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from kiosk.core.clock import Clock
from kiosk.core.crypto import SigningKey, load_or_create_key
from kiosk.db.engine import open_data_dir_engine
from kiosk.db.ledger_store import LedgerStore
from kiosk.paths import device_key_path
from kiosk.sql import private_dir


@dataclass
class DeviceHandle:
    data_dir: Path
    key: SigningKey
    engine: Engine
    store: LedgerStore

    def close(self) -> None:
        self.store.close()
        self.engine.dispose()


def open_device(data_dir: Path, clock: Clock | None = None) -> DeviceHandle:
    """Make the key on first start (0600) in an owner-only folder (0700), migrate the ledger
    (0600), open the store."""
    private_dir(data_dir)
    key = load_or_create_key(device_key_path(data_dir))
    engine = open_data_dir_engine(data_dir)
    return DeviceHandle(data_dir, key, engine, LedgerStore(engine, key, clock))
