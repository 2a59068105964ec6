"""Honest and rogue devices against one live server (issue 7, *What it must show*): a Hypothesis
state machine over real HTTP, on SQLite and on PostgreSQL.

Honest devices (a counter, a kiosk, a desk, an inspector) sign only what their role may;
rogue devices of random roles sign random kinds with random accounts, amounts up to 2**62,
refs with odd identifiers, reused tx_ids and earns for other devices' claims. All send their
entries in batches of random size, and sometimes a previous batch again, byte for byte.

After every step: the sum of all balances is zero, every balance is a whole number inside its
bounds and is what the applied entries add up to; every refused entry waits in the review
queue; every honest device's chain stands where it last sent it. At every send: an honest
device's batch is acked (never stuck), its spends take effect, its head advances to its last
seq; a batch sent again gets the same ack.

One server per database for the whole test (reset nothing between examples): every example
enrols fresh device keys and makes fresh residents, cards, chores and claims with ids from a
counter, so examples do not meet except through the shared shops and the seed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, cast

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.crypto import sign
from kiosk.core.entries import GENESIS_HASH, Entry, Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, LiveServer, SimDevice

IDS = itertools.count(1)  # fresh ids for every example, across the whole test run
REWARD = 700
CAPACITY = 3  # small, so approvals run into chore_full
HOUR = 3_600_000
DAY = 86_400_000
REF_KEYS = [
    *("claim", "chore", "resident", "merchant", "card", "spend", "klusbox", "inspector"),
    *("reason", "note", "event"),
]
ODD_IDS = [
    "cl\u20101",  # a non-ASCII hyphen
    "x" * 81,
    "",
    " ",
    "a b",
    "über",
    "../../etc/passwd",
    "r-1'; DROP TABLE ledger; --",
    "\u202egnp.exe",
    "𝟙",
]


# What an honest entry may be refused for: another device got there first.
FIRST_COME = {
    p.CLAIM_ALREADY_DECIDED,
    p.CLAIM_REJECTED,
    p.CLAIM_ALREADY_REWARDED,
    p.CLAIM_NOT_APPROVED,
    p.CLAIM_EXISTS,
    p.CHORE_FULL,
    p.REFUND_WITHOUT_SPEND,
}
F = TypeVar("F", bound=Callable[..., Any])
FIRST_FAILURE: list[str] = []


def recorded(f: F) -> F:
    """Keep the first failure of a run. The server keeps its state, so when Hypothesis plays
    a failing example again it may go another way and report only a Flaky error; run_machine
    then shows this failure instead."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except Exception:
            if not FIRST_FAILURE:
                FIRST_FAILURE.append(traceback.format_exc())
            raise

    return cast(F, wrapper)


@dataclass
class Dev:
    sim: SimDevice
    role: str
    honest: bool
    sent: int = 0  # the server's head of this device's chain
    codes: dict[int, str] = field(default_factory=dict)  # refused seq -> code, from acks
    acks: list[tuple[p.Batch, p.Ack]] = field(default_factory=list)  # batches of new entries

    @property
    def id(self) -> str:
        return self.sim.device_id

    @property
    def unsent(self) -> int:
        return len(self.sim.entries) - self.sent


def forge(dev: SimDevice, kind: str, **body: Any) -> Entry:
    """The next entry of `dev`'s chain, signed, whatever it says: make_entry refuses to build
    an entry of a bad shape, a rogue device does not."""
    prev = dev.entries[-1].entry_hash if dev.entries else GENESIS_HASH
    unsigned = Entry(
        device_id=dev.device_id,
        seq=len(dev.entries) + 1,
        prev_hash=prev,
        kind=cast(Kind, kind),  # may be a kind the server does not know
        **body,
    )
    message = unsigned.signed_bytes()
    entry = dataclasses.replace(
        unsigned, entry_hash=hashlib.sha256(message).hexdigest(), signature=sign(dev.key, message)
    )
    dev.entries.append(entry)
    return entry


class TrustMachine(RuleBasedStateMachine):
    live: ClassVar[LiveServer]  # set by the test below: one server for every example

    def __init__(self) -> None:
        super().__init__()
        live, srv = self.live, self.live.server
        x = f"x{next(IDS)}"
        self.x = x
        self.residents = {f"{x}-r1": "nb-1", f"{x}-r2": "nb-1", f"{x}-r3": "nb-2"}
        self.cards = {f"{x}-C{i}": rid for i, rid in enumerate(self.residents, 1)}
        for serial, rid in self.cards.items():
            admin.add_resident(srv, rid, f"Bewoner {rid}", self.residents[rid], card_serial=serial)
            admin.grant(srv, rid, 5_000, "start")
        self.chore = f"{x}-ch1"
        self.far_chore = f"{x}-ch2"
        admin.add_chore(srv, self.chore, "Vegen", "nb-1", reward=REWARD, capacity=CAPACITY)
        admin.add_chore(srv, self.far_chore, "Wieden", "nb-2", reward=REWARD)
        # the honest counter's shop is new too: its till starts at zero in every example
        self.shop = f"{x}-m"
        admin.add_merchant(srv, self.shop, f"Winkel {x}", "nb-1")
        counter = live.enrol(roles.MERCHANT_COUNTER, "eerlijk", merchant=self.shop)
        self.counter = Dev(counter, roles.MERCHANT_COUNTER, True)
        self.kiosk = Dev(live.enrol(roles.RESIDENT_KIOSK, "eerlijk"), roles.RESIDENT_KIOSK, True)
        self.desk = Dev(live.enrol(roles.KLUSBOX_DESK, "eerlijk"), roles.KLUSBOX_DESK, True)
        self.inspector = Dev(live.enrol(roles.INSPECTOR, "eerlijk"), roles.INSPECTOR, True)
        self.rogues: list[Dev] = []
        self.claim_seq = itertools.count(1)
        self.claims: dict[str, str] = {}  # signed up on the server -> resident
        self.claim_pool: list[str] = []  # every claim id anybody named
        self.decided: set[str] = set()  # claims the honest inspector signed a decision on
        self.approved: list[str] = []  # approved by the honest inspector, not yet earned by it
        self.earned: set[str] = set()  # claims the honest inspector signed an earn for
        self.spends: dict[str, list[Any]] = {}  # honest spends that took effect: tx -> [rid, left]
        self.tx_pool: list[str] = []  # every tx_id signed so far
        self.limits = self.counter.sim.cert.limits
        bounds = srv.settings.config["bounds"]
        self.max_entry = int(bounds["max_entry_amount"])
        self.max_account = int(bounds["max_account_balance"])
        self.max_municipal = int(bounds["max_municipal_balance"])

    @property
    def honest(self) -> list[Dev]:
        return [self.counter, self.kiosk, self.desk, self.inspector]

    @property
    def everyone(self) -> list[Dev]:
        return self.honest + self.rogues

    # -- the devices -------------------------------------------------------------------------

    @initialize(
        shop=st.sampled_from(["the honest shop", "m-2"]),
        rogues=st.lists(
            st.tuples(
                st.sampled_from(roles.DEVICE_ROLES),
                st.sampled_from(["the honest shop", "m-2"]),
                st.sampled_from([("nb-1",), ("nb-2",), ("nb-1", "nb-2")]),
            ),
            max_size=2,
        ),
    )
    @recorded
    def enrol_rogues(self, shop: str, rogues: list[tuple[str, str, tuple[str, ...]]]) -> None:
        """A rogue counter (money is what rogues are after), and up to two more of any role."""
        for role, merchant, areas in [(roles.MERCHANT_COUNTER, shop, ()), *rogues]:
            if role in (roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK):
                areas = areas[:1]
            bound = self.shop if merchant == "the honest shop" else merchant
            sim = self.live.enrol(role, "schurk", merchant=bound, neighbourhoods=areas)
            self.rogues.append(Dev(sim, role, False))

    # -- honest entries (what their role may sign, as the device's own check allows) ------------

    def honest_add(self, data: st.DataObject, dev: Dev, kind: Kind, **kw: Any) -> Entry:
        roles.check_may_sign(
            dev.role, dev.sim.cert.bindings.to_core(), kind, kw.get("debit"), kw.get("credit")
        )
        entry = dev.sim.add(kind, **kw)
        self.tx_pool.append(entry.tx_id)
        self.maybe_sync(dev, data)
        return entry

    def maybe_sync(self, dev: Dev, data: st.DataObject) -> None:
        """Devices sync often, but not after every entry: batches of random length."""
        if data.draw(st.integers(0, 2)) == 0:
            if dev.honest:
                self.sync(dev, data)
            else:
                self.rogue_batch(dev, data)

    @rule(data=st.data())
    @recorded
    def honest_spend(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from(sorted(self.residents)))
        amount = data.draw(st.integers(1, self.limits.per_tx_cap))
        card = next(s for s, r in self.cards.items() if r == rid)
        self.honest_add(
            data,
            self.counter,
            Kind.SPEND,
            debit=acc.wallet(rid),
            credit=acc.till(self.shop),
            amount=amount,
            refs={"merchant": self.shop, "resident": rid, "card": card},
        )

    @rule(data=st.data())
    @precondition(lambda self: any(left > 0 for _, left in self.spends.values()))
    @recorded
    def honest_refund(self, data: st.DataObject) -> None:
        # in the order they were made: tx_ids are random, sorting them would make the
        # example depend on more than Hypothesis' choices
        tx = data.draw(st.sampled_from([k for k, v in self.spends.items() if v[1] > 0]))
        rid, left = self.spends[tx]
        amount = data.draw(st.integers(1, left))
        self.spends[tx][1] -= amount  # what this counter still means to refund of it
        self.honest_add(
            data,
            self.counter,
            Kind.REFUND,
            debit=acc.till(self.shop),
            credit=acc.wallet(rid),
            amount=amount,
            refs={"merchant": self.shop, "spend": tx},
        )

    @rule(data=st.data())
    @recorded
    def honest_signup(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from([r for r, nb in self.residents.items() if nb == "nb-1"]))
        claim = f"{self.x}-cl{next(self.claim_seq)}"
        self.claim_pool.append(claim)
        refs = {"claim": claim, "chore": self.chore, "resident": rid}
        self.honest_add(data, self.kiosk, Kind.CLAIM_SIGNUP, refs=refs)

    @rule(data=st.data())
    @precondition(lambda self: bool(self.claims))
    @recorded
    def honest_claim_step(self, data: st.DataObject) -> None:
        dev = data.draw(st.sampled_from([self.kiosk, self.desk]))
        kinds = sorted(
            roles.ROLE_KINDS[dev.role] & {Kind.CHECK_IN, Kind.CHECK_OUT, Kind.CLAIM_DONE}
        )
        kind = data.draw(st.sampled_from(kinds))
        claim = data.draw(st.sampled_from(sorted(self.claims)))
        self.honest_add(data, dev, kind, refs={"claim": claim})

    @rule(data=st.data())
    @recorded
    def honest_card_or_klusbox(self, data: st.DataObject) -> None:
        near = [r for r, nb in self.residents.items() if nb == "nb-1"]
        rid = data.draw(st.sampled_from(near))
        if data.draw(st.booleans()):
            card = next(s for s, r in self.cards.items() if r == rid)
            self.honest_add(
                data, self.kiosk, Kind.CARD_EVENT, refs={"card": card, "event": "pin_set"}
            )
        else:
            kind = data.draw(st.sampled_from([Kind.LOAN, Kind.RETURN]))
            self.honest_add(data, self.desk, kind, refs={"klusbox": "kb-1", "resident": rid})

    @rule(data=st.data(), approve=st.booleans())
    @precondition(lambda self: bool(self.claims))
    @recorded
    def honest_decide(self, data: st.DataObject, approve: bool) -> None:
        open_ = sorted(set(self.claims) - self.decided)
        claim = data.draw(st.sampled_from(open_ or sorted(self.claims)))
        self.decided.add(claim)
        kind = Kind.APPROVAL if approve else Kind.REJECTION
        self.honest_add(data, self.inspector, kind, refs={"claim": claim, "inspector": "S-0001"})
        if approve and data.draw(st.booleans()):  # the earn right away (maybe the same batch)
            self.earn_for(data, claim)

    @rule(data=st.data())
    @precondition(lambda self: bool(self.approved))
    @recorded
    def honest_earn(self, data: st.DataObject) -> None:
        claim = data.draw(st.sampled_from(self.approved))
        self.approved.remove(claim)
        self.earn_for(data, claim)

    def earn_for(self, data: st.DataObject, claim: str) -> None:
        self.earned.add(claim)
        self.honest_add(
            data,
            self.inspector,
            Kind.EARN,
            debit=acc.ISSUANCE,
            credit=acc.wallet(self.claims[claim]),
            amount=REWARD,
            refs={"claim": claim},
        )

    # -- rogue entries --------------------------------------------------------------------------

    def ids(self) -> st.SearchStrategy[str]:
        known = [
            *self.residents,
            *self.cards,
            *self.claim_pool,
            self.chore,
            self.far_chore,
            "r-1",
            "r-3",
            "C-0001",
            "S-0001",
            "ch-1",
            "kb-1",
            "m-1",
            self.shop,
            "m-2",
            "nobody",
            *self.tx_pool[-20:],
        ]
        return st.one_of(st.sampled_from(known), st.sampled_from(ODD_IDS))

    def accounts(self) -> st.SearchStrategy[str | None]:
        wallets = [acc.wallet(r) for r in (*self.residents, "r-1", "r-3", "nobody")]
        return st.one_of(
            st.none(),
            st.sampled_from(
                [
                    *wallets,
                    acc.till("m-1"),
                    acc.till(self.shop),
                    acc.till("m-2"),
                    acc.till("m-9"),
                    *acc.MUNICIPALITY_ACCOUNTS,
                    "wallet:",
                    "bogus",
                ]
            ),
        )

    def amounts(self) -> st.SearchStrategy[int]:
        edges = [0, 1, -1, REWARD, self.max_entry, self.max_entry + 1, 2**61, 2**62, -(2**62)]
        return st.one_of(
            st.integers(1, self.limits.per_tx_cap),
            st.sampled_from(edges),
            st.sampled_from([self.max_entry, self.max_entry + 1, 2**62 - 1, 2**62]),
            st.integers(-(2**62), 2**62),
        )

    def tx_id(self, dev: Dev, data: st.DataObject) -> str:
        own = [e.tx_id for e in dev.sim.entries]
        choice = data.draw(st.sampled_from(["fresh", "own", "other", "fixed"]))
        if choice == "own" and own:
            return data.draw(st.sampled_from(own))
        if choice == "other" and self.tx_pool:
            return data.draw(st.sampled_from(self.tx_pool))
        if choice == "fixed":
            return "0"
        return f"{self.x}-tx{next(IDS)}"

    def rogue_add(
        self, dev: Dev, data: st.DataObject, kind: str, *, sync: bool = True, **body: Any
    ) -> None:
        wall = data.draw(
            st.one_of(
                st.just(NOW),
                st.integers(NOW - HOUR, NOW + HOUR),
                st.sampled_from([NOW + 2 * HOUR, NOW - 90 * DAY, 0]),
            )
        )
        entry = forge(dev.sim, kind, tx_id=self.tx_id(dev, data), wall_time=wall, **body)
        self.tx_pool.append(entry.tx_id)
        claim = entry.refs.get("claim")
        if isinstance(claim, str):
            self.claim_pool.append(claim)
        if sync:
            self.maybe_sync(dev, data)

    @rule(data=st.data())
    @recorded
    def rogue_anything(self, data: st.DataObject) -> None:
        dev = data.draw(st.sampled_from(self.rogues))
        for _ in range(data.draw(st.integers(1, 3))):
            self.rogue_entry(dev, data)

    def rogue_entry(self, dev: Dev, data: st.DataObject) -> None:
        """Mostly the right shape for its kind, with any accounts, amount and refs of that
        shape (so the rules, not only the shape check, get to judge it); now and then
        anything at all, or one ref swapped for an odd identifier."""
        # half the time a kind its role may sign (cheating inside its role), else any kind
        own_kinds = sorted(k.value for k in roles.ROLE_KINDS[dev.role])
        kind = data.draw(
            st.one_of(
                st.sampled_from(own_kinds),
                st.sampled_from([k.value for k in Kind] + ["bogus_kind"]),
            )
        )
        if kind == "bogus_kind" or data.draw(st.integers(0, 5)) == 0:
            ref_values = st.one_of(
                self.ids(),
                st.integers(-(2**62), 2**62),
                st.text(st.characters(exclude_characters="\x00"), max_size=40),
            )
            body: dict[str, Any] = {
                "debit": data.draw(self.accounts()),
                "credit": data.draw(self.accounts()),
                "amount": data.draw(self.amounts()),
                "refs": data.draw(
                    st.dictionaries(st.sampled_from(REF_KEYS), ref_values, max_size=4)
                ),
            }
        else:
            body = self.shaped(dev, Kind(kind), data)
        if body["refs"] and data.draw(st.integers(0, 5)) == 0:
            key = data.draw(st.sampled_from(sorted(body["refs"])))
            body["refs"][key] = data.draw(st.sampled_from(ODD_IDS))
        self.rogue_add(dev, data, kind, **body)

    def shaped(self, dev: Dev, kind: Kind, data: st.DataObject) -> dict[str, Any]:
        """Accounts of the right kinds and the refs the kind names, drawn from everything
        (a counter's own till most often)."""
        wallets = [acc.wallet(r) for r in (*self.residents, "r-1", "r-3", "nobody")]
        tills = [acc.till(m) for m in (self.shop, "m-1", "m-2", "m-9")]
        own = dev.sim.cert.bindings.merchant_id
        if own:
            tills = [acc.till(own)] * 4 + tills
        pick = {
            "wallet": wallets,
            "till": tills,
            "issuance": [acc.ISSUANCE],
            "redemption": [acc.REDEMPTION],
            "writeoff": [acc.WRITEOFF],
            "any": [*wallets, *tills, *acc.MUNICIPALITY_ACCOUNTS],
        }
        flows = {
            Kind.EARN: ("issuance", "wallet"),
            Kind.SPEND: ("wallet", "till"),
            Kind.REFUND: ("till", "wallet"),
            Kind.SETTLE: ("till", "redemption"),
            Kind.EXPIRE: ("wallet", "writeoff"),
            Kind.ADJUST: ("any", "any"),
        }
        claims = st.one_of(st.sampled_from(self.claim_pool or ["nobody"]), st.just(self.fresh()))
        values: dict[str, st.SearchStrategy[str]] = {
            "claim": claims,
            "chore": st.sampled_from([self.chore, self.far_chore, "ch-1", "ch-2", "nobody"]),
            "resident": st.sampled_from([*self.residents, "r-1", "r-3", "nobody"]),
            "merchant": st.sampled_from([self.shop, "m-1", "m-2", "m-9"]),
            "card": st.sampled_from([*self.cards, "C-0001", "C-0003", "S-0001", "nobody"]),
            "spend": st.sampled_from([*self.tx_pool[-30:], "nobody"]),
            "klusbox": st.sampled_from(["kb-1", "nobody"]),
            "inspector": st.sampled_from(["S-0001", "C-0001", "nobody"]),
            "reason": st.sampled_from(["", "correctie", "waarom niet"]),
            "event": st.just("pin_set"),
            "decision": st.sampled_from(["confirmed", "applied", "approved", "reversed"]),
            "staff": st.sampled_from(["S-0001", "nobody"]),
        }
        ref_keys = {
            Kind.EARN: ["claim"],
            Kind.SPEND: ["merchant", "resident", "card"],
            Kind.REFUND: ["merchant", "spend"],
            Kind.SETTLE: ["merchant"],
            Kind.ADJUST: ["reason"],
            Kind.EXPIRE: [],
            Kind.CLAIM_SIGNUP: ["claim", "chore", "resident"],
            Kind.CHECK_IN: ["claim"],
            Kind.CHECK_OUT: ["claim"],
            Kind.CLAIM_DONE: ["claim"],
            Kind.APPROVAL: ["claim", "inspector"],
            Kind.REJECTION: ["claim", "inspector"],
            Kind.CARD_EVENT: ["card", "event"],
            Kind.LOAN: ["klusbox", "resident"],
            Kind.RETURN: ["klusbox", "resident"],
            Kind.REVIEW: ["decision", "staff", "reason"],
        }.get(kind, ["claim"])
        refs = {key: data.draw(values[key]) for key in ref_keys}
        if kind not in flows:
            return {"debit": None, "credit": None, "amount": 0, "refs": refs}
        debit, credit = flows[kind]
        return {
            "debit": data.draw(st.sampled_from(pick[debit])),
            "credit": data.draw(st.sampled_from(pick[credit])),
            "amount": data.draw(self.amounts()),
            "refs": refs,
        }

    def fresh(self) -> str:
        return f"{self.x}-rc{next(IDS)}"

    @rule(data=st.data())
    @recorded
    def rogue_big_money(self, data: st.DataObject) -> None:
        """Amounts past the bounds (up to 2**62, two in one batch), into the rogue's own till
        if it has one: refused before any arithmetic, never a 500, never a float."""
        dev = data.draw(st.sampled_from(self.rogues))
        own = dev.sim.cert.bindings.merchant_id
        till = acc.till(own) if own else acc.till(self.shop)
        big = st.sampled_from([self.max_entry + 1, 2**61, 2**62 - 1, 2**62])
        for _ in range(data.draw(st.integers(1, 2))):
            rid = data.draw(st.sampled_from(sorted(self.residents)))
            kind, debit, credit = data.draw(
                st.sampled_from(
                    [
                        ("spend", acc.wallet(rid), till),
                        ("refund", till, acc.wallet(rid)),
                        ("earn", acc.ISSUANCE, acc.wallet(rid)),
                        ("adjust", acc.ISSUANCE, till),
                    ]
                )
            )
            amount = data.draw(st.one_of(big, st.just(self.max_entry)))
            refs = {"merchant": acc.owner_of(till), "resident": rid, "reason": "veel"}
            self.rogue_add(
                dev, data, kind, sync=False, debit=debit, credit=credit, amount=amount, refs=refs
            )
        self.send(dev, dev.sent + 1, len(dev.sim.entries))

    @rule(data=st.data())
    @precondition(lambda self: bool(self.claim_pool))
    @recorded
    def rogue_claim_money(self, data: st.DataObject) -> None:
        """Approvals and earns for other devices' claims, into any wallet."""
        dev = data.draw(st.sampled_from(self.rogues))
        claim = data.draw(st.sampled_from(self.claim_pool))
        if data.draw(st.booleans()):
            inspector = data.draw(st.sampled_from(["S-0001", "C-0001", "nobody"]))
            self.rogue_add(
                dev,
                data,
                "approval",
                debit=None,
                credit=None,
                amount=0,
                refs={"claim": claim, "inspector": inspector},
            )
            return
        rid = data.draw(st.sampled_from([*self.residents, "r-1"]))
        self.rogue_add(
            dev,
            data,
            "earn",
            debit=acc.ISSUANCE,
            credit=acc.wallet(rid),
            amount=data.draw(st.sampled_from([REWARD, REWARD + 1, self.max_entry])),
            refs={"claim": claim},
        )

    # -- sending ----------------------------------------------------------------------------------

    def stored(self, dev: Dev, first: int, last: int) -> dict[int, str]:
        """The server's refused entries of `dev` in [first, last]: seq -> code."""
        L = t.ledger.c
        with self.live.server.engine.connect() as conn:
            rows = conn.execute(
                select(L.seq, L.status, L.refusal).where(
                    L.device_id == dev.id, L.seq >= first, L.seq <= last
                )
            ).all()
        assert len(rows) == last - first + 1
        return {seq: str(code) for seq, status, code in rows if status == "refused"}

    def send(self, dev: Dev, first: int, last: int) -> p.Ack | None:
        batch = p.make_batch(dev.sim.key, dev.sim.entries[first - 1 : last])
        r = self.live.upload(batch)
        if first > dev.sent + 1:
            assert r.status_code == 409, r.text
            err = p.ErrorBody.model_validate(r.json())
            assert (err.code, err.next_seq) == (p.GAP, dev.sent + 1)
            return None
        assert r.status_code == 200, r.text  # never stuck: authentic batches are always acked
        ack = p.Ack.model_validate(r.json())
        assert p.verify_ack(self.live.server.verify_key, ack)
        assert ack.acked_seq == last
        assert ack.head_hash == dev.sim.entries[last - 1].entry_hash
        assert ack.next_seq == max(last, dev.sent) + 1
        refused = {e.seq: e.code for e in ack.refused}
        assert all(first <= seq <= last for seq in refused)
        if last <= dev.sent:
            assert ack.status == "duplicate"
            assert refused == {s: c for s, c in dev.codes.items() if first <= s <= last}
            return ack
        new = max(first, dev.sent + 1)
        assert ack.status == "applied" and ack.applied == last - new + 1
        assert refused == self.stored(dev, new, last)  # the ack names what the ledger holds
        for e in ack.refused:
            assert e.tx_id == dev.sim.entries[e.seq - 1].tx_id
        dev.codes.update(refused)
        for seq in range(new, last + 1):
            if seq not in refused:
                self.took_effect(dev, dev.sim.entries[seq - 1])
        dev.sent = last
        if first == new:
            dev.acks.append((batch, ack))
        return ack

    def took_effect(self, dev: Dev, e: Entry) -> None:
        claim = e.refs.get("claim")
        if dev is self.kiosk and e.kind is Kind.CLAIM_SIGNUP:
            self.claims[str(claim)] = str(e.refs["resident"])
        elif dev is self.inspector and e.kind is Kind.APPROVAL and claim not in self.earned:
            self.approved.append(str(claim))
        elif dev is self.counter and e.kind is Kind.SPEND:
            self.spends[e.tx_id] = [acc.owner_of(str(e.debit)), e.amount]

    @rule(data=st.data())
    @precondition(lambda self: any(d.unsent for d in self.honest))
    @recorded
    def honest_sync(self, data: st.DataObject) -> None:
        self.sync(data.draw(st.sampled_from([d for d in self.honest if d.unsent])), data)

    def sync(self, dev: Dev, data: st.DataObject) -> None:
        """An honest device sends its next entries (all or the first few)."""
        last = data.draw(st.integers(dev.sent + 1, len(dev.sim.entries)))
        first = dev.sent + 1
        ack = self.send(dev, first, last)
        assert ack is not None
        head = p.Ack.model_validate(self.live.http.get(f"/v1/devices/{dev.id}/head").json())
        assert (head.acked_seq, head.head_hash) == (last, ack.head_hash)
        for seq in range(first, last + 1):
            e = dev.sim.entries[seq - 1]
            if e.kind is Kind.SPEND:  # honest spends within the rules always take effect
                assert seq not in dev.codes, (e, dev.codes[seq])
            # Anything else of an honest device is refused only for what another device
            # did first (decided, rewarded or filled up a claim or chore, refunded a spend).
            if seq in dev.codes:
                assert dev.codes[seq] in FIRST_COME, (e, dev.codes[seq])

    @rule(data=st.data())
    @precondition(lambda self: any(d.sim.entries for d in self.rogues))
    @recorded
    def rogue_send(self, data: st.DataObject) -> None:
        self.rogue_batch(
            data.draw(st.sampled_from([d for d in self.rogues if d.sim.entries])), data
        )

    def rogue_batch(self, dev: Dev, data: st.DataObject) -> None:
        """Any stretch of its chain: new entries, old ones again, both, or after a gap."""
        n = len(dev.sim.entries)
        first = data.draw(st.integers(max(1, dev.sent - 2), min(n, dev.sent + 2)))
        last = data.draw(st.integers(first, n))
        self.send(dev, first, last)

    @rule(data=st.data())
    @precondition(lambda self: any(d.acks for d in self.everyone))
    @recorded
    def resend(self, data: st.DataObject) -> None:
        dev = data.draw(st.sampled_from([d for d in self.everyone if d.acks]))
        batch, first = data.draw(st.sampled_from(dev.acks))
        before = self.live.ledger_count()
        r = self.live.upload(batch)
        assert r.status_code == 200, r.text
        again = p.Ack.model_validate(r.json())
        assert p.verify_ack(self.live.server.verify_key, again)
        assert again.status == "duplicate" and again.applied == 0
        assert (again.acked_seq, again.head_hash, again.refused) == (
            first.acked_seq,
            first.head_hash,
            first.refused,
        )
        # what the server expects next: the same as then for the device's last batch; for
        # an older one, what it expects now
        assert again.next_seq == dev.sent + 1
        if first.acked_seq == dev.sent:
            assert again.next_seq == first.next_seq
        assert self.live.ledger_count() == before

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    @recorded
    def money_is_whole_zero_sum_and_bounded(self) -> None:
        engine = self.live.server.engine
        with engine.connect() as conn:
            rows = conn.execute(select(t.balances.c.account, t.balances.c.balance)).all()
            if engine.dialect.name == "sqlite":
                kinds = conn.exec_driver_sql(
                    "SELECT DISTINCT typeof(balance) FROM balances "
                    "UNION SELECT DISTINCT typeof(amount) FROM ledger"
                ).scalars()
                assert set(kinds) <= {"integer"}
        assert all(type(b) is int for _, b in rows), rows
        assert sum(b for _, b in rows) == 0
        for account, b in rows:
            limit = self.max_municipal if account in acc.MUNICIPALITY_ACCOUNTS else self.max_account
            assert abs(b) <= limit, (account, b)

    @invariant()
    @recorded
    def balances_are_what_the_applied_entries_add_up_to(self) -> None:
        L = t.ledger.c
        applied = (L.status == "applied", L.debit.is_not(None), L.credit.is_not(None))
        want: dict[str, int] = {}
        with self.live.server.engine.connect() as conn:
            for column, sign_ in ((L.debit, -1), (L.credit, 1)):
                for account, total in conn.execute(
                    select(column, func.sum(L.amount)).where(*applied).group_by(column)
                ):
                    want[account] = want.get(account, 0) + sign_ * int(total)
            got = dict(conn.execute(select(t.balances.c.account, t.balances.c.balance)).all())
        assert {a: b for a, b in got.items() if b} == {a: b for a, b in want.items() if b}

    @invariant()
    @recorded
    def every_refused_entry_waits_in_the_review_queue(self) -> None:
        L, Q = t.ledger.c, t.review_queue.c
        with self.live.server.engine.connect() as conn:
            refused = set(
                conn.execute(
                    select(L.device_id, L.seq, L.refusal).where(L.status == "refused")
                ).all()
            )
            queued = set(
                conn.execute(
                    select(Q.device_id, Q.seq, Q.reason).where(Q.effect == "refused")
                ).all()
            )
        assert refused == queued

    @invariant()
    @recorded
    def no_honest_chain_is_stuck(self) -> None:
        with self.live.server.engine.connect() as conn:
            heads = dict(
                conn.execute(
                    select(t.devices.c.id, t.devices.c.head_seq).where(
                        t.devices.c.id.in_([d.id for d in self.everyone])
                    )
                ).all()
            )
        for d in self.everyone:
            assert heads[d.id] == d.sent, d.role


def run_machine(live: LiveServer, *, examples: int, steps: int) -> None:
    live.seed()
    machine: type[RuleBasedStateMachine] = type("Trust", (TrustMachine,), {"live": live})
    FIRST_FAILURE.clear()
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=examples,
                stateful_step_count=steps,
                deadline=None,
                # No shrinking: the server's state outlives each example (nothing is reset),
                # so a shorter replay is not the same example; the failing steps are printed.
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            ),
        )
    except Flaky as exc:
        if not FIRST_FAILURE:
            raise
        raise AssertionError("the first failure of this run:\n" + FIRST_FAILURE[0]) from exc


def test_honest_devices_are_never_stuck_and_money_stays_whole(live: LiveServer) -> None:
    run_machine(live, examples=15, steps=40)
