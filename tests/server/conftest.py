"""A real server over real HTTP on 127.0.0.1 (uvicorn in a thread), on SQLite or PostgreSQL."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from nacl.signing import SigningKey

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.clock import FixedClock
from kiosk.core.crypto import device_id_for
from kiosk.core.entries import GENESIS_HASH, Entry, Kind, make_entry
from kiosk.server import admin
from kiosk.server.app import create_app
from kiosk.server.config import Settings
from kiosk.server.service import Server
from kiosk.sync import protocol as p

NOW = 1_795_000_000_000  # 2026-11-18, a fixed server time for every test


class LiveServer:
    def __init__(self, server: Server, clock: FixedClock) -> None:
        self.server = server
        self.clock = clock
        app = create_app(server=server)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self._uv = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._uv.run, daemon=True)
        self._thread.start()
        while not self._uv.started:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = self._uv.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def stop(self) -> None:
        self.http.close()
        self._uv.should_exit = True
        self._thread.join(timeout=30)

    # -- helpers -------------------------------------------------------------------------------

    def enrol(
        self,
        role: str = "merchant-counter",
        name: str = "toonbank",
        *,
        merchant: str | None = "m-1",
        neighbourhoods: tuple[str, ...] = ("nb-1",),
    ) -> SimDevice:
        """A device enrolled as `role`: a counter bound to `merchant`, the other roles to
        `neighbourhoods` (what the admin chose on the enrolment code)."""
        if role == roles.MERCHANT_COUNTER:
            bindings = roles.Bindings(merchant_id=merchant)
        else:
            bindings = roles.Bindings(neighbourhoods=frozenset(neighbourhoods))
        code = self.server.create_enrol_code(role, name, bindings)
        key = SigningKey.generate()
        r = self.http.post(
            "/v1/enrol",
            json={"code": code, "public_key": bytes(key.verify_key).hex(), "name": name},
        )
        assert r.status_code == 200, r.text
        cert = p.DeviceCertificate.model_validate(r.json())
        assert p.verify_certificate(self.server.verify_key, cert)
        return SimDevice(key=key, cert=cert, clock=self.clock)

    def upload(self, batch: p.Batch | dict[str, Any]) -> httpx.Response:
        body = batch.model_dump(mode="json") if isinstance(batch, p.Batch) else batch
        return self.http.post("/v1/batches", json=body)

    def ledger_count(self) -> int:
        from sqlalchemy import func, select

        from kiosk.server import tables as t

        with self.server.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(t.ledger)
                    .where(t.ledger.c.device_id != self.server.device_id)
                ).scalar_one()
            )

    def seed(self) -> None:
        """Two neighbourhoods. nb-1: residents r-1 and r-2 with cards, merchant m-1, chore
        ch-1 (1500, capacity 10), klusbox kb-1. nb-2: resident r-3, merchant m-2, chore ch-2.
        Staff card S-0001 (an inspector)."""
        admin.add_neighbourhood(self.server, "nb-1", "Oost")
        admin.add_neighbourhood(self.server, "nb-2", "West")
        admin.add_resident(self.server, "r-1", "Anna", "nb-1", card_serial="C-0001")
        admin.add_resident(self.server, "r-2", "Bram", "nb-1", card_serial="C-0002")
        admin.add_resident(self.server, "r-3", "Cor", "nb-2", card_serial="C-0003")
        admin.add_merchant(self.server, "m-1", "Bakker Jansen", "nb-1")
        admin.add_merchant(self.server, "m-2", "Slager Smits", "nb-2")
        admin.add_chore(self.server, "ch-1", "Plein vegen", "nb-1", reward=1500)
        admin.add_chore(self.server, "ch-2", "Speeltuin wieden", "nb-2", reward=1000)
        admin.add_klusbox(self.server, "kb-1", "bezems", "Bezemset 1", "nb-1")
        admin.add_staff_card(self.server, "S-0001", "Inspecteur Ilse")

    def snapshot(self, dev: SimDevice, since: int | None = None) -> httpx.Response:
        """GET /v1/snapshot signed by `dev`, as a device asks for it."""
        headers = p.snapshot_request_headers(
            dev.key, dev.device_id, since, self.clock.now_ms(), secrets.token_hex(16)
        )
        params = {} if since is None else {"since": since}
        return self.http.get("/v1/snapshot", params=params, headers=headers)

    def snapshot_ok(self, dev: SimDevice, since: int | None = None) -> p.Snapshot:
        r = self.snapshot(dev, since)
        assert r.status_code == 200, r.text
        snap = p.Snapshot.model_validate(r.json())
        assert p.verify_snapshot(self.server.verify_key, snap)
        return snap

    def ack(self, batch: p.Batch) -> p.Ack:
        """Upload `batch`, expect a signed ack."""
        r = self.upload(batch)
        assert r.status_code == 200, r.text
        ack = p.Ack.model_validate(r.json())
        assert p.verify_ack(self.server.verify_key, ack)
        return ack

    def refused_codes(self, batch: p.Batch) -> dict[int, str]:
        """Upload `batch`, expect an ack; the refused entries' seq -> code."""
        return {r.seq: r.code for r in self.ack(batch).refused}


@dataclass
class SimDevice:
    key: SigningKey
    cert: p.DeviceCertificate
    clock: FixedClock
    entries: list[Entry] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        return device_id_for(self.key.verify_key)

    def add(self, kind: Kind, *, wall_time: int | None = None, **kw: Any) -> Entry:
        prev = self.entries[-1].entry_hash if self.entries else GENESIS_HASH
        entry = make_entry(
            self.key,
            self.device_id,
            len(self.entries) + 1,
            prev,
            kind,
            wall_time=self.clock.now_ms() if wall_time is None else wall_time,
            **kw,
        )
        self.entries.append(entry)
        return entry

    def spend(self, resident: str, amount: int, merchant: str = "m-1", **kw: Any) -> Entry:
        return self.add(
            Kind.SPEND,
            debit=acc.wallet(resident),
            credit=acc.till(merchant),
            amount=amount,
            refs={"merchant": merchant, "resident": resident},
            **kw,
        )

    def batch(self, first: int = 1, last: int | None = None) -> p.Batch:
        last = len(self.entries) if last is None else last
        return p.make_batch(self.key, self.entries[first - 1 : last])


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'server.sqlite3'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def live(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    clock = FixedClock(NOW)
    server = Server(Settings(data_dir=tmp_path / "data", database_url=db_url, clock=clock))
    srv = LiveServer(server, clock)
    try:
        yield srv
    finally:
        srv.stop()
        server.close()
