"""The sync wire protocol shared by devices and the server (DESIGN.md §5).

Every message that carries authority is signed over ``canonical_bytes(DOMAIN, body)``, where
the body is the message's JSON form without its ``signature`` field:

* ``Batch``             device key         ``heitje/batch/v1``
* ``Ack``               municipality key   ``heitje/ack/v1``
* ``Snapshot``          municipality key   ``heitje/snapshot/v1``
* ``DeviceCertificate`` municipality key   ``heitje/cert/v1``

The models are strict (no type coercion, unknown fields refused), so what a receiver
verifies is exactly what the sender signed: ``model_dump(mode="json")`` of a parsed message
gives back the dict that came over the wire. Amounts are integer cents, times integer
milliseconds since the Unix epoch (UTC), except ``snapshot_max_age_s`` (seconds).

This module imports only kiosk.core and pydantic: the kiosk and the server both use it.
Changes here are additive only (new optional fields, new error codes).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Final, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from kiosk.core import roles
from kiosk.core.crypto import SigningKey, VerifyKey, sign, verify
from kiosk.core.entries import Entry
from kiosk.core.ids import IDENT_MAX, IDENT_PATTERN
from kiosk.core.limit_names import policy_limits

PROTOCOL_VERSION: Final = 1

BATCH_DOMAIN: Final = "heitje/batch/v1"
SNAPSHOT_REQUEST_DOMAIN: Final = "heitje/snapshot-request/v1"
CHAIN_REQUEST_DOMAIN: Final = "heitje/chain-request/v1"
MAX_CHAIN_PAGE: Final = 1000  # entries per answer of GET /v1/devices/{id}/entries
ACK_DOMAIN: Final = "heitje/ack/v1"
SNAPSHOT_DOMAIN: Final = "heitje/snapshot/v1"
CERT_DOMAIN: Final = "heitje/cert/v1"

# Upper bounds keep every integer inside a signed 64-bit column on every database.
MAX_INT: Final = 2**62
MAX_BATCH_ENTRIES: Final = 5000

# ---------------------------------------------------------------------------------------------
# Stable error codes (ErrorBody.code). Texts may change; codes never do.
# ---------------------------------------------------------------------------------------------

# request shape
REQUEST_INVALID: Final = "request_invalid"  # the JSON does not fit the schema at all
ENTRY_MALFORMED: Final = "entry_malformed"  # an entry is unreadable or breaks its own shape
BATCH_TOO_LARGE: Final = "batch_too_large"
# device and certificate
UNKNOWN_DEVICE: Final = "unknown_device"
DEVICE_REVOKED: Final = "device_revoked"
DEVICE_QUARANTINED: Final = "device_quarantined"  # after a fork; an admin must look
CERT_EXPIRED: Final = "cert_expired"
KEY_EPOCH_MISMATCH: Final = "key_epoch_mismatch"
# signatures and hashes
SIGNATURE_MISSING: Final = "signature_missing"  # the batch signature was dropped
BAD_BATCH_SIGNATURE: Final = "bad_batch_signature"  # wrong key, or bytes changed after signing
BAD_ENTRY_HASH: Final = "bad_entry_hash"  # an entry's contents do not match its hash
BAD_ENTRY_SIGNATURE: Final = "bad_entry_signature"  # an entry's signature does not verify
# chain and sequence
CHAIN_BROKEN: Final = "chain_broken"  # prev_hash does not continue the acknowledged chain
SEQ_NOT_CONTIGUOUS: Final = "seq_not_contiguous"  # entries not in order / header mismatch
FORK_DETECTED: Final = "fork_detected"  # same seq, different hash: device quarantined
GAP: Final = "gap"  # the batch starts after the next expected seq; nothing applied
CLOCK_AHEAD: Final = "clock_ahead"  # an entry dated too far after the server's time
CLOCK_BEHIND: Final = "clock_behind"  # an entry dated before enrolment or too long ago
# snapshot request authentication (GET /v1/snapshot)
AUTH_MISSING: Final = "auth_missing"  # no device signature on a request that needs one
AUTH_BAD_SIGNATURE: Final = "auth_bad_signature"
AUTH_STALE: Final = "auth_stale"  # the request's timestamp is outside the freshness window
AUTH_REPLAYED: Final = "auth_replayed"  # the same signed request (nonce) a second time
# request size and unexpected failures
BODY_TOO_LARGE: Final = "body_too_large"
INTERNAL_ERROR: Final = "internal_error"
# enrolment under a role
ROLE_CHANGE_REFUSED: Final = "role_change_refused"  # a key keeps its role for life
# business rules (BUSINESS_RULE is the family; the specific code is what is sent)
BUSINESS_RULE: Final = "business_rule"
CLAIM_NOT_APPROVED: Final = "claim_not_approved"
CLAIM_ALREADY_REWARDED: Final = "claim_already_rewarded"
EARN_CAP_EXCEEDED: Final = "earn_cap_exceeded"
EARN_AMOUNT_WRONG: Final = "earn_amount_wrong"
INSUFFICIENT_BALANCE: Final = "insufficient_balance"  # online-only rule; offline spends: review
UNKNOWN_ACCOUNT: Final = "unknown_account"
KIND_NOT_ALLOWED: Final = "kind_not_allowed"  # e.g. a device writing settle/adjust/expire
REFUND_WITHOUT_SPEND: Final = "refund_without_spend"
DUPLICATE_TX_ID: Final = "duplicate_tx_id"
ROLE_NOT_ALLOWED: Final = roles.ROLE_NOT_ALLOWED  # this role may not sign this kind
NOT_OWN_TILL: Final = roles.NOT_OWN_TILL  # a counter booking another shop's till
OUT_OF_BINDING: Final = "out_of_binding"  # a resident, chore or box outside the device's area
UNKNOWN_CLAIM: Final = "unknown_claim"
UNKNOWN_CHORE: Final = "unknown_chore"
UNKNOWN_CARD: Final = "unknown_card"
UNKNOWN_KLUSBOX: Final = "unknown_klusbox"
CLAIM_REJECTED: Final = "claim_rejected"  # only the back office overturns a rejection
CLAIM_ALREADY_DECIDED: Final = "claim_already_decided"
CLAIM_EXISTS: Final = "claim_exists"
CHORE_FULL: Final = "chore_full"  # approvals beyond the chore's capacity
INSPECTOR_MISSING: Final = "inspector_missing"  # an approval must name an active staff card
BAD_PIN_HASH: Final = "bad_pin_hash"  # a pin_set's hash is not one a device could check
PIN_SET_LIMIT: Final = "pin_set_limit"  # more PINs set by one kiosk in a day than allowed
STAFF_MISSING: Final = "staff_missing"  # a desk's override must name an active staff card
EARN_WRONG_RESIDENT: Final = "earn_wrong_resident"
AMOUNT_OUT_OF_BOUNDS: Final = "amount_out_of_bounds"
BALANCE_OUT_OF_BOUNDS: Final = "balance_out_of_bounds"
BAD_IDENTIFIER: Final = "bad_identifier"
# enrolment
ENROL_CODE_INVALID: Final = "enrol_code_invalid"
ENROL_CODE_EXPIRED: Final = "enrol_code_expired"
ENROL_CODE_USED: Final = "enrol_code_used"
BAD_PUBLIC_KEY: Final = "bad_public_key"
# snapshots (checked on the device)
STALE_SNAPSHOT: Final = "stale_snapshot"
BAD_SNAPSHOT_SIGNATURE: Final = "bad_snapshot_signature"
SNAPSHOT_VERSION_UNKNOWN: Final = "snapshot_version_unknown"  # since= newer than the server's
# generic
NOT_FOUND: Final = "not_found"

BUSINESS_RULE_CODES: Final = frozenset(
    {
        BUSINESS_RULE,
        CLAIM_NOT_APPROVED,
        CLAIM_ALREADY_REWARDED,
        EARN_CAP_EXCEEDED,
        EARN_AMOUNT_WRONG,
        INSUFFICIENT_BALANCE,
        UNKNOWN_ACCOUNT,
        KIND_NOT_ALLOWED,
        REFUND_WITHOUT_SPEND,
        DUPLICATE_TX_ID,
        ROLE_NOT_ALLOWED,
        NOT_OWN_TILL,
        OUT_OF_BINDING,
        UNKNOWN_CLAIM,
        UNKNOWN_CHORE,
        UNKNOWN_CARD,
        UNKNOWN_KLUSBOX,
        CLAIM_REJECTED,
        CLAIM_ALREADY_DECIDED,
        CLAIM_EXISTS,
        CHORE_FULL,
        INSPECTOR_MISSING,
        EARN_WRONG_RESIDENT,
        AMOUNT_OUT_OF_BOUNDS,
        BALANCE_OUT_OF_BOUNDS,
        BAD_IDENTIFIER,
        ENTRY_MALFORMED,
        CLOCK_AHEAD,
        CLOCK_BEHIND,
    }
)

# Review reasons: spends that were recorded and honoured in the chain but broke an offline
# limit; they are kept in the server's review queue (see docs/server.md).
REVIEW_OVER_TX_CAP: Final = "over_transaction_cap"
REVIEW_OVER_DAILY_CAP: Final = "over_daily_cap"
REVIEW_OVER_EXPOSURE: Final = "over_device_exposure"
REVIEW_CARD_REVOKED: Final = "card_revoked"
REVIEW_RESIDENT_BLOCKED: Final = "resident_blocked"
# the resident's spends that took the wallet below zero, summed over all devices that day
REVIEW_OVER_RESIDENT_OVERDRAFT: Final = "over_resident_overdraft"

Role = Literal["merchant-counter", "resident-kiosk", "klusbox-desk", "inspector", "server"]
DEVICE_ROLES: Final = roles.DEVICE_ROLES


# ---------------------------------------------------------------------------------------------
# Field types
# ---------------------------------------------------------------------------------------------


# NUL cannot be stored in PostgreSQL text: refuse it at the door (a pattern, checked inside
# pydantic-core, instead of a Python callback per string). Lone surrogates never get this
# far: pydantic-core refuses them as invalid UTF-8.
_NO_NUL = r"^[^\x00]*$"


Text = Annotated[str, Field(max_length=500, pattern=_NO_NUL)]
Ident = Annotated[str, Field(min_length=1, max_length=IDENT_MAX, pattern=IDENT_PATTERN)]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
SigHex = Annotated[str, Field(max_length=128, pattern=r"^([0-9a-f]{128})?$")]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Seq = Annotated[int, Field(ge=1, le=MAX_INT)]
Millis = Annotated[int, Field(ge=0, le=MAX_INT)]
RefValue = (
    Annotated[str, Field(max_length=200, pattern=_NO_NUL)]
    | Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
)


# What pydantic would emit for dict[Ident, RefValue] (patternProperties) lets keys that miss
# the pattern through; this says what the model really accepts.
_REFS_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "maxProperties": 20,
    "propertyNames": {"pattern": IDENT_PATTERN, "minLength": 1, "maxLength": IDENT_MAX},
    "additionalProperties": {
        "anyOf": [
            {"type": "string", "maxLength": 200, "pattern": _NO_NUL},
            {"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT},
        ]
    },
}


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Signed(_Model):
    signature: SigHex = ""

    def body(self) -> dict[str, Any]:
        """The JSON form without the signature: what gets signed."""
        return self.model_dump(mode="json", exclude={"signature"})


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


class ErrorBody(_Model):
    """Every refusal: a stable code and a text for people, in Dutch and English."""

    code: str
    message_nl: str
    message_en: str
    seq: int | None = None  # the entry the refusal is about, if one
    next_seq: int | None = None  # what the server expects next from this device, if known


class Limits(_Model):
    """Offline limits: cents, except snapshot_max_age_s (seconds)."""

    per_tx_cap: Count
    offline_daily_cap_per_resident: Count
    offline_exposure_cap: Count
    snapshot_max_age_s: Count

    def as_policy_mapping(self) -> dict[str, int]:
        """The same limits under kiosk.core.offline_policy.OfflineLimits' field names."""
        return policy_limits(self.model_dump())


class EnrolRequest(_Model):
    code: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    public_key: Hex64  # the device's Ed25519 public key
    name: Text


class Bindings(_Model):
    """What the admin bound a device to (kiosk.core.roles.Bindings on the wire)."""

    merchant_id: Ident | None = None
    neighbourhoods: Annotated[list[Ident], Field(max_length=200)] = []

    def to_core(self) -> roles.Bindings:
        return roles.Bindings(self.merchant_id, frozenset(self.neighbourhoods))


class DeviceCertificate(_Signed):
    device_id: Ident
    role: Role
    public_key: Hex64
    limits: Limits
    valid_until: Millis
    issued_at: Millis
    name: Text = ""
    key_epoch: Count = 1
    bindings: Bindings = Bindings()


class WireEntry(_Model):
    """kiosk.core.entries.Entry.to_wire(), field for field."""

    v: Annotated[int, Field(ge=1, le=1000)]
    device_id: Ident
    seq: Seq
    prev_hash: Hex64
    tx_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    kind: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
    debit: Ident | None
    credit: Ident | None
    amount: Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
    refs: Annotated[dict[Ident, RefValue], Field(max_length=20), WithJsonSchema(_REFS_SCHEMA)]
    wall_time: Millis
    entry_hash: Hex64
    signature: SigHex

    def to_entry(self) -> Entry:
        """The core Entry (raises kiosk.core.entries.EntryError for an unknown kind)."""
        return Entry.from_wire(self.model_dump(mode="json"))

    @classmethod
    def of(cls, entry: Entry) -> WireEntry:
        return cls.model_validate(entry.to_wire())


class Batch(_Signed):
    device_id: Ident
    key_epoch: Count
    first_seq: Seq
    last_seq: Seq
    prev_hash: Hex64  # the hash the first entry continues from
    entries: Annotated[list[WireEntry], Field(min_length=1, max_length=MAX_BATCH_ENTRIES)]


class ChainCopy(_Model):
    """The server's copy of a device's own chain after seq `after`, for that device only (a
    restored device takes back what it already sent). Not signed by the server: each entry is
    the device's own, checked against its own key."""

    device_id: Ident
    after: Count
    head_seq: Count  # the server's head of this device's chain
    entries: Annotated[list[WireEntry], Field(max_length=MAX_CHAIN_PAGE)]


AckStatus = Literal["applied", "duplicate", "partial", "head"]


class RefusedEntry(_Model):
    """An authentic entry the server stored but did not let take effect (DESIGN.md §5, *The
    log and its effect*): it changed no balance and waits in the review queue."""

    seq: Seq
    tx_id: Annotated[str, Field(min_length=1, max_length=64)]
    code: Annotated[str, Field(min_length=1, max_length=40)]


class Ack(_Signed):
    """The server's signed answer to a batch (and to GET /v1/devices/{id}/head).

    ``acked_seq``/``head_hash``: the device's entries up to and including acked_seq are on the
    server with that hash at acked_seq. ``next_seq``: what the server expects next.
    ``status``: applied (all new entries applied), duplicate (nothing new: a retry),
    partial (a gap: only the contiguous prefix applied), head (answer to a head query).
    """

    device_id: Ident
    acked_seq: Count
    head_hash: Hex64
    server_time: Millis
    next_seq: Seq
    status: AckStatus = "applied"
    applied: Count = 0
    review_seqs: list[Seq] = []
    refused: list[RefusedEntry] = []  # of the acked range: entries stored as refused


class ResidentRow(_Model):
    """A counter gets no name and no neighbourhood (data minimisation): id, status, flag."""

    id: Ident
    name: Text = ""
    neighbourhood_id: Ident | None = None
    status: Literal["active", "blocked"]
    flagged: bool  # negative balance after offline spends: no offline spending until repaid


# An argon2id hash in its PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash), as
# kiosk/ops/pins.py and the back office make them: never a PIN.
PIN_HASH_PATTERN: Final = (
    r"^\$argon2id\$v=19\$m=[0-9]{1,8},t=[0-9]{1,4},p=[0-9]{1,3}"
    r"\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}$"
)
PIN_HASH_RE: Final = re.compile(PIN_HASH_PATTERN)
_PIN_HASH_PARAMS: Final = re.compile(r"\$m=([0-9]+),t=([0-9]+),p=([0-9]+)\$")
# What a device will spend on checking one PIN: at least the strength of ours (argon2-cffi's
# defaults, m=65536 KiB, t=3, p=4, allowing OWASP's lowest, 19 MiB), at most what a small
# counter PC can afford in a queue of customers. A hash outside these would let a stolen kiosk
# make every counter stall or run out of memory on a resident's card.
PIN_HASH_MEMORY_KIB: Final = (19_456, 262_144)
PIN_HASH_TIME: Final = (2, 10)
PIN_HASH_LANES: Final = (1, 8)


def pin_hash_ok(value: object) -> bool:
    """A PIN hash a device may store and check: argon2id in PHC form, sane parameters."""
    if not isinstance(value, str) or PIN_HASH_RE.fullmatch(value) is None:
        return False
    found = _PIN_HASH_PARAMS.search(value)
    if found is None:
        return False
    m, t, lanes = (int(x) for x in found.groups())
    return (
        PIN_HASH_MEMORY_KIB[0] <= m <= PIN_HASH_MEMORY_KIB[1]
        and PIN_HASH_TIME[0] <= t <= PIN_HASH_TIME[1]
        and PIN_HASH_LANES[0] <= lanes <= PIN_HASH_LANES[1]
    )


PinHash = Annotated[str, Field(max_length=200, pattern=PIN_HASH_PATTERN)]


class CardRow(_Model):
    serial: Ident
    kind: Literal["resident", "staff", "klusbox"]
    resident_id: Ident | None
    staff_id: Ident | None = None  # a staff card's holder
    status: Literal["active", "revoked"]
    pin_needed: bool = False  # the card has a PIN: ask it above the threshold
    # The PIN's slow hash, for the devices that check it offline (counters, the card's own
    # neighbourhood's kiosks); None elsewhere, and when the card has no PIN.
    pin_hash: PinHash | None = None


class MerchantRow(_Model):
    id: Ident
    name: Text
    neighbourhood_id: Ident
    status: Literal["active", "blocked"]


class ChoreRow(_Model):
    id: Ident
    title: Text  # Dutch, the one kiosks show first
    neighbourhood_id: Ident
    reward: Count
    capacity: Count
    starts_at: Millis
    ends_at: Millis
    klusbox_kind: Ident | None = None
    title_en: Text | None = None  # English, where the back office gave one


ClaimStatus = Literal["signed_up", "checked_in", "done", "approved", "rejected", "rewarded"]
CLAIM_STATUSES: Final[frozenset[str]] = frozenset(get_args(ClaimStatus))


class ClaimRow(_Model):
    """Where a resident's claim on a chore stands on the server (kiosks of the resident's
    neighbourhood): signed up, checked in, done, approved, rejected (with the inspector's
    reason), rewarded (with what was credited)."""

    id: Ident
    chore_id: Ident
    resident_id: Ident
    status: ClaimStatus
    reason: Text | None = None  # a rejection's reason, as the inspector wrote it
    reward: Count = 0  # the earn credited for it (rewarded), else 0
    updated_at: Millis = 0  # the wall time of its last step on the server
    checked_in_at: Millis | None = None  # the resident's first check-in (the inspector)
    done_at: Millis | None = None  # the resident's check-out


class MoneyLine(_Model):
    """One of a resident's newest money entries on the server (kiosks of the resident's
    neighbourhood): what, with whom, the signed change to the wallet, when."""

    resident_id: Ident
    device_id: Ident  # whose chain the entry is in, with its tx_id (unique per device)
    tx_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    kind: Literal["earn", "spend", "refund", "adjust", "expire", "settle"]
    change: Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]  # negative: money out of the wallet
    counterpart: Text = ""  # the shop's name, the chore's (Dutch) title; "" for the municipality
    counterpart_en: Text = ""  # the chore's English title, where it has one
    at: Millis  # the entry's wall time


class KlusboxRow(_Model):
    id: Ident
    kind: Ident
    name: Text
    neighbourhood_id: Ident
    # What is in the box, one line each ("2 bezems"), as the back office wrote them; the
    # desk ticks them off at a loan and a return.
    components: Annotated[list[Text], Field(max_length=50)] = []
    maintenance: bool = False  # away for repair: not lent until the back office clears it


class StaffRow(_Model):
    """Someone who works for the scheme with a staff card (desks, inspectors and kiosks get
    them all, whole, every time: a short list). `pin_hash` protects their overrides."""

    id: Ident
    name: Text
    role: Literal["inspector", "desk", "kiosk-staff"]
    status: Literal["active", "left"]
    pin_hash: PinHash | None = None


class LoanRow(_Model):
    """A klusbox lent now (desks and kiosks of its neighbourhood): to whom, since, due."""

    id: Ident
    klusbox_id: Ident
    resident_id: Ident
    lent_at: Millis
    due_at: Millis


class Snapshot(_Signed):
    """Full (base_version None) or a delta since base_version (only rows changed since)."""

    version: Count
    base_version: Count | None = None
    ledger_position: Count
    server_time: Millis
    expires_at: Millis
    residents: list[ResidentRow]
    cards: list[CardRow]
    balances: dict[Ident, int]
    merchants: list[MerchantRow]
    chores: list[ChoreRow]
    klusboxes: list[KlusboxRow]
    limits: Limits
    revoked_cards: list[Ident]
    revoked_residents: list[Ident]
    revoked_devices: list[Ident]
    approved_claims: list[Ident] = []  # no longer sent (kept for old devices: always empty)
    role: Role | None = None  # whose view this is: each role gets only what it needs
    # Kiosks only, for the residents of their neighbourhood. Claims merge by id like the rows
    # above. `history` holds, for each resident it names, that resident's newest lines
    # (at most HISTORY_LINES, newest first): they replace the ones the device had.
    claims: list[ClaimRow] = []
    history: list[MoneyLine] = []
    # Desks, inspectors and kiosks: the scheme's staff, whole (None: an older server).
    staff: list[StaffRow] | None = None
    # Desks and kiosks: the boxes of the neighbourhood lent now, whole (None: older server).
    loans: list[LoanRow] | None = None


HISTORY_LINES: Final = 10  # money lines per resident in a kiosk's snapshot


class ServerInfo(_Model):
    """GET /v1/info: what a device needs to check everything else."""

    protocol_version: int
    public_key: Hex64  # municipality key (also pinned in the kiosk configuration)
    server_device_id: Ident
    server_time: Millis


# Snapshot requests are signed by the device (headers of GET /v1/snapshot).
AUTH_DEVICE_HEADER: Final = "X-Heitje-Device"
AUTH_TIME_HEADER: Final = "X-Heitje-Time"
AUTH_NONCE_HEADER: Final = "X-Heitje-Nonce"
AUTH_SIGNATURE_HEADER: Final = "X-Heitje-Signature"
NONCE_PATTERN: Final = r"^[0-9a-f]{32}$"


def snapshot_request_message(device_id: str, since: int | None, at_ms: int, nonce: str) -> bytes:
    """What a device signs to ask for a snapshot: who, which delta, when, and a fresh nonce."""
    since_text = "null" if since is None else str(since)
    return (
        f'{SNAPSHOT_REQUEST_DOMAIN}\x00{{"at":{at_ms},"device_id":{_text(device_id)},'
        f'"nonce":"{nonce}","since":{since_text}}}'
    ).encode()


def chain_request_message(device_id: str, after: int, at_ms: int, nonce: str) -> bytes:
    """What a device signs to take back its own chain from the server (after a restore):
    who, from which seq, when, and a fresh nonce."""
    return (
        f'{CHAIN_REQUEST_DOMAIN}\x00{{"after":{after},"at":{at_ms},"device_id":'
        f'{_text(device_id)},"nonce":"{nonce}"}}'
    ).encode()


def signed_request_headers(
    key: SigningKey, device_id: str, message: bytes, at_ms: int, nonce: str
) -> dict[str, str]:
    """The headers of a device-signed request whose signed `message` was built for `at_ms`
    and `nonce` (snapshot_request_message, chain_request_message)."""
    return {
        AUTH_DEVICE_HEADER: device_id,
        AUTH_TIME_HEADER: str(at_ms),
        AUTH_NONCE_HEADER: nonce,
        AUTH_SIGNATURE_HEADER: sign(key, message),
    }


def snapshot_request_headers(
    key: SigningKey, device_id: str, since: int | None, at_ms: int, nonce: str
) -> dict[str, str]:
    """The headers of a signed snapshot request (`nonce`: 32 random hex digits)."""
    message = snapshot_request_message(device_id, since, at_ms, nonce)
    return signed_request_headers(key, device_id, message, at_ms, nonce)


# ---------------------------------------------------------------------------------------------
# Signing helpers
# ---------------------------------------------------------------------------------------------

_M = TypeVar("_M", bound=_Signed)


def signed_bytes(model: _Signed, domain: str) -> bytes:
    """canonical_bytes(domain, model.body()), without canonical's float walk: a validated
    strict model holds only str, int, bool, None, lists and dicts (same bytes, much faster
    for a batch of thousands of entries)."""
    body = model.body()
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return domain.encode() + b"\x00" + text.encode()


def _sign(model: _M, domain: str, key: SigningKey) -> _M:
    return model.model_copy(update={"signature": sign(key, signed_bytes(model, domain))})


def _verify(model: _Signed, domain: str, verify_key: VerifyKey) -> bool:
    if not model.signature:
        return False
    try:
        message = signed_bytes(model, domain)
    except (ValueError, UnicodeEncodeError):
        return False
    return verify(verify_key, message, model.signature)


_text = json.JSONEncoder(ensure_ascii=False).encode
_sorted = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_BATCH_PREFIX = BATCH_DOMAIN + "\x00"


def _opt(value: str | None) -> str:
    return "null" if value is None else _text(value)


def entry_json(w: WireEntry) -> tuple[str, str]:
    """(canonical JSON of the signed entry body, canonical JSON of the whole wire entry):
    entry_texts without the refs."""
    body, wire, _ = entry_texts(w)
    return body, wire


def entry_texts(w: WireEntry) -> tuple[str, str, str]:
    """(canonical JSON of the signed entry body, canonical JSON of the whole wire entry,
    canonical JSON of its refs: the server stores that text in the ledger's `refs` column).

    Byte for byte what canonical_json gives for the same values (a Hypothesis test holds
    this), built directly: a strict WireEntry has a fixed field set (sorted: amount credit
    debit device_id [entry_hash] kind prev_hash refs seq [signature] tx_id v wall_time) and
    its hex fields need no escaping. Batches of thousands of entries use it on both sides.
    """
    refs = _sorted(w.refs)
    head = (
        f'{{"amount":{w.amount},"credit":{_opt(w.credit)},"debit":{_opt(w.debit)},'
        f'"device_id":{_text(w.device_id)}'
    )
    mid = f',"kind":{_text(w.kind)},"prev_hash":"{w.prev_hash}","refs":{refs},"seq":{w.seq}'
    tail = f',"tx_id":{_text(w.tx_id)},"v":{w.v},"wall_time":{w.wall_time}}}'
    body = head + mid + tail
    wire = f'{head},"entry_hash":"{w.entry_hash}"{mid},"signature":"{w.signature}"{tail}'
    return body, wire, refs


def batch_message(batch: Batch, wire_jsons: list[str] | None = None) -> bytes:
    """canonical_bytes(BATCH_DOMAIN, batch.body()), reusing the entries' canonical wire JSON
    (entry_json(...)[1]) when the caller already has it."""
    if wire_jsons is None:
        wire_jsons = [entry_texts(w)[1] for w in batch.entries]
    return (
        f'{_BATCH_PREFIX}{{"device_id":{_text(batch.device_id)},'
        f'"entries":[{",".join(wire_jsons)}],'
        f'"first_seq":{batch.first_seq},"key_epoch":{batch.key_epoch},'
        f'"last_seq":{batch.last_seq},"prev_hash":"{batch.prev_hash}"}}'
    ).encode()


def make_batch(key: SigningKey, entries: list[Entry], *, key_epoch: int = 1) -> Batch:
    """A signed batch of consecutive entries of one device (the same bytes on every retry)."""
    if not entries:
        raise ValueError("a batch holds at least one entry")
    batch = Batch(
        device_id=entries[0].device_id,
        key_epoch=key_epoch,
        first_seq=entries[0].seq,
        last_seq=entries[-1].seq,
        prev_hash=entries[0].prev_hash,
        entries=[WireEntry.of(e) for e in entries],
    )
    return sign_batch(key, batch)


def sign_batch(key: SigningKey, batch: Batch) -> Batch:
    return batch.model_copy(update={"signature": sign(key, batch_message(batch))})


def verify_batch(verify_key: VerifyKey, batch: Batch) -> bool:
    if not batch.signature:
        return False
    return verify(verify_key, batch_message(batch), batch.signature)


def sign_ack(key: SigningKey, ack: Ack) -> Ack:
    return _sign(ack, ACK_DOMAIN, key)


def verify_ack(verify_key: VerifyKey, ack: Ack) -> bool:
    return _verify(ack, ACK_DOMAIN, verify_key)


def sign_snapshot(key: SigningKey, snapshot: Snapshot) -> Snapshot:
    return _sign(snapshot, SNAPSHOT_DOMAIN, key)


def verify_snapshot(verify_key: VerifyKey, snapshot: Snapshot) -> bool:
    return _verify(snapshot, SNAPSHOT_DOMAIN, verify_key)


def sign_certificate(key: SigningKey, cert: DeviceCertificate) -> DeviceCertificate:
    return _sign(cert, CERT_DOMAIN, key)


def verify_certificate(verify_key: VerifyKey, cert: DeviceCertificate) -> bool:
    return _verify(cert, CERT_DOMAIN, verify_key)
