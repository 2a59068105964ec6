"""What every part of the server shares: settings, the database engine, the municipality key,
the writers' lock and change version, the audit log, and the server's own device row.

Every writing transaction first bumps ``server_state.version``. That row lock (PostgreSQL) or
``BEGIN IMMEDIATE`` (SQLite) serialises writers, so versions follow commit order (a delta
snapshot never misses a row) and balance rows are always locked in the same order (no
deadlocks).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from kiosk.core import roles
from kiosk.core.crypto import SigningKey, VerifyKey, device_id_for, load_or_create_key
from kiosk.core.entries import GENESIS_HASH
from kiosk.server import tables as t
from kiosk.server.config import Settings
from kiosk.server.db import migrate, open_engine
from kiosk.server.errors import Refusal
from kiosk.sql import private_dir
from kiosk.sync import protocol as p
from kiosk.sync.protocol import Ack, Bindings, DeviceCertificate, Limits

log = logging.getLogger("kiosk.server")

DAY_MS = 86_400_000
VERIFY_THREADS = os.cpu_count() or 1
MIN_VERIFY_PART = 200  # entries: below this a thread costs more than it saves
ALERT_EVENTS = frozenset({"fork", "review"})


@dataclass(frozen=True)
class DeviceView:
    """A device as the server knows it, read once per request."""

    id: str
    role: str
    status: str
    key_epoch: int
    public_key: str
    enrolled_at: int
    valid_until: int
    limits: Limits
    bindings: roles.Bindings


class ServerCore:
    """One server instance's shared parts (no HTTP, no business rules)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = settings.clock
        private_dir(settings.data_dir)  # 0700: the key and the database live here
        self.key: SigningKey = load_or_create_key(settings.key_path)
        self.verify_key: VerifyKey = self.key.verify_key
        self.public_key_hex = bytes(self.verify_key).hex()
        self.device_id = device_id_for(self.verify_key)
        self.engine: Engine = open_engine(settings.db_url())
        sqlite = self.engine.dialect.name == "sqlite"
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if sqlite else nullcontext()
        )
        # One batch at a time has its signatures checked in this process (first come, first
        # served): ten batches verified side by side would all reach the writers' lock at the
        # end together, so no write could overlap any verification (kiosk.server.ingest).
        self.verify_slot = threading.Lock()
        self._verify_pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        migrate(self.engine)
        with suppress(IntegrityError):  # another server process made it at the same moment
            self._insert_server_device()

    def close(self) -> None:
        if self._verify_pool is not None:
            self._verify_pool.shutdown(wait=True)
            self._verify_pool = None
        self.engine.dispose()

    def verify_pool(self) -> ThreadPoolExecutor:
        """Threads for a large batch's signature checks (kiosk.server.ingest.authenticate)."""
        with self._pool_lock:
            if self._verify_pool is None:
                self._verify_pool = ThreadPoolExecutor(VERIFY_THREADS, "heitje-verify")
            return self._verify_pool

    @staticmethod
    def verify_parts(n: int) -> list[tuple[int, int]]:
        """Consecutive [lo, hi) parts of a batch of `n` entries, one per verify thread; a
        batch too small to gain from threads is one part."""
        count = max(1, min(VERIFY_THREADS, n // MIN_VERIFY_PART))
        bounds = [n * i // count for i in range(count + 1)]
        return list(itertools.pairwise(bounds))

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A writing transaction. On SQLite, threads of this process queue on a lock first:
        SQLite itself makes a waiting writer poll with sleeps of up to 100 ms."""
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def now(self) -> int:
        return self.clock.now_ms()

    def limits(self) -> Limits:
        return Limits(**self.settings.config["offline_limits"])

    @staticmethod
    def bump(conn: Connection) -> int:
        """Take the writers' lock and the next change version (call first in every write):
        one statement, one round trip."""
        return int(
            conn.execute(
                update(t.server_state)
                .values(version=t.server_state.c.version + 1)
                .returning(t.server_state.c.version)
            ).scalar_one()
        )

    def audit(
        self, conn: Connection, event: str, detail: dict[str, Any], *, device_id: str | None = None
    ) -> None:
        self.audit_many(conn, event, [detail], device_id=device_id)

    def audit_many(
        self,
        conn: Connection,
        event: str,
        details: list[dict[str, Any]],
        *,
        device_id: str | None = None,
    ) -> None:
        """One audit row per detail, in one statement (a batch may hold many reviews)."""
        if not details:
            return
        severity = "alert" if event in ALERT_EVENTS else "info"
        at = self.now()
        actor = f"device:{device_id}" if device_id else "system"
        conn.execute(
            insert(t.audit_log),
            [
                {
                    "at": at,
                    "event": event,
                    "severity": severity,
                    "device_id": device_id,
                    "detail": json.dumps(detail, sort_keys=True),
                    "actor": actor,
                }
                for detail in details
            ],
        )
        if severity == "alert":
            for detail in details:
                log.warning("ALERT %s %s %s", event, device_id, detail)

    def ack(self, device_id: str, acked_seq: int, head_hash: str, next_seq: int, **kw: Any) -> Ack:
        ack = Ack(
            device_id=device_id,
            acked_seq=acked_seq,
            head_hash=head_hash,
            server_time=self.now(),
            next_seq=next_seq,
            **kw,
        )
        return p.sign_ack(self.key, ack)

    def server_view(self) -> DeviceView:
        return DeviceView(
            id=self.device_id,
            role=roles.SERVER,
            status="active",
            key_epoch=1,
            public_key=self.public_key_hex,
            enrolled_at=0,
            valid_until=p.MAX_INT,
            limits=self.limits(),
            bindings=roles.Bindings(),
        )

    def device_view(self, conn: Connection, device_id: str) -> DeviceView:
        """The device, if it may speak to us at all (known, active, certificate valid)."""
        row = conn.execute(select(t.devices).where(t.devices.c.id == device_id)).mappings().first()
        if row is None:
            raise Refusal(p.UNKNOWN_DEVICE)
        if row["status"] == "revoked":
            raise Refusal(p.DEVICE_REVOKED)
        if row["status"] == "quarantined":
            raise Refusal(p.DEVICE_QUARANTINED)
        if row["role"] == roles.SERVER:
            return self.server_view()
        if self.now() > row["valid_until"]:
            raise Refusal(p.CERT_EXPIRED)
        cert = DeviceCertificate.model_validate_json(row["certificate"])
        return DeviceView(
            id=row["id"],
            role=row["role"],
            status=row["status"],
            key_epoch=row["key_epoch"],
            public_key=row["public_key"],
            enrolled_at=row["enrolled_at"],
            valid_until=row["valid_until"],
            limits=cert.limits,
            bindings=cert.bindings.to_core(),
        )

    def _insert_server_device(self) -> None:
        with self.write() as conn:
            row = conn.execute(select(t.devices.c.id).where(t.devices.c.id == self.device_id))
            if row.first() is not None:
                return
            version = self.bump(conn)
            conn.execute(
                insert(t.devices).values(
                    id=self.device_id,
                    public_key=self.public_key_hex,
                    role=roles.SERVER,
                    name="server",
                    status="active",
                    key_epoch=1,
                    certificate="{}",
                    enrolled_at=0,
                    issued_at=self.now(),
                    valid_until=p.MAX_INT,
                    head_seq=0,
                    head_hash=GENESIS_HASH,
                    version=version,
                    bindings=Bindings().model_dump_json(),
                )
            )
