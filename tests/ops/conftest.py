"""Setup for the ops tests: a GUI thread made of a plain queue, devices on real ledger files,
and the real server over HTTP on 127.0.0.1 (tests/server/conftest.py's LiveServer) for the
devices that enrol and sync.

`Gui` stands in for Qt's event loop: the ops hand their callbacks to `Gui.call`, and the test
runs them with `Gui.run_next` on the test's own thread, as Qt would on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock
from kiosk.core.errors import HeitjeError
from kiosk.core.roles import Bindings
from kiosk.db import registry as reg
from kiosk.device import open_device
from kiosk.ops.device import Device, DeviceOptions, build_device
from kiosk.ops.events import LedgerAppended, RefusalsArrived, SnapshotApplied, SyncStatusChanged
from kiosk.ops.runner import OpHandle
from kiosk.server import admin
from kiosk.server.config import Settings
from kiosk.server.service import Server
from kiosk.sync.client import SyncClient
from tests.server.conftest import NOW, LiveServer

T = TypeVar("T")
HOUR = 3_600_000
DAY = 24 * HOUR
WAIT_S = 60.0  # only so that a broken test fails instead of hanging; nothing is timed


class Gui:
    """A GUI thread for tests: callbacks queue up here and run when the test says so."""

    def __init__(self) -> None:
        self.pending: queue.Queue[Callable[[], object]] = queue.Queue()
        self.ran_on: list[str] = []

    def call(self, fn: Callable[[], object]) -> None:
        self.pending.put(fn)

    def run_next(self) -> None:
        fn = self.pending.get(timeout=WAIT_S)
        self.ran_on.append(threading.current_thread().name)
        fn()

    def outcome(self, handle: OpHandle[T]) -> T | HeitjeError:
        """Attach both callbacks, then run GUI turns until one of them has been called."""
        got: list[Any] = []
        handle.success(got.append).failure(got.append)
        while not got:
            self.run_next()
        return got[0]  # type: ignore[no-any-return]

    def ok(self, handle: OpHandle[T]) -> T:
        result = self.outcome(handle)
        if isinstance(result, HeitjeError):
            raise AssertionError(f"expected success, got {result.code}: {result.en}")
        return result

    def refused(self, handle: OpHandle[Any]) -> HeitjeError:
        result = self.outcome(handle)
        assert isinstance(result, HeitjeError), f"expected a refusal, got {result!r}"
        return result


@pytest.fixture
def gui() -> Gui:
    return Gui()


# -- the real server -----------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on SQLite over HTTP, seeded as LiveServer.seed() describes, plus a
    chore in nb-1 that is on for a few hours around NOW (for checking in and out)."""
    clock = FixedClock(NOW)
    url = f"sqlite+pysqlite:///{tmp_path / 'server.sqlite3'}"
    server = Server(Settings(data_dir=tmp_path / "server", database_url=url, clock=clock))
    srv = LiveServer(server, clock)
    try:
        srv.seed()
        admin.add_chore(
            server,
            "ch-now",
            "Bladeren ruimen",
            "nb-1",
            reward=700,
            capacity=2,
            starts_at=NOW - 2 * HOUR,
            ends_at=NOW + 6 * HOUR,
        )
        admin.add_chore(
            server,
            "ch-later",
            "Speeltuin vegen",
            "nb-1",
            reward=500,
            starts_at=NOW + 2 * DAY,
            ends_at=NOW + 3 * DAY,
        )
        yield srv
    finally:
        srv.stop()
        server.close()


@dataclass
class Enrolled:
    device: Device
    clock: FixedClock
    data_dir: Path
    events: list[object] = field(default_factory=list)

    def sync(self) -> None:
        """One sync round on the test's thread (the loop's own step: status and events)."""
        assert self.device.sync_loop is not None
        self.device.sync_loop.step()
        status = self.device.sync_loop.status
        assert status.online, status.last_error_en


def enrol(
    live: LiveServer,
    data_dir: Path,
    gui: Gui,
    role: str,
    *,
    merchant: str | None = None,
    neighbourhood: str | None = None,
    options: DeviceOptions | None = None,
) -> Enrolled:
    """Enrol a device in `data_dir` with the real server (a code as the admin makes it), sync
    once, and build it as the app does. Its sync loop is not started: tests call sync()."""
    bindings = (
        Bindings(merchant_id=merchant)
        if merchant
        else Bindings(neighbourhoods=frozenset({neighbourhood or "nb-1"}))
    )
    code = live.server.create_enrol_code(role, f"test {role}", bindings)
    clock = FixedClock(NOW)
    handle = open_device(data_dir, clock)
    client = SyncClient(handle.engine, handle.key, clock)
    try:
        client.enrol(live.url, code, name="ignored")
        client.sync_once()
    finally:
        client.close()
        handle.close()
    opts = options or DeviceOptions()
    device = build_device(
        data_dir,
        gui.call,
        DeviceOptions(**{**opts.__dict__, "clock": clock}),
        start=False,
    )
    enrolled = Enrolled(device, clock, data_dir)
    for kind in (LedgerAppended, RefusalsArrived, SnapshotApplied, SyncStatusChanged):
        device.hub.subscribe(kind, enrolled.events.append)
    return enrolled


@pytest.fixture
def closing() -> Iterator[list[Device]]:
    """Devices to close at the end of the test, whatever happens."""
    devices: list[Device] = []
    yield devices
    for device in devices:
        device.close()


# -- a device on its own (never enrolled: the demo's kind) --------------------------------------

FUNDS = 10_000


def seed_local(data_dir: Path, clock: FixedClock) -> None:
    """An unenrolled device's ledger: nb-1 with residents r-1..r-3 (cards C-0001..3, each
    funded with FUNDS by an adjustment), shop m-1, and chore ch-now (on around NOW)."""
    handle = open_device(data_dir, clock)
    try:
        store = handle.store
        with store.transaction() as conn:
            reg.ensure_municipality_accounts(conn)
            reg.add_neighbourhood(conn, "nb-1", "Oost")
            reg.add_merchant(conn, "m-1", "Bakker Jansen", "nb-1")
            for i in (1, 2, 3):
                reg.add_resident(conn, f"r-{i}", f"Bewoner {i}", "nb-1", created_at=0)
                reg.add_card(
                    conn, f"C-000{i}", "resident", "", dt.date(2026, 1, 1), resident_id=f"r-{i}"
                )
            reg.add_chore(
                conn,
                "ch-now",
                "Bladeren ruimen",
                "nb-1",
                reward=700,
                capacity=5,
                starts_at=NOW - 2 * HOUR,
                ends_at=NOW + 6 * HOUR,
            )
        for i in (1, 2, 3):
            store.adjust(acc.ISSUANCE, acc.wallet(f"r-{i}"), FUNDS, reason="start", staff_id="s")
    finally:
        handle.close()


def local_device(data_dir: Path, gui: Gui, role: str, **options: Any) -> Device:
    clock = options.pop("clock", None) or FixedClock(NOW)
    if not (data_dir / "ledger.sqlite3").exists():
        seed_local(data_dir, clock)
    merchant = "m-1" if role == "merchant-counter" else None
    return build_device(
        data_dir,
        gui.call,
        DeviceOptions(demo_role=role, demo_merchant=merchant, clock=clock, **options),
        start=False,
    )
