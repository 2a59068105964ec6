"""The inspector's screen with real parts: the real server over HTTP on 127.0.0.1, a resident
kiosk and an inspector enrolled with it (each a real Device on its own ledger file, with its
own sync), the inspector's staff card held up to the camera (image files through the real scan
pipeline) and its PIN on the keypad, a real TCP gate to drop the network. The residents do the
chore at the kiosk; the inspector approves one claim and rejects another; the kiosk's screen
then shows the reward in the balance and the rejection's reason. An approval written offline
is sent once the network is back; one the server refused shows with its reason. And every page
in both languages and both contrasts: nothing untranslated, nothing too small, all named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.ops.device import Device
from kiosk.ops.inspector_results import REJECT_REASONS
from kiosk.ops.words import moment_words
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from kiosk.sync.refusals import refusal_words
from kiosk.ui.i18n import Translations
from kiosk.ui.i18n_build import messages, ts_path
from kiosk.ui.screens.inspector import Page
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, apply_theme, check_sizes
from tests.ops.conftest import live
from tests.server.conftest import LiveServer
from tests.ui.counter_support import Gate, live_port
from tests.ui.inspector_support import (
    MINUTE,
    REWARD,
    WAIT_MS,
    Inspector,
    do_the_chore,
    enrol_inspector,
    enrol_kiosk,
    open_inspector,
    seed_inspection,
    tick,
)
from tests.ui.resident_support import Kiosk, open_kiosk
from tests.ui.shell_support import untranslated

__all__ = ["live"]  # the fixture, imported (ui comes from tests/ui/conftest.py)


@pytest.fixture
def closing() -> Iterator[list[Inspector | Kiosk | Device]]:
    """Screens (with their devices) and devices without a screen, closed at the end."""
    opened: list[Inspector | Kiosk | Device] = []
    yield opened
    for screen in reversed(opened):
        screen.close()


def server_balance(live: LiveServer, resident_id: str) -> int:
    return admin.balance(live.server, acc.wallet(resident_id))


def server_entries(live: LiveServer, device_id: str, kind: Kind) -> list[dict[str, object]]:
    with live.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.ledger.c.kind, t.ledger.c.amount, t.ledger.c.status).where(
                t.ledger.c.device_id == device_id, t.ledger.c.kind == kind.value
            )
        ).mappings()
        return [dict(r) for r in rows]


def kiosk_shows(qtbot: QtBot, kiosk: Kiosk, payload: str) -> None:
    """A resident's card through the hand scanner's path, up to their page on screen."""
    kiosk.screen.go_home()
    kiosk.scan.forget()
    with qtbot.waitSignal(kiosk.screen.resident_shown, timeout=WAIT_MS):
        kiosk.scan.scanned(payload)


def test_approve_one_reject_another_and_the_kiosk_shows_both(
    qtbot: QtBot,
    live: LiveServer,
    tmp_path: Path,
    ui: Translations,
    closing: list[Inspector | Kiosk | Device],
) -> None:
    seeded = seed_inspection(live)
    anna, bram = seeded.residents
    kiosk_dev = enrol_kiosk(live, tmp_path / "kiosk")
    closing.append(kiosk_dev.device)
    insp_dev = enrol_inspector(live, tmp_path / "inspector", seeded.staff_payload)
    kiosk = open_kiosk(kiosk_dev.device, ui, start=False)
    closing.append(kiosk)
    kiosk_shows(qtbot, kiosk, anna.payload)
    assert kiosk.screen.resident.balance.text() == "0,00"

    claims = do_the_chore(live, kiosk_dev, [insp_dev], seeded.residents)
    insp_dev.sync()  # the claims, with their check-in and check-out times
    inspector = open_inspector(qtbot, insp_dev, ui)
    closing.append(inspector)
    screen = inspector.screen
    assert screen.claims_page.rows == [] and not screen.lock_button.isVisibleTo(screen)
    inspector.unlock()  # the card came through the camera; the PIN on the keypad
    assert "Ilse Inspecteur" in screen.who.text()

    rows = {r.claim.claim_id: r for r in screen.claims_page.rows}
    assert set(rows) == {claims["r-1"], claims["r-2"]}
    for rid, name in (("r-1", "Anna"), ("r-2", "Bram")):
        row = rows[claims[rid]]
        assert row.claim.checked_in_at is not None and row.claim.done_at is not None
        assert row.claim.done_at - row.claim.checked_in_at >= 30 * MINUTE
        times = row.times.text()
        assert moment_words(row.claim.checked_in_at).nl in times
        assert moment_words(row.claim.done_at).nl in times
        assert name in row.resident.text() and "7,00" in row.chore.text()

    inspector.approve(claims["r-1"])
    assert "Anna" in screen.claims_page.notice.text()
    inspector.reject(claims["r-2"], reason_index=0)
    assert screen.claims_page.rows == []
    inspector.open_list(Page.DECIDED)
    assert [r.row.kind for r in screen.decided_page.views()] == [Kind.REJECTION, Kind.APPROVAL]

    insp_dev.sync()
    assert server_balance(live, "r-1") == REWARD and server_balance(live, "r-2") == 0
    kiosk_dev.sync()

    kiosk_shows(qtbot, kiosk, anna.payload)
    assert kiosk.screen.resident.balance.text() == "7,00"  # 0,00 + exactly the reward
    kiosk_shows(qtbot, kiosk, bram.payload)
    assert kiosk.screen.resident.balance.text() == "0,00"
    reason = REJECT_REASONS[0].text
    assert any(reason in text for text in kiosk.screen.resident.my_chores.texts()), (
        kiosk.screen.resident.my_chores.texts()
    )


def test_an_approval_written_offline_is_sent_later(
    qtbot: QtBot,
    live: LiveServer,
    tmp_path: Path,
    ui: Translations,
    closing: list[Inspector | Kiosk | Device],
) -> None:
    seeded = seed_inspection(live)
    anna = seeded.residents[0]
    gate = Gate(live_port(live))
    kiosk_dev = enrol_kiosk(live, tmp_path / "kiosk")
    closing.append(kiosk_dev.device)
    insp_dev = enrol_inspector(live, tmp_path / "inspector", seeded.staff_payload, url=gate.url)
    claims = do_the_chore(live, kiosk_dev, [insp_dev], [anna])
    insp_dev.sync()
    inspector = open_inspector(qtbot, insp_dev, ui)
    closing.append(inspector)
    inspector.unlock()

    gate.down()  # the network is gone
    inspector.approve(claims["r-1"])
    device = insp_dev.device
    assert device.sync_loop is not None
    device.sync_loop.step()
    assert device.sync_loop.status.online is False
    inspector.open_list(Page.DECIDED)
    [row] = inspector.screen.decided_page.views()
    assert row.status.text() == "Wacht op verzending"
    assert server_entries(live, device.device_id, Kind.APPROVAL) == []
    assert server_balance(live, "r-1") == 0

    gate.up()
    insp_dev.sync()
    assert server_entries(live, device.device_id, Kind.APPROVAL) == [
        {"kind": "approval", "amount": 0, "status": "applied"}
    ]
    assert server_entries(live, device.device_id, Kind.EARN) == [
        {"kind": "earn", "amount": REWARD, "status": "applied"}
    ]
    assert server_balance(live, "r-1") == REWARD
    inspector.open_list(Page.CLAIMS)
    inspector.open_list(Page.DECIDED)
    assert inspector.screen.decided_page.views()[0].status.text() == "Verzonden"
    gate.down()


def test_an_approval_the_server_refused_shows_with_its_reason(
    qtbot: QtBot,
    live: LiveServer,
    tmp_path: Path,
    ui: Translations,
    closing: list[Inspector | Kiosk | Device],
) -> None:
    seeded = seed_inspection(live)
    anna = seeded.residents[0]
    kiosk_dev = enrol_kiosk(live, tmp_path / "kiosk")
    closing.append(kiosk_dev.device)
    insp_dev = enrol_inspector(live, tmp_path / "inspector", seeded.staff_payload)
    claims = do_the_chore(live, kiosk_dev, [insp_dev], [anna])
    insp_dev.sync()
    # Meanwhile the back office rejects the claim on the server (a report on paper).
    srv = live.server
    with srv.write() as conn:
        version = srv.bump(conn)
        admin.reject_claim_in(srv, conn, version, claims["r-1"], "user:1", "Dubbel gemeld")
    tick(live, [kiosk_dev, insp_dev], MINUTE)

    inspector = open_inspector(qtbot, insp_dev, ui)
    closing.append(inspector)
    inspector.unlock()
    inspector.approve(claims["r-1"])  # the device has not heard of the rejection yet
    inspector.open_list(Page.REFUSED)
    assert inspector.screen.refused_page.rows == []
    insp_dev.sync()
    inspector.qtbot.waitUntil(lambda: len(inspector.screen.refused_page.rows) == 2, timeout=WAIT_MS)
    texts = inspector.screen.refused_page.texts()
    approval = refusal_words(Kind.APPROVAL, 0, p.CLAIM_REJECTED).nl
    assert any(approval in text for text in texts), texts
    assert all("Bladeren ruimen" in text and "Anna" in text for text in texts), texts
    assert server_balance(live, "r-1") == 0
    inspector.click(inspector.screen.lock_button)
    inspector.wait_page(Page.LOCKED)
    assert inspector.screen.refused_page.rows == [] and inspector.ops.session is None


def test_a_wrong_pin_and_a_card_that_is_no_inspectors(
    qtbot: QtBot,
    live: LiveServer,
    tmp_path: Path,
    ui: Translations,
    closing: list[Inspector | Kiosk | Device],
) -> None:
    seeded = seed_inspection(live)
    insp_dev = enrol_inspector(live, tmp_path / "inspector", seeded.staff_payload)
    inspector = open_inspector(qtbot, insp_dev, ui, camera=False)
    closing.append(inspector)
    screen = inspector.screen
    inspector.scan.scanned(seeded.residents[0].payload)  # a resident's card
    inspector.qtbot.waitUntil(
        lambda: screen.locked_page.message.isVisibleTo(screen), timeout=WAIT_MS
    )
    assert "personeelspas" in screen.locked_page.message.text()
    inspector.scan.scanned(seeded.staff_payload)
    inspector.wait_page(Page.PIN)
    for digit in "1111":
        inspector.click(screen.pin_page.pad.digits[digit])
    inspector.click(screen.pin_page.go)
    inspector.qtbot.waitUntil(lambda: screen.pin_page.message.isVisibleTo(screen), timeout=WAIT_MS)
    assert "pincode klopt niet" in screen.pin_page.message.text()
    assert screen.page is Page.PIN and inspector.ops.session is None
    inspector.unlock()
    screen.idle.timeout.emit()  # as if nobody touched it for minutes
    inspector.wait_page(Page.LOCKED)
    assert inspector.ops.session is None


# -- every page, both languages, both contrasts -------------------------------------------------


HEADING = {"nl": "Keuring van klussen", "en": "Inspection of chores"}
INSPECTOR_CONTEXTS = {
    "InspectorScreen",
    "InspectorLockedPage",
    "InspectorPinPage",
    "PinPad",
    "InspectorClaimRow",
    "InspectorClaimsPage",
    "InspectorRejectPage",
    "InspectorDecidedPage",
    "InspectorDecidedRow",
    "InspectorRefusedPage",
    "InspectorRefusedRow",
}


def walk_pages(inspector: Inspector, live: LiveServer, staff_payload: str) -> Iterator[str]:
    """Every page of the inspector, with something on it. The claim approved first was
    rejected by the office meanwhile, so the refused list has a line to show."""
    screen = inspector.screen
    inspector.scan.scanned("not a card")
    inspector.qtbot.waitUntil(
        lambda: screen.locked_page.message.isVisibleTo(screen), timeout=WAIT_MS
    )
    yield "locked, refused"
    inspector.scan.scanned(staff_payload)
    inspector.wait_page(Page.PIN)
    yield "pin"
    inspector.unlock()
    yield "claims"
    first = screen.claims_page.rows[0].claim.claim_id
    srv = live.server
    with srv.write() as conn:
        version = srv.bump(conn)
        admin.reject_claim_in(srv, conn, version, first, "user:1", "Dubbel gemeld")
    inspector.approve(first)
    yield "claims, approved"
    row = screen.claims_page.rows[0]
    inspector.click(row.reject_button)
    inspector.wait_page(Page.REJECT)
    yield "reject"
    inspector.click(screen.reject_page.reason_buttons[2])
    yield "reject, a reason chosen"
    inspector.click(screen.reject_page.cancel)
    inspector.wait_page(Page.CLAIMS)
    inspector.open_list(Page.DECIDED)
    yield "decided today"
    inspector.open_list(Page.REFUSED)
    yield "refused, none"
    inspector.enrolled.sync()
    inspector.qtbot.waitUntil(lambda: bool(screen.refused_page.rows), timeout=WAIT_MS)
    yield "refused"


def test_every_page_in_both_languages_and_both_themes_is_translated_large_and_named(
    qtbot: QtBot,
    live: LiveServer,
    tmp_path: Path,
    ui: Translations,
    qapp: QApplication,
    closing: list[Inspector | Kiosk | Device],
) -> None:
    seeded = seed_inspection(live)
    kiosk_dev = enrol_kiosk(live, tmp_path / "kiosk")
    closing.append(kiosk_dev.device)
    insp_dev = enrol_inspector(live, tmp_path / "inspector", seeded.staff_payload)
    do_the_chore(live, kiosk_dev, [insp_dev], seeded.residents)
    insp_dev.sync()
    inspector = open_inspector(qtbot, insp_dev, ui, camera=False)
    closing.append(inspector)

    ours = [m for m in messages(ts_path("nl")) if m.context in INSPECTOR_CONTEXTS]
    assert len(ours) > 40 and all(m.finished and m.translations[0] for m in ours)
    problems: list[str] = []
    for name in walk_pages(inspector, live, seeded.staff_payload):
        for theme in (NORMAL, HIGH_CONTRAST):
            apply_theme(qapp, theme)
            for lang in ("nl", "en"):
                ui.switch(lang)
                inspector.wait_text(inspector.screen.heading, HEADING[lang])
                qtbot.wait(10)  # the rest of the posted LanguageChange events
                problems += [f"{name}: {p}" for p in untranslated(inspector.screen, lang)]
                problems += [
                    f"{name}, {theme.name}, {lang}: {p}" for p in check_sizes(inspector.screen)
                ]
        apply_theme(qapp, NORMAL)
        ui.switch("nl")
    assert problems == []
