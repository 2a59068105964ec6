"""Signed snapshots, private to enrolled devices (DESIGN.md §5, *Snapshots are private*).

A device asks with a signature over (device id, since, its time, a fresh nonce): no
signature, a bad or stale one, a replayed nonce or a device that is not active is refused.
Each role gets only what it needs (AVG/GDPR data minimisation):

* merchant-counter: every resident without name or neighbourhood (id, status, flag); resident
  cards (with "PIN needed" and the PIN's argon2id hash, to check it offline); wallet balances
  and its own till; no chores or klusboxes.
* resident-kiosk: the residents of its neighbourhood with a display name, their cards (with
  the PIN hashes, so a PIN can be changed with the old one) and wallet balances; each
  resident's newest money lines (`history`) and claims; the chores (with English titles) and
  klusboxes of its neighbourhood.
* klusbox-desk: the residents of its neighbourhood with a display name, their cards and the
  staff cards; their claims; no balances; the chores and klusboxes of its neighbourhood.
* inspector: the residents of its neighbourhoods with a display name, the staff cards; no
  balances; the chores of its neighbourhoods.

Nobody gets other shops' tills or the list of approved claims. Merchants (shop names) and
the revocation lists go to every role.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    func,
    literal,
    select,
    text,
    true,
)

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.entries import Kind
from kiosk.server import tables as t
from kiosk.server.context import DeviceView, ServerCore
from kiosk.server.device_auth import authenticate_request
from kiosk.server.errors import Refusal
from kiosk.server.loans import open_loans
from kiosk.sync import protocol as p
from kiosk.sync.protocol import (
    CardRow,
    ChoreRow,
    ClaimRow,
    KlusboxRow,
    LoanRow,
    MerchantRow,
    MoneyLine,
    ResidentRow,
    Snapshot,
    StaffRow,
)

_NAMED_ROLES = frozenset({roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK, roles.INSPECTOR})
# Who gets the PIN hashes: the devices that check a PIN offline.
_PIN_ROLES = frozenset({roles.MERCHANT_COUNTER, roles.RESIDENT_KIOSK})
_CLAIM_ROLES = frozenset({roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK, roles.INSPECTOR})
# Who gets the staff (names, roles and override PINs) and their cards: the devices where a
# staff card opens something (a desk's override, the inspector's screen, a kiosk's lockdown).
_STAFF_ROLES = frozenset({roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK, roles.INSPECTOR})
# Who gets the boxes lent now: the desks that take them back, the kiosks that show them.
_LOAN_ROLES = frozenset({roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK})
# The money kinds that touch a wallet (settle moves a till's money only).
HISTORY_KINDS: tuple[str, ...] = (
    Kind.EARN.value,
    Kind.SPEND.value,
    Kind.REFUND.value,
    Kind.ADJUST.value,
    Kind.EXPIRE.value,
)
_CLAIM_KINDS: tuple[str, ...] = (
    Kind.CLAIM_SIGNUP.value,
    Kind.CHECK_IN.value,
    Kind.CHECK_OUT.value,
    Kind.CLAIM_DONE.value,
    Kind.APPROVAL.value,
    Kind.REJECTION.value,
    Kind.EARN.value,
)
_CHUNK = 500  # identifiers per IN list


def authenticate(core: ServerCore, headers: Mapping[str, str], since: int | None) -> DeviceView:
    """The active device that signed this snapshot request, or Refusal (401/403)."""
    return authenticate_request(
        core,
        headers,
        lambda device_id, at, nonce: p.snapshot_request_message(device_id, since, at, nonce),
    )


def build(core: ServerCore, device: DeviceView, since: int | None = None) -> Snapshot:
    """The signed snapshot of `device`'s view: full, or what changed after `since`."""
    with core.engine.connect() as raw:
        conn = raw
        if raw.dialect.name == "postgresql":
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            version = int(conn.execute(select(t.server_state.c.version)).scalar_one())
            if since is not None and since > version:
                raise Refusal(p.SNAPSHOT_VERSION_UNKNOWN)
            floor = -1 if since is None else since
            position = conn.execute(select(func.coalesce(func.max(t.ledger.c.id), 0))).scalar_one()
            body = _view(conn, device, floor)
    now = core.now()
    snap = Snapshot(
        version=version,
        base_version=since,
        ledger_position=int(position),
        server_time=now,
        expires_at=now + core.settings.get("snapshot", "ttl_s") * 1000,
        limits=device.limits,
        role=device.role,  # type: ignore[arg-type]  # a device role, checked at enrolment
        **body,
    )
    return p.sign_snapshot(core.key, snap)


def _view(conn: Connection, device: DeviceView, floor: int) -> dict[str, Any]:
    role = device.role
    areas = sorted(device.bindings.neighbourhoods)
    R, C, B = t.residents.c, t.cards.c, t.balances.c
    named = role in _NAMED_ROLES
    # Which residents and cards this role may know of at all: the same filters serve the
    # rows and the (always whole) revocation lists.
    resident_scope = R.neighbourhood_id.in_(areas) if named else true()
    area_residents = select(R.id).where(R.neighbourhood_id.in_(areas))
    if role == roles.MERCHANT_COUNTER:
        card_scope = C.kind == "resident"
    elif role in (roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK):
        card_scope = (C.kind == "staff") | (
            (C.kind == "resident") & C.resident_id.in_(area_residents)
        )
    else:
        card_scope = C.kind == "staff"
    residents_q = select(t.residents).where(R.version > floor, resident_scope).order_by(R.id)
    residents = [
        ResidentRow(
            id=r["id"],
            name=r["name"] if named else "",
            neighbourhood_id=r["neighbourhood_id"] if named else None,
            status=r["status"],
            flagged=bool(r["flagged"]),
        )
        for r in conn.execute(residents_q).mappings()
    ]
    cards_q = select(t.cards).where(C.version > floor, card_scope).order_by(C.serial)
    with_pins = role in _PIN_ROLES
    cards = [
        CardRow(
            serial=r["serial"],
            kind=r["kind"],
            resident_id=r["resident_id"],
            staff_id=r["staff_id"],
            status=r["status"],
            pin_needed=r["pin_hash"] is not None,
            pin_hash=_pin_hash(r["pin_hash"]) if with_pins and r["kind"] == "resident" else None,
        )
        for r in conn.execute(cards_q).mappings()
    ]
    balances: dict[str, int] = {}
    if role in (roles.MERCHANT_COUNTER, roles.RESIDENT_KIOSK):
        balances_q = select(B.account, B.balance).where(B.version > floor).order_by(B.account)
        wallets = B.account.like(acc.WALLET_PREFIX + "%")
        if role == roles.MERCHANT_COUNTER and device.bindings.merchant_id:
            balances_q = balances_q.where(
                wallets | (B.account == acc.till(device.bindings.merchant_id))
            )
        else:
            area_wallets = select(literal(acc.WALLET_PREFIX, String) + R.id).where(
                R.neighbourhood_id.in_(areas)
            )
            balances_q = balances_q.where(B.account.in_(area_wallets))
        balances = {a: int(b) for a, b in conn.execute(balances_q)}
    merchants = [
        MerchantRow(
            id=r["id"], name=r["name"], neighbourhood_id=r["neighbourhood_id"], status=r["status"]
        )
        for r in conn.execute(
            select(t.merchants).where(t.merchants.c.version > floor).order_by(t.merchants.c.id)
        ).mappings()
    ]
    chores: list[ChoreRow] = []
    klusboxes: list[KlusboxRow] = []
    if named:
        chores = [
            ChoreRow(
                id=r["id"],
                title=r["title"],
                neighbourhood_id=r["neighbourhood_id"],
                reward=r["reward"],
                capacity=r["capacity"],
                starts_at=r["starts_at"],
                ends_at=r["ends_at"],
                klusbox_kind=r["klusbox_kind"],
                title_en=r["title_en"] or None,
            )
            for r in conn.execute(
                select(t.chores)
                .where(t.chores.c.version > floor, t.chores.c.neighbourhood_id.in_(areas))
                .order_by(t.chores.c.id)
            ).mappings()
        ]
    if role in (roles.RESIDENT_KIOSK, roles.KLUSBOX_DESK):
        klusboxes = [
            KlusboxRow(
                id=r["id"],
                kind=r["kind"],
                name=r["name"],
                neighbourhood_id=r["neighbourhood_id"],
                components=_components(r["components"]),
                maintenance=bool(r["maintenance"]),
            )
            for r in conn.execute(
                select(t.klusboxes)
                .where(t.klusboxes.c.version > floor, t.klusboxes.c.neighbourhood_id.in_(areas))
                .order_by(t.klusboxes.c.id)
            ).mappings()
        ]
    claims: list[ClaimRow] = []
    if role in _CLAIM_ROLES:
        claims = _claims(conn, areas, floor)
    history: list[MoneyLine] = []
    if role == roles.RESIDENT_KIOSK:
        if floor < 0:
            changed = list(
                conn.execute(
                    select(R.id).where(R.neighbourhood_id.in_(areas)).order_by(R.id)
                ).scalars()
            )
        else:  # a resident's lines change only with its wallet
            changed = [
                acc.owner_of(a)
                for a in conn.execute(
                    select(B.account)
                    .where(B.version > floor, B.account.in_(area_wallets_q(areas)))
                    .order_by(B.account)
                ).scalars()
            ]
        history = money_lines(conn, changed)
    staff: list[StaffRow] | None = None
    if role in _STAFF_ROLES:
        staff = [
            StaffRow(
                id=r["id"],
                name=r["name"],
                role=r["role"],
                status=r["status"],
                pin_hash=_pin_hash(r["pin_hash"]),
            )
            for r in conn.execute(select(t.staff).order_by(t.staff.c.id)).mappings()
        ]
    loans: list[LoanRow] | None = None
    if role in _LOAN_ROLES:
        loans = _loans(conn, areas)
    # Revocation lists are always whole (small; a device simply replaces them), within the
    # role's scope: a kiosk need not know who is blocked in another neighbourhood.
    revoked_cards = list(
        conn.execute(
            select(C.serial).where(C.status == "revoked", card_scope).order_by(C.serial)
        ).scalars()
    )
    revoked_residents = list(
        conn.execute(
            select(R.id).where(R.status != "active", resident_scope).order_by(R.id)
        ).scalars()
    )
    revoked_devices = list(
        conn.execute(
            select(t.devices.c.id).where(t.devices.c.status != "active").order_by(t.devices.c.id)
        ).scalars()
    )
    return {
        "residents": residents,
        "cards": cards,
        "balances": balances,
        "merchants": merchants,
        "chores": chores,
        "klusboxes": klusboxes,
        "revoked_cards": revoked_cards,
        "revoked_residents": revoked_residents,
        "revoked_devices": revoked_devices,
        "claims": claims,
        "history": history,
        "staff": staff,
        "loans": loans,
    }


def area_wallets_q(areas: Sequence[str]) -> Any:
    """The wallet accounts of the residents of `areas` (a subquery)."""
    R = t.residents.c
    return select(literal(acc.WALLET_PREFIX, String) + R.id).where(R.neighbourhood_id.in_(areas))


def _pin_hash(value: str | None) -> str | None:
    """A stored hash as the wire carries it: an argon2id PHC string with sane parameters,
    else none (a hash no device could check is not sent; the card still says pin_needed, so a
    counter refuses it above the threshold rather than let it pass)."""
    if value is None or not p.pin_hash_ok(value):
        return None
    return value


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


# -- the newest money lines of each resident ---------------------------------------------------

# PostgreSQL: per resident and money kind, the newest rows straight from the index
# (resident_id, kind, wall_time), merged: at most HISTORY_LINES rows read per resident and
# kind, however long the resident's history.
_LINES_PG = text(
    "SELECT x.* FROM unnest(CAST(:ids AS text[])) AS r(id) CROSS JOIN LATERAL ("
    " SELECT u.* FROM ("
    + " UNION ALL ".join(
        f"(SELECT l.id, l.resident_id, l.device_id, l.tx_id, l.kind, l.debit, l.credit,"
        f" l.amount, l.refs, l.wall_time, l.claim_id FROM ledger AS l"
        f" WHERE l.resident_id = r.id AND l.kind = '{k}' AND l.status = 'applied'"
        f" ORDER BY l.wall_time DESC, l.id DESC LIMIT :n)"
        for k in HISTORY_KINDS
    )
    + ") AS u ORDER BY u.wall_time DESC, u.id DESC LIMIT :n) AS x"
)

# SQLite: the same per resident and kind, each side read backwards from the same index
# (a correlated IN list: SQLite runs it once per resident and looks the rows up by id); the
# newest `n` of the at most 5n rows per resident are picked below.
_LINES_SQLITE = text(
    "SELECT l.id, l.resident_id, l.device_id, l.tx_id, l.kind, l.debit, l.credit,"
    " l.amount, l.refs, l.wall_time, l.claim_id"
    " FROM (SELECT value AS id FROM json_each(:ids)) AS r JOIN ledger AS l ON l.id IN ("
    + " UNION ALL ".join(
        f"SELECT id FROM (SELECT l2.id FROM ledger AS l2"
        f" WHERE l2.resident_id = r.id AND l2.kind = '{k}' AND l2.status = 'applied'"
        f" ORDER BY l2.wall_time DESC, l2.id DESC LIMIT :n)"
        for k in HISTORY_KINDS
    )
    + ")"
)


def money_lines(
    conn: Connection, resident_ids: Sequence[str], n: int = p.HISTORY_LINES
) -> list[MoneyLine]:
    """The newest `n` money lines of each resident, newest first, with the counterpart's
    display name: the shop (its till), or the chore of an earn; "" for the municipality."""
    rows: list[Any] = []
    for part in _chunks(list(resident_ids)):
        if conn.dialect.name == "postgresql":
            rows += conn.execute(_LINES_PG, {"ids": list(part), "n": n}).mappings().all()
        else:
            params = {"ids": json.dumps(list(part)), "n": n}
            rows += conn.execute(_LINES_SQLITE, params).mappings().all()
    shops: set[str] = set()
    claim_ids: set[str] = set()
    for r in rows:
        for account in (r["debit"], r["credit"]):
            if account and account.startswith(acc.TILL_PREFIX):
                shops.add(acc.owner_of(account))
        if r["kind"] == Kind.EARN.value and r["claim_id"]:
            claim_ids.add(r["claim_id"])
    names: dict[str, str] = {}
    for part in _chunks(sorted(shops)):
        q = select(t.merchants.c.id, t.merchants.c.name).where(t.merchants.c.id.in_(part))
        names.update({m.id: m.name for m in conn.execute(q)})
    chores: dict[str, tuple[str, str]] = {}
    for part in _chunks(sorted(claim_ids)):
        q = (
            select(t.claims.c.id, t.chores.c.title, t.chores.c.title_en)
            .join(t.chores, t.chores.c.id == t.claims.c.chore_id)
            .where(t.claims.c.id.in_(part))
        )
        chores.update({c.id: (c.title, c.title_en or "") for c in conn.execute(q)})
    rows.sort(key=lambda r: (r["resident_id"], -int(r["wall_time"]), -int(r["id"])))
    kept: dict[str, int] = {}
    lines = []
    for r in rows:
        kept[r["resident_id"]] = kept.get(r["resident_id"], 0) + 1
        if kept[r["resident_id"]] > n:
            continue
        wallet = acc.wallet(r["resident_id"])
        amount = int(r["amount"])
        nl = en = ""
        if r["kind"] == Kind.EARN.value:
            nl, en = chores.get(r["claim_id"] or "", ("", ""))
        else:
            for account in (r["credit"], r["debit"]):
                if account and account.startswith(acc.TILL_PREFIX):
                    nl = names.get(acc.owner_of(account), acc.owner_of(account))
        lines.append(
            MoneyLine(
                resident_id=r["resident_id"],
                device_id=r["device_id"],
                tx_id=r["tx_id"],
                kind=r["kind"],
                change=-amount if r["debit"] == wallet else amount,
                counterpart=nl,
                counterpart_en=en,
                at=int(r["wall_time"]),
            )
        )
    return lines


# -- where each claim stands ---------------------------------------------------------------


def _claims(conn: Connection, areas: Sequence[str], floor: int) -> list[ClaimRow]:
    """The claims (changed after `floor`) of the areas' residents on the areas' chores, with
    what the ledger adds: a check-in, a rejection's reason, the reward, the last step's time."""
    CL = t.claims.c
    found = conn.execute(
        select(CL.id, CL.chore_id, CL.resident_id, CL.status)
        .where(
            CL.version > floor,
            CL.resident_id.in_(
                select(t.residents.c.id).where(t.residents.c.neighbourhood_id.in_(areas))
            ),
            CL.chore_id.in_(select(t.chores.c.id).where(t.chores.c.neighbourhood_id.in_(areas))),
        )
        .order_by(CL.id)
    ).all()
    steps: dict[str, list[Any]] = {}
    L = t.ledger.c
    for part in _chunks([c.id for c in found]):
        q = (
            select(L.claim_id, L.kind, L.amount, L.refs, L.wall_time)
            .where(L.claim_id.in_(part), L.kind.in_(_CLAIM_KINDS), L.status == "applied")
            .order_by(L.id)
        )
        for r in conn.execute(q):
            steps.setdefault(r.claim_id, []).append(r)
    out = []
    for c in found:
        mine = steps.get(c.id, [])
        status = c.status
        if status == "signed_up" and any(s.kind == Kind.CHECK_IN.value for s in mine):
            status = "checked_in"
        reason = None
        if status == "rejected":
            for s in reversed(mine):
                if s.kind == Kind.REJECTION.value:
                    why = json.loads(s.refs).get("reason")
                    reason = why[:500] if isinstance(why, str) and why else None
                    break
        reward = sum(int(s.amount) for s in mine if s.kind == Kind.EARN.value)
        checked_in = [int(s.wall_time) for s in mine if s.kind == Kind.CHECK_IN.value]
        done = [
            int(s.wall_time)
            for s in mine
            if s.kind in (Kind.CHECK_OUT.value, Kind.CLAIM_DONE.value)
        ]
        if status not in p.CLAIM_STATUSES or not (c.chore_id and c.resident_id):
            continue
        out.append(
            ClaimRow(
                id=c.id,
                chore_id=c.chore_id,
                resident_id=c.resident_id,
                status=status,
                reason=reason,
                reward=reward if status == "rewarded" else 0,
                updated_at=max((int(s.wall_time) for s in mine), default=0),
                checked_in_at=min(checked_in, default=None),
                done_at=max(done, default=None),
            )
        )
    return out


def _components(stored: str | None) -> list[str]:
    """A box's component lines as the back office stored them, within the wire's bounds."""
    return [line[:500] for line in t.components_of(stored) if line.strip()][:50]


def _loans(conn: Connection, areas: Sequence[str]) -> list[LoanRow]:
    """The areas' boxes lent now, with the loan's id and due time from its entry."""
    K = t.klusboxes.c
    boxes = list(
        conn.execute(select(K.id).where(K.neighbourhood_id.in_(areas)).order_by(K.id)).scalars()
    )
    out = []
    for box, loan in sorted(open_loans(conn, boxes).items()):
        if loan.resident_id is None or loan.loan_id is None:
            continue
        due = loan.due_at if loan.due_at is not None else loan.since
        out.append(
            LoanRow(
                id=loan.loan_id,
                klusbox_id=box,
                resident_id=loan.resident_id,
                lent_at=loan.since,
                due_at=due,
            )
        )
    return out
