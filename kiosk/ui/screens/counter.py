"""The merchant counter: a keypad for the amount, then the card; a confirmation with the
amount and what will remain; the PIN pad when the card needs it; "Paid" once the payment is
committed, and a receipt. From the day's list: a refund. The day's list and total, the
end-of-day summary, and the offline limits in force, always on screen. A card blocked by three
wrong PINs: a staff member (desk or kiosk staff) scans their staff card and types their PIN,
and the block on this counter is lifted (`device.staff.lift_pin_block`).

Everything goes through `device.counter` (kiosk/ops/counter.py; the lift through
`device.staff`, kiosk/ops/staff.py) as an op with a success and a
failure callback; the screen never waits for the disk, the network or the printer, and shows
refusals as their words (`error.message(lang)`). One scan makes one action: a card is taken
only while the screen waits for one, and never while an op is in flight.

    screen = CounterScreen(device, scan, translations, bridge)
    screen.set_active(True)      # while it is the screen in front: scans reach it

The pages are in counter_pages.py (the payment's), counter_daylist.py (the day's) and
counter_pads.py (the keypads); docs/ui-counter.md describes the flow.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from kiosk.core.errors import HeitjeError, Lang
from kiosk.ops.counter import CounterOps
from kiosk.ops.device import Device
from kiosk.ops.events import SyncStatusChanged
from kiosk.ops.results import (
    CounterLimits,
    DayList,
    DayRow,
    DaySummary,
    Payment,
    PaymentQuote,
    Refunded,
)
from kiosk.ops.staff import LIFT_ROLES, PinBlockLifted
from kiosk.printing.receipts import PaymentReceipt, RefundReceipt
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Retranslating, Translations
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.counter_daylist import DayPage, SummaryPage
from kiosk.ui.screens.counter_pads import fill
from kiosk.ui.screens.counter_pages import (
    PREVIEW_H,
    PREVIEW_W,
    AmountPage,
    ConfirmPage,
    CounterState,
    LiftPinPage,
    LiftScanPage,
    LimitsLabel,
    PinPage,
    RefundPage,
    ResultPage,
    ScanPage,
)

__all__ = ["CounterScreen", "Page"]

# Refusals of a payment the PIN pad handles itself (it stays, with the words).
PIN_CODES = frozenset({"pin_needed", "pin_wrong"})
# ... and of lifting a block: a wrong staff PIN stays on the staff PIN pad; any other refusal
# goes back to scanning a staff card, with its words.
LIFT_PIN_CODES = frozenset({"pin_wrong"})


class Page(Enum):
    AMOUNT = "amount"
    SCAN = "scan"
    CONFIRM = "confirm"
    PIN = "pin"
    RESULT = "result"
    REFUND = "refund"
    DAY = "day"
    SUMMARY = "summary"
    LIFT_SCAN = "lift_scan"  # a staff member lifts a PIN block: their staff card
    LIFT_PIN = "lift_pin"  # ... and their PIN


class CounterScreen(Retranslating, QWidget):
    paid_shown = Signal()  # emitted right after "Paid" is on screen (the Payment arrived)

    def __init__(
        self,
        device: Device,
        scan: ScanInput,
        translations: Translations,
        bridge: Bridge,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if device.counter is None:
            raise ValueError("CounterScreen needs a device with the merchant-counter role")
        self._device = device
        self._ops: CounterOps = device.counter
        self._scan = scan
        self._translations = translations
        self._active = False
        self._ticket = 0  # bumped when the flow moves on: a late outcome is then dropped
        self.state = CounterState()
        self._loading: set[Page] = set()  # day / summary reads in flight
        self._again: set[Page] = set()  # ... and asked for again meanwhile
        self._limits_loading = self._limits_again = False
        self._build()
        bridge.ledger_appended.connect(self._on_books_changed)
        bridge.refusals_arrived.connect(self._on_books_changed)
        bridge.snapshot_applied.connect(self._on_books_changed)
        bridge.sync_status.connect(self._on_sync_status)
        self.retranslate()
        self.show_page(Page.AMOUNT)

    def _build(self) -> None:
        state, lang = self.state, self._lang
        self.shop = QLabel()
        self.shop.setObjectName("counter_shop")
        self.shop.setProperty("text_size", "title")
        self.limits_label = LimitsLabel(state, lang)

        self.amount_page = AmountPage(state, lang)
        self.scan_page = ScanPage(state, lang, camera=self._scan.camera is not None)
        self.confirm_page = ConfirmPage(state, lang)
        self.pin_page = PinPage(state, lang)
        self.result_page = ResultPage(state, lang)
        self.refund_page = RefundPage(state, lang)
        self.day_page = DayPage(lang)
        self.summary_page = SummaryPage(lang)
        self.lift_scan_page = LiftScanPage(state, lang, camera=self._scan.camera is not None)
        self.lift_pin_page = LiftPinPage(state, lang)
        self.pages: dict[Page, QWidget] = {
            Page.AMOUNT: self.amount_page,
            Page.SCAN: self.scan_page,
            Page.CONFIRM: self.confirm_page,
            Page.PIN: self.pin_page,
            Page.RESULT: self.result_page,
            Page.REFUND: self.refund_page,
            Page.DAY: self.day_page,
            Page.SUMMARY: self.summary_page,
            Page.LIFT_SCAN: self.lift_scan_page,
            Page.LIFT_PIN: self.lift_pin_page,
        }
        self.stack = QStackedWidget()
        for page, widget in self.pages.items():
            widget.setObjectName(f"page_{page.value}")
            self.stack.addWidget(widget)

        # The controls people touch, by name (tests, the demo and the benchmark use these).
        self.amount_pad = self.amount_page.pad
        self.to_scan, self.to_day = self.amount_page.to_scan, self.amount_page.to_day
        self.to_summary = self.amount_page.to_summary
        self.scan_amount, self.scan_message = self.scan_page.amount, self.scan_page.message
        self.serial_input, self.serial_go = self.scan_page.serial_input, self.scan_page.serial_go
        self.preview = self.scan_page.preview
        p = self.confirm_page
        self.confirm_amount, self.confirm_balance = p.amount, p.balance
        self.confirm_remaining, self.confirm_limits, self.confirm_pin = p.remaining, p.limits, p.pin
        self.confirm_go = p.go
        self.pin_pad, self.pin_go, self.pin_message = (
            self.pin_page.pad,
            self.pin_page.go,
            self.pin_page.message,
        )
        r = self.result_page
        self.result_headline, self.result_detail, self.result_receipt = (
            r.headline,
            r.detail,
            r.receipt,
        )
        self.result_next, self.result_retry, self.result_lift = r.next, r.retry, r.lift
        self.lift_scan_message, self.lift_scan_cancel = (
            self.lift_scan_page.message,
            self.lift_scan_page.cancel,
        )
        lp = self.lift_pin_page
        self.lift_pad, self.lift_go, self.lift_message = lp.pad, lp.go, lp.message
        self.lift_pin_cancel = lp.cancel
        f = self.refund_page
        self.refund_pad, self.refund_go, self.refund_message = f.pad, f.go, f.message
        self.refund_cancel = f.cancel

        self.amount_pad.changed.connect(self._amount_changed)
        self.to_scan.clicked.connect(self._to_scan)
        self.to_day.clicked.connect(lambda: self.show_page(Page.DAY))
        self.to_summary.clicked.connect(lambda: self.show_page(Page.SUMMARY))
        self.serial_input.returnPressed.connect(self._typed)
        self.serial_go.clicked.connect(self._typed)
        self.scan_page.cancel.clicked.connect(self.new_customer)
        self.confirm_go.clicked.connect(self._confirm)
        self.confirm_page.cancel.clicked.connect(self.new_customer)
        self.pin_go.clicked.connect(self._pay_with_pin)
        self.pin_page.cancel.clicked.connect(self.new_customer)
        self.result_next.clicked.connect(self.new_customer)
        self.result_retry.clicked.connect(self._retry)
        self.result_lift.clicked.connect(self.start_lift)
        self.lift_scan_cancel.clicked.connect(self._cancel_lift)
        self.lift_go.clicked.connect(self._lift)
        self.lift_pin_cancel.clicked.connect(self._cancel_lift)
        self.refund_go.clicked.connect(self._refund)
        self.refund_cancel.clicked.connect(lambda: self.show_page(Page.DAY))
        self.day_page.back.connect(self.new_customer)
        self.day_page.summary.connect(lambda: self.show_page(Page.SUMMARY))
        self.day_page.refund.connect(self.start_refund)
        self.summary_page.back.connect(lambda: self.show_page(Page.DAY))

        layout = QVBoxLayout(self)
        layout.addWidget(self.shop)
        layout.addWidget(self.limits_label)
        layout.addWidget(self.stack, 1)

    def _lang(self) -> Lang:
        return self._translations.lang

    # -- the contract --------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        current = self.stack.currentWidget()
        return next(page for page, widget in self.pages.items() if widget is current)

    def set_active(self, active: bool) -> None:
        """Take scans (and camera frames) while this is the screen in front."""
        if active == self._active:
            return
        self._active = active
        scan = self._scan
        if active:
            scan.card.connect(self.on_card)
            scan.refused.connect(self.on_refused)
            scan.frame.connect(self._on_frame)
            self._load_limits()
            if self.page in (Page.DAY, Page.SUMMARY):
                self._load(self.page)
        else:
            scan.card.disconnect(self.on_card)
            scan.refused.disconnect(self.on_refused)
            scan.frame.disconnect(self._on_frame)

    def on_card(self, serial: str) -> None:
        """A checked card (camera, hand scanner or typed): one scan, one action, and only when
        the screen waits for a card."""
        state = self.state
        if state.busy is None and self.page is Page.LIFT_SCAN:
            self._staff_card(serial)
            return
        if state.busy is not None or state.amount is None or not self._waits_for_card():
            return
        state.scan_error = None
        state.card = serial
        state.busy = "quote"
        ticket = self._next_ticket()
        self._ops.quote(serial, state.amount).success(
            lambda quote: self._quoted(ticket, quote)
        ).failure(lambda error: self._refused(ticket, error))
        self.show_page(Page.SCAN)

    def on_refused(self, error: HeitjeError) -> None:
        """A scan the card check refused (revoked, not ours, unreadable): its words, in place."""
        state = self.state
        if state.busy is None and self.page is Page.LIFT_SCAN:
            state.lift_error = error
            self.lift_scan_page.retranslate()
            return
        if state.busy is not None or state.amount is None or not self._waits_for_card():
            return
        state.scan_error = error
        self.show_page(Page.SCAN)

    def new_customer(self) -> None:
        """Back to an empty amount: nothing of the last card is kept."""
        if self.state.busy is not None:
            return
        self._next_ticket()
        self.state.new_customer()
        self.amount_pad.clear()
        self.serial_input.clear()
        self._scan.forget()
        self.show_page(Page.AMOUNT)

    def show_page(self, page: Page) -> None:
        if page is not Page.PIN:
            self.pin_pad.clear()
        if page is not Page.LIFT_PIN:
            self.lift_pad.clear()
        self.stack.setCurrentWidget(self.pages[page])
        if page in (Page.DAY, Page.SUMMARY):
            self._load(page)
        self._render()

    def retranslate(self) -> None:
        self.shop.setText(fill(self.tr("Counter of %1"), self._ops.merchant_name))

    def _render(self) -> None:
        """Redraw the pages from the state (each also redraws itself on a language change)."""
        self.retranslate()
        self.limits_label.retranslate()
        for page in (
            self.amount_page,
            self.scan_page,
            self.confirm_page,
            self.pin_page,
            self.result_page,
            self.refund_page,
            self.lift_scan_page,
            self.lift_pin_page,
        ):
            page.retranslate()

    # -- the payment ---------------------------------------------------------------------------

    def _waits_for_card(self) -> bool:
        page = self.page
        return page in (Page.AMOUNT, Page.SCAN) or (page is Page.RESULT and self.state.retry_card)

    def _next_ticket(self) -> int:
        self._ticket += 1
        return self._ticket

    def _amount_changed(self) -> None:
        self.state.amount = self.amount_pad.cents()
        self.amount_page.retranslate()

    def _to_scan(self) -> None:
        if self.state.amount is not None and self.state.busy is None:
            self.state.scan_error = None
            self.show_page(Page.SCAN)

    def _typed(self) -> None:
        text = self.serial_input.text()
        self.serial_input.clear()
        if text.strip():
            self._scan.typed(text)

    def _quoted(self, ticket: int, quote: PaymentQuote) -> None:
        if ticket != self._ticket:
            return
        self.state.busy = None
        self.state.quote = quote
        self.show_page(Page.CONFIRM)

    def _refused(self, ticket: int, error: HeitjeError) -> None:
        """A quote or a payment refused: the words, on the result page. The deduper is not
        reset: a card held still in front of the camera is not quoted again and again."""
        if ticket != self._ticket:
            return
        state = self.state
        state.busy = None
        state.outcome, state.receipt, state.retry_card = error, None, True
        self.show_page(Page.RESULT)

    def _confirm(self) -> None:
        if self.state.busy is not None or self.state.quote is None:
            return
        if self.state.quote.pin_needed:
            self.state.pin_error = None
            self.show_page(Page.PIN)
        else:
            self._pay(None)

    def _pay_with_pin(self) -> None:
        if self.pin_pad.complete():
            self._pay(self.pin_pad.pin)

    def _pay(self, pin: str | None) -> None:
        quote = self.state.quote
        if self.state.busy is not None or quote is None:
            return
        self.state.busy = "pay"
        ticket = self._next_ticket()
        self.pin_pad.clear()
        self._ops.pay(quote.card_serial, quote.amount, pin=pin).success(
            lambda paid: self._paid(ticket, paid)
        ).failure(lambda error: self._pay_refused(ticket, error))
        self._render()

    def _paid(self, ticket: int, payment: Payment) -> None:
        """Committed: "Paid" (always shown: nothing can cancel a payment in flight)."""
        state = self.state
        state.busy = None
        state.outcome, state.retry_card, state.quote, state.receipt = payment, False, None, None
        if self._device.printing.available:
            self._print(
                PaymentReceipt(
                    shop_name=payment.merchant_name,
                    device_name=self._device.name,
                    at_ms=payment.at_ms,
                    amount=payment.amount,
                    remaining=payment.remaining,
                    tx_id=payment.tx_id,
                    lang=self._lang(),
                ),
                ticket,
            )
        self.show_page(Page.RESULT)
        if self.isVisible():
            self.repaint()  # "Paid" is painted before anyone is told it is on screen
        self.paid_shown.emit()

    def _pay_refused(self, ticket: int, error: HeitjeError) -> None:
        if ticket != self._ticket:
            return
        if error.code in PIN_CODES:
            self.state.busy = None
            self.state.pin_error = error
            self.show_page(Page.PIN)
            return
        self._refused(ticket, error)

    def _retry(self) -> None:
        """After a refusal: the same amount, another card."""
        if self.state.busy is None:
            self.state.outcome = self.state.scan_error = None
            self.state.retry_card = False
            self.show_page(Page.SCAN)

    # -- lifting a PIN block -------------------------------------------------------------------

    def start_lift(self) -> None:
        """From the refused page of a blocked card: the next scan is a staff member's card."""
        state = self.state
        if state.busy is not None or not state.can_lift():
            return
        self._next_ticket()
        state.lift_staff, state.lift_error = None, None
        self._scan.forget()  # the staff card may be one scanned a moment ago
        self.show_page(Page.LIFT_SCAN)

    def _staff_card(self, serial: str) -> None:
        """Whose card this is, before their PIN: a card that may not lift (an inspector's, a
        resident's) is refused at once, not after a PIN typed for nothing."""
        state = self.state
        state.busy = "lift"
        ticket = self._next_ticket()

        def known(_member: object) -> None:
            state.busy = None
            if ticket != self._ticket:
                return
            state.lift_staff, state.lift_error = serial, None
            self.show_page(Page.LIFT_PIN)

        self._device.staff.identify(serial, LIFT_ROLES).success(known).failure(
            lambda error: self._lift_refused(ticket, error)
        )
        self._render()

    def _lift(self) -> None:
        state = self.state
        card, staff = state.card, state.lift_staff
        if state.busy is not None or card is None or staff is None or not self.lift_pad.complete():
            return
        pin = self.lift_pad.pin
        self.lift_pad.clear()
        state.busy = "lift"
        ticket = self._next_ticket()
        self._device.staff.lift_pin_block(card, staff, pin).success(self._lifted).failure(
            lambda error: self._lift_refused(ticket, error)
        )
        self._render()

    def _lifted(self, lifted: PinBlockLifted) -> None:
        """Lifted (always shown: it is committed): the card is scanned again to pay."""
        state = self.state
        state.busy = None
        state.outcome, state.receipt, state.retry_card = lifted, None, True
        state.lift_staff = state.lift_error = None
        self._scan.forget()  # the resident's card acts again at once
        self.show_page(Page.RESULT)

    def _lift_refused(self, ticket: int, error: HeitjeError) -> None:
        state = self.state
        state.busy = None
        if ticket != self._ticket:
            return
        state.lift_error = error
        if error.code in LIFT_PIN_CODES:
            self.show_page(Page.LIFT_PIN)
            return
        state.lift_staff = None  # another staff card, or Cancel
        self._scan.forget()
        self.show_page(Page.LIFT_SCAN)

    def _cancel_lift(self) -> None:
        """Back to the refused page of the blocked card."""
        state = self.state
        if state.busy is not None:
            return
        self._next_ticket()
        state.lift_staff = state.lift_error = None
        self.show_page(Page.RESULT)

    # -- refunds -------------------------------------------------------------------------------

    def start_refund(self, row: DayRow) -> None:
        if self.state.busy is not None or row.refundable <= 0:
            return
        self._next_ticket()
        self.state.refund_row, self.state.refund_error = row, None
        self.refund_pad.set_cents(row.refundable)  # all that is left, to begin with
        self.show_page(Page.REFUND)

    def _refund(self) -> None:
        row, amount = self.state.refund_row, self.refund_pad.cents()
        if self.state.busy is not None or row is None or amount is None:
            return
        self.state.busy = "refund"
        self.state.refund_error = None
        ticket = self._next_ticket()
        self._ops.refund(row.tx_id, amount).success(
            lambda done: self._refunded(ticket, done)
        ).failure(lambda error: self._refund_refused(ticket, error))
        self._render()

    def _refunded(self, ticket: int, done: Refunded) -> None:
        state = self.state
        state.busy = None
        state.outcome, state.retry_card, state.refund_row, state.receipt = done, False, None, None
        if self._device.printing.available:
            self._print(
                RefundReceipt(
                    shop_name=self._ops.merchant_name,
                    device_name=self._device.name,
                    at_ms=done.at_ms,
                    amount=done.amount,
                    remaining=done.remaining,
                    tx_id=done.tx_id,
                    original_tx_id=done.spend_tx_id,
                    lang=self._lang(),
                ),
                ticket,
            )
        self.show_page(Page.RESULT)

    def _refund_refused(self, ticket: int, error: HeitjeError) -> None:
        self.state.busy = None
        if ticket == self._ticket:
            self.state.refund_error = error
        self._render()

    # -- receipts ------------------------------------------------------------------------------

    def _print(self, receipt: PaymentReceipt | RefundReceipt, ticket: int) -> None:
        """On the printer thread; its outcome shows only while its payment is on screen."""
        self.state.receipt = "printing"

        def done(outcome: str | HeitjeError) -> None:
            if ticket == self._ticket:
                self.state.receipt = outcome
                self.result_page.retranslate()

        self._device.printing.print(receipt).success(lambda _path: done("printed")).failure(done)

    # -- the day, the limits -------------------------------------------------------------------

    def _on_books_changed(self, _event: object) -> None:
        if not self._active:
            return
        self._load_limits()
        if self.page in (Page.DAY, Page.SUMMARY):
            self._load(self.page)

    def _on_sync_status(self, event: object) -> None:
        if isinstance(event, SyncStatusChanged) and event.status.online != self.state.online:
            self.state.online = event.status.online
            self.limits_label.retranslate()
            if self._active:
                self._load_limits()

    def _load(self, page: Page) -> None:
        """Read the day (or its summary) again; one read at a time, and one more if the books
        changed meanwhile."""
        if page in self._loading:
            self._again.add(page)
            return
        self._loading.add(page)

        def landed() -> None:
            self._loading.discard(page)
            if page in self._again:
                self._again.discard(page)
                self._load(page)

        def failed(error: HeitjeError) -> None:
            landed()
            if page is Page.DAY:
                self.day_page.totals.setText(error.message(self._lang()))

        def show_day(day: DayList) -> None:
            landed()
            self.day_page.show_day(day)

        def show_summary(summary: DaySummary) -> None:
            landed()
            self.summary_page.show_summary(summary)

        if page is Page.DAY:
            self._ops.day_list().success(show_day).failure(failed)
        else:
            self._ops.day_summary().success(show_summary).failure(failed)

    def _load_limits(self) -> None:
        if self._limits_loading:
            self._limits_again = True
            return
        self._limits_loading = True

        def landed(limits: CounterLimits | None) -> None:
            self._limits_loading = False
            self.state.limits, self.state.limits_known = limits, True
            self.limits_label.retranslate()
            if self._limits_again:
                self._limits_again = False
                self._load_limits()

        def failed(_error: HeitjeError) -> None:
            self._limits_loading = False

        self._ops.limits().success(landed).failure(failed)

    def _on_frame(self, image: QImage) -> None:
        previews = {Page.SCAN: self.preview, Page.LIFT_SCAN: self.lift_scan_page.preview}
        preview = previews.get(self.page)
        if preview is not None:
            preview.setPixmap(
                QPixmap.fromImage(image).scaled(
                    PREVIEW_W, PREVIEW_H, Qt.AspectRatioMode.KeepAspectRatio
                )
            )
