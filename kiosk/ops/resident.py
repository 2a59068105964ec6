"""What a resident does at the kiosk (and, in part, at the klusbox desk): look at their card,
sign up for a chore, check in and out, set a PIN.

Each public method returns an OpHandle at once (see kiosk/ops/runner.py); the `*_now` methods
are the same work on the calling thread, for the runner's threads, tests and benchmarks.
"""

from __future__ import annotations

from sqlalchemy import Connection

from kiosk.core import accounts as acc
from kiosk.core.entries import Entry, Kind
from kiosk.core.roles import ROLE_KINDS
from kiosk.db import ops_queries as oq
from kiosk.db import pin_queries as pq
from kiosk.db import sync_queries as q
from kiosk.db.ops_queries import read_only
from kiosk.ops import errors as err
from kiosk.ops import words as w
from kiosk.ops.context import OpsContext, resident_card
from kiosk.ops.pins import check_pin_form, hash_pin, judge_pin
from kiosk.ops.results import (
    ChoreLine,
    ClaimLine,
    ClaimStep,
    HistoryLine,
    LoanLine,
    PinSet,
    ResidentView,
    SignedUp,
)
from kiosk.ops.runner import OpHandle


def _on_now(starts_at: int, ends_at: int, now: int) -> bool:
    return starts_at <= now < ends_at


def _history_line(
    r: oq.MoneyRow,
    wallet: str,
    merchants: dict[str, str],
    chores: dict[str, tuple[str, str]],
) -> HistoryLine:
    change = w.wallet_change(wallet, r.debit, r.amount)
    merchant = w.merchant_of(r.refs, r.debit, r.credit)
    words = w.history_words(
        r.kind,
        r.amount,
        change,
        merchant,
        r.refs,
        merchants,
        {k: nl for k, (nl, _) in chores.items()},
        {k: en for k, (_, en) in chores.items()},
    )
    return HistoryLine(r.tx_id, r.kind, r.wall_time, change, words)


def _server_line(s: oq.ServerLine) -> HistoryLine:
    words = w.line_words(s.kind, s.change, s.counterpart, s.counterpart_en)
    return HistoryLine(s.tx_id, s.kind, s.at, s.change, words)


def _history(
    conn: Connection, device_id: str, wallet: str, resident_id: str, limit: int
) -> tuple[HistoryLine, ...]:
    """The newest `limit` money lines: the server's (from the snapshot) merged with this
    device's own entries that they do not hold; without a snapshot, the own ledger alone."""
    server = oq.server_lines(conn, resident_id)
    have = {(s.device_id, s.tx_id) for s in server}
    rows = [
        r for r in oq.account_history(conn, wallet, limit) if (r.device_id, r.tx_id) not in have
    ]
    merchants = oq.merchant_names(conn, (w.merchant_of(r.refs, r.debit, r.credit) for r in rows))
    chores = oq.claim_chore_titles_both(
        conn, (str(r.refs["claim"]) for r in rows if "claim" in r.refs)
    )
    lines = [(s.at, 1, _server_line(s)) for s in server]
    lines += [(r.wall_time, 0, _history_line(r, wallet, merchants, chores)) for r in rows]
    lines.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return tuple(line for _, _, line in lines[:limit])


def _chore_line(c: oq.ChoreRow) -> ChoreLine:
    left = max(c.capacity - c.taken_here, 0)
    words = w.chore_words(c.title, c.reward, left, c.title_en)
    return ChoreLine(c.id, c.title, c.reward, c.starts_at, c.ends_at, left, words, c.title_en)


def _claim_line(c: oq.ClaimRow, now: int) -> ClaimLine:
    on = _on_now(c.starts_at, c.ends_at, now)
    return ClaimLine(
        c.id,
        c.chore_id,
        c.chore_title,
        c.reward,
        c.status,
        w.claim_status_words(c.status, c.reason),
        c.starts_at,
        c.ends_at,
        can_check_in=c.status == "signed_up" and on,
        can_check_out=c.status == "checked_in" and on,
        title_en=c.chore_title_en,
        reason=c.reason,
    )


def _loan_line(loan: oq.LoanRow, now: int) -> LoanLine:
    overdue = loan.due_at < now
    words = w.loan_words(loan.klusbox_name, loan.due_at, overdue)
    return LoanLine(
        loan.id, loan.klusbox_id, loan.klusbox_name, loan.lent_at, loan.due_at, overdue, words
    )


class ClaimOps:
    """Show a resident, and check in and out of their chores (resident kiosk, klusbox desk)."""

    def __init__(self, ctx: OpsContext, *, shows_balance: bool) -> None:
        self.ctx = ctx
        self.shows_balance = shows_balance

    # -- show a resident -----------------------------------------------------------------------

    def show_resident(self, card_serial: str) -> OpHandle[ResidentView]:
        """Everything about the card's holder that this device shows, after one scan."""
        return self.ctx.runner.read(lambda: self.show_resident_now(card_serial), name="show")

    def show_resident_now(self, card_serial: str) -> ResidentView:
        ctx = self.ctx
        now = ctx.now()
        with read_only(ctx.engine) as conn:
            holder = resident_card(conn, card_serial)
            resident_id = holder.resident_id
            assert resident_id is not None
            wallet = acc.wallet(resident_id)
            balance = (
                q.spendable_balance(conn, ctx.device_id, wallet) if self.shows_balance else None
            )
            flagged = q.has_flag(conn, "resident", resident_id, "flagged")
            history = _history(conn, ctx.device_id, wallet, resident_id, ctx.config.history_lines)
            claims = oq.resident_claims(conn, resident_id)
            claimed = {c.chore_id for c in claims}
            chores = (
                oq.open_chores(conn, holder.neighbourhood_id, now)
                if holder.neighbourhood_id
                else []
            )
            loans = oq.open_loans(conn, resident_id)
            neighbourhood = oq.neighbourhood_name(conn, holder.neighbourhood_id)
        open_chores = tuple(_chore_line(c) for c in chores if c.id not in claimed)
        my_chores = tuple(_claim_line(c, now) for c in claims)
        loan_lines = tuple(_loan_line(loan, now) for loan in loans)
        return ResidentView(
            card_serial=holder.serial,
            resident_id=resident_id,
            name=holder.resident_name,
            neighbourhood=neighbourhood,
            balance=balance,
            flagged=flagged,
            has_pin=holder.pin_hash is not None or holder.pin_needed,
            history=history,
            open_chores=open_chores,
            my_chores=my_chores,
            loans=loan_lines,
        )

    # -- check in and out ----------------------------------------------------------------------

    def check_in(self, card_serial: str, claim_id: str) -> OpHandle[ClaimStep]:
        return self.ctx.runner.write(
            lambda: self.check_in_now(card_serial, claim_id), name="check_in"
        )

    def check_out(self, card_serial: str, claim_id: str) -> OpHandle[ClaimStep]:
        return self.ctx.runner.write(
            lambda: self.check_out_now(card_serial, claim_id), name="check_out"
        )

    def check_in_now(self, card_serial: str, claim_id: str) -> ClaimStep:
        return self._step(card_serial, claim_id, Kind.CHECK_IN)

    def check_out_now(self, card_serial: str, claim_id: str) -> ClaimStep:
        return self._step(card_serial, claim_id, Kind.CHECK_OUT)

    def _step(self, card_serial: str, claim_id: str, kind: Kind) -> ClaimStep:
        ctx = self.ctx
        now = ctx.now()
        with read_only(ctx.engine) as conn:
            holder = resident_card(conn, card_serial)
            claim = oq.claim_row(conn, claim_id) if isinstance(claim_id, str) else None
        if claim is None:
            raise err.unknown_claim()
        if claim.resident_id != holder.resident_id:
            raise err.not_your_claim()
        if not _on_now(claim.starts_at, claim.ends_at, now):
            raise err.not_today(claim.starts_at, claim.ends_at)
        # The store checks the claim's state (a check-out needs a check-in first).
        if kind is Kind.CHECK_IN:
            entry = ctx.store.check_in(claim_id)
            status = "checked_in"
        else:
            entry = ctx.store.check_out(claim_id)
            status = "done"
        ctx.appended(entry, holder.resident_id)
        return ClaimStep(claim_id, status, w.claim_status_words(status), entry.tx_id)


class KioskOps(ClaimOps):
    """The resident kiosk: everything ClaimOps does, plus signing up and setting a PIN."""

    def __init__(self, ctx: OpsContext) -> None:
        super().__init__(ctx, shows_balance=True)

    def sign_up(self, card_serial: str, chore_id: str) -> OpHandle[SignedUp]:
        return self.ctx.runner.write(
            lambda: self.sign_up_now(card_serial, chore_id), name="sign_up"
        )

    def sign_up_now(self, card_serial: str, chore_id: str) -> SignedUp:
        ctx = self.ctx
        now = ctx.now()
        with read_only(ctx.engine) as conn:
            holder = resident_card(conn, card_serial)
            chore = oq.chore(conn, chore_id) if isinstance(chore_id, str) else None
            where = oq.chore_neighbourhood(conn, chore_id) if chore is not None else None
        if chore is None:
            raise err.unknown_chore()
        if where != holder.neighbourhood_id or (
            ctx.neighbourhoods and where not in ctx.neighbourhoods
        ):
            raise err.chore_elsewhere()
        if chore.ends_at <= now:
            raise err.chore_over()
        assert holder.resident_id is not None
        claim_id = ctx.store.sign_up(chore_id, holder.resident_id)
        entry = _last_entry(ctx)
        ctx.appended(entry, holder.resident_id)
        return SignedUp(claim_id, chore_id, chore.title, entry.tx_id, chore.title_en)

    # -- PIN -----------------------------------------------------------------------------------

    def set_pin(
        self, card_serial: str, new_pin: str, old_pin: str | None = None
    ) -> OpHandle[PinSet]:
        return self.ctx.runner.write(
            lambda: set_pin_now(self.ctx, card_serial, new_pin, old_pin), name="set_pin"
        )


def set_pin_now(ctx: OpsContext, card_serial: str, new_pin: str, old_pin: str | None) -> PinSet:
    """Set a card's PIN on this device (a card that has one needs the old PIN first). Where
    the device's role signs card events (the resident kiosk), a "pin_set" entry carries the
    new PIN's argon2id hash to the server, which hands it to the counters (and to the card's
    neighbourhood's kiosks) in their snapshots; the PIN itself goes nowhere."""
    check_pin_form(new_pin)
    now = ctx.now()
    with read_only(ctx.engine) as conn:
        holder = resident_card(conn, card_serial)
    if holder.pin_blocked:
        raise err.pin_blocked()
    if holder.pin_hash is None and holder.pin_needed:
        # A PIN set elsewhere (the office) that this device cannot check: replacing it here
        # would let anyone holding the card choose a new one.
        raise err.pin_set_elsewhere()
    if holder.pin_hash is not None:
        if old_pin is None:
            raise err.pin_old_needed()
        with ctx.store.transaction() as conn:
            wrong = judge_pin(conn, card_serial, holder.pin_hash, holder.wrong_tries, old_pin, now)
        if wrong is not None:
            raise wrong
    new_hash = hash_pin(new_pin)  # slow on purpose; outside the write transaction
    assert holder.resident_id is not None
    entry: Entry | None = None
    with ctx.store.transaction() as conn:
        pq.store_pin_hash(conn, card_serial, new_hash, now)
        if _signs_card_events(ctx):
            entry = ctx.store.card_event_in(
                conn, card_serial, "pin_set", resident_id=holder.resident_id, pin_hash=new_hash
            )
    if entry is not None:
        ctx.appended(entry, holder.resident_id)
    return PinSet(card_serial, None if entry is None else entry.tx_id)


def _signs_card_events(ctx: OpsContext) -> bool:
    allowed = ROLE_KINDS.get(ctx.role)
    return allowed is not None and Kind.CARD_EVENT in allowed


def _last_entry(ctx: OpsContext) -> Entry:
    """This device's newest entry (on the writer thread: the one just written)."""
    seq, _ = ctx.store.head()
    with read_only(ctx.engine) as conn:
        entries = q.entries_in_range(conn, ctx.device_id, seq, seq)
    return entries[0]
