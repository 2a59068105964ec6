"""Entries the server refused, in words for a person (Dutch B1 and English).

The server stores an authentic entry that breaks a rule as `refused` (it changes no balance and
waits in the review queue) and names it in the ack with a stable code; the device keeps it
(kiosk.db.sync_queries.refused_entries). This turns one into a sentence such as "Betaling van
12,50 geweigerd door de server: de pas was ingetrokken."
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from kiosk.core.amounts import format_amount
from kiosk.core.entries import Kind
from kiosk.core.errors import Lang
from kiosk.sync import protocol as p


@dataclass(frozen=True)
class Words:
    nl: str
    en: str

    def message(self, lang: Lang = "nl") -> str:
        return self.nl if lang == "nl" else self.en


# What the entry was, as the start of a sentence.
KIND_WORDS: Final[dict[Kind, Words]] = {
    Kind.SPEND: Words("Betaling", "Payment"),
    Kind.REFUND: Words("Terugbetaling", "Refund"),
    Kind.EARN: Words("Beloning", "Reward"),
    Kind.SETTLE: Words("Uitbetaling aan de winkel", "Settlement"),
    Kind.ADJUST: Words("Correctie", "Correction"),
    Kind.EXPIRE: Words("Vervallen saldo", "Expiry"),
    Kind.CLAIM_SIGNUP: Words("Aanmelding voor een klus", "Chore sign-up"),
    Kind.CHECK_IN: Words("Inchecken", "Check-in"),
    Kind.CHECK_OUT: Words("Uitchecken", "Check-out"),
    Kind.CLAIM_DONE: Words("Melding 'klus klaar'", "'Chore done' report"),
    Kind.APPROVAL: Words("Goedkeuring van een klus", "Approval of a chore"),
    Kind.REJECTION: Words("Afkeuring van een klus", "Rejection of a chore"),
    Kind.CARD_EVENT: Words("Wijziging van de pas", "Card change"),
    Kind.LOAN: Words("Uitlenen van een klusbox", "Klusbox loan"),
    Kind.RETURN: Words("Terugbrengen van een klusbox", "Klusbox return"),
    Kind.REVIEW: Words("Besluit van de gemeente", "Decision of the municipality"),
}

# Why, as the end of the sentence: every business-rule code and every review reason.
REASONS: Final[dict[str, Words]] = {
    p.BUSINESS_RULE: Words("de boeking past niet in de regels", "the entry breaks a rule"),
    p.CLAIM_NOT_APPROVED: Words(
        "de klus was nog niet goedgekeurd", "the chore had not been approved yet"
    ),
    p.CLAIM_ALREADY_REWARDED: Words(
        "de klus was al beloond", "the chore had already been rewarded"
    ),
    p.EARN_CAP_EXCEEDED: Words(
        "de bewoner had al de meeste beloningen die mogen",
        "the resident already had the most rewards allowed",
    ),
    p.EARN_AMOUNT_WRONG: Words(
        "het bedrag is niet de beloning van de klus", "the amount is not the chore's reward"
    ),
    p.INSUFFICIENT_BALANCE: Words(
        "er stond niet genoeg saldo op de pas", "the card did not hold enough"
    ),
    p.UNKNOWN_ACCOUNT: Words(
        "de server kent de rekening niet", "the server does not know the account"
    ),
    p.KIND_NOT_ALLOWED: Words(
        "een apparaat mag zo'n boeking niet maken", "a device may not make such an entry"
    ),
    p.REFUND_WITHOUT_SPEND: Words(
        "de server kent geen betaling om terug te betalen",
        "the server knows no payment to refund",
    ),
    p.DUPLICATE_TX_ID: Words(
        "het nummer van de boeking was al gebruikt", "the entry's number had already been used"
    ),
    p.ROLE_NOT_ALLOWED: Words(
        "dit soort apparaat mag zo'n boeking niet maken",
        "this kind of device may not make such an entry",
    ),
    p.NOT_OWN_TILL: Words(
        "een kassa mag alleen met de kas van de eigen winkel boeken",
        "a counter may only book to and from its own shop's till",
    ),
    p.OUT_OF_BINDING: Words(
        "de bewoner, de klus of de klusbox hoort niet bij de wijk van dit apparaat",
        "the resident, chore or klusbox is outside this device's area",
    ),
    p.UNKNOWN_CLAIM: Words(
        "de server kent de aanmelding voor de klus niet",
        "the server does not know the chore sign-up",
    ),
    p.UNKNOWN_CHORE: Words("de server kent de klus niet", "the server does not know the chore"),
    p.UNKNOWN_CARD: Words("de server kent de pas niet", "the server does not know the card"),
    p.UNKNOWN_KLUSBOX: Words(
        "de server kent de klusbox niet", "the server does not know the klusbox"
    ),
    p.CLAIM_REJECTED: Words(
        "de klus was al afgekeurd; alleen de gemeente kan dat veranderen",
        "the chore had been rejected; only the municipality can change that",
    ),
    p.CLAIM_ALREADY_DECIDED: Words(
        "over de klus was al beslist", "the chore had already been decided on"
    ),
    p.CLAIM_EXISTS: Words(
        "de bewoner was al aangemeld voor deze klus",
        "the resident had already signed up for this chore",
    ),
    p.CHORE_FULL: Words("de klus zat al vol", "the chore was already full"),
    p.INSPECTOR_MISSING: Words(
        "er staat geen geldige inspecteur bij de goedkeuring",
        "the approval names no valid inspector",
    ),
    p.BAD_PIN_HASH: Words(
        "de nieuwe pincode kon niet worden doorgegeven", "the new PIN could not be passed on"
    ),
    p.PIN_SET_LIMIT: Words(
        "er zijn vandaag al te veel pincodes ingesteld op dit apparaat",
        "too many PINs were set on this device today",
    ),
    p.STAFF_MISSING: Words(
        "er staat geen geldige medewerker bij de uitzondering",
        "the override names no valid staff member",
    ),
    p.EARN_WRONG_RESIDENT: Words(
        "de beloning was voor een andere bewoner dan wie de klus deed",
        "the reward was for another resident than the one who did the chore",
    ),
    p.AMOUNT_OUT_OF_BOUNDS: Words(
        "het bedrag is hoger dan mag", "the amount is higher than allowed"
    ),
    p.BALANCE_OUT_OF_BOUNDS: Words(
        "het saldo zou te hoog of te laag worden", "the balance would become too high or too low"
    ),
    p.BAD_IDENTIFIER: Words(
        "er staat een ongeldige code in de boeking", "the entry holds an invalid code"
    ),
    p.ENTRY_MALFORMED: Words("de boeking was onleesbaar", "the entry could not be read"),
    p.CLOCK_AHEAD: Words("de klok van dit apparaat liep voor", "this device's clock was ahead"),
    p.CLOCK_BEHIND: Words("de klok van dit apparaat liep achter", "this device's clock was behind"),
    # review reasons
    p.REVIEW_OVER_TX_CAP: Words(
        "het bedrag was hoger dan het maximum per betaling",
        "the amount was over the limit for one payment",
    ),
    p.REVIEW_OVER_DAILY_CAP: Words(
        "de bewoner had de grens voor vandaag al bereikt",
        "the resident had already reached today's limit",
    ),
    p.REVIEW_OVER_EXPOSURE: Words(
        "deze kassa had zonder verbinding al te veel aangenomen",
        "this counter had already taken too much while offline",
    ),
    p.REVIEW_CARD_REVOKED: Words("de pas was ingetrokken", "the card was revoked"),
    p.REVIEW_RESIDENT_BLOCKED: Words("de bewoner was geblokkeerd", "the resident was blocked"),
    p.REVIEW_OVER_RESIDENT_OVERDRAFT: Words(
        "de bewoner stond al te veel in de min", "the resident was already too far below zero"
    ),
}


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def refusal_words(kind: Kind, amount: int, code: str) -> Words:
    """One refused entry as a sentence, e.g. "Betaling van 12,50 geweigerd door de server: de
    pas was ingetrokken." A code this version does not know yet is shown as it is."""
    what = KIND_WORDS.get(kind, Words(f"Boeking '{kind}'", f"Entry '{kind}'"))
    shown = _UNSAFE.sub("?", code)  # the server's text: nothing but plain characters printed
    why = REASONS.get(code, Words(f"reden '{shown}'", f"reason '{shown}'"))
    if amount:
        nl = f"{what.nl} van {format_amount(amount, 'nl')} geweigerd door de server: {why.nl}."
        en = f"{what.en} of {format_amount(amount, 'en')} refused by the server: {why.en}."
    else:
        nl = f"{what.nl} geweigerd door de server: {why.nl}."
        en = f"{what.en} refused by the server: {why.en}."
    return Words(nl, en)
