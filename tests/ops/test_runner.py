"""Where ops run: every write of the ledger on the one writer thread, a slow writer never
holding up the caller or a reader, and callbacks only ever on the GUI thread.

Nothing here is timed: a commit is held at a gate (an Event) and the tests look at what
happened in which order while it waits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from kiosk.core.errors import HeitjeError
from kiosk.ops.device import Device
from kiosk.ops.events import LedgerAppended
from kiosk.ops.runner import READER_THREAD, WRITER_THREAD, OpRunner

from .conftest import WAIT_S, Gui, local_device

WRITES = ("INSERT INTO ledger_entries", "UPDATE balances", "UPDATE chain_heads", "INSERT INTO")


@pytest.fixture
def counter(tmp_path: Path, gui: Gui) -> Iterator[Device]:
    device = local_device(tmp_path / "counter", gui, "merchant-counter")
    yield device
    device.close()


class Tracer:
    """Every SQL statement any connection of the engine runs, with the thread that ran it."""

    def __init__(self, device: Device) -> None:
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        engine = device.store.engine
        event.listen(engine, "connect", lambda dbapi, _rec: self.watch(dbapi))
        engine.dispose()  # pooled connections are made again, watched
        self.watch(device.store._writer().connection.dbapi_connection)  # the opener's own

    def watch(self, dbapi: sqlite3.Connection) -> None:
        dbapi.set_trace_callback(self.statement)

    def statement(self, sql: str) -> None:
        with self._lock:
            self.seen.append((threading.current_thread().name, sql))

    def writers(self) -> set[str]:
        return {thread for thread, sql in self.seen if sql.lstrip().upper().startswith(WRITES)}


def test_every_ledger_write_runs_on_the_one_writer_thread(
    counter: Device, gui: Gui, tmp_path: Path
) -> None:
    tracer = Tracer(counter)
    ops = counter.counter
    assert ops is not None

    # Four screens' worth of callers at once; each waits on its own op (tests may).
    def one_caller(resident: int) -> list[Any]:
        paid = ops.pay(f"C-000{resident}", 100 + resident).future.result(WAIT_S)
        refund = ops.refund(paid.tx_id, 50).future.result(WAIT_S)
        pin = ops.set_pin(f"C-000{resident}", "2580").future.result(WAIT_S)
        day = ops.day_list().future.result(WAIT_S)
        return [paid, refund, pin, day]

    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="caller") as callers:
        results = list(callers.map(one_caller, (1, 2, 3)))
    assert len(results) == 3
    writers = tracer.writers()
    assert writers == {f"{WRITER_THREAD}_0"}, writers
    readers = {t for t, sql in tracer.seen if sql.startswith("SELECT")} - writers
    assert readers and all(t.startswith(READER_THREAD) for t in readers)
    # The callbacks of those ops were never run on a worker (nobody attached any, even).
    assert gui.ran_on == []


class CommitGate:
    """Holds the writer thread inside its commit until released."""

    def __init__(self, device: Device) -> None:
        self.armed = False
        self.entered = threading.Event()
        self.release = threading.Event()
        self.order: list[str] = []
        event.listen(device.store.engine, "commit", self.commit)

    def commit(self, _conn: Any) -> None:
        if self.armed and threading.current_thread().name.startswith(WRITER_THREAD):
            self.armed = False
            self.order.append("commit held")
            self.entered.set()
            assert self.release.wait(WAIT_S)
            self.order.append("commit released")


def test_a_slow_writer_never_holds_up_the_caller_or_a_reader(counter: Device, gui: Gui) -> None:
    ops = counter.counter
    assert ops is not None
    gate = CommitGate(counter)
    counter.hub.subscribe(LedgerAppended, lambda e: gate.order.append(f"appended {e.amount}"))
    gate.armed = True

    first = ops.pay("C-0001", 300)
    gate.order.append("pay returned")
    second = ops.pay("C-0002", 200)  # queued behind the first: same one writer
    gate.order.append("second pay returned")
    assert gate.entered.wait(WAIT_S)
    assert gui.pending.empty()  # nothing delivered while the commit is held

    # A reader is not held up by the writer (deferred reads in WAL mode): it sees the books
    # as they were before the held commit.
    day = gui.ok(ops.day_list())
    assert day.rows == ()
    quote = gui.ok(ops.quote("C-0001", 100))
    assert quote.balance == 10_000
    gate.order.append("reads done")

    gate.release.set()
    paid = gui.ok(first)
    also = gui.ok(second)
    assert (paid.remaining, also.remaining) == (10_000 - 300, 10_000 - 200)
    assert paid.seq + 1 == also.seq
    # The calls came back while the first commit was still held (else this test would not
    # have got here), the reads finished while it was held, and the listeners heard of each
    # payment only after its commit, in order.
    order = gate.order
    assert order.index("pay returned") < order.index("reads done")
    assert order.index("second pay returned") < order.index("reads done")
    assert order.index("commit held") < order.index("reads done") < order.index("commit released")
    assert order[order.index("commit released") + 1 :] == ["appended 300", "appended 200"]


def test_callbacks_run_on_the_gui_thread_only_and_failures_are_always_words(gui: Gui) -> None:
    runner = OpRunner(gui.call)
    unhandled: list[HeitjeError] = []
    runner_quiet = OpRunner(gui.call, on_unhandled=unhandled.append)
    try:
        seen: list[tuple[str, object]] = []
        runner.write(lambda: 7, name="seven").success(
            lambda v: seen.append((threading.current_thread().name, v))
        )
        gui.run_next()
        assert seen == [(threading.current_thread().name, 7)]

        def broken() -> int:
            raise ZeroDivisionError("a bug")

        error = gui.refused(runner.read(broken, name="broken"))
        assert error.code == "internal_error"
        assert "Er is niets veranderd" in error.nl and "ZeroDivisionError" in error.en

        # Attached after the outcome was delivered: still delivered, on the GUI thread.
        done = runner.write(lambda: "late", name="late")
        done.future.result(WAIT_S)
        gui.run_next()  # the delivery turn, with nobody attached
        late: list[str] = []
        done.success(late.append)
        gui.run_next()
        assert late == ["late"]

        # A failure nobody handles is reported, not lost.
        runner_quiet.write(broken, name="nobody")
        gui.run_next()
        assert [e.code for e in unhandled] == ["internal_error"]
    finally:
        runner.close()
        runner_quiet.close()
    assert gui.refused(runner.write(lambda: 1, name="after")).code == "device_closing"
