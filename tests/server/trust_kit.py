"""What the server-side trust tests (issue 7) share: entry builders for each role, a rogue
device's forged entries, and the checks that follow every attack.

`Kit.after` is the one after-check: the entries refused since `Kit.mark` changed no balance
(the balances are the marked ones plus the effect of the entries that were applied), the sum
of all balances is zero, every balance is a Python int inside the configured bounds, every
refused entry of the ledger is in the review queue (effect 'refused', reason = its code),
every batch sent again gets the same ack (status duplicate, the same refused list), and the
honest device's next batch is acked with nothing refused.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.crypto import sign
from kiosk.core.entries import GENESIS_HASH, Entry, Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.batch_state import bounds_of
from kiosk.sync import protocol as p
from tests.server.conftest import LiveServer, SimDevice

INSPECTOR_CARD = "S-0001"  # the seed's staff card
# Each seeded neighbourhood's chore and one of its residents.
AREA = {"nb-1": ("ch-1", "r-1"), "nb-2": ("ch-2", "r-3")}
KIND_VALUES = frozenset(k.value for k in Kind)


def fresh(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


# -- entries, as each role writes them ------------------------------------------------------------


def signup(kiosk: SimDevice, claim: str, chore: str = "ch-1", resident: str = "r-1") -> Entry:
    return kiosk.add(Kind.CLAIM_SIGNUP, refs={"claim": claim, "chore": chore, "resident": resident})


def approve(inspector: SimDevice, claim: str, card: str = INSPECTOR_CARD) -> Entry:
    return inspector.add(Kind.APPROVAL, refs={"claim": claim, "inspector": card})


def reject(inspector: SimDevice, claim: str, card: str = INSPECTOR_CARD) -> Entry:
    return inspector.add(Kind.REJECTION, refs={"claim": claim, "inspector": card})


def earn(dev: SimDevice, claim: str, resident: str = "r-1", amount: int = 1500) -> Entry:
    return dev.add(
        Kind.EARN,
        debit=acc.ISSUANCE,
        credit=acc.wallet(resident),
        amount=amount,
        refs={"claim": claim},
    )


def refund(
    counter: SimDevice,
    spend: Entry,
    amount: int,
    *,
    till: str | None = None,
    resident: str | None = None,
) -> Entry:
    """A refund of `spend`, by default out of the spend's till into the spend's wallet."""
    assert spend.debit is not None and spend.credit is not None
    return counter.add(
        Kind.REFUND,
        debit=acc.till(till) if till else spend.credit,
        credit=acc.wallet(resident) if resident else spend.debit,
        amount=amount,
        refs={"spend": spend.tx_id},
    )


def forge(dev: SimDevice, kind: Kind | str, **fields: Any) -> Entry:
    """An entry the device's own checks would never write (a rogue client): signed and chained
    like any other, whatever its contents."""
    prev = dev.entries[-1].entry_hash if dev.entries else GENESIS_HASH
    unsigned = Entry(
        device_id=dev.device_id,
        seq=len(dev.entries) + 1,
        prev_hash=prev,
        tx_id=fields.pop("tx_id", None) or fresh("tx"),
        kind=Kind(kind) if kind in KIND_VALUES else kind,  # type: ignore[arg-type]  # any
        debit=fields.pop("debit", None),
        credit=fields.pop("credit", None),
        amount=fields.pop("amount", 0),
        refs=fields.pop("refs", {}),
        wall_time=fields.pop("wall_time", dev.clock.now_ms()),
    )
    assert not fields, fields
    message = unsigned.signed_bytes()
    entry = Entry(
        **{
            **unsigned.__dict__,
            "entry_hash": hashlib.sha256(message).hexdigest(),
            "signature": sign(dev.key, message),
        }
    )
    dev.entries.append(entry)
    return entry


def server_signup(live: LiveServer, claim: str, chore: str, resident: str) -> None:
    """A claim signed up in the server's own chain (the back office took it on paper)."""
    with live.server.write() as conn:
        version = live.server.bump(conn)
        live.server.append_server_entry(
            conn,
            version,
            Kind.CLAIM_SIGNUP,
            refs={"claim": claim, "chore": chore, "resident": resident},
        )


# -- the database as the checks see it ----------------------------------------------------------


def balances(live: LiveServer) -> dict[str, int]:
    with live.server.engine.connect() as conn:
        rows = conn.execute(select(t.balances.c.account, t.balances.c.balance)).all()
    for account, value in rows:  # never a float, never a Decimal, on either database
        assert type(value) is int, (account, value, type(value))
    return {a: v for a, v in rows if v != 0}


def ledger_position(live: LiveServer) -> int:
    with live.server.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(t.ledger.c.id), 0))).scalar_one())


def refused_rows(live: LiveServer) -> set[tuple[str, int, str]]:
    """(device, seq, code) of every refused entry in the server's ledger."""
    L = t.ledger.c
    with live.server.engine.connect() as conn:
        rows = conn.execute(
            select(L.device_id, L.seq, L.refusal).where(L.status == "refused")
        ).all()
    return {(d, int(s), str(code)) for d, s, code in rows}


def refused_reviews(live: LiveServer) -> set[tuple[str, int, str]]:
    """(device, seq, reason) of every review item for an entry that took no effect."""
    Q = t.review_queue.c
    with live.server.engine.connect() as conn:
        rows = conn.execute(select(Q.device_id, Q.seq, Q.reason).where(Q.effect == "refused")).all()
    return {(d, int(s), str(r)) for d, s, r in rows}


def review_reasons(live: LiveServer, effect: str = "honoured") -> list[tuple[str, str | None]]:
    """(reason, resident) of the open review items with this effect, in order."""
    return [
        (str(i["reason"]), i["resident_id"])  # type: ignore[misc]
        for i in admin.review_items(live.server)
        if i["effect"] == effect
    ]


@dataclass(frozen=True)
class Mark:
    balances: dict[str, int]
    position: int


class Kit:
    """One test's live server, what each device has sent, and the after-checks."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.sent: dict[str, int] = {}  # device id -> last seq sent
        self.batches: list[tuple[p.Batch, p.Ack]] = []
        self.before = self.mark()

    def mark(self) -> Mark:
        return Mark(balances(self.live), ledger_position(self.live))

    def enrol(self, role: str, **kw: Any) -> SimDevice:
        return self.live.enrol(role, fresh(role), **kw)

    def send(self, dev: SimDevice) -> p.Ack:
        """Upload what `dev` has not sent yet, as one batch; expect a signed ack."""
        first = self.sent.get(dev.device_id, 0) + 1
        assert first <= len(dev.entries), "nothing new to send"
        batch = dev.batch(first)
        ack = self.live.ack(batch)
        assert ack.status == "applied", ack
        self.sent[dev.device_id] = ack.acked_seq
        self.batches.append((batch, ack))
        return ack

    def refused(self, dev: SimDevice) -> dict[int, str]:
        """Send, and the refused entries' seq -> code."""
        return {r.seq: r.code for r in self.send(dev).refused}

    def after(
        self, *honest: SimDevice, next_entry: Callable[[SimDevice], object] | None = None
    ) -> list[p.Ack]:
        """The checks after an attack (the module docstring); then each `honest` device sends
        one more entry (`next_entry`, or an ordinary one for its role): it must take effect."""
        live = self.live
        L = t.ledger.c
        with live.server.engine.connect() as conn:
            applied = conn.execute(
                select(L.debit, L.credit, L.amount).where(
                    L.id > self.before.position, L.status == "applied", L.debit.is_not(None)
                )
            ).all()
        expected: dict[str, int] = defaultdict(int, self.before.balances)
        for debit, credit, amount in applied:
            expected[debit] -= amount
            expected[credit] += amount
        now = balances(live)
        assert now == {a: v for a, v in expected.items() if v != 0}
        assert sum(now.values()) == 0
        bounds = bounds_of(live.server.settings)
        outside = {a: v for a, v in now.items() if abs(v) > bounds.limit_for(a)}
        assert outside == {}
        assert refused_rows(live) == refused_reviews(live)
        for batch, ack in self.batches:
            again = live.ack(batch)
            assert again.status == "duplicate"
            assert (again.acked_seq, again.head_hash) == (ack.acked_seq, ack.head_hash)
            assert again.refused == ack.refused
        acks = []
        for dev in honest:
            (next_entry or ordinary_entry(live))(dev)
            ack = self.send(dev)
            assert ack.refused == [], ack.refused
            acks.append(ack)
        return acks


def ordinary_entry(live: LiveServer) -> Callable[[SimDevice], object]:
    """What an honest device of each role writes on an ordinary day."""

    def write(dev: SimDevice) -> object:
        role, bindings = dev.cert.role, dev.cert.bindings
        if role == roles.MERCHANT_COUNTER:
            assert bindings.merchant_id is not None
            return dev.spend("r-1", 1, merchant=bindings.merchant_id)
        chore, resident = AREA[sorted(bindings.neighbourhoods)[0]]
        if role == roles.RESIDENT_KIOSK:
            return signup(dev, fresh("cl"), chore, resident)
        if role == roles.KLUSBOX_DESK:
            return dev.add(Kind.LOAN, refs={"klusbox": "kb-1", "resident": "r-1"})
        claim = fresh("cl")
        server_signup(live, claim, chore, resident)
        return reject(dev, claim)

    return write
