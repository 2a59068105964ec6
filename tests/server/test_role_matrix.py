"""Role x entry kind (issue 7): every device role signs every kind of entry, with accounts,
refs and amounts that are otherwise valid, so that the role is the only thing that can be
wrong. Exactly the cells of DESIGN.md §5's table take effect on the server (status 'applied'
in its ledger); the rest are stored 'refused' with role_not_allowed, or not_own_till where
a counter names another shop's till. The device's own check (kiosk.core.roles.check_may_sign)
accepts exactly the same cells.

The expected table is written out below from DESIGN.md's words, not taken from
kiosk.core.roles.ROLE_KINDS: the test compares the two implementations with the design.
One live server per database; one batch per role carries every kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.server.conftest import LiveServer
from tests.server.live_once import DATABASES, live_server

# DESIGN.md §5, *Who may sign what*, in its own words:
#   resident-kiosk:   chore sign-up, check-in, check-out, "done"; card events (PIN set). No money
#   klusbox-desk:     loans and returns of klusboxes; check-in and check-out. No money
#   merchant-counter: spend from a wallet into its own merchant's till; refund from that till
#   inspector:        approval or rejection of a claim; the earn for an approved claim
#   server:           settle, adjust, expire
# and *The log and its effect*: "A later decision on a refused entry is a new entry in the
# server's chain" (kind review).
DESIGN_TABLE: dict[str, frozenset[str]] = {
    "resident-kiosk": frozenset(
        {"claim_signup", "check_in", "check_out", "claim_done", "card_event"}
    ),
    "klusbox-desk": frozenset({"loan", "return", "check_in", "check_out"}),
    "merchant-counter": frozenset({"spend", "refund"}),
    "inspector": frozenset({"approval", "rejection", "earn"}),
}
SERVER_ONLY = frozenset({"settle", "adjust", "expire", "review"})
ROLES = list(DESIGN_TABLE)
# Every kind, and a counter's two money kinds once more with the other shop's till.
OTHER_TILL = ("spend@other-till", "refund@other-till")
CELLS = [k.value for k in Kind] + list(OTHER_TILL)


def expected(role: str, cell: str) -> tuple[str, str | None]:
    """(status, refusal code) DESIGN.md §5 gives this role signing this cell."""
    if cell in OTHER_TILL:
        if role == "merchant-counter":
            return "refused", "not_own_till"
        return "refused", "role_not_allowed"
    if cell in DESIGN_TABLE[role]:
        return "applied", None
    return "refused", "role_not_allowed"


def test_the_design_table_names_every_kind_once_for_devices_or_the_server() -> None:
    device_kinds = frozenset().union(*DESIGN_TABLE.values())
    assert device_kinds | SERVER_ONLY == {k.value for k in Kind}
    assert not device_kinds & SERVER_ONLY
    assert set(ROLES) == set(roles.DEVICE_ROLES)


# -- one batch per role on one server per database ---------------------------------------------


@dataclass(frozen=True)
class Signed:
    """One cell's entry: what it moves (to check the balances) and its seq in the batch."""

    seq: int
    debit: str | None
    credit: str | None
    amount: int


@dataclass
class Matrix:
    live: LiveServer
    cells: dict[tuple[str, str], Signed] = field(default_factory=dict)
    stored: dict[tuple[str, str], tuple[str, str | None]] = field(default_factory=dict)
    acks: dict[str, p.Ack] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)  # role -> device id
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)


def slug(role: str) -> str:
    return role.replace("-", "")


def entry_for(cell: str, role: str, spends: dict[str, str]) -> dict[str, Any]:
    """The make_entry arguments of `cell` for `role`: valid in every way but (maybe) the role.
    Claims, spends and cards are prepared by `matrix` below, one set per role."""
    s = slug(role)
    r1, r2 = acc.wallet("r-1"), acc.wallet("r-2")
    m1, m2 = acc.till("m-1"), acc.till("m-2")
    kinds: dict[str, dict[str, Any]] = {
        "earn": {
            "debit": acc.ISSUANCE,
            "credit": r2,
            "amount": 1500,
            "refs": {"claim": f"earn-{s}"},
        },
        "spend": {
            "debit": r1,
            "credit": m1,
            "amount": 100,
            "refs": {"merchant": "m-1", "resident": "r-1", "card": "C-0001"},
        },
        "refund": {
            "debit": m1,
            "credit": r1,
            "amount": 10,
            "refs": {"merchant": "m-1", "spend": spends["m-1"]},
        },
        "settle": {
            "debit": m1,
            "credit": acc.REDEMPTION,
            "amount": 10,
            "refs": {"merchant": "m-1"},
        },
        "adjust": {"debit": acc.ISSUANCE, "credit": r1, "amount": 10, "refs": {"reason": "m"}},
        "expire": {"debit": r1, "credit": acc.WRITEOFF, "amount": 10, "refs": {}},
        "claim_signup": {"refs": {"claim": f"new-{s}", "chore": "ch-1", "resident": "r-1"}},
        "check_in": {"refs": {"claim": f"steps-{s}"}},
        "check_out": {"refs": {"claim": f"steps-{s}"}},
        "claim_done": {"refs": {"claim": f"steps-{s}"}},
        "approval": {"refs": {"claim": f"appr-{s}", "inspector": "S-0001"}},
        "rejection": {"refs": {"claim": f"rej-{s}", "inspector": "S-0001"}},
        "card_event": {"refs": {"card": "C-0001", "event": "pin_set"}},
        "loan": {"refs": {"klusbox": "kb-1", "resident": "r-1"}},
        "return": {"refs": {"klusbox": "kb-1", "resident": "r-1"}},
        "review": {"refs": {"review": 1, "decision": "confirmed", "staff": "S-0001"}},
        "spend@other-till": {
            "debit": r1,
            "credit": m2,
            "amount": 100,
            "refs": {"merchant": "m-2", "resident": "r-1"},
        },
        "refund@other-till": {
            "debit": m2,
            "credit": r1,
            "amount": 10,
            "refs": {"merchant": "m-2", "spend": spends["m-2"]},
        },
    }
    return kinds[cell]


def kind_of(cell: str) -> Kind:
    return Kind(cell.partition("@")[0])


def bindings_of(role: str) -> roles.Bindings:
    if role == "merchant-counter":
        return roles.Bindings(merchant_id="m-1")
    return roles.Bindings(neighbourhoods=frozenset({"nb-1"}))


def all_balances(live: LiveServer) -> dict[str, int]:
    with live.server.engine.connect() as conn:
        return {
            a: int(b) for a, b in conn.execute(select(t.balances.c.account, t.balances.c.balance))
        }


def prepare(live: LiveServer) -> dict[str, str]:
    """Money to spend, one spend at each shop to refund, and per role the claims its entries
    name: signed up (for check-in/out, done, approval, rejection) and approved (for earn)."""
    live.seed()
    admin.grant(live.server, "r-1", 10_000, "start")
    spends: dict[str, str] = {}
    for merchant in ("m-1", "m-2"):
        counter = live.enrol("merchant-counter", f"setup {merchant}", merchant=merchant)
        spends[merchant] = counter.spend("r-1", 500, merchant).tx_id
        assert live.refused_codes(counter.batch()) == {}
    kiosk = live.enrol("resident-kiosk", "setup kiosk")
    for role in ROLES:
        for prefix in ("steps", "appr", "rej"):
            kiosk.add(
                Kind.CLAIM_SIGNUP,
                refs={"claim": f"{prefix}-{slug(role)}", "chore": "ch-1", "resident": "r-1"},
            )
        admin.record_approval(
            live.server, f"earn-{slug(role)}", "S-0001", chore_id="ch-1", resident_id="r-2"
        )
    assert live.refused_codes(kiosk.batch()) == {}
    return spends


@pytest.fixture(scope="module", params=DATABASES)
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    folder: Path = tmp_path_factory.mktemp("matrix")
    with live_server(request.param, folder) as live:
        spends = prepare(live)
        m = Matrix(live, before=all_balances(live))
        for role in ROLES:
            dev = live.enrol(role, f"matrix {role}")
            m.devices[role] = dev.device_id
            for cell in CELLS:
                args = entry_for(cell, role, spends)
                e = dev.add(kind_of(cell), **args)
                m.cells[(role, cell)] = Signed(e.seq, e.debit, e.credit, e.amount)
            m.acks[role] = live.ack(dev.batch())
            with live.server.engine.connect() as conn:
                rows = conn.execute(
                    select(t.ledger.c.seq, t.ledger.c.status, t.ledger.c.refusal).where(
                        t.ledger.c.device_id == dev.device_id
                    )
                ).all()
            by_seq = {seq: (status, refusal) for seq, status, refusal in rows}
            for cell in CELLS:
                m.stored[(role, cell)] = by_seq[m.cells[(role, cell)].seq]
        m.after = all_balances(live)
        yield m


@pytest.mark.parametrize(("role", "cell"), [(r, c) for r in ROLES for c in CELLS])
def test_the_server_lets_exactly_the_designed_cells_take_effect(
    matrix: Matrix, role: str, cell: str
) -> None:
    assert matrix.stored[(role, cell)] == expected(role, cell)


@pytest.mark.parametrize("role", ROLES)
def test_the_ack_names_each_refused_cell_with_its_code(matrix: Matrix, role: str) -> None:
    ack = matrix.acks[role]
    assert ack.status == "applied" and ack.acked_seq == len(CELLS) == ack.applied
    named = {r.seq: r.code for r in ack.refused}
    want = {
        matrix.cells[(role, c)].seq: code
        for c in CELLS
        for status, code in [expected(role, c)]
        if status == "refused"
    }
    assert named == want


@pytest.mark.parametrize("role", ROLES)
def test_every_refused_cell_waits_in_the_review_queue(matrix: Matrix, role: str) -> None:
    with matrix.live.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.review_queue.c.seq, t.review_queue.c.reason, t.review_queue.c.effect).where(
                t.review_queue.c.device_id == matrix.devices[role],
                t.review_queue.c.effect == "refused",
            )
        ).all()
    queued = {seq: reason for seq, reason, _ in rows}
    for cell in CELLS:
        status, code = expected(role, cell)
        seq = matrix.cells[(role, cell)].seq
        if status == "refused":
            assert queued.get(seq) == code, cell
        else:
            assert seq not in queued, cell


def test_only_the_applied_cells_moved_money(matrix: Matrix) -> None:
    want = dict(matrix.before)
    for (role, cell), s in matrix.cells.items():
        if expected(role, cell)[0] == "applied" and s.debit and s.credit:
            want[s.debit] = want.get(s.debit, 0) - s.amount
            want[s.credit] = want.get(s.credit, 0) + s.amount
    assert {a: b for a, b in matrix.after.items() if b} == {a: b for a, b in want.items() if b}
    assert sum(matrix.after.values()) == 0


# -- the same table on the device ---------------------------------------------------------------


def device_entry(cell: str, role: str) -> tuple[Kind, str | None, str | None]:
    args = entry_for(cell, role, {"m-1": "tx-1", "m-2": "tx-2"})
    return kind_of(cell), args.get("debit"), args.get("credit")


@pytest.mark.parametrize(("role", "cell"), [(r, c) for r in ROLES for c in CELLS])
def test_the_device_refuses_exactly_the_cells_the_design_refuses(role: str, cell: str) -> None:
    kind, debit, credit = device_entry(cell, role)
    status, code = expected(role, cell)
    if status == "applied":
        roles.check_may_sign(role, bindings_of(role), kind, debit, credit)
        return
    with pytest.raises(roles.RoleError) as caught:
        roles.check_may_sign(role, bindings_of(role), kind, debit, credit)
    assert caught.value.code == code
    assert caught.value.nl and caught.value.en and caught.value.nl != caught.value.en


@pytest.mark.parametrize("kind", sorted(SERVER_ONLY))
def test_server_only_kinds_are_refused_for_every_device_role(kind: str) -> None:
    for role in ROLES:
        _, debit, credit = device_entry(kind, role)
        with pytest.raises(roles.RoleError) as caught:
            roles.check_may_sign(role, bindings_of(role), Kind(kind), debit, credit)
        assert caught.value.code == "role_not_allowed", role
