"""Ledger entries: the signed, hash-chained records every device writes (DESIGN.md §2).

An entry's *body* is every field but its hash and signature. The canonical bytes of the body
(domain ``heitje/entry/v1``) are hashed (SHA-256) into ``entry_hash`` and signed with the
device's Ed25519 key. Each entry names the hash of the device's previous entry, so deleting,
reordering or editing any entry breaks the chain from there on.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.core import accounts as acc
from kiosk.core.accounts import AccountKind
from kiosk.core.amounts import check_amount
from kiosk.core.canonical import canonical_bytes
from kiosk.core.crypto import SigningKey, VerifyKey, sign, verify
from kiosk.core.errors import HeitjeError
from kiosk.core.ids import ID_REFS, is_ident, new_uuid

ENTRY_DOMAIN = "heitje/entry/v1"
FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64


class Kind(StrEnum):
    # money
    EARN = "earn"
    SPEND = "spend"
    REFUND = "refund"
    SETTLE = "settle"
    ADJUST = "adjust"
    EXPIRE = "expire"
    # events: no accounts, no amount
    CLAIM_SIGNUP = "claim_signup"
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    CLAIM_DONE = "claim_done"  # the resident says the chore is done: the inspector's queue
    APPROVAL = "approval"
    REJECTION = "rejection"
    CARD_EVENT = "card_event"
    LOAN = "loan"
    RETURN = "return"
    REVIEW = "review"  # the back office's decision on a review item (server chain only)


MONEY_KINDS = frozenset({Kind.EARN, Kind.SPEND, Kind.REFUND, Kind.SETTLE, Kind.ADJUST, Kind.EXPIRE})

# Which account kinds each money kind moves from (debit) and to (credit). Adjust may move
# between any two accounts, but always with a reason.
_FLOWS: dict[Kind, tuple[AccountKind, AccountKind]] = {
    Kind.EARN: (AccountKind.ISSUANCE, AccountKind.WALLET),
    Kind.SPEND: (AccountKind.WALLET, AccountKind.TILL),
    Kind.REFUND: (AccountKind.TILL, AccountKind.WALLET),
    Kind.SETTLE: (AccountKind.TILL, AccountKind.REDEMPTION),
    Kind.EXPIRE: (AccountKind.WALLET, AccountKind.WRITEOFF),
}

Refs = dict[str, str | int]

# acc.account_kind, remembered for the accounts seen most recently (a batch names the same few
# wallets and tills over and over; the enum lookup is most of check_shape's cost). An unknown
# account still raises every time: exceptions are not cached.
_account_kind = functools.lru_cache(maxsize=8192)(acc.account_kind)


class EntryError(HeitjeError):
    """An entry that is malformed in itself (wrong accounts for its kind, a bad amount, ...)."""


@dataclass(frozen=True)
class Entry:
    device_id: str
    seq: int
    prev_hash: str
    tx_id: str
    kind: Kind
    debit: str | None
    credit: str | None
    amount: int
    refs: Refs
    wall_time: int
    entry_hash: str = ""
    signature: str = ""
    version: int = field(default=FORMAT_VERSION)

    def body(self) -> dict[str, Any]:
        return {
            "v": self.version,
            "device_id": self.device_id,
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "tx_id": self.tx_id,
            "kind": str(self.kind),
            "debit": self.debit,
            "credit": self.credit,
            "amount": self.amount,
            "refs": dict(self.refs),
            "wall_time": self.wall_time,
        }

    def signed_bytes(self) -> bytes:
        return canonical_bytes(ENTRY_DOMAIN, self.body())

    def to_wire(self) -> dict[str, Any]:
        return {**self.body(), "entry_hash": self.entry_hash, "signature": self.signature}

    @classmethod
    def from_wire(cls, data: object) -> Entry:
        """Rebuild from the wire/dict form, strictly: no coercion ("5" or 5.0 or True is not
        the integer 5). Shape errors raise EntryError; hashes are checked by check_link."""
        try:
            if not isinstance(data, dict):
                raise TypeError("not an object")
            refs = data["refs"]
            if not isinstance(refs, dict) or not all(
                isinstance(k, str) and _is_ref_value(v) for k, v in refs.items()
            ):
                raise TypeError("refs must map text to text or whole numbers")
            return cls(
                version=_wire_int(data, "v"),
                device_id=_wire_str(data, "device_id"),
                seq=_wire_int(data, "seq"),
                prev_hash=_wire_str(data, "prev_hash"),
                tx_id=_wire_str(data, "tx_id"),
                kind=Kind(_wire_str(data, "kind")),
                debit=_wire_opt_str(data, "debit"),
                credit=_wire_opt_str(data, "credit"),
                amount=_wire_int(data, "amount"),
                refs=dict(refs),
                wall_time=_wire_int(data, "wall_time"),
                entry_hash=_wire_str(data, "entry_hash"),
                signature=_wire_str(data, "signature"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EntryError(
                "entry_malformed",
                f"Een boeking is onleesbaar ({exc}).",
                f"An entry is malformed ({exc}).",
            ) from exc


def _is_ref_value(value: object) -> bool:
    return isinstance(value, str) or (type(value) is int)


def _wire_int(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if type(value) is not int:  # bool and float are refused too
        raise TypeError(f"{key} must be a whole number")
    return value


def _wire_str(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} must be text")
    return value


def _wire_opt_str(data: dict[str, Any], key: str) -> str | None:
    return None if data[key] is None else _wire_str(data, key)


def compute_hash(entry: Entry) -> str:
    return hashlib.sha256(entry.signed_bytes()).hexdigest()


def check_shape(kind: Kind, debit: str | None, credit: str | None, amount: int, refs: Refs) -> None:
    """The rules an entry must keep on its own, whatever the ledger around it holds."""
    for key in ID_REFS.intersection(refs):
        if not is_ident(refs[key]):
            raise EntryError(
                "bad_identifier",
                f"Verwijzing '{key}' is geen geldige code (A-Z, a-z, 0-9, . _ : @ -).",
                f"Reference '{key}' is not a valid identifier (A-Z, a-z, 0-9, . _ : @ -).",
            )
    if kind not in MONEY_KINDS:
        if debit is not None or credit is not None or amount != 0:
            raise EntryError(
                "event_with_money",
                "Een gebeurtenis zonder geld mag geen rekeningen of bedrag hebben.",
                "An event entry may not name accounts or an amount.",
            )
        return
    check_amount(amount)
    if debit is None or credit is None:
        raise EntryError(
            "accounts_missing",
            "Een geldboeking heeft een van- en een naar-rekening nodig.",
            "A money entry needs a from-account and a to-account.",
        )
    debit_kind, credit_kind = _account_kind(debit), _account_kind(credit)
    if debit == credit:
        raise EntryError(
            "same_account",
            "Van- en naar-rekening zijn dezelfde.",
            "The from-account and the to-account are the same.",
        )
    if kind is Kind.ADJUST:
        if not str(refs.get("reason", "")).strip():
            raise EntryError(
                "reason_missing",
                "Een correctie heeft altijd een reden nodig.",
                "An adjustment always needs a reason.",
            )
        return
    expected = _FLOWS[kind]
    if (debit_kind, credit_kind) != expected:
        raise EntryError(
            "wrong_accounts",
            f"Een '{kind}'-boeking gaat van {expected[0]} naar {expected[1]}, "
            f"niet van {debit_kind} naar {credit_kind}.",
            f"A '{kind}' entry moves from {expected[0]} to {expected[1]}, "
            f"not from {debit_kind} to {credit_kind}.",
        )


def make_entry(
    key: SigningKey,
    device_id: str,
    seq: int,
    prev_hash: str,
    kind: Kind,
    *,
    debit: str | None = None,
    credit: str | None = None,
    amount: int = 0,
    refs: Refs | None = None,
    wall_time: int,
    tx_id: str | None = None,
) -> Entry:
    """Build, hash and sign the next entry of a device's chain."""
    refs = dict(refs or {})
    check_shape(kind, debit, credit, amount, refs)
    unsigned = Entry(
        device_id=device_id,
        seq=seq,
        prev_hash=prev_hash,
        tx_id=tx_id or new_uuid(wall_time),
        kind=kind,
        debit=debit,
        credit=credit,
        amount=amount,
        refs=refs,
        wall_time=wall_time,
    )
    message = unsigned.signed_bytes()
    return Entry(
        **{
            **unsigned.__dict__,
            "entry_hash": hashlib.sha256(message).hexdigest(),
            "signature": sign(key, message),
        }
    )


@dataclass(frozen=True)
class ChainFault:
    """Where a device's chain breaks, and how."""

    device_id: str
    seq: int
    tx_id: str
    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.device_id} seq {self.seq} (tx {self.tx_id}): {self.code}: {self.detail}"


def check_link(
    entry: Entry, expected_seq: int, expected_prev: str, verify_key: VerifyKey | None
) -> ChainFault | None:
    """Check one entry against the chain so far: seq, link, hash, signature, shape."""

    def fault(code: str, detail: str) -> ChainFault:
        return ChainFault(entry.device_id, entry.seq, entry.tx_id, code, detail)

    if entry.seq != expected_seq:
        return fault("seq_gap", f"expected seq {expected_seq}, found {entry.seq}")
    if entry.prev_hash != expected_prev:
        return fault("chain_broken", "prev_hash does not match the previous entry's hash")
    message = entry.signed_bytes()
    if hashlib.sha256(message).hexdigest() != entry.entry_hash:
        return fault("hash_mismatch", "the stored hash does not match the entry's contents")
    if verify_key is None:
        return fault("unknown_device", "no public key known for this device")
    if not verify(verify_key, message, entry.signature):
        return fault("bad_signature", "the signature does not verify with the device key")
    try:
        check_shape(entry.kind, entry.debit, entry.credit, entry.amount, entry.refs)
    except HeitjeError as exc:
        return fault("bad_shape", exc.en)
    return None
