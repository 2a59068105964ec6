"""Does an authentic entry take effect? (DESIGN.md §5, *Who may sign what* and *The log and its
effect*.) One function per entry kind, over a typed batch state; no SQL here.

Every rule is checked for every entry, whoever signed it: the role may sign the kind, the
accounts exist, the amount and the balances it leaves stay inside their bounds, and the
kind's own rules (bindings, claims, chores, caps, refunds). A broken rule raises `Refused`
with its code: the entry is stored as refused, changes nothing and goes to review. Nothing in
the state changes unless the entry takes effect, so a refused entry leaves no trace but its
row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.core import accounts as acc
from kiosk.core import days, roles
from kiosk.core.entries import Entry, Kind
from kiosk.sync import protocol as p
from kiosk.sync.protocol import Limits


class Refused(Exception):
    """This entry does not take effect, for `code` (a kiosk.sync.protocol code)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


@dataclass
class ResidentState:
    status: str  # active | blocked
    flagged: bool
    neighbourhood_id: str


@dataclass(frozen=True)
class CardState:
    kind: str  # resident | staff | klusbox
    resident_id: str | None
    status: str  # active | revoked
    staff_role: str | None = None  # a staff card's holder: inspector | desk | kiosk-staff
    staff_active: bool = True  # the holder still works for the scheme


# Whose staff card may stand behind what a device signs (kiosk/ops/desk.py OVERRIDE_ROLES).
DECIDING_STAFF = frozenset({"inspector"})
OVERRIDING_STAFF = frozenset({"desk", "kiosk-staff"})


def _staff_card_ok(card: CardState | None, roles_allowed: frozenset[str]) -> bool:
    """An active staff card whose holder (where the card names one) is active in one of
    `roles_allowed`. Cards made before staff had records name no holder; they pass on the
    card alone."""
    if card is None or card.kind != "staff" or card.status != "active":
        return False
    return card.staff_role is None or (card.staff_active and card.staff_role in roles_allowed)


@dataclass
class ChoreState:
    reward: int
    capacity: int
    neighbourhood_id: str
    taken: int  # claims approved or rewarded


@dataclass
class ClaimState:
    id: str
    chore_id: str | None
    resident_id: str | None
    status: str  # signed_up | done | approved | rejected | rewarded
    approval_tx: str | None = None
    earn_tx: str | None = None
    new: bool = False


@dataclass
class SpendState:
    resident_id: str
    left: int  # the amount minus what was refunded of it


@dataclass(frozen=True)
class Bounds:
    max_entry_amount: int
    max_account_balance: int  # wallets and tills, either sign
    max_municipal_balance: int  # issuance, redemption, write-off
    max_pin_sets_per_device_day: int = 25  # card events that set a PIN, per device and day

    def limit_for(self, account: str) -> int:
        if account in acc.MUNICIPALITY_ACCOUNTS:
            return self.max_municipal_balance
        return self.max_account_balance


@dataclass(frozen=True)
class EarnCaps:
    month: int
    year: int


@dataclass
class BatchState:
    """What the rules need to know, read once per batch, updated by each entry that takes
    effect. Keys: residents and merchants by id, cards by serial, chores and claims by id,
    klusboxes by id (their neighbourhood), spends by (tx_id, merchant id)."""

    role: str
    bindings: roles.Bindings
    limits: Limits
    caps: EarnCaps
    bounds: Bounds
    balances: dict[str, int] = field(default_factory=dict)
    residents: dict[str, ResidentState] = field(default_factory=dict)
    merchants: set[str] = field(default_factory=set)
    cards: dict[str, CardState] = field(default_factory=dict)
    chores: dict[str, ChoreState] = field(default_factory=dict)
    claims: dict[str, ClaimState] = field(default_factory=dict)
    klusboxes: dict[str, str] = field(default_factory=dict)
    spends: dict[tuple[str, str], SpendState] = field(default_factory=dict)
    applied_tx_ids: set[str] = field(default_factory=set)  # this device's, that took effect
    earned_month: dict[tuple[str, str], int] = field(default_factory=dict)  # (resident, month)
    earned_year: dict[tuple[str, str], int] = field(default_factory=dict)
    spent_day: dict[tuple[str, str], int] = field(default_factory=dict)  # this device's
    exposure_day: dict[str, int] = field(default_factory=dict)  # this device's overdrafts
    # all devices' overdrafts, of the residents whose wallet this batch may take below zero
    overdraft_day: dict[tuple[str, str], int] = field(default_factory=dict)
    claims_changed: set[str] = field(default_factory=set)
    boxes_to_repair: set[str] = field(default_factory=set)  # klusboxes now in maintenance
    pin_sets_day: dict[str, int] = field(default_factory=dict)  # this device's, per day
    known_accounts: set[str] = field(default_factory=set)  # checked once per batch

    @property
    def is_server(self) -> bool:
        return self.role == roles.SERVER

    def count_earn(self, resident_id: str, amount: int, wall_time: int) -> None:
        month, year = days.month_year(wall_time)
        self.earned_month[(resident_id, month)] = (
            self.earned_month.get((resident_id, month), 0) + amount
        )
        self.earned_year[(resident_id, year)] = (
            self.earned_year.get((resident_id, year), 0) + amount
        )


@dataclass
class Effect:
    """What an entry that takes effect adds to its row, and why it is held for review."""

    resident_id: str | None = None
    claim_id: str | None = None  # the claim, or for a refund the spend it returns
    overdraft: int = 0
    review: list[str] = field(default_factory=list)


# -- the checks every entry passes ----------------------------------------------------------------


def decide(st: BatchState, e: Entry) -> Effect:
    """The effect of `e`, or Refused. Updates `st` only when the entry takes effect."""
    if e.tx_id in st.applied_tx_ids:
        raise Refused(p.DUPLICATE_TX_ID)
    try:
        roles.check_may_sign(st.role, st.bindings, e.kind, e.debit, e.credit)
    except roles.RoleError as exc:
        raise Refused(exc.code, exc.en) from exc
    for account in (e.debit, e.credit):
        if account is not None and account not in st.known_accounts:
            _known_account(st, account)
            st.known_accounts.add(account)
    if e.debit is not None and e.credit is not None:
        _check_bounds(st, e)
    effect = KIND_RULES[e.kind](st, e)
    if e.debit is not None and e.credit is not None:
        st.balances[e.debit] = st.balances.get(e.debit, 0) - e.amount
        st.balances[e.credit] = st.balances.get(e.credit, 0) + e.amount
    st.applied_tx_ids.add(e.tx_id)
    return effect


def _known_account(st: BatchState, account: str) -> None:
    kind = acc.account_kind(account)
    owner = acc.owner_of(account)
    if kind is acc.AccountKind.WALLET and owner not in st.residents:
        raise Refused(p.UNKNOWN_ACCOUNT, account)
    if kind is acc.AccountKind.TILL and owner not in st.merchants:
        raise Refused(p.UNKNOWN_ACCOUNT, account)


def _check_bounds(st: BatchState, e: Entry) -> None:
    """Before any arithmetic: the amount, then the balances it would leave (stored balances
    are inside their bounds, so the sums below cannot overflow a 64-bit column)."""
    if not 0 < e.amount <= st.bounds.max_entry_amount:
        raise Refused(p.AMOUNT_OUT_OF_BOUNDS, f"at most {st.bounds.max_entry_amount}")
    assert e.debit is not None and e.credit is not None
    for account, after in (
        (e.debit, st.balances.get(e.debit, 0) - e.amount),
        (e.credit, st.balances.get(e.credit, 0) + e.amount),
    ):
        if abs(after) > st.bounds.limit_for(account):
            raise Refused(p.BALANCE_OUT_OF_BOUNDS, account)


def _in_area(st: BatchState, neighbourhood_id: str | None) -> None:
    if st.is_server:
        return
    if neighbourhood_id is None or neighbourhood_id not in st.bindings.neighbourhoods:
        raise Refused(p.OUT_OF_BINDING, "outside this device's neighbourhoods")


def _ref(e: Entry, key: str) -> str | None:
    value = e.refs.get(key)
    return value if isinstance(value, str) and value else None


def _claim(st: BatchState, e: Entry) -> ClaimState:
    claim_id = _ref(e, "claim")
    claim = st.claims.get(claim_id) if claim_id else None
    if claim is None:
        raise Refused(p.UNKNOWN_CLAIM)
    return claim


def _chore_of(st: BatchState, claim: ClaimState) -> ChoreState:
    chore = st.chores.get(claim.chore_id) if claim.chore_id else None
    if chore is None:
        raise Refused(p.UNKNOWN_CHORE)
    return chore


def _inspector_named(st: BatchState, e: Entry) -> None:
    """An inspector device names the inspector by an active staff card; the back office
    names the staff member who decided."""
    named = _ref(e, "inspector")
    if named is None:
        raise Refused(p.INSPECTOR_MISSING)
    if st.is_server:
        return
    if not _staff_card_ok(st.cards.get(named), DECIDING_STAFF):
        raise Refused(p.INSPECTOR_MISSING, "no active inspector's staff card")


def _changed(st: BatchState, claim: ClaimState) -> None:
    st.claims_changed.add(claim.id)


# -- money ---------------------------------------------------------------------


def earn(st: BatchState, e: Entry) -> Effect:
    """Exactly the chore's reward, to the claim's resident, once, for an approved claim in
    the device's neighbourhoods, within the earning caps."""
    assert e.credit is not None
    resident_id = acc.owner_of(e.credit)
    claim_id = _ref(e, "claim")
    claim = st.claims.get(claim_id) if claim_id else None
    if claim is None:
        raise Refused(p.CLAIM_NOT_APPROVED, "unknown claim")
    if claim.status == "rewarded":
        raise Refused(p.CLAIM_ALREADY_REWARDED)
    if claim.status == "rejected":
        raise Refused(p.CLAIM_REJECTED)
    if claim.status != "approved":
        raise Refused(p.CLAIM_NOT_APPROVED)
    chore = _chore_of(st, claim)
    _in_area(st, chore.neighbourhood_id)
    if claim.resident_id != resident_id:
        raise Refused(p.EARN_WRONG_RESIDENT)
    if e.amount != chore.reward:
        raise Refused(p.EARN_AMOUNT_WRONG, f"the chore pays {chore.reward}")
    month, year = days.month_year(e.wall_time)
    if (
        st.earned_month.get((resident_id, month), 0) + e.amount > st.caps.month
        or st.earned_year.get((resident_id, year), 0) + e.amount > st.caps.year
    ):
        raise Refused(p.EARN_CAP_EXCEEDED)
    st.count_earn(resident_id, e.amount, e.wall_time)
    claim.status, claim.earn_tx = "rewarded", e.tx_id
    _changed(st, claim)
    return Effect(resident_id=resident_id, claim_id=claim.id)


def spend(st: BatchState, e: Entry) -> Effect:
    """From a wallet into the counter's own till (the role check saw to the till). Honoured
    when the device kept the offline rules; a broken limit is honoured and held for review
    (the shop handed over the goods on a signed device), see docs/server.md."""
    assert e.debit is not None and e.credit is not None
    resident_id = acc.owner_of(e.debit)
    merchant_id = acc.owner_of(e.credit)
    limits = st.limits
    after = st.balances.get(e.debit, 0) - e.amount
    overdraft = min(e.amount, max(0, -after))
    day = days.day_key(e.wall_time)
    spent = st.spent_day.get((resident_id, day), 0) + e.amount
    exposure = st.exposure_day.get(day, 0) + overdraft
    resident_overdraft = st.overdraft_day.get((resident_id, day), 0) + overdraft
    reasons = []
    if e.amount > limits.per_tx_cap:
        reasons.append(p.REVIEW_OVER_TX_CAP)
    if spent > limits.offline_daily_cap_per_resident:
        reasons.append(p.REVIEW_OVER_DAILY_CAP)
    if exposure > limits.offline_exposure_cap:
        reasons.append(p.REVIEW_OVER_EXPOSURE)
    if overdraft and resident_overdraft > limits.offline_daily_cap_per_resident:
        # several devices each inside their own caps, together past the resident's (a spend
        # that takes the wallet no further below zero adds nothing to it)
        reasons.append(p.REVIEW_OVER_RESIDENT_OVERDRAFT)
    card = _ref(e, "card")
    card_state = st.cards.get(card) if card else None
    if card_state is not None and card_state.status == "revoked":
        reasons.append(p.REVIEW_CARD_REVOKED)
    if st.residents[resident_id].status != "active":
        reasons.append(p.REVIEW_RESIDENT_BLOCKED)
    st.spent_day[(resident_id, day)] = spent
    st.exposure_day[day] = exposure
    st.overdraft_day[(resident_id, day)] = resident_overdraft
    if (key := (e.tx_id, merchant_id)) not in st.spends:
        st.spends[key] = SpendState(resident_id, e.amount)
    return Effect(resident_id=resident_id, overdraft=overdraft, review=reasons)


def refund(st: BatchState, e: Entry) -> Effect:
    """From the counter's own till back into the wallet of the original spend, at most what
    is left of it."""
    assert e.debit is not None and e.credit is not None
    resident_id = acc.owner_of(e.credit)
    spend_tx = _ref(e, "spend")
    original = st.spends.get((spend_tx, acc.owner_of(e.debit))) if spend_tx else None
    if original is None:
        raise Refused(p.REFUND_WITHOUT_SPEND, "no such spend at this shop")
    if original.resident_id != resident_id:
        raise Refused(p.REFUND_WITHOUT_SPEND, "into another wallet than the spend's")
    if e.amount > original.left:
        raise Refused(p.REFUND_WITHOUT_SPEND, f"only {original.left} left of the spend")
    original.left -= e.amount
    return Effect(resident_id=resident_id, claim_id=spend_tx)


def server_money(st: BatchState, e: Entry) -> Effect:
    """settle, adjust, expire: the server's own (the role table keeps devices out). An adjust
    that reverses a spend (refs "spend") counts against what is left of it, like a refund,
    so the shop cannot refund it again afterwards."""
    resident_id = None
    for account in (e.credit, e.debit):
        if account is not None and acc.account_kind(account) is acc.AccountKind.WALLET:
            resident_id = acc.owner_of(account)
            break
    spend_tx = _ref(e, "spend") if e.kind is Kind.ADJUST and e.debit else None
    if spend_tx is not None:
        assert e.debit is not None
        original = st.spends.get((spend_tx, acc.owner_of(e.debit)))
        if original is not None:
            original.left -= e.amount
    return Effect(resident_id=resident_id, claim_id=spend_tx)


# -- chores ---------------------------------------------------------------------


def claim_signup(st: BatchState, e: Entry) -> Effect:
    """A resident of the kiosk's neighbourhood signs up for a chore there."""
    claim_id, chore_id, resident_id = _ref(e, "claim"), _ref(e, "chore"), _ref(e, "resident")
    if claim_id is None:
        raise Refused(p.UNKNOWN_CLAIM, "no claim id")
    if claim_id in st.claims:
        raise Refused(p.CLAIM_EXISTS)
    chore = st.chores.get(chore_id) if chore_id else None
    if chore is None:
        raise Refused(p.UNKNOWN_CHORE)
    resident = st.residents.get(resident_id) if resident_id else None
    if resident is None:
        raise Refused(p.UNKNOWN_ACCOUNT, "unknown resident")
    _in_area(st, chore.neighbourhood_id)
    _in_area(st, resident.neighbourhood_id)
    claim = ClaimState(claim_id, chore_id, resident_id, "signed_up", new=True)
    st.claims[claim_id] = claim
    _changed(st, claim)
    return Effect(resident_id=resident_id, claim_id=claim_id)


def claim_step(st: BatchState, e: Entry) -> Effect:
    """check_in, check_out, claim_done: on an undecided claim of the device's area;
    check_out and claim_done mark it done, for the inspector."""
    claim = _claim(st, e)
    _in_area(st, _chore_of(st, claim).neighbourhood_id)
    if claim.status not in ("signed_up", "done"):
        raise Refused(p.CLAIM_ALREADY_DECIDED, claim.status)
    if e.kind in (Kind.CHECK_OUT, Kind.CLAIM_DONE) and claim.status != "done":
        claim.status = "done"
    # Every step is news for the claim's kiosks and inspectors (a check-in too: its time).
    _changed(st, claim)
    return Effect(resident_id=claim.resident_id, claim_id=claim.id)


def approval(st: BatchState, e: Entry) -> Effect:
    """An inspector approves a claim of a chore in its neighbourhoods, naming the inspector,
    within the chore's capacity. A rejected claim is overturned only by the back office,
    with a reason. The back office may also approve a claim it learnt of on paper."""
    claim_id = _ref(e, "claim")
    claim = st.claims.get(claim_id) if claim_id else None
    if claim is None and st.is_server and claim_id:
        chore_id, resident_id = _ref(e, "chore"), _ref(e, "resident")
        if chore_id not in st.chores or resident_id not in st.residents:
            raise Refused(p.UNKNOWN_CLAIM, "a new claim needs a known chore and resident")
        claim = ClaimState(claim_id, chore_id, resident_id, "signed_up", new=True)
        st.claims[claim_id] = claim
    if claim is None:
        raise Refused(p.UNKNOWN_CLAIM)
    chore = _chore_of(st, claim)
    _in_area(st, chore.neighbourhood_id)
    _inspector_named(st, e)
    if claim.status == "rejected":
        if not (st.is_server and str(e.refs.get("reason", "")).strip()):
            raise Refused(p.CLAIM_REJECTED, "only the back office overturns it, with a reason")
    elif claim.status in ("approved", "rewarded"):
        raise Refused(p.CLAIM_ALREADY_DECIDED, claim.status)
    if chore.taken >= chore.capacity:
        raise Refused(p.CHORE_FULL, f"capacity {chore.capacity}")
    chore.taken += 1
    claim.status, claim.approval_tx = "approved", e.tx_id
    _changed(st, claim)
    return Effect(resident_id=claim.resident_id, claim_id=claim.id)


def rejection(st: BatchState, e: Entry) -> Effect:
    claim = _claim(st, e)
    _in_area(st, _chore_of(st, claim).neighbourhood_id)
    _inspector_named(st, e)
    if claim.status not in ("signed_up", "done"):
        raise Refused(p.CLAIM_ALREADY_DECIDED, claim.status)
    claim.status = "rejected"
    _changed(st, claim)
    return Effect(resident_id=claim.resident_id, claim_id=claim.id)


# -- cards and klusboxes ---------------------------------------------------------------------


def card_event(st: BatchState, e: Entry) -> Effect:
    """A card event (PIN set) for a card of a resident of the kiosk's neighbourhood; a PIN's
    hash must be one every counter can check at a sane cost (protocol.pin_hash_ok)."""
    serial = _ref(e, "card")
    card = st.cards.get(serial) if serial else None
    if card is None:
        raise Refused(p.UNKNOWN_CARD)
    resident = st.residents.get(card.resident_id) if card.resident_id else None
    if not st.is_server:
        _in_area(st, resident.neighbourhood_id if resident else None)
    if "pin_hash" in e.refs and not p.pin_hash_ok(e.refs["pin_hash"]):
        raise Refused(p.BAD_PIN_HASH, "not an argon2id hash a device could check")
    if e.refs.get("event") == "pin_set" and not st.is_server:
        day = days.day_key(e.wall_time)
        count = st.pin_sets_day.get(day, 0) + 1
        if count > st.bounds.max_pin_sets_per_device_day:
            raise Refused(p.PIN_SET_LIMIT, f"{count - 1} PINs set today already")
        st.pin_sets_day[day] = count
    return Effect(resident_id=card.resident_id)


def klusbox_event(st: BatchState, e: Entry) -> Effect:
    """A loan or return of a klusbox of the desk's neighbourhood, to a resident of it. An
    override (a loan to a resident with an overdue box) names an active staff card: the desk
    checked its PIN; the server checks the card is real. A return with a component missing,
    or of a damaged box, puts the box in maintenance for every desk and the back office."""
    box = _ref(e, "klusbox")
    if box is None or box not in st.klusboxes:
        raise Refused(p.UNKNOWN_KLUSBOX)
    _in_area(st, st.klusboxes[box])
    resident_id = _ref(e, "resident")
    if resident_id is not None:
        resident = st.residents.get(resident_id)
        if resident is None:
            raise Refused(p.UNKNOWN_ACCOUNT, "unknown resident")
        _in_area(st, resident.neighbourhood_id)
    staff = _ref(e, "staff")
    if e.kind is Kind.LOAN and "staff" in e.refs:
        card = st.cards.get(staff) if staff else None
        if not _staff_card_ok(card, OVERRIDING_STAFF):
            raise Refused(p.STAFF_MISSING, "no active staff card of a desk or kiosk staff")
    if e.kind is Kind.RETURN and (
        str(e.refs.get("missing", "")).strip() or e.refs.get("condition") == "damaged"
    ):
        st.boxes_to_repair.add(box)
    return Effect(resident_id=resident_id)


def review_decision(st: BatchState, e: Entry) -> Effect:
    """The back office's decision on a review item (the role table keeps devices out)."""
    return Effect()


KIND_RULES: dict[Kind, Callable[[BatchState, Entry], Effect]] = {
    Kind.EARN: earn,
    Kind.SPEND: spend,
    Kind.REFUND: refund,
    Kind.SETTLE: server_money,
    Kind.ADJUST: server_money,
    Kind.EXPIRE: server_money,
    Kind.CLAIM_SIGNUP: claim_signup,
    Kind.CHECK_IN: claim_step,
    Kind.CHECK_OUT: claim_step,
    Kind.CLAIM_DONE: claim_step,
    Kind.APPROVAL: approval,
    Kind.REJECTION: rejection,
    Kind.CARD_EVENT: card_event,
    Kind.LOAN: klusbox_event,
    Kind.RETURN: klusbox_event,
    Kind.REVIEW: review_decision,
}
