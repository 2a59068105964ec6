"""What the ops return: frozen dataclasses, amounts in cents, times in epoch milliseconds, and
every text a person reads as `Words` (Dutch and English; `words.message(lang)`).

A screen shows these and keeps nothing else: after "Klaar" / "Done" it drops the object.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.entries import Kind
from kiosk.sync.loop import SyncStatus
from kiosk.sync.refusals import Words

__all__ = [
    "ChoreLine",
    "ClaimLine",
    "ClaimStep",
    "CounterLimits",
    "DayList",
    "DayRow",
    "DaySummary",
    "DayTotals",
    "DeviceStatus",
    "HistoryLine",
    "LoanLine",
    "Payment",
    "PaymentQuote",
    "PinSet",
    "Refunded",
    "ResidentView",
    "SignedUp",
    "Words",
]


# -- a resident at the kiosk -------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    """One money entry of the resident, in words: "Bakker Jansen — 3,50". On an enrolled
    kiosk these are the server's newest lines (from the snapshot) and this device's own
    newer entries; on a device never enrolled, its own ledger."""

    tx_id: str
    kind: Kind
    at_ms: int
    change: int  # what it did to the wallet: negative for a payment
    words: Words


@dataclass(frozen=True)
class ChoreLine:
    """A chore of the resident's neighbourhood that is open for sign-up."""

    chore_id: str
    title: str
    reward: int
    starts_at: int
    ends_at: int
    places_left: int  # as far as this device knows (its own sign-ups and the snapshot's claims)
    words: Words  # "Pleintje vegen — 5,00 — nog 3 plaatsen" (in English: the English title)
    title_en: str | None = None  # the English title, where the back office gave one


@dataclass(frozen=True)
class ClaimLine:
    """One of the resident's own chores and where it stands."""

    claim_id: str
    chore_id: str
    title: str
    reward: int
    status: str  # signed_up | checked_in | done | approved | rejected | rewarded
    status_words: Words  # "Aangemeld", "Bezig", "Klaar, wacht op keuring", ...
    starts_at: int
    ends_at: int
    can_check_in: bool  # signed up, and the chore is on now
    can_check_out: bool  # checked in, and the chore is on now
    title_en: str | None = None  # the chore's English title, where it has one
    reason: str | None = None  # a rejection's reason, as the inspector wrote it


@dataclass(frozen=True)
class LoanLine:
    loan_id: str
    klusbox_id: str
    name: str
    lent_at: int
    due_at: int
    overdue: bool
    words: Words  # "Veegbox Grasbroek — terug op 12-12-2026"


@dataclass(frozen=True)
class ResidentView:
    """Everything the kiosk shows after a scan, with nothing more to touch."""

    card_serial: str
    resident_id: str
    name: str  # "" where this device gets no names (a counter)
    neighbourhood: str
    balance: int | None  # the spendable balance; None where this device holds no balances
    flagged: bool  # below zero after offline spends: no payments until repaid
    has_pin: bool  # on this device
    history: tuple[HistoryLine, ...]
    open_chores: tuple[ChoreLine, ...]
    my_chores: tuple[ClaimLine, ...]
    loans: tuple[LoanLine, ...]


@dataclass(frozen=True)
class SignedUp:
    claim_id: str
    chore_id: str
    title: str
    tx_id: str
    title_en: str | None = None


@dataclass(frozen=True)
class ClaimStep:
    """A check-in or check-out, written."""

    claim_id: str
    status: str
    status_words: Words
    tx_id: str


@dataclass(frozen=True)
class PinSet:
    card_serial: str
    tx_id: str | None  # the card event, where this device's role signs one


# -- the counter -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterLimits:
    """The offline limits in force, and how much room is left (for the counter's screen)."""

    per_tx_cap: int
    resident_daily_cap: int
    device_exposure_cap: int
    exposure_used: int  # this device's spends the server has not acknowledged
    snapshot_age_ms: int
    snapshot_max_age_ms: int


@dataclass(frozen=True)
class PaymentQuote:
    """The confirmation screen: the amount, the balance, what will remain, whether a PIN is
    needed. The payment itself checks everything again when it is written."""

    card_serial: str
    resident_id: str
    amount: int
    balance: int
    remaining: int
    pin_needed: bool
    limits: CounterLimits | None  # None: no snapshot (a demo device), no offline limits
    left_today: int | None  # this resident's room under the daily cap here


@dataclass(frozen=True)
class Payment:
    """A payment committed ("Betaald" / "Paid" may now be shown, and the receipt printed)."""

    tx_id: str
    seq: int
    card_serial: str
    resident_id: str
    merchant_id: str
    merchant_name: str
    amount: int
    remaining: int
    at_ms: int


@dataclass(frozen=True)
class Refunded:
    tx_id: str
    spend_tx_id: str
    amount: int
    left_of_spend: int  # what can still be refunded of the spend
    remaining: int  # the resident's spendable balance after the refund
    at_ms: int


@dataclass(frozen=True)
class DayRow:
    """A line of the counter's day: a payment or a refund, and where it stands."""

    tx_id: str
    kind: Kind  # spend | refund
    at_ms: int
    time_text: str  # "14:05", local time
    amount: int
    card_serial: str | None
    resident_id: str
    spend_tx_id: str | None  # for a refund: the payment it returns
    refundable: int  # for a payment: what can still be refunded (0 when refused)
    status: str  # waiting (not sent yet) | sent | refused
    words: Words  # "Betaling — 3,50" or, refused, "Betaling van 3,50 geweigerd door ..."
    earlier_day: bool  # made on an earlier day; on today's list because refused today


@dataclass(frozen=True)
class DayTotals:
    payments: int  # count, refused ones not included
    paid: int
    refunds: int
    refunded: int
    net: int  # paid - refunded: what the shop will be paid for the day
    refused: int  # count of payments and refunds the server refused
    refused_amount: int
    waiting: int  # not yet sent to the server


@dataclass(frozen=True)
class DayList:
    day: str  # "YYYY-MM-DD", local
    rows: tuple[DayRow, ...]  # oldest first
    totals: DayTotals


@dataclass(frozen=True)
class DaySummary:
    """The end-of-day summary (for the screen and the receipt printer)."""

    day: str
    merchant_id: str
    merchant_name: str
    device_name: str
    totals: DayTotals
    first_at: int | None
    last_at: int | None
    refused_rows: tuple[DayRow, ...]
    last_sync_ms: int | None
    made_at: int
    words: tuple[Words, ...]  # the summary as lines of text


# -- every device ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceStatus:
    """The status bar: who this device is and how its sync stands."""

    device_id: str
    device_name: str
    role: str
    role_words: Words
    enrolled: bool
    sync: SyncStatus
