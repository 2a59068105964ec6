"""What the shopkeeper does at the merchant counter: see what a payment will leave, take it (with
the card's PIN above the threshold), refund a recent one, and look at the day.

Each public method returns an OpHandle at once (kiosk/ops/runner.py); the `*_now` methods are
the same work on the calling thread: `pay_now` is the writer thread's payment, and what
`python -m bench ledger` times as a full counter payment.
"""

from __future__ import annotations

from sqlalchemy import Connection

from kiosk.core import accounts as acc
from kiosk.core.amounts import check_amount
from kiosk.core.days import day_bounds
from kiosk.core.entries import Kind
from kiosk.core.errors import HeitjeError
from kiosk.db import ops_queries as oq
from kiosk.db import sync_queries as q
from kiosk.db.ops_queries import read_only
from kiosk.ops import errors as err
from kiosk.ops import words as w
from kiosk.ops.context import OpsContext, resident_card
from kiosk.ops.pins import judge_pin
from kiosk.ops.resident import set_pin_now
from kiosk.ops.results import (
    CounterLimits,
    DayList,
    DayRow,
    DaySummary,
    DayTotals,
    Payment,
    PaymentQuote,
    PinSet,
    Refunded,
    Words,
)
from kiosk.ops.runner import OpHandle
from kiosk.sync.refusals import refusal_words

DAY_MS = 86_400_000


class CounterOps:
    """The merchant counter of one shop (the certificate's merchant; the demo's choice)."""

    def __init__(self, ctx: OpsContext, merchant_id: str) -> None:
        self.ctx = ctx
        self.merchant_id = merchant_id
        self.till = acc.till(merchant_id)
        self._merchant_name: str | None = None

    @property
    def merchant_name(self) -> str:
        """The shop's name (from the snapshot; its id until one arrives)."""
        if self._merchant_name is None:
            with read_only(self.ctx.engine) as conn:
                self._merchant_name = oq.merchant_name(conn, self.merchant_id)
        return self._merchant_name or self.merchant_id

    def forget_names(self) -> None:
        """A new snapshot may rename the shop."""
        self._merchant_name = None

    # -- before confirming ---------------------------------------------------------------------

    def quote(self, card_serial: str, amount: int) -> OpHandle[PaymentQuote]:
        """The confirmation: amount, balance, what will remain, whether a PIN is needed. Fails
        with the refusal (in words) if the payment could not be taken."""
        return self.ctx.runner.read(lambda: self.quote_now(card_serial, amount), name="quote")

    def quote_now(self, card_serial: str, amount: int) -> PaymentQuote:
        ctx = self.ctx
        check_amount(amount)
        now = ctx.now()
        with read_only(ctx.engine) as conn:
            holder = resident_card(conn, card_serial)
            if holder.pin_blocked:
                raise err.pin_blocked()
            threshold = ctx.config.pin_threshold
            pin_needed = (holder.pin_hash is not None or holder.pin_needed) and _over(
                amount, threshold
            )
            if pin_needed and holder.pin_hash is None:
                raise err.pin_not_checkable(threshold)
            assert holder.resident_id is not None
            balance = ctx.store.check_spend(
                conn, holder.resident_id, self.merchant_id, amount, card_serial, now
            )
            facts = q.spend_facts(
                conn, ctx.device_id, holder.resident_id, self.merchant_id, card_serial, now
            )
            limits = _counter_limits(conn, ctx, facts, now)
        left_today = (
            None
            if limits is None
            else max(limits.resident_daily_cap - facts.resident_spent_today, 0)
        )
        return PaymentQuote(
            card_serial=card_serial,
            resident_id=holder.resident_id,
            amount=amount,
            balance=balance,
            remaining=balance - amount,
            pin_needed=pin_needed,
            limits=limits,
            left_today=left_today,
        )

    def limits(self) -> OpHandle[CounterLimits | None]:
        """The offline limits in force and the room left (None: no snapshot, no limits)."""
        return self.ctx.runner.read(self.limits_now, name="limits")

    def limits_now(self) -> CounterLimits | None:
        ctx = self.ctx
        now = ctx.now()
        with read_only(ctx.engine) as conn:
            facts = q.spend_facts(conn, ctx.device_id, "", self.merchant_id, None, now)
            return _counter_limits(conn, ctx, facts, now)

    # -- the payment ---------------------------------------------------------------------------

    def pay(self, card_serial: str, amount: int, pin: str | None = None) -> OpHandle[Payment]:
        """Take the payment. Success means it is committed: show "Betaald" / "Paid" then."""
        return self.ctx.runner.write(lambda: self.pay_now(card_serial, amount, pin), name="pay")

    def pay_now(self, card_serial: str, amount: int, pin: str | None = None) -> Payment:
        """One write transaction: the card (and its PIN) and the payment, as one."""
        ctx = self.ctx
        store = ctx.store
        refusal: HeitjeError | None = None
        with store.transaction() as conn:
            now = ctx.now()
            if not isinstance(card_serial, str):
                raise err.unknown_card()
            # The card and everything the payment checks, in one statement.
            card = q.payment_facts(
                conn, ctx.device_id, card_serial, self.merchant_id, now, store.exposure_hint()
            )
            if card.kind is None:
                raise err.unknown_card()
            if card.kind != "resident" or card.resident_id is None:
                raise err.not_a_resident_card()
            if not card.active:
                raise err.card_revoked()
            if card.pin_blocked:
                raise err.pin_blocked()
            threshold = ctx.config.pin_threshold
            if (card.pin_hash is not None or card.pin_needed) and _over(amount, threshold):
                if card.pin_hash is None:  # a PIN this device has no hash of: fail closed
                    raise err.pin_not_checkable(threshold)
                refusal = judge_pin(conn, card_serial, card.pin_hash, card.wrong_tries, pin, now)
            if refusal is None:
                spent = store.spend_in(
                    conn,
                    card.resident_id,
                    self.merchant_id,
                    amount,
                    card_serial=card_serial,
                    facts=card.spend,
                )
        if refusal is not None:
            raise refusal  # after the commit: the wrong try is counted
        entry = spent.entry
        ctx.appended(entry, card.resident_id)
        return Payment(
            tx_id=entry.tx_id,
            seq=entry.seq,
            card_serial=card_serial,
            resident_id=card.resident_id,
            merchant_id=self.merchant_id,
            merchant_name=self.merchant_name,
            amount=entry.amount,
            remaining=spent.balance_after,
            at_ms=entry.wall_time,
        )

    # -- refunds -------------------------------------------------------------------------------

    def refund(self, spend_tx_id: str, amount: int | None = None) -> OpHandle[Refunded]:
        """Refund (part of) a recent payment of this counter; without an amount, all that is
        left of it."""
        return self.ctx.runner.write(lambda: self.refund_now(spend_tx_id, amount), name="refund")

    def refund_now(self, spend_tx_id: str, amount: int | None = None) -> Refunded:
        ctx = self.ctx
        now = ctx.now()
        with read_only(ctx.engine) as conn:
            spend = oq.counter_entry(conn, ctx.device_id, spend_tx_id)
        if spend is None or spend.kind is not Kind.SPEND:
            raise err.unknown_spend()
        if spend.refused_code is not None:
            raise err.refund_of_refused()
        window = ctx.config.refund_window_days
        if now - spend.wall_time > window * DAY_MS:
            raise err.refund_too_old(window)
        left = spend.amount - spend.refunded
        if left <= 0:
            raise err.nothing_left()
        amount = left if amount is None else check_amount(amount)
        if amount > left:
            raise err.refund_over_left(left)
        entry = ctx.store.refund(spend_tx_id, amount)
        ctx.appended(entry, spend.resident_id)
        with read_only(ctx.engine) as conn:
            remaining = q.spendable_balance(conn, ctx.device_id, entry.credit or "")
        return Refunded(
            tx_id=entry.tx_id,
            spend_tx_id=spend_tx_id,
            amount=amount,
            left_of_spend=left - amount,
            remaining=remaining,
            at_ms=entry.wall_time,
        )

    # -- PIN -----------------------------------------------------------------------------------

    def set_pin(
        self, card_serial: str, new_pin: str, old_pin: str | None = None
    ) -> OpHandle[PinSet]:
        """Set the card's PIN for this counter only (a counter signs no card events); the
        next snapshot's hash for the card, if the server has one, replaces it. See
        docs/ops.md §7."""
        return self.ctx.runner.write(
            lambda: set_pin_now(self.ctx, card_serial, new_pin, old_pin), name="set_pin"
        )

    # -- the day -------------------------------------------------------------------------------

    def day_list(self) -> OpHandle[DayList]:
        """Today's payments and refunds at this counter, oldest first, with the total; a
        payment the server refused shows with its reason (also one from an earlier day,
        when the refusal came in today)."""
        return self.ctx.runner.read(self.day_list_now, name="day_list")

    def day_list_now(self) -> DayList:
        ctx = self.ctx
        day, start, end = day_bounds(ctx.now())
        with read_only(ctx.engine) as conn:
            rows = oq.counter_day(conn, ctx.device_id, self.till, start, end)
            late = oq.refused_recorded_between(conn, ctx.device_id, self.till, start, end)
        seen = {r.tx_id for r in rows}
        lines = [_day_row(r, earlier=False) for r in rows]
        lines += [_day_row(r, earlier=True) for r in late if r.tx_id not in seen]
        return DayList(day, tuple(lines), _totals(lines))

    def day_summary(self) -> OpHandle[DaySummary]:
        return self.ctx.runner.read(self.day_summary_now, name="day_summary")

    def day_summary_now(self) -> DaySummary:
        ctx = self.ctx
        day = self.day_list_now()
        with read_only(ctx.engine) as conn:
            status = q.stored_status(conn)
            device_name = _device_name(conn, ctx)
        today = [r for r in day.rows if not r.earlier_day]
        t = day.totals
        lines = [
            Words(
                f"Dagoverzicht {day.day}{w.DASH}{self.merchant_name}",
                f"Day summary {day.day}{w.DASH}{self.merchant_name}",
            ),
            Words(
                f"Betalingen: {t.payments}, samen {w.money(t.paid, 'nl')}",
                f"Payments: {t.payments}, together {w.money(t.paid, 'en')}",
            ),
            Words(
                f"Terugbetalingen: {t.refunds}, samen {w.money(t.refunded, 'nl')}",
                f"Refunds: {t.refunds}, together {w.money(t.refunded, 'en')}",
            ),
            Words(
                f"Totaal voor de winkel: {w.money(t.net, 'nl')}",
                f"Total for the shop: {w.money(t.net, 'en')}",
            ),
        ]
        if t.refused:
            lines.append(
                Words(
                    f"Geweigerd door de server: {t.refused} ({w.money(t.refused_amount, 'nl')})",
                    f"Refused by the server: {t.refused} ({w.money(t.refused_amount, 'en')})",
                )
            )
        lines.append(
            Words(f"Nog niet verzonden: {t.waiting}", f"Not sent to the server yet: {t.waiting}")
        )
        return DaySummary(
            day=day.day,
            merchant_id=self.merchant_id,
            merchant_name=self.merchant_name,
            device_name=device_name,
            totals=t,
            first_at=today[0].at_ms if today else None,
            last_at=today[-1].at_ms if today else None,
            refused_rows=tuple(r for r in day.rows if r.status == "refused"),
            last_sync_ms=status.last_success_at,
            made_at=ctx.now(),
            words=tuple(lines),
        )


def _over(amount: object, threshold: int) -> bool:
    return isinstance(amount, int) and amount > threshold


def _counter_limits(
    conn: Connection, ctx: OpsContext, facts: q.SpendFacts, now: int
) -> CounterLimits | None:
    if not facts.has_snapshot:
        return None
    limits = q.device_limits(conn, ctx.device_id)
    return CounterLimits(
        per_tx_cap=limits.per_tx_cap,
        resident_daily_cap=limits.resident_daily_cap,
        device_exposure_cap=limits.device_exposure_cap,
        exposure_used=facts.device_exposure,
        snapshot_age_ms=max(0, now - facts.snapshot_server_time),
        snapshot_max_age_ms=limits.snapshot_max_age_ms,
    )


def _day_row(r: oq.CounterRow, *, earlier: bool) -> DayRow:
    refused = r.refused_code is not None
    if refused:
        assert r.refused_code is not None
        words = refusal_words(r.kind, r.amount, r.refused_code)
        status = "refused"
    else:
        words = w.counter_words(r.kind, r.amount)
        status = "sent" if r.synced else "waiting"
    refundable = 0 if refused or r.kind is not Kind.SPEND else r.amount - r.refunded
    return DayRow(
        tx_id=r.tx_id,
        kind=r.kind,
        at_ms=r.wall_time,
        time_text=w.time_text(r.wall_time),
        amount=r.amount,
        card_serial=r.card_serial,
        resident_id=r.resident_id,
        spend_tx_id=r.spend_tx_id,
        refundable=refundable,
        status=status,
        words=words,
        earlier_day=earlier,
    )


def _totals(rows: list[DayRow]) -> DayTotals:
    counted = [r for r in rows if r.status != "refused" and not r.earlier_day]
    spends = [r for r in counted if r.kind is Kind.SPEND]
    refunds = [r for r in counted if r.kind is Kind.REFUND]
    refused = [r for r in rows if r.status == "refused"]
    paid, refunded = sum(r.amount for r in spends), sum(r.amount for r in refunds)
    return DayTotals(
        payments=len(spends),
        paid=paid,
        refunds=len(refunds),
        refunded=refunded,
        net=paid - refunded,
        refused=len(refused),
        refused_amount=sum(r.amount for r in refused),
        waiting=sum(1 for r in rows if r.status == "waiting"),
    )


def _device_name(conn: Connection, ctx: OpsContext) -> str:
    return oq.device_name(conn, ctx.device_id)
