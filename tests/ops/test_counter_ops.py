"""The merchant counter's ops against the real server over HTTP and a real ledger file: the
confirmation, payments and every kind of refusal, refunds, the day's list with a payment the
server refused, and the end-of-day summary."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.db import pin_queries as pq
from kiosk.db import sync_queries as q
from kiosk.db.models import LedgerEntry
from kiosk.db.ops_queries import read_only
from kiosk.db.verify import verify_ledger
from kiosk.ops.counter import CounterOps
from kiosk.ops.events import LedgerAppended, RefusalsArrived
from kiosk.ops.pins import hash_pin
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.server.conftest import LiveServer

from .conftest import HOUR, Enrolled, Gui, enrol

GRANT = 6_000


def entries(dev: Enrolled) -> int:
    with read_only(dev.device.store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())


@pytest.fixture
def counter(live: LiveServer, tmp_path: Path, gui: Gui) -> Enrolled:
    admin.grant(live.server, "r-1", GRANT, "welkom")
    admin.grant(live.server, "r-2", 1_000, "welkom")
    dev = enrol(live, tmp_path / "counter", gui, "merchant-counter", merchant="m-1")
    yield dev
    dev.device.close()


def ops(dev: Enrolled) -> CounterOps:
    assert dev.device.counter is not None
    return dev.device.counter


def test_the_certificate_makes_it_a_counter_of_its_shop(counter: Enrolled) -> None:
    device = counter.device
    assert (device.role, device.merchant_id, device.enrolled) == ("merchant-counter", "m-1", True)
    assert device.kiosk is None and device.desk is None
    assert ops(counter).merchant_name == "Bakker Jansen"


def test_confirm_then_pay_then_the_server_has_it(
    counter: Enrolled, live: LiveServer, gui: Gui
) -> None:
    quote = gui.ok(ops(counter).quote("C-0001", 350))
    assert (quote.balance, quote.remaining, quote.pin_needed) == (GRANT, GRANT - 350, False)
    assert quote.limits is not None and quote.limits.per_tx_cap == 2_500  # server defaults
    assert quote.left_today == 5_000

    paid = gui.ok(ops(counter).pay("C-0001", 350))
    assert (paid.amount, paid.remaining, paid.merchant_name) == (350, GRANT - 350, "Bakker Jansen")
    appended = [e for e in counter.events if isinstance(e, LedgerAppended)]
    assert [(e.kind, e.tx_id, e.resident_id, e.amount) for e in appended] == [
        (Kind.SPEND, paid.tx_id, "r-1", 350)
    ]
    # The next confirmation already counts it (the one balance: snapshot + own since).
    assert gui.ok(ops(counter).quote("C-0001", 100)).balance == GRANT - 350

    counter.sync()
    assert admin.balance(live.server, acc.wallet("r-1")) == GRANT - 350
    assert admin.balance(live.server, acc.till("m-1")) == 350
    day = gui.ok(ops(counter).day_list())
    assert [(r.tx_id, r.status, r.words.nl, r.words.en) for r in day.rows] == [
        (paid.tx_id, "sent", "Betaling — 3,50", "Payment — 3.50")
    ]
    assert (day.totals.payments, day.totals.paid, day.totals.net) == (1, 350, 350)
    # After the sync the snapshot holds the payment and the balance is still the same.
    assert gui.ok(ops(counter).quote("C-0001", 100)).balance == GRANT - 350
    assert verify_ledger(counter.device.store.engine).ok


def test_too_little_balance_is_refused_and_nothing_is_written(counter: Enrolled, gui: Gui) -> None:
    before = entries(counter)
    quote_refusal = gui.refused(ops(counter).quote("C-0002", 1_500))
    refusal = gui.refused(ops(counter).pay("C-0002", 1_500))
    assert quote_refusal.code == refusal.code == "offline_insufficient_balance"
    assert "10,00" in refusal.nl and "10.00" in refusal.en
    assert entries(counter) == before


def test_over_the_offline_limit_is_refused(counter: Enrolled, gui: Gui) -> None:
    refusal = gui.refused(ops(counter).pay("C-0001", 2_501))
    assert refusal.code == "over_transaction_cap"
    assert "25,00" in refusal.nl
    gui.ok(ops(counter).pay("C-0001", 2_500))  # the cap itself is allowed
    # The daily cap per resident (5,000) is the next limit in force.
    gui.ok(ops(counter).pay("C-0001", 2_500))
    assert gui.refused(ops(counter).pay("C-0001", 100)).code == "over_daily_cap"
    assert entries(counter) == 2


def test_a_revoked_card_is_refused_once_the_snapshot_says_so(
    counter: Enrolled, live: LiveServer, gui: Gui
) -> None:
    gui.ok(ops(counter).pay("C-0001", 100))
    admin.revoke_card(live.server, "C-0001")
    counter.sync()
    for handle in (ops(counter).quote("C-0001", 100), ops(counter).pay("C-0001", 100)):
        assert gui.refused(handle).code == "card_revoked"
    assert entries(counter) == 1


def test_three_wrong_pins_block_the_card_on_this_device(counter: Enrolled, gui: Gui) -> None:
    gui.ok(ops(counter).set_pin("C-0001", "2468"))
    assert gui.ok(ops(counter).quote("C-0001", 1_500)).pin_needed
    assert not gui.ok(ops(counter).quote("C-0001", 1_000)).pin_needed  # at the threshold
    assert gui.refused(ops(counter).pay("C-0001", 1_500)).code == "pin_needed"
    first = gui.refused(ops(counter).pay("C-0001", 1_500, pin="1111"))
    assert (first.code, first.en) == ("pin_wrong", "The PIN is wrong. You can try 2 more times.")
    assert "nog 1 keer" in gui.refused(ops(counter).pay("C-0001", 1_500, pin="1112")).nl
    assert gui.refused(ops(counter).pay("C-0001", 1_500, pin="1113")).code == "pin_blocked"
    # Blocked here: the right PIN, a small amount, the confirmation: all refused.
    assert gui.refused(ops(counter).pay("C-0001", 1_500, pin="2468")).code == "pin_blocked"
    assert gui.refused(ops(counter).pay("C-0001", 100)).code == "pin_blocked"
    assert gui.refused(ops(counter).quote("C-0001", 100)).code == "pin_blocked"
    assert entries(counter) == 0
    with read_only(counter.device.store.engine) as conn:
        state = pq.pin_state(conn, "C-0001")
    assert state is not None and state.blocked and state.wrong_tries == 3
    assert state.pin_hash.startswith("$argon2id$") and "2468" not in state.pin_hash


def test_a_right_pin_pays_and_clears_the_wrong_tries(counter: Enrolled, gui: Gui) -> None:
    with counter.device.store.transaction() as conn:
        pq.store_pin_hash(conn, "C-0001", hash_pin("97531"), counter.clock.now_ms())
    assert gui.refused(ops(counter).pay("C-0001", 2_000, pin="97530")).code == "pin_wrong"
    paid = gui.ok(ops(counter).pay("C-0001", 2_000, pin="97531"))
    assert paid.remaining == GRANT - 2_000
    with read_only(counter.device.store.engine) as conn:
        state = pq.pin_state(conn, "C-0001")
    assert state is not None and state.wrong_tries == 0 and not state.blocked
    assert gui.refused(ops(counter).set_pin("C-0001", "12")).code == "pin_bad_form"
    assert gui.refused(ops(counter).set_pin("C-0001", "1234")).code == "pin_old_needed"


def test_refund_at_most_what_is_left(counter: Enrolled, live: LiveServer, gui: Gui) -> None:
    paid = gui.ok(ops(counter).pay("C-0001", 1_000))
    part = gui.ok(ops(counter).refund(paid.tx_id, 300))
    assert (part.amount, part.left_of_spend, part.remaining) == (300, 700, GRANT - 700)
    over = gui.refused(ops(counter).refund(paid.tx_id, 701))
    assert over.code == "refund_exceeds_spend" and "7,00" in over.nl
    rest = gui.ok(ops(counter).refund(paid.tx_id))
    assert (rest.amount, rest.left_of_spend, rest.remaining) == (700, 0, GRANT)
    assert gui.refused(ops(counter).refund(paid.tx_id)).code == "nothing_left"
    assert gui.refused(ops(counter).refund("not-a-payment")).code == "unknown_spend"

    day = gui.ok(ops(counter).day_list())
    assert [(r.kind, r.amount, r.refundable) for r in day.rows] == [
        (Kind.SPEND, 1_000, 0),
        (Kind.REFUND, 300, 0),
        (Kind.REFUND, 700, 0),
    ]
    assert (day.totals.paid, day.totals.refunded, day.totals.net) == (1_000, 1_000, 0)
    counter.sync()
    assert admin.balance(live.server, acc.wallet("r-1")) == GRANT
    assert admin.balance(live.server, acc.till("m-1")) == 0


def test_an_old_payment_is_not_refunded_here(counter: Enrolled, gui: Gui) -> None:
    paid = gui.ok(ops(counter).pay("C-0001", 500))
    counter.clock.advance(31 * 24 * HOUR)
    assert gui.refused(ops(counter).refund(paid.tx_id)).code == "refund_too_old"


def test_a_payment_the_server_refused_is_on_the_days_list_with_its_reason(
    counter: Enrolled, live: LiveServer, gui: Gui
) -> None:
    """The counter's clock jumps two hours ahead after its snapshot: within what the device
    can tell, so it takes a payment. The clock is put right again and the counter syncs; the
    server stores that payment as refused (clock_ahead) and says so in the ack. The day's
    list shows it refused, in words, and the total leaves it out."""
    good = gui.ok(ops(counter).pay("C-0001", 400))
    counter.clock.advance(2 * HOUR)
    late = gui.ok(ops(counter).pay("C-0001", 1_250))
    counter.clock.advance(-2 * HOUR)
    counter.sync()
    arrived = [e for e in counter.events if isinstance(e, RefusalsArrived)]
    assert [(e.new, e.total) for e in arrived] == [(1, 1)]

    day = gui.ok(ops(counter).day_list())
    by_tx = {r.tx_id: r for r in day.rows}
    assert by_tx[good.tx_id].status == "sent"
    refused = by_tx[late.tx_id]
    assert refused.status == "refused" and refused.refundable == 0
    assert refused.words.nl == (
        "Betaling van 12,50 geweigerd door de server: de klok van dit apparaat liep voor."
    )
    assert refused.words.en == (
        "Payment of 12.50 refused by the server: this device's clock was ahead."
    )
    t = day.totals
    assert (t.payments, t.paid, t.net, t.refused, t.refused_amount) == (1, 400, 400, 1, 1_250)
    assert gui.refused(ops(counter).refund(late.tx_id)).code == "refund_of_refused"
    # The server's books: only the good one took effect.
    assert admin.balance(live.server, acc.till("m-1")) == 400
    with read_only(counter.device.store.engine) as conn:
        assert [(r.tx_id, r.code) for r in q.refused_entries(conn)] == [(late.tx_id, p.CLOCK_AHEAD)]

    summary = gui.ok(ops(counter).day_summary())
    assert summary.totals == t
    assert [r.tx_id for r in summary.refused_rows] == [late.tx_id]
    assert summary.words[0].nl.startswith(f"Dagoverzicht {day.day} — Bakker Jansen")
    assert "Geweigerd door de server: 1 (12,50)" in [line.nl for line in summary.words]
    assert "Total for the shop: 4.00" in [line.en for line in summary.words]


def test_the_limits_in_force_are_there_for_the_screen(counter: Enrolled, gui: Gui) -> None:
    gui.ok(ops(counter).pay("C-0001", 700))
    limits = gui.ok(ops(counter).limits())
    assert limits is not None
    assert (limits.per_tx_cap, limits.resident_daily_cap, limits.device_exposure_cap) == (
        2_500,
        5_000,
        50_000,
    )
    assert limits.exposure_used == 700
    assert limits.snapshot_max_age_ms == 259_200_000


def test_a_pin_set_at_the_office_is_checked_at_the_counter(
    counter: Enrolled, live: LiveServer, gui: Gui
) -> None:
    """The server hands counters the PIN's argon2id hash: above the threshold this counter
    checks a PIN set at the office offline, and counts wrong tries here."""
    with live.server.write() as conn:
        version = live.server.bump(conn)
        conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == "C-0001")
            .values(pin_hash=hash_pin("8642"), version=version)
        )
    counter.sync()
    assert gui.ok(ops(counter).quote("C-0001", 1_001)).pin_needed
    assert gui.refused(ops(counter).pay("C-0001", 1_001)).code == "pin_needed"
    assert gui.refused(ops(counter).pay("C-0001", 1_001, pin="1111")).code == "pin_wrong"
    paid = gui.ok(ops(counter).pay("C-0001", 1_001, pin="8642"))
    assert paid.remaining == GRANT - 1_001
    # A hash the counter could not check (not argon2id) is not sent: refused above the threshold.
    with live.server.write() as conn:
        version = live.server.bump(conn)
        conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == "C-0001")
            .values(pin_hash="$2b$12$notanargon2idhash", version=version)
        )
    counter.sync()
    refusal = gui.refused(ops(counter).pay("C-0001", 1_001, pin="8642"))
    assert refusal.code == "pin_not_checkable" and "tot 10,00" in refusal.nl
    assert gui.ok(ops(counter).pay("C-0001", 1_000)).remaining == GRANT - 2_001
    # Nor may someone holding the card choose a new PIN here instead.
    assert gui.refused(ops(counter).set_pin("C-0001", "1111")).code == "pin_set_elsewhere"


def test_the_exposure_a_payment_reuses_is_the_one_the_ledger_sums(counter: Enrolled) -> None:
    """The writer keeps the exposure after its last spend (kiosk.db.sync_queries.ExposureHint)
    so the next payment need not add up the unacknowledged spends again; whatever happens in
    between (a refused payment, another kind of entry, the server's ack), the exposure the
    policy sees is the ledger's own sum."""
    o, store = ops(counter), counter.device.store

    def summed() -> int:  # no hint: the facts query adds the entries up
        with read_only(store.engine) as conn:
            return q.spend_facts(
                conn, store.device_id, "r-1", "m-1", None, o.ctx.now()
            ).device_exposure

    def seen() -> int:  # what the next payment's policy would be given
        with store.transaction() as conn:
            facts = q.payment_facts(
                conn, store.device_id, "C-0001", "m-1", o.ctx.now(), store.exposure_hint()
            )
        return facts.spend.device_exposure

    assert store.exposure_hint() is None and summed() == seen() == 0
    first = o.pay_now("C-0001", 300)
    hint = store.exposure_hint()
    assert hint is not None and (hint.head_seq, hint.exposure) == (first.seq, 300)
    o.pay_now("C-0002", 200)
    assert summed() == seen() == 500
    kept = store.exposure_hint()
    with pytest.raises(Exception, match="2"):  # over the per-transaction cap: nothing written
        o.pay_now("C-0001", 2_501)
    assert store.exposure_hint() == kept and summed() == seen() == 500
    o.refund_now(first.tx_id, 100)  # another kind of entry: the head moves past the hint
    assert summed() == seen() == 500
    other = threading.Thread(target=lambda: store.spend("r-1", "m-1", 30, card_serial="C-0001"))
    other.start()  # a spend another thread wrote: this thread's hint knows nothing of it
    other.join()
    assert summed() == seen() == 530
    o.pay_now("C-0001", 50)
    assert summed() == seen() == 580
    counter.sync()  # the ack moves the acknowledged seq: nothing is exposed any more
    assert summed() == seen() == 0
    o.pay_now("C-0002", 70)
    assert summed() == seen() == 70
