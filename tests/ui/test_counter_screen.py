"""The merchant counter's screen with real parts: real ledger files, real signed cards through
the real scan path (the hand scanner's, and the camera's from image files), the real server
over HTTP on 127.0.0.1 with a real TCP gate to drop the network, real receipts (PDF and an
ESC/POS device file). Each test checks what the screen shows and what the ledger holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.db import pin_queries as pq
from kiosk.db.ops_queries import read_only
from kiosk.printing.receipts import PaymentReceipt, receipt_text
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.ui.i18n import Translations
from kiosk.ui.i18n_build import messages, ts_path
from kiosk.ui.screens.counter import Page
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, apply_theme, check_sizes
from tests.ops.conftest import FUNDS, HOUR, live
from tests.printing.escpos_readback import read_escpos
from tests.server.conftest import LiveServer
from tests.ui.counter_support import (
    WAIT_MS,
    Counter,
    Gate,
    demo_device,
    enrol_counter,
    ledger_moves,
    live_port,
    open_counter,
    seed_demo_counter,
    shown_texts,
    write_card_frames,
)

__all__ = ["live"]  # the fixture, imported (ui comes from tests/ui/conftest.py)

GRANT = 6_000
DAY_BUTTON = {"nl": "Betalingen van vandaag", "en": "Today's payments"}
COUNTER_CONTEXTS = {  # the classes of kiosk/ui/screens/counter*.py that hold texts
    "CounterScreen",
    "LimitsLabel",
    "AmountPage",
    "ScanPage",
    "ConfirmPage",
    "PinPage",
    "ResultPage",
    "RefundPage",
    "LiftScanPage",
    "LiftPinPage",
    "AmountPad",
    "PinPad",
    "DayPage",
    "DayRowView",
    "SummaryPage",
}


@pytest.fixture
def closing() -> Iterator[list[Counter]]:
    opened: list[Counter] = []
    yield opened
    for counter in opened:
        counter.close()


def demo(
    qtbot: QtBot,
    tmp_path: Path,
    translations: Translations,
    closing: list[Counter],
    **options: object,
) -> tuple[Counter, list[str]]:
    """A never-enrolled counter of "Bakker Jansen" (the demo's kind) and its cards' payloads."""
    cards = seed_demo_counter(tmp_path / "counter")
    device = demo_device(tmp_path / "counter", **options)  # type: ignore[arg-type]
    counter = open_counter(qtbot, device, translations)
    closing.append(counter)
    return counter, [c.payload for c in cards]


@pytest.fixture
def enrolled(
    qtbot: QtBot, live: LiveServer, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> tuple[Counter, list[str], object]:
    admin.grant(live.server, "r-1", GRANT, "welkom")
    admin.grant(live.server, "r-2", 1_000, "welkom")
    dev, cards = enrol_counter(live, tmp_path / "counter")
    counter = open_counter(qtbot, dev.device, ui)
    closing.append(counter)
    return counter, [c.payload for c in cards], dev


# -- a spend -----------------------------------------------------------------------------------


def test_a_spend_from_keypad_and_hand_scanner_to_paid_and_into_the_ledger(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    counter, payloads = demo(qtbot, tmp_path, ui, closing)
    screen = counter.screen
    counter.wait_page(Page.AMOUNT)
    assert not screen.to_scan.isEnabled()
    counter.type_amount("3,50")
    assert screen.amount_pad.display.text() == "3,50"
    counter.click(screen.to_scan)
    counter.wait_page(Page.SCAN)
    assert screen.scan_amount.text() == "3,50"
    counter.scan.scanned(payloads[0])  # the hand scanner's payload: checked on a reader
    counter.wait_page(Page.CONFIRM)
    assert screen.confirm_amount.text() == "3,50"
    assert screen.confirm_balance.text() == "Saldo op de pas: 100,00"
    assert screen.confirm_remaining.text() == "Over na betalen: 96,50"
    assert screen.confirm_go.text() == "Betaal 3,50"
    assert not screen.confirm_pin.isVisibleTo(screen)
    assert ledger_moves(counter.device) == []  # a confirmation writes nothing

    with qtbot.waitSignal(screen.paid_shown, timeout=WAIT_MS):
        counter.click(screen.confirm_go)
        # "Paid" comes only with the committed payment, never before.
        assert screen.result_headline.text() != "Betaald"
    assert screen.result_headline.text() == "Betaald"
    assert screen.result_headline.property("tone") == "ok"
    assert screen.result_detail.text() == "3,50 betaald. Over op de pas: 96,50."
    assert ledger_moves(counter.device) == [(Kind.SPEND, 350)]

    # A scan while "Paid" is showing does nothing: one scan, one action.
    with qtbot.waitSignal(counter.scan.refused, timeout=WAIT_MS):
        counter.scan.typed("R0000000")  # not a well-formed card number: refused, not shown
    with qtbot.waitSignal(counter.scan.card, timeout=WAIT_MS):
        counter.scan.scanned(payloads[1])  # a good card: checked, and ignored by the screen
    assert screen.scan_message.text() == ""
    assert screen.page is Page.RESULT and ledger_moves(counter.device) == [(Kind.SPEND, 350)]

    counter.open_day()
    rows = screen.day_page.rows
    assert [r.what.text().split("  ", 1)[1] for r in rows] == ["Betaling — 3,50"]
    assert rows[0].status.text() == "Wacht op verzending"  # never enrolled: nothing is sent
    assert "Betalingen: 1, samen 3,50" in screen.day_page.totals.text()


def test_a_card_held_to_the_camera_pays(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    cards = seed_demo_counter(tmp_path / "counter")
    frames = write_card_frames(tmp_path / "frames", cards[1].payload)
    device = demo_device(tmp_path / "counter", camera=frames)
    counter = open_counter(qtbot, device, ui)
    closing.append(counter)
    screen = counter.screen
    counter.type_amount("12")
    counter.click(screen.to_scan)
    counter.wait_page(Page.SCAN)
    counter.scan.start()  # the camera: frames from the folder, decoded on its own thread
    counter.wait_page(Page.CONFIRM)
    assert screen.confirm_amount.text() == "12,00"
    assert screen.confirm_remaining.text() == "Over na betalen: 88,00"
    assert screen.preview.pixmap() is not None and not screen.preview.pixmap().isNull()
    with qtbot.waitSignal(screen.paid_shown, timeout=WAIT_MS):
        counter.click(screen.confirm_go)
    assert screen.result_headline.text() == "Betaald"
    assert screen.result_detail.text() == "12,00 betaald. Over op de pas: 88,00."
    assert ledger_moves(device) == [(Kind.SPEND, 1_200)]


# -- refusals ----------------------------------------------------------------------------------


def test_too_little_balance_is_refused_in_words_and_nothing_is_written(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    counter, payloads = demo(qtbot, tmp_path, ui, closing)
    screen = counter.screen
    counter.type_amount("150")
    counter.click(screen.to_scan)
    counter.wait_page(Page.SCAN)
    counter.scan.scanned(payloads[0])
    counter.wait_page(Page.RESULT)
    assert screen.result_headline.text() == "Niet betaald"
    assert screen.result_headline.property("tone") == "refused"
    assert "100,00" in screen.result_detail.text()  # what there is to spend, in words
    assert ledger_moves(counter.device) == []
    # Another card, the same amount: one touch.
    counter.click(screen.result_retry)
    counter.wait_page(Page.SCAN)
    assert screen.scan_amount.text() == "150,00"


def test_over_the_offline_limit_is_refused_with_the_limits_on_screen(
    enrolled: tuple[Counter, list[str], object],
) -> None:
    counter, payloads, _dev = enrolled
    screen = counter.screen
    counter.wait_text(screen.limits_label, "25,00")
    limits = screen.limits_label.text()
    assert "hoogstens 25,00 per betaling en 50,00 per pas per dag" in limits
    assert "0,00 van hoogstens 500,00" in limits
    counter.type_amount("25,01")
    counter.click(screen.to_scan)
    counter.wait_page(Page.SCAN)
    counter.scan.scanned(payloads[0])
    counter.wait_page(Page.RESULT)
    assert screen.result_headline.text() == "Niet betaald"
    assert "25,00" in screen.result_detail.text()
    assert ledger_moves(counter.device) == []
    # Within the limit it pays, and the confirmation shows the limit and the room left today.
    counter.click(screen.result_next)
    counter.quote("25,00", payloads[0])
    assert "hoogstens 25,00 per betaling" in screen.confirm_limits.text()
    assert "50,00" in screen.confirm_limits.text()
    with counter.qtbot.waitSignal(screen.paid_shown, timeout=WAIT_MS):
        counter.click(screen.confirm_go)
    assert ledger_moves(counter.device) == [(Kind.SPEND, 2_500)]
    counter.wait_text(screen.limits_label, "25,00 van hoogstens 500,00")


def test_a_revoked_card_is_refused_in_words(
    enrolled: tuple[Counter, list[str], object], live: LiveServer
) -> None:
    counter, payloads, dev = enrolled
    screen = counter.screen
    serial = _serial_of(live, "r-1")
    admin.revoke_card(live.server, serial)
    dev.sync()  # type: ignore[attr-defined]
    counter.type_amount("2")
    counter.scan.scanned(payloads[0])  # straight from the amount, without a touch
    counter.wait_text(screen.scan_message, "geblokkeerd (bijvoorbeeld omdat hij kwijt was)")
    assert screen.scan_message.property("tone") == "refused"
    assert screen.page is Page.SCAN  # the next card can be scanned at once
    # Typed by hand, the card number is refused by the payment's own check.
    screen.serial_input.setText(serial)
    counter.click(screen.serial_go)
    counter.wait_page(Page.RESULT)
    assert "Deze pas is geblokkeerd" in screen.result_detail.text()
    assert ledger_moves(counter.device) == []


def _serial_of(live: LiveServer, resident_id: str) -> str:
    """The real-serial card enrol_counter added (the seed's C-000n are not scannable)."""
    with live.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.cards.c.serial).where(
                t.cards.c.resident_id == resident_id, t.cards.c.serial.not_like("C-%")
            )
        ).all()
    assert len(rows) == 1
    return str(rows[0].serial)


def test_three_wrong_pins_block_the_card(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    counter, payloads = demo(qtbot, tmp_path, ui, closing)
    screen = counter.screen
    device = counter.device
    assert device.counter is not None
    serial = device.scan.check(payloads[0]).serial
    done: list[object] = []
    device.counter.set_pin(serial, "2468").success(done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)

    counter.quote("15,00", payloads[0])
    assert screen.confirm_pin.text() == "Voor dit bedrag is de pincode van de pas nodig."
    counter.click(screen.confirm_go)
    counter.wait_page(Page.PIN)
    assert not screen.pin_go.isEnabled()
    counter.type_pin("1111")
    assert screen.pin_pad.display.text() == "● ● ● ●"  # never the digits
    counter.click(screen.pin_go)
    counter.wait_text(screen.pin_message, "nog 2 keer")
    assert screen.pin_message.property("tone") == "refused"
    assert screen.pin_pad.pin == ""  # each try starts empty
    counter.type_pin("1112")
    counter.click(screen.pin_go)
    counter.wait_text(screen.pin_message, "nog 1 keer")
    counter.type_pin("1113")
    counter.click(screen.pin_go)
    counter.wait_page(Page.RESULT)
    assert screen.result_headline.text() == "Niet betaald"
    assert "geblokkeerd" in screen.result_detail.text()
    assert ledger_moves(device) == []
    with read_only(device.handle.engine) as conn:
        state = pq.pin_state(conn, serial)
    assert state is not None and state.blocked and state.wrong_tries == 3

    # Blocked on this device: even a small amount with the card is refused.
    counter.next_customer()
    counter.type_amount("1")
    counter.click(screen.to_scan)
    counter.wait_page(Page.SCAN)
    counter.scan.scanned(payloads[0])
    counter.wait_page(Page.RESULT)
    assert "geblokkeerd" in screen.result_detail.text()


def test_the_right_pin_pays(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    counter, payloads = demo(qtbot, tmp_path, ui, closing)
    screen = counter.screen
    device = counter.device
    assert device.counter is not None
    serial = device.scan.check(payloads[2]).serial
    done: list[object] = []
    device.counter.set_pin(serial, "97531").success(done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    counter.quote("20", payloads[2])
    counter.click(screen.confirm_go)
    counter.wait_page(Page.PIN)
    counter.type_pin("97531")
    with qtbot.waitSignal(screen.paid_shown, timeout=WAIT_MS):
        counter.click(screen.pin_go)
    assert screen.result_detail.text() == "20,00 betaald. Over op de pas: 80,00."
    assert ledger_moves(device) == [(Kind.SPEND, 2_000)]


# -- refunds -----------------------------------------------------------------------------------


def test_a_refund_from_the_days_list(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    counter, payloads = demo(qtbot, tmp_path, ui, closing)
    screen = counter.screen
    counter.pay("10", payloads[0])
    counter.open_day()
    (row,) = screen.day_page.rows
    assert row.refund_button is not None
    assert row.refund_button.accessibleName().startswith("De betaling van 10,00 om ")
    counter.click(row.refund_button)
    counter.wait_page(Page.REFUND)
    assert screen.refund_pad.display.text() == "10,00"  # all that is left, to begin with
    # Part of it: 3,00.
    counter.click(screen.refund_pad.clear_key)
    counter.click(screen.refund_pad.digits["3"])
    counter.click(screen.refund_go)
    counter.wait_page(Page.RESULT)
    assert screen.result_headline.text() == "Terugbetaald"
    assert screen.result_detail.text() == "3,00 terug op de pas. Saldo nu: 93,00."
    assert ledger_moves(counter.device) == [(Kind.SPEND, 1_000), (Kind.REFUND, 300)]

    counter.open_day()
    texts = [r.what.text().split("  ", 1)[1] for r in screen.day_page.rows]
    assert texts == ["Terugbetaling — 3,00", "Betaling — 10,00"]  # the newest on top
    spend_row = screen.day_page.rows[1]
    assert spend_row.row.refundable == 700 and spend_row.refund_button is not None
    # More than is left is not offered.
    counter.click(spend_row.refund_button)
    counter.wait_page(Page.REFUND)
    assert screen.refund_pad.display.text() == "7,00"
    counter.click(screen.refund_pad.digits["1"])  # 7,001 cannot be typed: still 7,00
    counter.click(screen.refund_pad.clear_key)
    counter.click(screen.refund_pad.digits["8"])
    assert not screen.refund_go.isEnabled()
    assert "7,00" in screen.refund_message.text()
    counter.click(screen.refund_pad.clear_key)
    counter.click(screen.refund_pad.digits["7"])
    counter.click(screen.refund_go)
    counter.wait_page(Page.RESULT)
    assert ledger_moves(counter.device) == [
        (Kind.SPEND, 1_000),
        (Kind.REFUND, 300),
        (Kind.REFUND, 700),
    ]
    counter.open_day()
    assert all(r.refund_button is None for r in screen.day_page.rows)
    assert "Totaal: 0,00" in screen.day_page.totals.text()

    counter.click(screen.day_page.summary_button)
    counter.wait_page(Page.SUMMARY)
    qtbot.waitUntil(lambda: bool(screen.summary_page.lines), timeout=WAIT_MS)
    lines = [label.text() for label in screen.summary_page.lines]
    assert "Betalingen: 1, samen 10,00" in lines
    assert "Terugbetalingen: 2, samen 10,00" in lines
    assert "Totaal voor de winkel: 0,00" in lines


# -- the network, and the server's word ---------------------------------------------------------


def test_the_network_drops_mid_day_and_comes_back_nothing_lost_or_doubled(
    qtbot: QtBot, live: LiveServer, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    admin.grant(live.server, "r-1", GRANT, "welkom")
    gate = Gate(live_port(live))
    try:
        dev, cards = enrol_counter(live, tmp_path / "counter", url=gate.url)
        counter = open_counter(qtbot, dev.device, ui)
        closing.append(counter)
        screen = counter.screen
        loop = dev.device.sync_loop
        assert loop is not None
        payload = cards[0].payload

        counter.pay("4", payload)
        dev.sync()
        counter.next_customer()

        gate.down()  # the network is gone
        loop.step()
        assert not loop.status.online
        counter.wait_text(screen.limits_label, "Geen verbinding.")
        assert screen.limits_label.property("tone") == "warning"
        for amount in ("2,50", "7"):
            counter.pay(amount, payload)
            counter.next_customer()
            loop.step()  # the counter keeps trying; nothing gets through
        assert not loop.status.online
        counter.open_day()
        statuses = [r.status.text() for r in screen.day_page.rows]
        assert statuses == ["Wacht op verzending", "Wacht op verzending", "Verzonden"]
        assert "Nog niet verzonden: 2." in screen.day_page.totals.text()
        assert admin.balance(live.server, acc.till("m-1")) == 400

        gate.up()  # back
        dev.sync()
        dev.sync()  # a second round sends nothing again
        counter.wait_day()
        statuses = [r.status.text() for r in screen.day_page.rows]
        assert statuses == ["Verzonden"] * 3
        counter.wait_text(screen.limits_label, "Offline grenzen")
        assert "Geen verbinding." not in screen.limits_label.text()
    finally:
        gate.down()
    assert ledger_moves(counter.device) == [(Kind.SPEND, 400), (Kind.SPEND, 250), (Kind.SPEND, 700)]
    assert admin.balance(live.server, acc.till("m-1")) == 1_350
    assert admin.balance(live.server, acc.wallet("r-1")) == GRANT - 1_350
    with live.server.engine.connect() as conn:
        spends = conn.execute(
            select(func.count())
            .select_from(t.ledger)
            .where(t.ledger.c.device_id == counter.device.device_id, t.ledger.c.kind == "spend")
        ).scalar_one()
    assert spends == 3


def test_a_spend_the_server_refused_shows_on_the_days_list_with_its_reason(
    enrolled: tuple[Counter, list[str], object], live: LiveServer
) -> None:
    counter, payloads, dev = enrolled
    screen = counter.screen
    clock = dev.clock  # type: ignore[attr-defined]
    counter.pay("4", payloads[0])
    counter.next_customer()
    clock.advance(2 * HOUR)  # the counter's clock runs ahead, within what it can tell
    counter.pay("12,50", payloads[0])
    clock.advance(-2 * HOUR)
    dev.sync()  # type: ignore[attr-defined]
    counter.open_day()
    rows = {r.row.amount: r for r in screen.day_page.rows}
    refused = rows[1_250]
    assert refused.status.text() == "Geweigerd"
    assert refused.status.property("tone") == "refused"
    assert refused.what.text().endswith(
        "Betaling van 12,50 geweigerd door de server: de klok van dit apparaat liep voor."
    )
    assert refused.refund_button is None
    assert rows[400].status.text() == "Verzonden"
    totals = screen.day_page.totals.text()
    assert "Betalingen: 1, samen 4,00" in totals and "Geweigerd door de server: 1 (12,50)" in totals
    assert admin.balance(live.server, acc.till("m-1")) == 400


# -- receipts ----------------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    doc = pdfium.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def test_a_receipt_is_printed_to_pdf_after_the_payment(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    folder = tmp_path / "receipts"
    folder.mkdir()
    counter, payloads = demo(qtbot, tmp_path, ui, closing, printer=f"pdf:{folder}")
    screen = counter.screen
    counter.pay("3,50", payloads[0])
    counter.wait_text(screen.result_receipt, "De bon is geprint.")
    (pdf,) = folder.glob("*.pdf")
    text = " ".join(pdf_text(pdf).split())
    for part in ("Bakker Jansen", "Betaling", "3,50", "96,50", "Betaald"):
        assert part in text


def test_a_receipt_goes_to_the_printers_device_file_and_a_missing_printer_is_only_a_warning(
    qtbot: QtBot, tmp_path: Path, ui: Translations, closing: list[Counter]
) -> None:
    lp0 = tmp_path / "lp0"
    lp0.touch()  # the device node of a plugged-in printer
    counter, payloads = demo(qtbot, tmp_path, ui, closing, printer=f"file:{lp0}")
    screen = counter.screen
    counter.pay("2,25", payloads[1])
    counter.wait_text(screen.result_receipt, "De bon is geprint.")
    sent = read_escpos(lp0.read_bytes())
    assert counter.device.counter is not None
    (spend,) = counter.device.counter.day_list_now().rows
    expected = PaymentReceipt(
        shop_name="Bakker Jansen",
        device_name=counter.device.name,
        at_ms=spend.at_ms,
        amount=225,
        remaining=FUNDS - 225,
        tx_id=spend.tx_id,
    )
    assert sent.texts == receipt_text(expected) and sent.cuts == 1

    lp0.unlink()  # the printer is unplugged
    counter.next_customer()
    counter.pay("1", payloads[1])
    counter.wait_text(screen.result_receipt, "De betaling is wel gedaan.")
    assert screen.result_receipt.property("tone") == "warning"
    assert screen.result_headline.text() == "Betaald"  # the payment stays paid
    assert ledger_moves(counter.device) == [(Kind.SPEND, 225), (Kind.SPEND, 100)]


# -- languages, sizes, names ---------------------------------------------------------------------


def walk_pages(counter: Counter, payloads: list[str]) -> Iterator[str]:
    """Bring every page of the screen to the front, filled as in use; yield its name."""
    screen = counter.screen
    device = counter.device
    assert device.counter is not None
    yield "amount, empty"
    counter.type_amount("15")
    yield "amount, typed"
    counter.click(screen.to_scan)
    counter.wait_page(Page.SCAN)
    yield "scan"
    screen.serial_input.setText("XYZ")
    counter.click(screen.serial_go)
    counter.qtbot.waitUntil(lambda: screen.scan_message.isVisibleTo(screen), timeout=WAIT_MS)
    yield "scan, a refused number"
    counter.scan.scanned(payloads[0])
    counter.wait_page(Page.CONFIRM)
    yield "confirm, with the PIN needed"
    counter.click(screen.confirm_go)
    counter.wait_page(Page.PIN)
    counter.type_pin("0000")
    counter.click(screen.pin_go)
    counter.qtbot.waitUntil(lambda: screen.pin_message.isVisibleTo(screen), timeout=WAIT_MS)
    yield "PIN, a wrong try"
    counter.type_pin("2468")
    with counter.qtbot.waitSignal(screen.paid_shown, timeout=WAIT_MS):
        counter.click(screen.pin_go)
    yield "paid"
    counter.next_customer()
    counter.type_amount("999")
    counter.click(screen.to_scan)
    counter.wait_page(Page.SCAN)
    counter.scan.scanned(payloads[1])
    counter.wait_page(Page.RESULT)
    yield "refused"
    counter.open_day()
    yield "the day"
    row = screen.day_page.rows[0]
    assert row.refund_button is not None
    counter.click(row.refund_button)
    counter.wait_page(Page.REFUND)
    yield "refund"
    counter.click(screen.refund_pad.clear_key)
    for key in "99":
        counter.click(screen.refund_pad.digits[key])
    counter.qtbot.waitUntil(lambda: screen.refund_message.isVisibleTo(screen), timeout=WAIT_MS)
    yield "refund, too much"
    counter.click(screen.refund_cancel)
    counter.wait_page(Page.DAY)
    counter.click(screen.day_page.summary_button)
    counter.wait_page(Page.SUMMARY)
    counter.qtbot.waitUntil(lambda: bool(screen.summary_page.lines), timeout=WAIT_MS)
    yield "end of day"


def test_every_page_in_both_languages_and_both_themes_is_translated_large_and_named(
    enrolled: tuple[Counter, list[str], object], ui: Translations, qapp: QApplication
) -> None:
    counter, payloads, _dev = enrolled
    screen = counter.screen
    device = counter.device
    assert device.counter is not None
    serial = device.scan.check(payloads[0]).serial
    done: list[object] = []
    device.counter.set_pin(serial, "2468").success(done.append)
    counter.qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    counter.wait_text(screen.limits_label, "25,00")

    ours = [m for m in messages(ts_path("nl")) if m.context in COUNTER_CONTEXTS]
    assert len(ours) > 60 and all(m.finished and m.translations[0] for m in ours)
    differ = [m for m in ours if m.translations[0] != m.source]
    patterns = {
        "nl": {m.translations[0]: text_pattern(m.translations[0]) for m in differ},
        "en": {m.source: text_pattern(m.source) for m in differ},
    }
    seen: dict[str, set[str]] = {"nl": set(), "en": set()}
    problems: list[str] = []
    for name in walk_pages(counter, payloads):
        for theme in (NORMAL, HIGH_CONTRAST):
            apply_theme(qapp, theme)
            for lang in ("nl", "en"):
                ui.switch(lang)
                counter.wait_text(screen.to_day, DAY_BUTTON[lang])
                counter.qtbot.wait(10)  # the rest of the posted LanguageChange events
                other = "en" if lang == "nl" else "nl"
                for text in shown_texts(screen):
                    if any(p.fullmatch(text) for p in patterns[other].values()):
                        problems.append(f"{name}, {lang}: untranslated «{text}»")
                    seen[lang].update(t for t, p in patterns[lang].items() if p.fullmatch(text))
                problems += [f"{name}, {theme.name}, {lang}: {p}" for p in check_sizes(screen)]
        apply_theme(qapp, NORMAL)
        ui.switch("nl")
    assert problems == []
    # The walk brought most of our texts on screen, in each language.
    assert len(seen["nl"]) >= 40 and len(seen["en"]) >= 40, (len(seen["nl"]), len(seen["en"]))
    assert {"Betaald", "Niet betaald"} <= seen["nl"] and {"Paid", "Not paid"} <= seen["en"]


def text_pattern(template: str) -> re.Pattern[str]:
    """A translated text with its %1, %2 filled in by anything."""
    return re.compile(".+".join(re.escape(part) for part in re.split(r"%\d", template)), re.S)
