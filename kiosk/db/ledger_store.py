"""The ledger store: applies core's rules and writes each entry in one transaction.

One transaction holds the business checks, the signed entry row, both balance changes and
the device's chain head. On SQLite that transaction starts with BEGIN IMMEDIATE (see
engine.py), on PostgreSQL the chain head row is locked; either way two writers can never
give out the same seq, and a crash leaves either all of an entry or none of it.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, insert, or_, select, update

from kiosk.core import accounts as acc
from kiosk.core.amounts import format_amount
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.crypto import SigningKey, device_id_for
from kiosk.core.entries import GENESIS_HASH, Entry, Kind, Refs, make_entry
from kiosk.core.errors import HeitjeError
from kiosk.core.roles import check_may_sign
from kiosk.db import loan_queries as lq
from kiosk.db.entry_rows import row_to_entry
from kiosk.db.errors import LedgerError, not_found
from kiosk.db.models import (
    Balance,
    ChainHead,
    Chore,
    ChoreClaim,
    Device,
    LedgerEntry,
    Merchant,
    Resident,
)
from kiosk.db.sync_queries import (
    ExposureHint,
    SpendFacts,
    cached_signing_role,
    judge_offline_spend,
    spend_facts,
)

_REFS_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode

ENTRIES = LedgerEntry.__table__
BALANCES = Balance.__table__
HEADS = ChainHead.__table__
CLAIMS = ChoreClaim.__table__


def entry_row(entry: Entry, claim_id: str | None, ref_tx_id: str | None) -> dict[str, object]:
    return {
        "device_id": entry.device_id,
        "seq": entry.seq,
        "version": entry.version,
        "tx_id": entry.tx_id,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
        "kind": str(entry.kind),
        "debit": entry.debit,
        "credit": entry.credit,
        "amount": entry.amount,
        # = canonical_json(entry.refs): make_entry checked them (one less walk per payment)
        "refs": _REFS_JSON(entry.refs),
        "wall_time": entry.wall_time,
        "signature": entry.signature,
        "claim_id": claim_id,
        "ref_tx_id": ref_tx_id,
    }


class HotSql:
    """The write path's statements as driver SQL, in the driver's parameter style."""

    head = "SELECT last_seq, head_hash FROM chain_heads WHERE device_id = :d"
    # Both sides of a money entry in one statement (the accounts always differ: check_shape).
    move = (
        "UPDATE balances SET balance = balance + CASE account_id WHEN :debit THEN -:amount"
        " ELSE :amount END WHERE account_id IN (:debit, :credit)"
    )
    set_head = "UPDATE chain_heads SET last_seq = :s, head_hash = :h WHERE device_id = :d"
    insert_entry = "INSERT INTO ledger_entries ({}) VALUES ({})".format(
        ", ".join(c.name for c in ENTRIES.columns if c.name != "synced_at"),
        ", ".join(":" + c.name for c in ENTRIES.columns if c.name != "synced_at"),
    )

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            # Lock the chain head so two writers never hand out the same seq.
            self.head += " FOR UPDATE"
        if engine.dialect.paramstyle in ("pyformat", "format"):
            for name in ("head", "move", "set_head", "insert_entry"):
                setattr(self, name, re.sub(r":(\w+)", r"%(\1)s", getattr(self, name)))


@dataclass(frozen=True)
class Spent:
    """A payment written: its entry, and the wallet's spendable balance after it (the same
    number sync_queries.spendable_balance gives)."""

    entry: Entry
    balance_after: int


@dataclass(frozen=True)
class ClaimView:
    id: str
    chore_id: str
    resident_id: str
    status: str
    reason: str | None


class LedgerStore:
    """The only writer of ledger entries on a device."""

    def __init__(
        self,
        engine: Engine,
        key: SigningKey,
        clock: Clock | None = None,
        *,
        role: str = "unenrolled",
        name: str = "this device",
    ) -> None:
        self.engine = engine
        self.key = key
        self.clock = clock or SystemClock()
        self.device_id = device_id_for(key.verify_key)
        self._sql = HotSql(engine)
        self._lock_head = engine.dialect.name != "sqlite"
        self._local = threading.local()
        self._connections: list[Connection] = []
        # Set while nothing may be signed (a ledger restored from a backup, not yet level
        # with the server's copy of its chain: kiosk/ops/device.py); raised on every write.
        self.blocked: HeitjeError | None = None
        with self.transaction() as conn:
            known = conn.execute(select(Device.id).where(Device.id == self.device_id)).first()
            if known is None:
                conn.execute(
                    insert(Device.__table__).values(
                        id=self.device_id,
                        public_key=bytes(key.verify_key).hex(),
                        role=role,
                        name=name,
                        is_self=True,
                    )
                )
                conn.execute(
                    insert(HEADS).values(
                        device_id=self.device_id, last_seq=0, head_hash=GENESIS_HASH
                    )
                )

    # -- the one write path -------------------------------------------------------------

    def _may_sign(
        self, conn: Connection, kind: Kind, debit: str | None, credit: str | None
    ) -> None:
        """Raise RoleError if this device's certificate does not let it sign this entry: the
        server would refuse it, so it is never written. An unenrolled device (no
        certificate: the demo's local ledger) writes as it always did."""
        if self.blocked is not None:
            raise self.blocked
        signer = cached_signing_role(conn, self.device_id)
        if signer is not None:
            check_may_sign(signer.role, signer.bindings, kind, debit, credit)

    def _writer(self) -> Connection:
        """This thread's long-lived writer connection (SQLite connections stay in their thread)."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self.engine.connect()
            self._local.conn = conn
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        for conn in self._connections:
            conn.close()
        self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        conn = self._writer()
        local = self._local
        local.pending_hint = None
        with conn.begin():
            yield conn
        if local.pending_hint is not None:  # committed: what this thread's next spend reuses
            local.hint, local.pending_hint = local.pending_hint, None

    def exposure_hint(self) -> ExposureHint | None:
        """The exposure after this thread's last committed spend (sync_queries.ExposureHint);
        the facts query checks it against the acked seq and chain head it reads."""
        hint: ExposureHint | None = getattr(self._local, "hint", None)
        return hint

    def _append(
        self,
        conn: Connection,
        kind: Kind,
        *,
        debit: str | None = None,
        credit: str | None = None,
        amount: int = 0,
        refs: Refs | None = None,
        claim_id: str | None = None,
        ref_tx_id: str | None = None,
        head: tuple[int, str] | None = None,
    ) -> Entry:
        """`head`: the chain head as this transaction already read it (SQLite, where BEGIN
        IMMEDIATE holds every other writer off; PostgreSQL locks the row here)."""
        self._may_sign(conn, kind, debit, credit)
        # The DBAPI cursor of this same transaction, with prepared driver SQL: this path runs
        # once per payment and SQLAlchemy's per-statement overhead would double its cost
        # (measured in bench/ledger.py).
        sql = self._sql
        with _cursor(conn) as cur:
            if head is None or self._lock_head:
                cur.execute(sql.head, {"d": self.device_id})
                last_seq, head_hash = cur.fetchone()
            else:
                last_seq, head_hash = head
            entry = make_entry(
                self.key,
                self.device_id,
                last_seq + 1,
                head_hash,
                kind,
                debit=debit,
                credit=credit,
                amount=amount,
                refs=refs,
                wall_time=self.clock.now_ms(),
            )
            cur.execute(sql.insert_entry, entry_row(entry, claim_id, ref_tx_id))
            if debit is not None and credit is not None:
                cur.execute(sql.move, {"debit": debit, "credit": credit, "amount": amount})
                if cur.rowcount != 2:
                    _require_accounts(conn, debit, credit)
            cur.execute(sql.set_head, {"d": self.device_id, "s": entry.seq, "h": entry.entry_hash})
        return entry

    # -- queries ---------------------------------------------------------------------------

    def balance(self, account: str) -> int:
        """The local running balance: the sum of this database's entries on `account` (on an
        enrolled device, only its own). For checking the ledger, not for screens: a
        resident's money at this device is sync_queries.spendable_balance."""
        with self.engine.connect() as conn:
            return _balance(conn, account)

    def history(self, account: str, limit: int = 50) -> list[Entry]:
        """The newest entries touching `account`, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ENTRIES)
                .where(or_(ENTRIES.c.debit == account, ENTRIES.c.credit == account))
                .order_by(ENTRIES.c.wall_time.desc(), ENTRIES.c.seq.desc())
                .limit(limit)
            ).all()
        return [row_to_entry(r) for r in rows]

    def head(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(HEADS.c.last_seq, HEADS.c.head_hash).where(
                    HEADS.c.device_id == self.device_id
                )
            ).one()
        return int(row.last_seq), str(row.head_hash)

    def claim(self, claim_id: str) -> ClaimView:
        with self.engine.connect() as conn:
            row = _claim(conn, claim_id)
        return ClaimView(row.id, row.chore_id, row.resident_id, row.status, row.reason)

    # -- money -----------------------------------------------------------------------------

    def spend(
        self, resident_id: str, merchant_id: str, amount: int, *, card_serial: str | None = None
    ) -> Entry:
        with self.transaction() as conn:
            return self.spend_in(
                conn, resident_id, merchant_id, amount, card_serial=card_serial
            ).entry

    def spend_in(
        self,
        conn: Connection,
        resident_id: str,
        merchant_id: str,
        amount: int,
        *,
        card_serial: str | None = None,
        facts: SpendFacts | None = None,
    ) -> Spent:
        """A payment inside the caller's write transaction (`transaction()`): the counter's
        pay op adds its card and PIN checks to the same transaction, and hands in the
        `facts` it read there with the card (sync_queries.payment_facts), so the payment
        reads nothing twice."""
        wallet, till = acc.wallet(resident_id), acc.till(merchant_id)
        refs: Refs = {"merchant": merchant_id, "resident": resident_id}
        if card_serial:
            refs["card"] = card_serial
        now = self.clock.now_ms()
        # The role first: a kiosk asked to take a payment hears that, not "no balance".
        self._may_sign(conn, Kind.SPEND, wallet, till)
        if facts is None:
            facts = spend_facts(
                conn,
                self.device_id,
                resident_id,
                merchant_id,
                card_serial,
                now,
                self.exposure_hint(),
            )
        available = self.judge_spend(
            conn, facts, resident_id, merchant_id, amount, card_serial, now
        )
        entry = self._append(
            conn,
            Kind.SPEND,
            debit=wallet,
            credit=till,
            amount=amount,
            refs=refs,
            head=(facts.head_seq, facts.head_hash),
        )
        if facts.has_snapshot:
            self._local.pending_hint = ExposureHint(
                facts.acked_seq, entry.seq, facts.device_exposure + amount
            )
        return Spent(entry, available - amount)

    def check_spend(
        self,
        conn: Connection,
        resident_id: str,
        merchant_id: str,
        amount: int,
        card_serial: str | None,
        now_ms: int,
    ) -> int:
        """Every check of a payment, without writing it: returns the wallet's spendable
        balance before it, or raises (RoleError, LedgerError, OfflineSpendRefused). The
        counter's confirmation screen asks this too, so it refuses what the payment would."""
        # The role first: a kiosk asked to take a payment hears that, not "no balance".
        self._may_sign(conn, Kind.SPEND, acc.wallet(resident_id), acc.till(merchant_id))
        facts = spend_facts(conn, self.device_id, resident_id, merchant_id, card_serial, now_ms)
        return self.judge_spend(conn, facts, resident_id, merchant_id, amount, card_serial, now_ms)

    def judge_spend(
        self,
        conn: Connection,
        facts: SpendFacts,
        resident_id: str,
        merchant_id: str,
        amount: int,
        card_serial: str | None,
        now_ms: int,
    ) -> int:
        """check_spend on facts already read in this transaction (after the role check)."""
        wallet = acc.wallet(resident_id)
        if facts.resident_status is None:
            raise not_found("bewoner", "resident", resident_id)
        if facts.resident_status != "active":
            raise _resident_blocked()
        if not facts.merchant_known:
            raise not_found("winkel", "merchant", merchant_id)
        if facts.local_balance is None:
            raise not_found("rekening", "account", wallet)
        if facts.has_snapshot:
            # With a snapshot from the server, the offline policy judges the spend.
            return judge_offline_spend(conn, self.device_id, facts, amount, card_serial, now_ms)
        available = facts.local_balance
        if isinstance(amount, int) and amount > available:
            raise LedgerError(
                "insufficient_balance",
                f"Onvoldoende saldo: er staat {format_amount(available, 'nl')} op de "
                f"kaart, de betaling is {format_amount(amount, 'nl')}.",
                f"Insufficient balance: the card holds {format_amount(available, 'en')}, "
                f"the payment is {format_amount(amount, 'en')}.",
            )
        return available

    def refund(self, spend_tx_id: str, amount: int) -> Entry:
        with self.transaction() as conn:
            spend = conn.execute(
                select(ENTRIES.c.debit, ENTRIES.c.credit, ENTRIES.c.amount).where(
                    ENTRIES.c.tx_id == spend_tx_id, ENTRIES.c.kind == Kind.SPEND.value
                )
            ).first()
            if spend is None:
                raise LedgerError(
                    "unknown_spend",
                    f"Er is geen betaling {spend_tx_id} om terug te boeken.",
                    f"There is no payment {spend_tx_id} to refund.",
                )
            refunded = conn.execute(
                select(func.coalesce(func.sum(ENTRIES.c.amount), 0)).where(
                    ENTRIES.c.ref_tx_id == spend_tx_id, ENTRIES.c.kind == Kind.REFUND.value
                )
            ).scalar_one()
            left = spend.amount - int(refunded)
            if isinstance(amount, int) and amount > left:
                raise LedgerError(
                    "refund_exceeds_spend",
                    f"Er kan nog maar {format_amount(left, 'nl')} van deze betaling terug.",
                    f"Only {format_amount(left, 'en')} of this payment can still be refunded.",
                )
            till_balance = _balance(conn, spend.credit)
            if isinstance(amount, int) and amount > till_balance:
                raise LedgerError(
                    "till_insufficient",
                    "De kassa van de winkel heeft niet genoeg heitjes voor deze terugbetaling.",
                    "The shop's till does not hold enough heitjes for this refund.",
                )
            return self._append(
                conn,
                Kind.REFUND,
                debit=spend.credit,
                credit=spend.debit,
                amount=amount,
                refs={"spend": spend_tx_id},
                ref_tx_id=spend_tx_id,
            )

    def settle(self, merchant_id: str, amount: int, *, reference: str) -> Entry:
        till = acc.till(merchant_id)
        with self.transaction() as conn:
            _require(conn, Merchant, merchant_id, "winkel", "merchant")
            available = _balance(conn, till)
            if isinstance(amount, int) and amount > available:
                raise LedgerError(
                    "settle_exceeds_till",
                    f"De kassa bevat maar {format_amount(available, 'nl')}.",
                    f"The till holds only {format_amount(available, 'en')}.",
                )
            return self._append(
                conn,
                Kind.SETTLE,
                debit=till,
                credit=acc.REDEMPTION,
                amount=amount,
                refs={"merchant": merchant_id, "reference": reference},
            )

    def adjust(self, debit: str, credit: str, amount: int, *, reason: str, staff_id: str) -> Entry:
        with self.transaction() as conn:
            return self._append(
                conn,
                Kind.ADJUST,
                debit=debit,
                credit=credit,
                amount=amount,
                refs={"reason": reason.strip(), "staff": staff_id},
            )

    def expire(self, resident_id: str, amount: int, *, policy: str) -> Entry:
        wallet = acc.wallet(resident_id)
        with self.transaction() as conn:
            available = _balance(conn, wallet)
            if isinstance(amount, int) and amount > available:
                raise LedgerError(
                    "expire_exceeds_balance",
                    "Er kan niet meer vervallen dan er op de kaart staat.",
                    "No more can expire than the card holds.",
                )
            return self._append(
                conn,
                Kind.EXPIRE,
                debit=wallet,
                credit=acc.WRITEOFF,
                amount=amount,
                refs={"policy": policy},
            )

    def earn(self, claim_id: str) -> Entry:
        """Reward an approved claim with its chore's reward; a claim is rewarded once."""
        with self.transaction() as conn:
            claim = _claim(conn, claim_id)
            if claim.status == "rewarded":
                raise LedgerError(
                    "claim_already_rewarded",
                    "Deze klus is al beloond.",
                    "This chore has already been rewarded.",
                )
            if claim.status != "approved" or claim.approval_tx is None:
                raise LedgerError(
                    "claim_not_approved",
                    "Deze klus is nog niet goedgekeurd door een inspecteur.",
                    "This chore has not been approved by an inspector yet.",
                )
            return self._earn_in(conn, claim, claim.approval_tx)

    def _earn_in(self, conn: Connection, claim: Row[Any], approval_tx: str) -> Entry:
        """The claim's chore's reward to its resident, resting on `approval_tx`; the claim
        rewarded. In the caller's transaction, which checked the claim's state."""
        reward = conn.execute(select(Chore.reward).where(Chore.id == claim.chore_id)).scalar_one()
        entry = self._append(
            conn,
            Kind.EARN,
            debit=acc.ISSUANCE,
            credit=acc.wallet(claim.resident_id),
            amount=reward,
            refs={"claim": claim.id, "approval": approval_tx},
            claim_id=claim.id,
        )
        _set_claim(
            conn,
            claim.id,
            "rewarded",
            self.clock.now_ms(),
            approval_tx=approval_tx,
            earn_tx=entry.tx_id,
        )
        return entry

    # -- chore claims (event entries) -----------------------------------------------------

    def sign_up(self, chore_id: str, resident_id: str, *, claim_id: str | None = None) -> str:
        claim_id = claim_id or str(uuid.uuid4())
        with self.transaction() as conn:
            _require_active_resident(conn, resident_id)
            chore = conn.execute(select(Chore).where(Chore.id == chore_id)).first()
            if chore is None:
                raise not_found("klus", "chore", chore_id)
            taken = conn.execute(
                select(func.count())
                .select_from(CLAIMS)
                .where(CLAIMS.c.chore_id == chore_id, CLAIMS.c.status != "rejected")
            ).scalar_one()
            if taken >= chore.capacity:
                raise LedgerError(
                    "chore_full",
                    "Deze klus zit vol. Kies een andere klus.",
                    "This chore is full. Please choose another one.",
                )
            already = conn.execute(
                select(CLAIMS.c.id).where(
                    CLAIMS.c.chore_id == chore_id, CLAIMS.c.resident_id == resident_id
                )
            ).first()
            if already is not None:
                raise LedgerError(
                    "already_signed_up",
                    "U staat al ingeschreven voor deze klus.",
                    "You are already signed up for this chore.",
                )
            now = self.clock.now_ms()
            conn.execute(
                insert(CLAIMS).values(
                    id=claim_id,
                    chore_id=chore_id,
                    resident_id=resident_id,
                    status="signed_up",
                    updated_at=now,
                )
            )
            self._append(
                conn,
                Kind.CLAIM_SIGNUP,
                refs={"claim": claim_id, "chore": chore_id, "resident": resident_id},
            )
        return claim_id

    def check_in(self, claim_id: str) -> Entry:
        return self._step(claim_id, Kind.CHECK_IN, {"signed_up"}, "checked_in")

    def check_out(self, claim_id: str) -> Entry:
        return self._step(claim_id, Kind.CHECK_OUT, {"checked_in"}, "done")

    def approve(self, claim_id: str, inspector_id: str) -> Entry:
        return self._step(
            claim_id, Kind.APPROVAL, {"done"}, "approved", {"inspector": inspector_id}
        )

    def reject(self, claim_id: str, inspector_id: str, reason: str) -> Entry:
        if not reason.strip():
            raise LedgerError(
                "reason_missing",
                "Geef een reden op waarom de klus is afgekeurd.",
                "Give a reason why the chore was rejected.",
            )
        return self._step(
            claim_id,
            Kind.REJECTION,
            {"checked_in", "done"},
            "rejected",
            {"inspector": inspector_id, "reason": reason.strip()},
        )

    def approve_and_earn(self, claim_id: str, inspector_card: str) -> tuple[Entry, Entry]:
        """An inspector device's approval and the earn it records, in one transaction: a crash
        leaves both or neither, so an approved claim is never left without its reward."""
        with self.transaction() as conn:
            claim = _claim(conn, claim_id)
            if claim.status != "done":
                raise _wrong_state(claim.status)
            approval = self._append(
                conn, Kind.APPROVAL, refs={"claim": claim_id, "inspector": inspector_card}
            )
            return approval, self._earn_in(conn, claim, approval.tx_id)

    # -- klusbox loans (event entries; kiosk/db/loan_queries.py) ------------------------------

    def lend(
        self,
        klusbox_id: str,
        resident_id: str,
        *,
        due_at: int,
        handed_out: Sequence[int],
        override_staff: str | None = None,
        claim_id: str | None = None,
    ) -> Entry:
        """Lend a box: not one in maintenance or lent already; not to a resident with an
        overdue box unless a staff member (their card's serial) overrides it."""
        now = self.clock.now_ms()
        with self.transaction() as conn:
            _require_active_resident(conn, resident_id)
            the_box = lq.box(conn, klusbox_id)
            if the_box is None:
                raise not_found("klusbox", "klusbox", klusbox_id)
            if the_box.maintenance:
                raise LedgerError(
                    "klusbox_in_maintenance",
                    "Deze klusbox is in onderhoud en kan niet worden uitgeleend.",
                    "This klusbox is in maintenance and cannot be lent.",
                )
            if lq.open_loan_of_box(conn, klusbox_id) is not None:
                raise LedgerError(
                    "klusbox_lent",
                    "Deze klusbox is al uitgeleend. Neem hem eerst terug.",
                    "This klusbox is already lent. Take it back first.",
                )
            if not handed_out:
                raise LedgerError(
                    "nothing_handed_out",
                    "Vink aan wat u meegeeft.",
                    "Tick what you hand out.",
                )
            if due_at <= now:
                raise LedgerError(
                    "due_in_past",
                    "De inleverdatum moet in de toekomst liggen.",
                    "The due date must be in the future.",
                )
            if override_staff is None and lq.overdue(conn, now, resident_id):
                raise LedgerError(
                    "resident_overdue",
                    "Deze bewoner heeft nog een klusbox die te laat is. "
                    "Alleen een medewerker met een personeelspas kan toch uitlenen.",
                    "This resident still has a klusbox that is overdue. "
                    "Only a staff member with a staff card can lend anyway.",
                )
            loan_id = str(uuid.uuid4())
            refs: Refs = {
                "loan": loan_id,
                "klusbox": klusbox_id,
                "resident": resident_id,
                "due": due_at,
                "components": lq.indexes(handed_out, the_box.components),
            }
            if override_staff is not None:
                refs["staff"] = override_staff
            entry = self._append(conn, Kind.LOAN, refs=refs)
            lq.record_loan(
                conn,
                loan_id=loan_id,
                the_box=the_box,
                resident_id=resident_id,
                lent_at=now,
                due_at=due_at,
                handed_out=handed_out,
                override_staff=override_staff,
                claim_id=claim_id,
            )
            return entry

    def return_box(
        self, loan_id: str, *, returned: Sequence[int], condition: str, note: str = ""
    ) -> Entry:
        """Take a box back: what came back (indexes into the box's lines), its condition and
        a note. Anything handed out and missing, or a damaged box, puts it in maintenance."""
        if condition not in lq.CONDITIONS:
            raise LedgerError(
                "condition_unknown",
                "Kies de staat van de klusbox.",
                "Choose the klusbox's condition.",
            )
        note = note.strip()
        if len(note) > 200:
            raise LedgerError(
                "note_too_long",
                "De opmerking is te lang (hoogstens 200 tekens).",
                "The note is too long (at most 200 characters).",
            )
        with self.transaction() as conn:
            loan = lq.open_loan(conn, loan_id)
            if loan is None:
                raise not_found("uitlening", "loan", loan_id)
            the_box = lq.box(conn, loan.klusbox_id)
            assert the_box is not None  # the loan's foreign key
            back = lq.indexes(returned, the_box.components)
            out = loan.lines_out(the_box)
            got = {the_box.components[i] for i in set(returned)}
            missing = sorted(out - got)
            missing_ix = [i for i, x in enumerate(the_box.components) if x in missing]
            refs: Refs = {
                "loan": loan_id,
                "klusbox": loan.klusbox_id,
                "resident": loan.resident_id,
                "returned": back,
                "condition": condition,
            }
            if missing_ix:
                refs["missing"] = ",".join(str(i) for i in missing_ix)
            if note:
                refs["note"] = note
            entry = self._append(conn, Kind.RETURN, refs=refs)
            lq.record_return(
                conn,
                loan,
                returned_at=self.clock.now_ms(),
                returned=sorted(got),
                missing=missing,
                condition=condition,
                note=note,
                to_maintenance=bool(missing) or condition == "damaged",
            )
            return entry

    # -- card events (event entries) ------------------------------------------------------

    def card_event_in(
        self,
        conn: Connection,
        card_serial: str,
        event: str,
        *,
        resident_id: str,
        pin_hash: str | None = None,
    ) -> Entry:
        """A card event (such as "pin_set") in the caller's transaction; a resident kiosk
        signs these (the role table refuses them elsewhere). A "pin_set" carries the new
        PIN's argon2id hash (never the PIN), so the server can hand it to the counters."""
        refs: Refs = {"card": card_serial, "event": event, "resident": resident_id}
        if pin_hash is not None:
            refs["pin_hash"] = pin_hash
        return self._append(conn, Kind.CARD_EVENT, refs=refs)

    def _step(
        self,
        claim_id: str,
        kind: Kind,
        allowed: set[str],
        new_status: str,
        extra: Refs | None = None,
    ) -> Entry:
        with self.transaction() as conn:
            claim = _claim(conn, claim_id)
            if claim.status not in allowed:
                raise _wrong_state(claim.status)
            entry = self._append(conn, kind, refs={"claim": claim_id, **(extra or {})})
            now = self.clock.now_ms()
            _set_claim(
                conn,
                claim_id,
                new_status,
                now,
                reason=str(extra["reason"]) if extra and "reason" in extra else None,
                approval_tx=entry.tx_id if kind is Kind.APPROVAL else None,
            )
            if kind in (Kind.CHECK_IN, Kind.CHECK_OUT):
                stamp = "checked_in_at" if kind is Kind.CHECK_IN else "done_at"
                conn.execute(update(CLAIMS).where(CLAIMS.c.id == claim_id).values({stamp: now}))
            return entry


@contextmanager
def _cursor(conn: Connection) -> Iterator[Any]:
    """The DBAPI cursor of `conn`'s current transaction, for HotSql statements."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cur
    finally:
        cur.close()


def _require_accounts(conn: Connection, *accounts: str) -> None:
    """Raise not_found for the first of `accounts` without a balance row."""
    for account in accounts:
        _balance(conn, account)
    raise AssertionError("both accounts exist")  # pragma: no cover - the UPDATE found them


def _balance(conn: Connection, account: str) -> int:
    value = conn.execute(
        select(BALANCES.c.balance).where(BALANCES.c.account_id == account)
    ).scalar_one_or_none()
    if value is None:
        raise not_found("rekening", "account", account)
    return int(value)


def _require(conn: Connection, model: type, ident: str, nl: str, en: str) -> None:
    if conn.execute(select(model.id).where(model.id == ident)).first() is None:  # type: ignore[attr-defined]
        raise not_found(nl, en, ident)


def _require_active_resident(conn: Connection, resident_id: str) -> None:
    status = conn.execute(
        select(Resident.status).where(Resident.id == resident_id)
    ).scalar_one_or_none()
    if status is None:
        raise not_found("bewoner", "resident", resident_id)
    if status != "active":
        raise _resident_blocked()


def _resident_blocked() -> LedgerError:
    return LedgerError(
        "resident_blocked",
        "Deze deelnemer is geblokkeerd. Neem contact op met de gemeente.",
        "This participant is blocked. Please contact the municipality.",
    )


def _claim(conn: Connection, claim_id: str) -> Row[Any]:
    row = conn.execute(select(CLAIMS).where(CLAIMS.c.id == claim_id)).first()
    if row is None:
        raise not_found("klusaanmelding", "claim", claim_id)
    return row


def _wrong_state(status: str) -> LedgerError:
    return LedgerError(
        "claim_wrong_state",
        f"Dat kan nu niet: de klus staat op '{status}'.",
        f"That is not possible now: the chore claim is '{status}'.",
    )


def _set_claim(
    conn: Connection,
    claim_id: str,
    status: str,
    now: int,
    *,
    reason: str | None = None,
    approval_tx: str | None = None,
    earn_tx: str | None = None,
) -> None:
    values: dict[str, object] = {"status": status, "updated_at": now}
    if reason is not None:
        values["reason"] = reason
    if approval_tx is not None:
        values["approval_tx"] = approval_tx
    if earn_tx is not None:
        values["earn_tx"] = earn_tx
    conn.execute(update(CLAIMS).where(CLAIMS.c.id == claim_id).values(**values))
