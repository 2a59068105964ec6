"""The demo opens offscreen and shows the seeded residents with the right balances."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.core import accounts as acc
from kiosk.core.amounts import format_amount
from kiosk.db.verify import verify_ledger
from kiosk.demo import RESIDENTS, seed_demo
from kiosk.device import open_device
from kiosk.ui.app import build_main_window


def test_demo_window_shows_residents_and_balances(qtbot: QtBot, tmp_path: Path) -> None:
    device = open_device(tmp_path)
    try:
        seed_demo(device.store, tmp_path)
        window = build_main_window(device)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        model = window.table.model()
        assert model.rowCount() == len(RESIDENTS)
        shown = {
            model.index(r, 0).data(): (model.index(r, 1).data(), model.index(r, 2).data())
            for r in range(model.rowCount())
        }
        for rid, name, _ in RESIDENTS:
            expected = format_amount(device.store.balance(acc.wallet(rid)), "nl")
            assert shown[name][1] == expected, name
        # The history moved real money: Annie earned 5,00 + 6,00 and spent 3,50.
        assert shown["Annie Hendriks"] == ("Grasbroek", "7,50")
        assert shown["Jo Ubachs"] == ("Grasbroek", "3,00")
        assert shown["Mia Claessen"][1] == "0,00"
        assert verify_ledger(device.engine).ok
        label = window.findChild(QLabel, "deviceLabel")
        assert label is not None and device.store.device_id in label.text()
    finally:
        device.close()


def test_demo_command_starts_and_exits(tmp_path: Path) -> None:
    """The README's demo command itself, on its own data dir, offscreen, quitting after 1 s."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--demo", "--data-dir", str(tmp_path), "--quit-after", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "demo data created" in result.stdout
    check = subprocess.run(
        [sys.executable, "-m", "kiosk", "ledger", "verify", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
