"""End-to-end setup: the real server as a subprocess over real HTTP on 127.0.0.1, on an SQLite
file or a fresh PostgreSQL database, and real device data folders.

The test process also opens the server's database through kiosk.server.service.Server (same
data dir, same key) to seed residents and merchants and to read back the authoritative books.
Devices enrol with codes bound as an admin binds them: a counter to the shop its spends go to.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kiosk.core.clock import Clock, SystemClock
from kiosk.core.crypto import SigningKey, load_or_create_key
from kiosk.core.roles import Bindings
from kiosk.db.engine import open_data_dir_engine
from kiosk.db.ledger_store import LedgerStore
from kiosk.paths import device_key_path
from kiosk.server import tables as t
from kiosk.server.config import Settings
from kiosk.server.service import Server
from kiosk.sync import protocol as p
from kiosk.sync.client import SyncClient

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).with_name("fault_server.py")
STARTUP_LIMIT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(fault: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("KIOSK_FAULT", None)
    if fault:
        env["KIOSK_FAULT"] = fault
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class ServerProcess:
    """`python -m kiosk.server --port P --data-dir D [--database-url U]`, restartable."""

    def __init__(self, data_dir: Path, database_url: str | None, log_dir: Path) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def args(self) -> list[str]:
        args = ["--port", str(self.port), "--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def start(self, fault: str | None = None) -> None:
        assert self.proc is None
        self.starts += 1
        log = (self.log_dir / f"server-{self.starts}.log").open("wb")
        with log:
            self.proc = subprocess.Popen(
                [sys.executable, str(LAUNCHER), *self.args()],
                cwd=ROOT,
                env=_env(fault),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        with httpx.Client(timeout=2) as http:
            while True:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
                try:
                    if http.get(self.url + "/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not come up: {self.log()}")
                time.sleep(0.05)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.log_dir.glob("*.log"))

    def wait_dead(self) -> int:
        """Wait for a process that is expected to kill itself (a fault point)."""
        assert self.proc is not None
        code = self.proc.wait(timeout=120)
        self.proc = None
        return code

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=60)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
            self.proc = None

    def cli(self, *args: str) -> str:
        """Run an admin command (`python -m kiosk.server ... devices enrol-code ...`)."""
        out = subprocess.run(
            [sys.executable, "-m", "kiosk.server", *self.args(), *args],
            cwd=ROOT,
            env=_env(None),
            capture_output=True,
            check=True,
            timeout=120,
        )
        return out.stdout.decode()


@dataclass
class Books:
    """The server's authoritative books, read straight from its database."""

    server: Server

    def balance(self, account: str) -> int:
        with self.server.engine.connect() as conn:
            value = conn.execute(
                select(t.balances.c.balance).where(t.balances.c.account == account)
            ).scalar()
        return int(value or 0)

    def balances(self) -> dict[str, int]:
        with self.server.engine.connect() as conn:
            return {r.account: int(r.balance) for r in conn.execute(select(t.balances))}

    def entries(self, device_id: str) -> list[tuple[int, str, str]]:
        with self.server.engine.connect() as conn:
            rows = conn.execute(
                select(t.ledger.c.seq, t.ledger.c.tx_id, t.ledger.c.entry_hash)
                .where(t.ledger.c.device_id == device_id)
                .order_by(t.ledger.c.seq)
            ).all()
        return [(int(r.seq), str(r.tx_id), str(r.entry_hash)) for r in rows]

    def total_entries(self) -> int:
        with self.server.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.ledger)).scalar_one())

    def reviews(self) -> list[dict[str, Any]]:
        with self.server.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.review_queue)).mappings()]

    def resident_flagged(self, resident_id: str) -> bool:
        with self.server.engine.connect() as conn:
            return bool(
                conn.execute(
                    select(t.residents.c.flagged).where(t.residents.c.id == resident_id)
                ).scalar_one()
            )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None: the server's default SQLite file in its data dir."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def server_proc(tmp_path: Path, database_url: str | None) -> Iterator[ServerProcess]:
    logs = tmp_path / "logs"
    logs.mkdir()
    proc = ServerProcess(tmp_path / "server", database_url, logs)
    # Create the schema and the municipality key before the first request.
    Server(Settings(data_dir=proc.data_dir, database_url=database_url)).close()
    try:
        yield proc
    finally:
        proc.kill()


@pytest.fixture
def books(server_proc: ServerProcess) -> Iterator[Books]:
    server = Server(Settings(data_dir=server_proc.data_dir, database_url=server_proc.database_url))
    try:
        yield Books(server)
    finally:
        server.close()


class DeviceDir:
    """A device's data folder, opened in this process for selling and checking."""

    def __init__(self, data_dir: Path, clock: Clock | None = None) -> None:
        self.data_dir = data_dir
        self.clock = clock
        data_dir.mkdir(parents=True, exist_ok=True)
        self.key: SigningKey = load_or_create_key(device_key_path(data_dir))
        self.engine = open_data_dir_engine(data_dir)
        self.store = LedgerStore(self.engine, self.key, clock)
        self.client = SyncClient(self.engine, self.key, clock)

    @property
    def device_id(self) -> str:
        return self.store.device_id

    def close(self) -> None:
        self.client.close()
        self.store.close()
        self.engine.dispose()


def counter_code(server: Server, name: str, merchant: str) -> str:
    """An enrolment code for a counter of `merchant` (`devices enrol-code --merchant`)."""
    return server.create_enrol_code("merchant-counter", name, Bindings(merchant_id=merchant))


def signed_snapshot(url: str, dev: DeviceDir, since: int | None = None) -> p.Snapshot:
    """GET /v1/snapshot as `dev` asks for it (signed, fresh nonce): that device's view."""
    headers = p.snapshot_request_headers(
        dev.key, dev.device_id, since, SystemClock().now_ms(), secrets.token_hex(16)
    )
    params = {"device_id": dev.device_id} | ({} if since is None else {"since": str(since)})
    r = httpx.get(url + "/v1/snapshot", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return p.Snapshot.model_validate_json(r.content)


def run_device(
    data_dir: Path, *args: str, fault: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`python -m kiosk <args> --data-dir D` as its own process (SIGKILL-able at a fault)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=_env(fault),
        capture_output=True,
        timeout=300,
        check=False,
    )


from tests.log_check import _no_personal_data_in_the_logs  # noqa: E402, F401 - autouse fixture
