"""The sync loop lives through a fault that is no HeitjeError: an enrolled device, the real
server over HTTP, and a round that crashes inside the device's own database (its sync status
table gone for a while, as after a half-restored file). The worker thread logs the traceback,
says so in its status, backs off, and syncs again once the table is back."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.sync.loop import SyncLoop, SyncStatus
from tests.ops.conftest import WAIT_S, Gui, enrol, gui, live  # noqa: F401  (fixtures)
from tests.server.conftest import LiveServer


def test_an_unexpected_exception_in_a_round_does_not_end_the_loop(
    live: LiveServer,  # noqa: F811
    gui: Gui,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.sync")
    enrolled = enrol(live, tmp_path / "kiosk", gui, "resident-kiosk")
    device = enrolled.device
    engine = device.handle.engine
    assert device.sync_client is not None  # enrolled: it has a server to sync with
    statuses: list[SyncStatus] = []
    changed = threading.Condition()

    def on_status(status: SyncStatus) -> None:
        with changed:
            statuses.append(status)
            changed.notify_all()

    def wait_for(pred: Callable[[SyncStatus], bool]) -> SyncStatus:
        with changed:
            ok = changed.wait_for(lambda: bool(statuses) and pred(statuses[-1]), WAIT_S)
        assert ok, statuses[-3:]
        return statuses[-1]

    loop = SyncLoop(
        device.sync_client,
        clock=enrolled.clock,
        interval_s=0.05,
        base_s=0.05,
        cap_s=0.2,
        rng=random.Random(11),
        on_status=on_status,
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE sync_status RENAME TO sync_status_away")
    loop.start()
    try:
        crashed = wait_for(lambda s: s.failures >= 2)
        assert loop._thread is not None and loop._thread.is_alive()
        assert not crashed.online and crashed.last_error_code == "internal_error"
        assert crashed.last_error_nl and crashed.last_error_en
        assert 0 < crashed.next_attempt_in_s <= 0.2
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE sync_status_away RENAME TO sync_status")
        back = wait_for(lambda s: s.online)
        assert back.failures == 0 and back.last_error_code is None
        assert back.last_success_ms is not None
    finally:
        loop.stop()
        device.close()
    crashes = [
        r
        for r in caplog.records
        if r.name == "kiosk.sync" and r.getMessage().startswith("sync round crashed")
    ]
    assert len(crashes) >= 2
    assert crashes[0].exc_info is not None  # the traceback is in the log
    assert "OperationalError" in crashes[0].getMessage()
