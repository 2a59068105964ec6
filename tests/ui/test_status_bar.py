"""The status bar on a real enrolled counter, its sync against the real server over HTTP on
127.0.0.1: the first paint from device.status(), a payment makes an entry wait, a sync round
sends it and says online, the server gone says offline, the age of the server's data moves on
with the clock; in Dutch and in English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.ops.device import Device
from kiosk.server import admin
from kiosk.ui.bridge import Bridge
from kiosk.ui.status_bar import StatusBar
from kiosk.ui.theme import check_sizes
from tests.ops.conftest import HOUR, Enrolled, enrol, live, local_device
from tests.server.conftest import LiveServer
from tests.ui.shell_support import WAIT_MS, App, QtGui, app, untranslated

__all__ = ["app", "live"]  # the fixtures, imported


@pytest.fixture
def counter(live: LiveServer, tmp_path: Path) -> Iterator[Enrolled]:
    admin.grant(live.server, "r-1", 5_000, "welkom")
    dev = enrol(live, tmp_path / "counter", QtGui(), "merchant-counter", merchant="m-1")
    yield dev
    dev.device.close()


def status_bar(qtbot: QtBot, device: Device, app: App) -> tuple[StatusBar, Bridge]:
    bridge = Bridge(device.hub)
    bar = StatusBar(device, bridge, app.translations)
    qtbot.addWidget(bar)
    bar.resize(1280, bar.sizeHint().height())
    bar.show()
    qtbot.waitExposed(bar)
    qtbot.waitUntil(lambda: bar.status is not None, timeout=WAIT_MS)
    return bar, bridge


def texts(bar: StatusBar) -> list[str]:
    labels = (bar.online, bar.last_sync, bar.waiting, bar.snapshot, bar.device_label)
    return [label.text() for label in labels if label.isVisible()]


def test_what_the_counter_shows_from_start_to_offline(
    qtbot: QtBot, app: App, counter: Enrolled, live: LiveServer
) -> None:
    device = counter.device
    bar, bridge = status_bar(qtbot, device, app)
    assert bar.property("role") == "status"
    last = bar.status.sync.last_success_ms if bar.status else None
    assert last is not None  # enrolment synced once
    # First paint: the stored status; the loop has not run a round yet.
    sync_time = texts(bar)[1]
    assert texts(bar) == [
        "Geen verbinding",
        sync_time,
        "Alles is verstuurd",
        "Gegevens van de server zijn bijgewerkt",
        f"Winkelkassa · {device.name}",
    ]
    assert sync_time.startswith("Laatst bijgewerkt om ")
    assert bar.online.property("tone") == "warning"

    # A payment: one entry waits to be sent.
    assert device.counter is not None
    paid: list[object] = []
    device.counter.pay("C-0001", 350).success(paid.append)
    one_waiting = "1 boeking wacht om verstuurd te worden"
    qtbot.waitUntil(lambda: bar.waiting.text() == one_waiting, timeout=WAIT_MS)
    assert paid
    assert bar.minimumSizeHint().width() <= 1280  # the longest words fit the counter's screen

    # A sync round (the loop's own step) sends it and says so.
    counter.sync()
    qtbot.waitUntil(lambda: bar.online.text() == "Verbonden", timeout=WAIT_MS)
    assert bar.waiting.text() == "Alles is verstuurd"
    assert bar.online.property("tone") is None

    # English, one touch away.
    app.translations.switch("en")
    qtbot.waitUntil(lambda: bar.online.text() == "Online", timeout=WAIT_MS)
    assert texts(bar)[2:] == [
        "Nothing waiting to be sent",
        "Server data is up to date",
        f"Shop counter · {device.name}",
    ]
    assert untranslated(bar, "en") == []

    # The server goes away; two hours later the data is two hours old.
    live.stop()
    counter.clock.advance(2 * HOUR)
    assert device.sync_loop is not None
    device.sync_loop.step()
    qtbot.waitUntil(lambda: bar.online.text() == "Offline", timeout=WAIT_MS)
    assert bar.online.property("tone") == "warning"
    bar.refresh()
    two_hours = "Server data from 2 hours ago"
    qtbot.waitUntil(lambda: bar.snapshot.text() == two_hours, timeout=WAIT_MS)
    app.translations.switch("nl")
    qtbot.waitUntil(
        lambda: bar.snapshot.text() == "Gegevens van de server van 2 uur geleden", timeout=WAIT_MS
    )
    assert untranslated(bar, "nl") == []
    assert check_sizes(bar) == []
    bar.stop()
    bridge.close()


def test_a_demo_device_says_it_has_no_server(qtbot: QtBot, app: App, tmp_path: Path) -> None:
    device = local_device(tmp_path / "kiosk", QtGui(), "resident-kiosk")
    try:
        bar, bridge = status_bar(qtbot, device, app)
        assert texts(bar) == ["Demo zonder server", "Bewonerskiosk"]
        assert bar.online.property("tone") is None  # nothing is wrong: there is no server
        assert untranslated(bar, "nl") == []
        bar.stop()
        bridge.close()
    finally:
        device.close()
