"""SIGKILL a writer at random moments; the ledger must open, verify, and hold every entry the
writer reported as committed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.db.engine import open_data_dir_engine
from kiosk.db.ledger_store import ENTRIES
from kiosk.db.verify import verify_ledger
from kiosk.device import open_device
from tests.db.conftest import seed_small

KILLS = 60
WRITER = Path(__file__).with_name("crash_writer.py")


@pytest.mark.slow
def test_sigkill_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    device = open_device(tmp_path)
    seed_small(device.store)
    device.close()
    rng = random.Random(20261122)
    reported: set[str] = set()
    env = {**os.environ, "PYTHONPATH": str(WRITER.parents[2])}
    killed_with_progress = 0
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(WRITER), str(tmp_path)],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.12))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
        # Only whole lines were reported as committed; a torn last line was not.
        lines = out.split(b"\n")[:-1]
        killed_with_progress += bool(lines)
        reported.update(line.decode() for line in lines)

        engine = open_data_dir_engine(tmp_path)
        try:
            report = verify_ledger(engine)
            assert report.ok, report.faults
            with engine.connect() as conn:
                present = set(conn.execute(select(ENTRIES.c.tx_id)).scalars())
        finally:
            engine.dispose()
        missing = reported - present
        assert not missing, f"{len(missing)} committed entries lost"
    # The kills must really have landed mid-stream, not only before the first write.
    assert killed_with_progress >= KILLS // 2
    assert len(reported) > KILLS
