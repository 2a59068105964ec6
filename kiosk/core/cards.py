"""Signed QR cards: resident cards, staff cards and klusbox labels.

A card's QR holds one short ASCII line, all of it in the QR alphanumeric alphabet so the code
stays small (version 5, 37x37 modules, at error correction M)::

    HT 1 R4JVSR28T 261122 <signature, 103 chars>        (written without the spaces)
    |  | |         |      `- Ed25519 signature, RFC 4648 base32, uppercase, no padding
    |  | |         `- issue date, YYMMDD (20YY)
    |  | `- serial: kind letter (R resident, S staff, K klusbox), 7 random characters,
    |  |    1 check character
    |  `- format version
    `- prefix: "this is a Heitje card"

The municipality signs ``canonical_bytes("heitje/card/v1", {...})`` of version, kind, serial
and date; every device verifies offline with the municipality's public key. 121 characters.

The serial is also printed under the QR for typed entry. Its alphabet is Crockford's base32
minus Z (31 characters, so the modulus is prime): no I, L, O or U, and typed I/L/O are read
as 1/1/0. The check character makes ``sum(weight_i * value_i) == 0 (mod 31)`` with weights
1..9 over the whole serial: any single wrong character changes the sum by
``weight * difference`` (non-zero mod a prime), and swapping two neighbours changes it by
``(w_i - w_i+1) * (a - b)`` -- also non-zero. So both mistakes are always caught.

Reading never raises anything but `CardError`, whatever the input.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import random
import secrets
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from nacl.exceptions import CryptoError
from nacl.signing import SigningKey, VerifyKey

from kiosk.core.canonical import canonical_bytes
from kiosk.core.errors import HeitjeError

__all__ = [
    "PAYLOAD_LENGTH",
    "PREFIX",
    "SERIAL_ALPHABET",
    "SERIAL_LENGTH",
    "VERSION",
    "Card",
    "CardError",
    "CardKind",
    "format_serial",
    "issue_card",
    "new_serial",
    "parse_manual_serial",
    "read_card",
    "serial_kind",
]

PREFIX: Final = "HT"
VERSION: Final = "1"
DOMAIN: Final = "heitje/card/v1"

SERIAL_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXY"  # 31 symbols: prime modulus
_MOD: Final = len(SERIAL_ALPHABET)
_VALUE: Final = {ch: i for i, ch in enumerate(SERIAL_ALPHABET)}
_BODY_LENGTH: Final = 7
SERIAL_LENGTH: Final = 1 + _BODY_LENGTH + 1  # kind letter, random body, check character
_DATE_LENGTH: Final = 6
_SIG_LENGTH: Final = 103  # base32 of 64 bytes without padding
PAYLOAD_LENGTH: Final = len(PREFIX) + len(VERSION) + SERIAL_LENGTH + _DATE_LENGTH + _SIG_LENGTH

# The QR alphanumeric alphabet: anything else cannot have come from one of our QR codes.
_QR_ALNUM: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
# Far longer than any card; we stop looking at such input before doing any work on it.
_MAX_INPUT: Final = 512
# Typed-entry confusions (Crockford): these letters are not in the alphabet, the digits are.
_DIGITS: Final = frozenset("0123456789")
_TYPED_ALIASES: Final = {"O": "0", "I": "1", "L": "1"}


class CardKind(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    KLUSBOX = "klusbox"

    @property
    def letter(self) -> str:
        return _KIND_LETTER[self]


_KIND_LETTER: Final = {CardKind.RESIDENT: "R", CardKind.STAFF: "S", CardKind.KLUSBOX: "K"}
_LETTER_KIND: Final = {letter: kind for kind, letter in _KIND_LETTER.items()}


@dataclass(frozen=True)
class Card:
    kind: CardKind
    serial: str
    issued: datetime.date
    payload: str

    @property
    def display_serial(self) -> str:
        return format_serial(self.serial)


class CardError(HeitjeError):
    """A card (or typed serial) that is not accepted; `code` says why."""


def _err(code: str) -> CardError:
    nl, en = _MESSAGES[code]
    return CardError(code, nl, en)


# Written for the person at the counter: what happened and what to do next.
_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "not_a_card": (
        "Dit is geen Heitje-kaart. Scan de QR-code op de Heitje-kaart.",
        "This is not a Heitje card. Please scan the QR code on the Heitje card.",
    ),
    "bad_encoding": (
        "De code is niet goed gelezen. Probeer opnieuw te scannen.",
        "The code was not read correctly. Please try scanning again.",
    ),
    "truncated": (
        "De code is maar half gelezen. Houd de kaart stil en scan opnieuw.",
        "Only part of the code was read. Hold the card still and scan again.",
    ),
    "unknown_version": (
        "Deze kaart is van een nieuwere soort die dit apparaat nog niet kent. "
        "Vraag om een update van het apparaat.",
        "This card is of a newer type that this device does not know yet. "
        "Ask for the device to be updated.",
    ),
    "unknown_kind": (
        "Dit soort kaart kent dit apparaat niet.",
        "This device does not know this type of card.",
    ),
    "bad_serial": (
        "Het kaartnummer klopt niet. Controleer de letters en cijfers.",
        "The card number is not valid. Please check the letters and digits.",
    ),
    "bad_check_char": (
        "Het kaartnummer klopt niet: er is waarschijnlijk een teken verkeerd of verwisseld. "
        "Controleer het nummer onder de QR-code.",
        "The card number is not valid: a character is probably wrong or swapped. "
        "Please check the number under the QR code.",
    ),
    "bad_date": (
        "De datum op de kaart klopt niet. Deze kaart wordt niet geaccepteerd.",
        "The date on the card is not valid. This card is not accepted.",
    ),
    "bad_signature": (
        "Deze kaart is niet echt of niet goed gelezen. Scan opnieuw; "
        "lukt het niet, vraag dan om hulp.",
        "This card is not genuine or was not read correctly. Scan again; "
        "if it still fails, please ask for help.",
    ),
    "revoked": (
        "Deze kaart is geblokkeerd (bijvoorbeeld omdat hij kwijt was). Vraag om hulp.",
        "This card has been blocked (for example because it was reported lost). "
        "Please ask for help.",
    ),
}


# --- serials -------------------------------------------------------------------------------


def _check_char(head: str) -> str:
    """The character that makes the weighted sum over head + it zero mod 31."""
    total = sum((i + 1) * _VALUE[ch] for i, ch in enumerate(head))
    weight = len(head) + 1
    # value * weight == -total (mod 31); the weight is invertible because 31 is prime.
    value = (-total * pow(weight, -1, _MOD)) % _MOD
    return SERIAL_ALPHABET[value]


def _checks_out(serial: str) -> bool:
    return sum((i + 1) * _VALUE[ch] for i, ch in enumerate(serial)) % _MOD == 0


def new_serial(kind: CardKind, rng: random.Random | None = None) -> str:
    """A fresh random serial for `kind`. Pass `rng` only for reproducible tests."""
    if rng is None:
        body = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(_BODY_LENGTH))
    else:
        body = "".join(rng.choice(SERIAL_ALPHABET) for _ in range(_BODY_LENGTH))
    head = CardKind(kind).letter + body
    return head + _check_char(head)


def _validate_serial(serial: str) -> CardKind:
    """Check a canonical serial; return its kind."""
    if len(serial) != SERIAL_LENGTH:
        raise _err("bad_serial")
    kind = _LETTER_KIND.get(serial[0])
    if kind is None:
        raise _err("unknown_kind")
    if any(ch not in _VALUE for ch in serial):
        raise _err("bad_serial")
    if not _checks_out(serial):
        raise _err("bad_check_char")
    return kind


def serial_kind(serial: str) -> CardKind:
    """The kind of a canonical serial (raises CardError if the serial is not valid)."""
    if not isinstance(serial, str) or not serial.isascii():
        raise _err("bad_serial")
    return _validate_serial(serial)


def format_serial(serial: str) -> str:
    """Grouped in threes for reading aloud and typing: ``R4J VSR 28T``."""
    return " ".join(serial[i : i + 3] for i in range(0, len(serial), 3))


def parse_manual_serial(text: str) -> str:
    """A typed serial -> the canonical serial, or CardError.

    Forgiving about what people do when typing (lower case, spaces, dashes, dots, O for 0,
    I or L for 1), strict about the check character.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT or not text.isascii():
        raise _err("bad_serial")
    cleaned = "".join(ch for ch in text.upper() if ch not in " \t\r\n-./_")
    cleaned = "".join(_TYPED_ALIASES.get(ch, ch) for ch in cleaned)
    if not cleaned:
        raise _err("bad_serial")
    _validate_serial(cleaned)
    return cleaned


# --- payloads -------------------------------------------------------------------------------


def _message(kind: CardKind, serial: str, issued: datetime.date) -> bytes:
    return canonical_bytes(
        DOMAIN,
        {"v": int(VERSION), "kind": kind.value, "serial": serial, "issued": issued.isoformat()},
    )


def _encode_date(issued: datetime.date) -> str:
    return issued.strftime("%y%m%d")


def _decode_date(text: str) -> datetime.date:
    if len(text) != _DATE_LENGTH or not text.isdigit():
        raise _err("bad_date")
    try:
        return datetime.date(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise _err("bad_date") from None


def issue_card(signing_key: SigningKey, kind: CardKind, serial: str, issued: datetime.date) -> Card:
    """Sign a card with the municipality key. The serial must be valid and of this kind."""
    kind = CardKind(kind)
    if serial_kind(serial) is not kind:
        raise _err("bad_serial")
    if not 2000 <= issued.year <= 2099:
        raise _err("bad_date")
    signature = signing_key.sign(_message(kind, serial, issued)).signature
    sig_text = base64.b32encode(signature).decode("ascii").rstrip("=")
    payload = PREFIX + VERSION + serial + _encode_date(issued) + sig_text
    return Card(kind=kind, serial=serial, issued=issued, payload=payload)


def read_card(payload: str, verify_key: VerifyKey, revoked: Container[str] = frozenset()) -> Card:
    """Parse and verify a scanned payload offline. Only ever raises CardError."""
    if not isinstance(payload, str):
        raise _err("not_a_card")
    # Hand scanners may add CR/LF or spaces around the code.
    text = payload[: _MAX_INPUT + 1].strip()
    # A keyboard-wedge scanner with Caps Lock on types the whole code in lower case; accept
    # that, but not a mix, so that a single changed letter is never silently "fixed".
    if text.isascii() and text == text.lower():
        text = text.upper()
    # "HT" then a digit: URLs ("HTTPS://...") and other foreign codes are not cards at all.
    if text[: len(PREFIX)] != PREFIX or text[len(PREFIX) : len(PREFIX) + 1] not in _DIGITS:
        if text == PREFIX:
            raise _err("truncated")
        raise _err("not_a_card")
    if len(text) > _MAX_INPUT or any(ch not in _QR_ALNUM for ch in text):
        raise _err("bad_encoding")
    # Fields are checked in reading order, so the error names the first thing that is wrong.
    pos = len(PREFIX)
    if len(text) <= pos:
        raise _err("truncated")
    if text[pos] != VERSION:
        raise _err("unknown_version")
    pos += len(VERSION)
    if len(text) <= pos:
        raise _err("truncated")
    if text[pos] not in _LETTER_KIND:
        raise _err("unknown_kind")
    if len(text) < PAYLOAD_LENGTH:
        raise _err("truncated")
    if len(text) > PAYLOAD_LENGTH:
        raise _err("bad_encoding")
    serial = text[pos : pos + SERIAL_LENGTH]
    pos += SERIAL_LENGTH
    kind = _validate_serial(serial)
    issued = _decode_date(text[pos : pos + _DATE_LENGTH])
    pos += _DATE_LENGTH
    signature = _decode_signature(text[pos:])
    try:
        verify_key.verify(_message(kind, serial, issued), signature)
    except (CryptoError, ValueError, TypeError):
        raise _err("bad_signature") from None
    if serial in revoked:
        raise _err("revoked")
    return Card(kind=kind, serial=serial, issued=issued, payload=text)


def _decode_signature(text: str) -> bytes:
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise _err("bad_encoding") from None
    # base32 of 64 bytes leaves 3 spare bits in the last character; demand they are zero so
    # that no two different strings ever decode to the same signature.
    if len(raw) != 64 or base64.b32encode(raw).decode("ascii").rstrip("=") != text:
        raise _err("bad_encoding")
    return raw
