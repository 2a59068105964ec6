"""The pages of a payment at the counter, and the limits line above them. Each page draws
itself from the screen's `CounterState` in `retranslate()` (on a language change, and when the
screen calls it after the state changed); the screen (kiosk/ui/screens/counter.py) runs the
flow and the ops and wires the buttons. LiftScanPage and LiftPinPage are a staff member's
lifting a card's PIN block (three wrong PINs) on this device."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.errors import HeitjeError, Lang
from kiosk.ops.results import CounterLimits, DayRow, Payment, PaymentQuote, Refunded
from kiosk.ops.staff import PinBlockLifted
from kiosk.ui.i18n import Retranslating
from kiosk.ui.screens.counter_pads import AmountPad, PinPad, amount_text, fill
from kiosk.ui.theme import set_tone, show_message
from kiosk.ui.widgets import button, label

__all__ = [
    "AmountPage",
    "ConfirmPage",
    "CounterState",
    "LiftPinPage",
    "LiftScanPage",
    "LimitsLabel",
    "PinPage",
    "RefundPage",
    "ResultPage",
    "ScanPage",
]

PREVIEW_W, PREVIEW_H = 320, 240
Busy = Literal["quote", "pay", "refund", "lift"]
PIN_BLOCKED = "pin_blocked"  # the refusal whose page offers a staff member to lift it


@dataclass
class CounterState:
    """What the counter shows now. The screen changes it; the pages only read it."""

    amount: int | None = None
    busy: Busy | None = None  # the op in flight: scans and touches wait for its outcome
    quote: PaymentQuote | None = None
    card: str | None = None  # the serial of the card last scanned for a payment
    scan_error: HeitjeError | None = None
    outcome: Payment | Refunded | PinBlockLifted | HeitjeError | None = None
    retry_card: bool = False  # the outcome is a refused payment: another card may try
    receipt: str | HeitjeError | None = None  # "printing" | "printed" | the print's error
    pin_error: HeitjeError | None = None
    refund_row: DayRow | None = None
    refund_error: HeitjeError | None = None
    lift_staff: str | None = None  # the staff card scanned to lift the block on `card`
    lift_error: HeitjeError | None = None
    limits: CounterLimits | None = None
    limits_known: bool = False
    online: bool | None = None  # the last sync round's (None: no round yet, or no sync)

    def can_lift(self) -> bool:
        """The refusal on screen is the card's PIN block: a staff member may lift it."""
        outcome = self.outcome
        return (
            isinstance(outcome, HeitjeError)
            and outcome.code == PIN_BLOCKED
            and self.card is not None
        )

    def new_customer(self) -> None:
        """Forget everything of the last customer; keep what describes the counter."""
        fresh = CounterState(limits=self.limits, limits_known=self.limits_known, online=self.online)
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))


def _pad_beside(
    page: QWidget, pad: QWidget, texts: Sequence[QWidget], buttons: Sequence[QWidget]
) -> None:
    """A keypad on the left (three fifths), on the right its texts on top and its buttons at
    the bottom: the layout of every page that takes a number."""
    side = QVBoxLayout()
    for w in texts:
        side.addWidget(w)
    side.addStretch(1)
    for w in buttons:
        side.addWidget(w)
    row = QHBoxLayout(page)
    row.addWidget(pad, 3)
    row.addLayout(side, 2)


class _Page(QWidget):
    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__()
        self.state = state
        self._lang = lang

    def money(self, cents: int) -> str:
        return amount_text(cents, self._lang())


class LimitsLabel(Retranslating, QLabel):
    """The offline limits in force, under the shop's name on every page."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__()
        self.state = state
        self._lang = lang
        self.setObjectName("counter_limits")
        self.setWordWrap(True)
        self.setProperty("muted", True)
        self.retranslate()

    def retranslate(self) -> None:
        lang = self._lang()
        limits = self.state.limits
        if not self.state.limits_known:
            text = ""
        elif limits is None:
            text = self.tr("No offline limits on this counter: it has no data from the server.")
        else:
            text = fill(
                self.tr(
                    "Offline limits: at most %1 a payment and %2 a card a day; payments not yet "
                    "confirmed by the server: %3 of at most %4. Server data is %5 old."
                ),
                amount_text(limits.per_tx_cap, lang),
                amount_text(limits.resident_daily_cap, lang),
                amount_text(limits.exposure_used, lang),
                amount_text(limits.device_exposure_cap, lang),
                self._age(limits.snapshot_age_ms),
            )
            if self.state.online is False:
                text = self.tr("Offline.") + " " + text
        self.setText(text)
        self.setVisible(bool(text))
        warn = limits is not None and (
            self.state.online is False or limits.snapshot_age_ms > limits.snapshot_max_age_ms
        )
        set_tone(self, "warning" if warn else None)

    def _age(self, ms: int) -> str:
        minutes = ms // 60_000
        if minutes < 60:
            return fill(self.tr("%1 min"), str(minutes))
        return fill(self.tr("%1 h %2 min"), str(minutes // 60), str(minutes % 60))


class AmountPage(Retranslating, _Page):
    """The keypad for the amount, and the way to the day's list."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__(state, lang)
        self.title = label("amount_title", size="title")
        self.pad = AmountPad(lang)
        self.to_scan = button("to_scan", primary=True)
        self.to_day = button("to_day")
        self.to_summary = button("to_summary")
        _pad_beside(self, self.pad, [self.title], [self.to_scan, self.to_day, self.to_summary])
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Type the amount"))
        self.to_scan.setText(self.tr("Next: scan the card"))
        self.to_scan.setEnabled(self.state.amount is not None and self.state.busy is None)
        self.to_day.setText(self.tr("Today's payments"))
        self.to_summary.setText(self.tr("End of day"))


class ScanPage(Retranslating, _Page):
    """Waiting for the card: camera, hand scanner, or its number typed."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang], *, camera: bool) -> None:
        super().__init__(state, lang)
        self.camera = camera
        self.title = label("scan_title", size="title")
        self.amount = label("scan_amount", size="huge", wrap=False)
        self.hint = label("scan_hint")
        self.preview = QLabel()
        self.preview.setObjectName("scan_preview")
        self.preview.setFixedSize(PREVIEW_W, PREVIEW_H)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setVisible(camera)  # no camera: no empty picture
        self.serial_label = label("serial_label")
        self.serial_input = QLineEdit()
        self.serial_input.setObjectName("serial_input")
        self.serial_label.setBuddy(self.serial_input)
        self.serial_go = button("serial_go")
        self.message = label("scan_message")
        self.cancel = button("scan_cancel")
        typed = QHBoxLayout()
        typed.addWidget(self.serial_input, 1)
        typed.addWidget(self.serial_go)
        left = QVBoxLayout()
        for w in (self.title, self.amount, self.hint, self.serial_label):
            left.addWidget(w)
        left.addLayout(typed)
        left.addWidget(self.message)
        left.addStretch(1)
        left.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout(self)
        row.addLayout(left, 3)
        row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        self.retranslate()

    def retranslate(self) -> None:
        state = self.state
        amount = self.money(state.amount) if state.amount is not None else ""
        self.title.setText(self.tr("Scan the card"))
        self.amount.setText(amount)
        self.amount.setAccessibleName(fill(self.tr("Amount: %1"), amount))
        if self.camera:
            self.hint.setText(
                self.tr("Hold the card in front of the camera, or scan it with the hand scanner.")
            )
        else:
            self.hint.setText(self.tr("Scan the card with the hand scanner."))
        self.preview.setAccessibleName(self.tr("Camera picture"))
        self.serial_label.setText(self.tr("Or type the card number:"))
        self.serial_go.setText(self.tr("Use this number"))
        self.cancel.setText(self.tr("Cancel"))
        for w in (self.serial_input, self.serial_go, self.cancel):
            w.setEnabled(state.busy is None)
        if state.busy == "quote":
            show_message(self.message, self.tr("Checking the card\u2026"))
        elif state.scan_error is not None:
            show_message(self.message, state.scan_error.message(self._lang()), "refused")
        else:
            show_message(self.message, "")


class ConfirmPage(Retranslating, _Page):
    """The amount, the balance, what will remain, the limits; Pay (or on to the PIN)."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__(state, lang)
        self.title = label("confirm_title", size="title")
        self.amount = label("confirm_amount", size="huge", wrap=False)
        self.balance = label("confirm_balance")
        self.remaining = label("confirm_remaining", size="title")
        self.limits = label("confirm_limits")
        self.pin = label("confirm_pin")
        self.message = label("confirm_message")
        self.go = button("confirm_go", primary=True)
        self.cancel = button("confirm_cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.go)
        col = QVBoxLayout(self)
        for w in (
            self.title,
            self.amount,
            self.balance,
            self.remaining,
            self.limits,
            self.pin,
            self.message,
        ):
            col.addWidget(w)
        col.addStretch(1)
        col.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        quote, busy = self.state.quote, self.state.busy
        self.title.setText(self.tr("Confirm the payment"))
        self.cancel.setText(self.tr("Cancel"))
        self.cancel.setEnabled(busy is None)
        self.go.setEnabled(quote is not None and busy is None)
        show_message(self.message, self.tr("Paying\u2026") if busy == "pay" else "")
        if quote is None:
            for line in (self.amount, self.balance, self.remaining):
                line.setText("")
            show_message(self.limits, "")
            show_message(self.pin, "")
            self.go.setText(self.tr("Pay"))
            return
        money = self.money
        self.amount.setText(money(quote.amount))
        self.amount.setAccessibleName(fill(self.tr("Amount: %1"), money(quote.amount)))
        self.balance.setText(fill(self.tr("Balance on the card: %1"), money(quote.balance)))
        self.remaining.setText(fill(self.tr("Left after paying: %1"), money(quote.remaining)))
        if quote.limits is not None and quote.left_today is not None:
            text = self.tr(
                "Offline limits in force: at most %1 a payment; this card can spend %2 "
                "more here today."
            )
            show_message(
                self.limits, fill(text, money(quote.limits.per_tx_cap), money(quote.left_today))
            )
        else:
            show_message(self.limits, "")
        if quote.pin_needed:
            show_message(self.pin, self.tr("This amount needs the card's PIN."))
            self.go.setText(self.tr("Next: PIN"))
        else:
            show_message(self.pin, "")
            self.go.setText(fill(self.tr("Pay %1"), money(quote.amount)))


class PinPage(Retranslating, _Page):
    """The card holder types the PIN; a wrong try's words stay here."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__(state, lang)
        self.title = label("pin_title", size="title")
        self.hint = label("pin_hint")
        self.pad = PinPad()
        self.message = label("pin_message")
        self.go = button("pin_go", primary=True)
        self.cancel = button("pin_cancel")
        self.pad.changed.connect(self.retranslate)
        _pad_beside(self, self.pad, [self.title, self.hint, self.message], [self.go, self.cancel])
        self.retranslate()

    def retranslate(self) -> None:
        state = self.state
        self.title.setText(self.tr("PIN"))
        self.hint.setText(self.tr("Let the card holder type their PIN, then touch Pay."))
        self.go.setText(self.tr("Pay"))
        self.go.setEnabled(self.pad.complete() and state.busy is None)
        self.cancel.setText(self.tr("Cancel"))
        self.cancel.setEnabled(state.busy is None)
        if state.busy == "pay":
            show_message(self.message, self.tr("Paying\u2026"))
        elif state.pin_error is not None:
            show_message(self.message, state.pin_error.message(self._lang()), "refused")
        else:
            show_message(self.message, "")


class ResultPage(Retranslating, _Page):
    """Paid, refunded, or not paid and why; and the receipt."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__(state, lang)
        self.headline = label("result_headline", size="huge")
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = label("result_detail", size="title")
        self.receipt = label("result_receipt")
        self.next = button("result_next", primary=True)
        self.retry = button("result_retry")
        self.lift = button("result_lift")
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry)
        buttons.addWidget(self.lift)
        buttons.addStretch(1)
        buttons.addWidget(self.next)
        col = QVBoxLayout(self)
        for w in (self.headline, self.detail, self.receipt):
            col.addWidget(w)
        col.addStretch(1)
        col.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        state, money, lang = self.state, self.money, self._lang()
        outcome = state.outcome
        self.next.setText(self.tr("Next customer"))
        self.retry.setText(self.tr("Try another card"))
        self.retry.setVisible(state.retry_card)
        self.lift.setText(self.tr("Staff: lift the block"))
        self.lift.setVisible(state.can_lift())
        self.lift.setEnabled(state.busy is None)
        if isinstance(outcome, Payment):
            self.headline.setText(self.tr("Paid"))
            set_tone(self.headline, "ok")
            self.detail.setText(
                fill(
                    self.tr("%1 paid. Left on the card: %2."),
                    money(outcome.amount),
                    money(outcome.remaining),
                )
            )
        elif isinstance(outcome, Refunded):
            self.headline.setText(self.tr("Refunded"))
            set_tone(self.headline, "ok")
            self.detail.setText(
                fill(
                    self.tr("%1 back on the card. Balance now: %2."),
                    money(outcome.amount),
                    money(outcome.remaining),
                )
            )
        elif isinstance(outcome, PinBlockLifted):
            self.headline.setText(self.tr("Block lifted"))
            set_tone(self.headline, "ok")
            self.detail.setText(
                self.tr(
                    "The card can be used again. The card holder types their PIN again at the "
                    "next payment."
                )
            )
            self.retry.setText(self.tr("Scan the card again"))
        elif isinstance(outcome, HeitjeError):
            self.headline.setText(self.tr("Not paid"))
            set_tone(self.headline, "refused")
            self.detail.setText(outcome.message(lang))
        else:
            self.headline.setText("")
            set_tone(self.headline, None)
            self.detail.setText("")
        receipt = state.receipt
        if receipt == "printing":
            show_message(self.receipt, self.tr("Printing the receipt\u2026"))
        elif receipt == "printed":
            show_message(self.receipt, self.tr("The receipt is printed."))
        elif isinstance(receipt, HeitjeError):
            show_message(self.receipt, receipt.message(lang), "warning")
        else:
            show_message(self.receipt, "")


class RefundPage(Retranslating, _Page):
    """How much of a payment goes back: at most what is left of it."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__(state, lang)
        self.title = label("refund_title", size="title")
        self.what = label("refund_what")
        self.pad = AmountPad(lang)
        self.message = label("refund_message")
        self.go = button("refund_go", primary=True)
        self.cancel = button("refund_cancel")
        self.pad.changed.connect(self.retranslate)
        _pad_beside(self, self.pad, [self.title, self.what, self.message], [self.go, self.cancel])
        self.retranslate()

    def amount_ok(self) -> bool:
        cents, row = self.pad.cents(), self.state.refund_row
        return cents is not None and row is not None and cents <= row.refundable

    def retranslate(self) -> None:
        state, money = self.state, self.money
        row = state.refund_row
        cents = self.pad.cents()
        self.title.setText(self.tr("Refund"))
        self.cancel.setText(self.tr("Cancel"))
        self.cancel.setEnabled(state.busy is None)
        self.go.setEnabled(self.amount_ok() and state.busy is None)
        if row is None:
            self.what.setText("")
        else:
            self.what.setText(
                fill(
                    self.tr("Payment of %1 at %2. At most %3 can be refunded."),
                    money(row.amount),
                    row.time_text,
                    money(row.refundable),
                )
            )
        if cents is not None:
            self.go.setText(fill(self.tr("Refund %1"), money(cents)))
        else:
            self.go.setText(self.tr("Refund"))
        if state.busy == "refund":
            show_message(self.message, self.tr("Refunding\u2026"))
        elif state.refund_error is not None:
            show_message(self.message, state.refund_error.message(self._lang()), "refused")
        elif row is not None and cents is not None and cents > row.refundable:
            text = self.tr("That is more than is left of the payment (%1).")
            show_message(self.message, fill(text, money(row.refundable)), "refused")
        else:
            show_message(self.message, "")


class LiftScanPage(Retranslating, _Page):
    """Lifting a PIN block, first step: a staff member scans their staff card (the next scan
    is taken as theirs); a refusal of the lift comes back here with its words."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang], *, camera: bool) -> None:
        super().__init__(state, lang)
        self.title = label("lift_scan_title", size="title")
        self.hint = label("lift_scan_hint")
        self.message = label("lift_scan_message")
        self.preview = QLabel()
        self.preview.setObjectName("lift_preview")
        self.preview.setFixedSize(PREVIEW_W, PREVIEW_H)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setVisible(camera)
        self.cancel = button("lift_scan_cancel")
        left = QVBoxLayout()
        for w in (self.title, self.hint, self.message):
            left.addWidget(w)
        left.addStretch(1)
        left.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout(self)
        row.addLayout(left, 3)
        row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        self.retranslate()

    def retranslate(self) -> None:
        state = self.state
        self.title.setText(self.tr("Lift the PIN block"))
        self.hint.setText(
            self.tr(
                "A staff member of the desk or kiosk staff scans their staff card. The block "
                "is lifted on this counter only."
            )
        )
        self.preview.setAccessibleName(self.tr("Camera picture"))
        self.cancel.setText(self.tr("Cancel"))
        self.cancel.setEnabled(state.busy is None)
        if state.lift_error is not None:
            show_message(self.message, state.lift_error.message(self._lang()), "refused")
        else:
            show_message(self.message, "")


class LiftPinPage(Retranslating, _Page):
    """Lifting a PIN block, second step: the staff member types their own PIN."""

    def __init__(self, state: CounterState, lang: Callable[[], Lang]) -> None:
        super().__init__(state, lang)
        self.title = label("lift_pin_title", size="title")
        self.hint = label("lift_pin_hint")
        self.pad = PinPad()
        self.message = label("lift_pin_message")
        self.go = button("lift_go", primary=True)
        self.cancel = button("lift_pin_cancel")
        self.pad.changed.connect(self.retranslate)
        _pad_beside(self, self.pad, [self.title, self.hint, self.message], [self.go, self.cancel])
        self.retranslate()

    def retranslate(self) -> None:
        state = self.state
        self.title.setText(self.tr("Staff PIN"))
        self.hint.setText(
            self.tr("The staff member types their own PIN, then touches Lift the block.")
        )
        self.go.setText(self.tr("Lift the block"))
        self.go.setEnabled(self.pad.complete() and state.busy is None)
        self.cancel.setText(self.tr("Cancel"))
        self.cancel.setEnabled(state.busy is None)
        if state.busy == "lift":
            show_message(self.message, self.tr("Lifting the block\u2026"))
        elif state.lift_error is not None:
            show_message(self.message, state.lift_error.message(self._lang()), "refused")
        else:
            show_message(self.message, "")
