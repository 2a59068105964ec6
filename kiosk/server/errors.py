"""Refusals the server sends: a stable code (kiosk.sync.protocol), an HTTP status, nl/en text."""

from __future__ import annotations

from kiosk.core.errors import HeitjeError
from kiosk.sync import protocol as p
from kiosk.sync.protocol import ErrorBody

# code -> (HTTP status, Dutch, English). Texts are for operators and the kiosk screen.
MESSAGES: dict[str, tuple[int, str, str]] = {
    p.REQUEST_INVALID: (
        422,
        "Het verzoek heeft niet de juiste vorm.",
        "The request does not have the right shape.",
    ),
    p.ENTRY_MALFORMED: (422, "Een boeking is onleesbaar.", "An entry is malformed."),
    p.BATCH_TOO_LARGE: (413, "De bundel is te groot.", "The batch is too large."),
    p.UNKNOWN_DEVICE: (
        403,
        "Dit apparaat is niet aangemeld bij de server.",
        "This device is not enrolled with the server.",
    ),
    p.DEVICE_REVOKED: (
        403,
        "Dit apparaat is ingetrokken; de server neemt er niets meer van aan.",
        "This device has been revoked; the server accepts nothing from it.",
    ),
    p.DEVICE_QUARANTINED: (
        403,
        "Dit apparaat staat in quarantaine na een afwijkende geschiedenis. Bel de beheerder.",
        "This device is quarantined after a diverging history. Call the administrator.",
    ),
    p.CERT_EXPIRED: (
        403,
        "Het certificaat van dit apparaat is verlopen; meld het apparaat opnieuw aan.",
        "This device's certificate has expired; enrol the device again.",
    ),
    p.KEY_EPOCH_MISMATCH: (
        403,
        "Deze bundel is gemaakt met een oude sleutel van het apparaat.",
        "This batch was made with an old key of the device.",
    ),
    p.SIGNATURE_MISSING: (
        401,
        "De bundel is niet ondertekend.",
        "The batch is not signed.",
    ),
    p.BAD_BATCH_SIGNATURE: (
        401,
        "De handtekening van de bundel klopt niet (verkeerde sleutel of gewijzigde inhoud).",
        "The batch signature does not verify (wrong key or changed contents).",
    ),
    p.BAD_ENTRY_HASH: (
        422,
        "De inhoud van een boeking past niet bij haar hash.",
        "An entry's contents do not match its hash.",
    ),
    p.BAD_ENTRY_SIGNATURE: (
        422,
        "De handtekening van een boeking klopt niet.",
        "An entry's signature does not verify.",
    ),
    p.CHAIN_BROKEN: (
        409,
        "De keten van boekingen sluit niet aan op wat de server al heeft.",
        "The chain of entries does not continue from what the server already has.",
    ),
    p.SEQ_NOT_CONTIGUOUS: (
        409,
        "De volgnummers in de bundel zijn niet opeenvolgend.",
        "The sequence numbers in the batch are not in order.",
    ),
    p.FORK_DETECTED: (
        409,
        "Hetzelfde volgnummer met een andere inhoud: het apparaat staat nu in quarantaine.",
        "The same sequence number with different contents: the device is now quarantined.",
    ),
    p.GAP: (
        409,
        "Er ontbreken boekingen vóór deze bundel; stuur eerst die.",
        "Entries before this batch are missing; send those first.",
    ),
    p.CLOCK_AHEAD: (
        422,
        "Een boeking is gedateerd ná de tijd van de server: de klok van het apparaat loopt "
        "voor. Zet de klok goed en synchroniseer opnieuw.",
        "An entry is dated after the server's time: the device's clock is ahead. Set the "
        "clock right and sync again.",
    ),
    p.CLOCK_BEHIND: (
        422,
        "Een boeking is gedateerd vóór de aanmelding van het apparaat of te lang geleden: de "
        "klok van het apparaat loopt achter.",
        "An entry is dated before the device was enrolled or too long ago: the device's "
        "clock is behind.",
    ),
    p.BUSINESS_RULE: (422, "Een boeking breekt een regel.", "An entry breaks a rule."),
    p.CLAIM_NOT_APPROVED: (
        422,
        "Een beloning voor een klus die (nog) niet is goedgekeurd.",
        "A reward for a chore that has not been approved.",
    ),
    p.CLAIM_ALREADY_REWARDED: (
        422,
        "Deze klus is al beloond.",
        "This chore has already been rewarded.",
    ),
    p.EARN_CAP_EXCEEDED: (
        422,
        "Deze beloning gaat over het maximum per maand of per jaar (vrijwilligersvergoeding).",
        "This reward goes over the monthly or yearly maximum (volunteer allowance).",
    ),
    p.EARN_AMOUNT_WRONG: (
        422,
        "De beloning is hoger dan de klus oplevert.",
        "The reward is higher than the chore pays.",
    ),
    p.INSUFFICIENT_BALANCE: (422, "Het saldo is te laag.", "The balance is too low."),
    p.UNKNOWN_ACCOUNT: (
        422,
        "Een boeking noemt een onbekende bewoner of winkel.",
        "An entry names an unknown resident or shop.",
    ),
    p.KIND_NOT_ALLOWED: (
        422,
        "Dit apparaat mag dit soort boeking niet maken.",
        "This device may not make this kind of entry.",
    ),
    p.REFUND_WITHOUT_SPEND: (
        422,
        "Een terugbetaling zonder (genoeg) bijbehorende betaling.",
        "A refund without a matching payment (or more than it).",
    ),
    p.DUPLICATE_TX_ID: (
        409,
        "Een transactienummer bestaat al.",
        "A transaction id already exists.",
    ),
    p.ENROL_CODE_INVALID: (
        403,
        "Deze aanmeldcode bestaat niet.",
        "This enrolment code does not exist.",
    ),
    p.ENROL_CODE_EXPIRED: (403, "Deze aanmeldcode is verlopen.", "This enrolment code expired."),
    p.ENROL_CODE_USED: (
        403,
        "Deze aanmeldcode is al gebruikt.",
        "This enrolment code has already been used.",
    ),
    p.BAD_PUBLIC_KEY: (422, "De publieke sleutel is ongeldig.", "The public key is invalid."),
    p.SNAPSHOT_VERSION_UNKNOWN: (
        409,
        "Die versie kent de server niet; haal een volledig overzicht op.",
        "The server does not know that version; fetch a full snapshot.",
    ),
    p.NOT_FOUND: (404, "Niet gevonden.", "Not found."),
    p.AUTH_MISSING: (
        401,
        "Dit verzoek moet door een aangemeld apparaat ondertekend zijn.",
        "This request must be signed by an enrolled device.",
    ),
    p.AUTH_BAD_SIGNATURE: (
        401,
        "De handtekening van dit verzoek klopt niet.",
        "This request's signature does not verify.",
    ),
    p.AUTH_STALE: (
        401,
        "Dit verzoek is te oud of komt uit de toekomst: zet de klok van het apparaat goed.",
        "This request is too old or from the future: set the device's clock right.",
    ),
    p.AUTH_REPLAYED: (
        401,
        "Dit verzoek is al eens gedaan (herhaald verzoek).",
        "This request was already made once (a replay).",
    ),
    p.BODY_TOO_LARGE: (413, "Het verzoek is te groot.", "The request is too large."),
    p.INTERNAL_ERROR: (
        500,
        "Er ging iets mis op de server. Probeer het later opnieuw; de beheerder is gewaarschuwd.",
        "Something went wrong on the server. Try again later; the administrator has been told.",
    ),
    p.ROLE_CHANGE_REFUSED: (
        403,
        "Deze sleutel is al aangemeld met een andere rol; een sleutel houdt zijn rol.",
        "This key is already enrolled under another role; a key keeps its role.",
    ),
    p.ROLE_NOT_ALLOWED: (
        422,
        "Dit soort apparaat mag deze boeking niet maken.",
        "This kind of device may not sign this entry.",
    ),
    p.NOT_OWN_TILL: (
        422,
        "Een kassa mag alleen met de kas van de eigen winkel boeken.",
        "A counter may only book to and from its own shop's till.",
    ),
    p.OUT_OF_BINDING: (
        422,
        "Deze boeking gaat over een buurt, bewoner of klusbox buiten het gebied van dit apparaat.",
        "This entry is about a neighbourhood, resident or klusbox outside this device's area.",
    ),
    p.UNKNOWN_CLAIM: (422, "Deze klusaanmelding is onbekend.", "This chore claim is unknown."),
    p.UNKNOWN_CHORE: (422, "Deze klus is onbekend.", "This chore is unknown."),
    p.UNKNOWN_CARD: (422, "Deze pas is onbekend.", "This card is unknown."),
    p.UNKNOWN_KLUSBOX: (422, "Deze klusbox is onbekend.", "This klusbox is unknown."),
    p.CLAIM_REJECTED: (
        422,
        "Deze klus is afgekeurd; alleen de gemeente kan dat terugdraaien, met een reden.",
        "This chore was rejected; only the municipality can overturn that, with a reason.",
    ),
    p.CLAIM_ALREADY_DECIDED: (
        422,
        "Over deze klus is al beslist.",
        "This chore claim has already been decided.",
    ),
    p.CLAIM_EXISTS: (
        422,
        "Deze klusaanmelding bestaat al.",
        "This chore claim already exists.",
    ),
    p.CHORE_FULL: (
        422,
        "Deze klus heeft al zoveel goedkeuringen als er plaatsen zijn.",
        "This chore already has as many approvals as it has places.",
    ),
    p.INSPECTOR_MISSING: (
        422,
        "Een goed- of afkeuring moet de inspecteur noemen (een geldige medewerkerspas).",
        "An approval or rejection must name the inspector (a valid staff card).",
    ),
    p.BAD_PIN_HASH: (
        422,
        "De pincode van de pas is niet opgeslagen: de kiosk stuurde geen bruikbare versleuteling.",
        "The card's PIN was not stored: the kiosk sent no usable hash of it.",
    ),
    p.PIN_SET_LIMIT: (
        422,
        "Deze kiosk heeft vandaag al te veel pincodes ingesteld; deze is niet overgenomen.",
        "This kiosk has set too many PINs today; this one was not taken over.",
    ),
    p.STAFF_MISSING: (
        422,
        "Een uitzondering aan de balie moet de medewerker noemen (een geldige medewerkerspas).",
        "An override at the desk must name the staff member (a valid staff card).",
    ),
    p.EARN_WRONG_RESIDENT: (
        422,
        "De beloning gaat naar een andere bewoner dan die de klus deed.",
        "The reward goes to another resident than the one who did the chore.",
    ),
    p.AMOUNT_OUT_OF_BOUNDS: (
        422,
        "Het bedrag is groter dan één boeking mag zijn.",
        "The amount is larger than one entry may be.",
    ),
    p.BALANCE_OUT_OF_BOUNDS: (
        422,
        "Deze boeking zou een saldo buiten de grenzen brengen.",
        "This entry would take a balance outside its bounds.",
    ),
    p.BAD_IDENTIFIER: (
        422,
        "Een code in de boeking heeft niet de vaste vorm (A-Z, a-z, 0-9, . _ : @ -).",
        "An identifier in the entry does not have the fixed form (A-Z, a-z, 0-9, . _ : @ -).",
    ),
}


class Refusal(HeitjeError):
    """A request the server refuses; becomes an ErrorBody with `status`."""

    def __init__(
        self,
        code: str,
        *,
        seq: int | None = None,
        next_seq: int | None = None,
        detail: str = "",
        status: int | None = None,
    ) -> None:
        default_status, nl, en = MESSAGES.get(code, MESSAGES[p.BUSINESS_RULE])
        if detail:
            nl, en = f"{nl} ({detail})", f"{en} ({detail})"
        if seq is not None:
            nl, en = f"{nl} [boeking {seq}]", f"{en} [entry {seq}]"
        super().__init__(code, nl, en)
        self.status = status or default_status
        self.seq = seq
        self.next_seq = next_seq

    def body(self) -> ErrorBody:
        return ErrorBody(
            code=self.code,
            message_nl=self.nl,
            message_en=self.en,
            seq=self.seq,
            next_seq=self.next_seq,
        )
