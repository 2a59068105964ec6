"""The refusals of the ops themselves, each a stable code with Dutch (B1) and English text.

Refusals from further down keep their own type and code: the ledger store's (LedgerError),
the offline policy's (OfflineSpendRefused), the role table's (RoleError), amounts
(AmountError). All are HeitjeError, so a screen shows `error.message(lang)` whatever it is.
"""

from __future__ import annotations

from kiosk.core.amounts import format_amount
from kiosk.core.days import local
from kiosk.core.errors import HeitjeError

INTERNAL_ERROR = "internal_error"


class OpsError(HeitjeError):
    """A refusal of an op itself (unknown card, wrong PIN, chore not today, ...)."""


def internal_error(exc: BaseException) -> OpsError:
    return OpsError(
        INTERNAL_ERROR,
        "Er ging iets mis op dit apparaat. Er is niets veranderd. Probeer het opnieuw; lukt "
        "het niet, vraag dan om hulp.",
        f"Something went wrong on this device ({type(exc).__name__}). Nothing was changed. "
        "Try again; if it keeps failing, ask for help.",
    )


def device_closing() -> OpsError:
    return OpsError(
        "device_closing",
        "Het apparaat wordt afgesloten; dit kan nu niet meer.",
        "The device is shutting down; this can no longer be done.",
    )


# -- cards -----------------------------------------------------------------------------------


def unknown_card() -> OpsError:
    return OpsError(
        "unknown_card",
        "Deze pas kent dit apparaat niet. Vraag om hulp.",
        "This device does not know this card. Please ask for help.",
    )


def restore_pending() -> OpsError:
    return OpsError(
        "restore_pending",
        "Dit apparaat is teruggezet van een reservekopie en boekt pas weer als het de server "
        "heeft gesproken. Zorg dat het apparaat online is; het gaat dan vanzelf verder.",
        "This device was restored from a backup and books again only once it has spoken to "
        "the server. Make sure it is online; it then carries on by itself.",
    )


def repeat_scan() -> OpsError:
    return OpsError(
        "repeat_scan",
        "Deze pas is net al gescand.",
        "This card was scanned just now.",
    )


def not_a_resident_card() -> OpsError:
    return OpsError(
        "not_a_resident_card",
        "Dit is geen pas van een bewoner.",
        "This is not a resident's card.",
    )


def card_revoked() -> OpsError:
    return OpsError(
        "card_revoked",
        "Deze pas is geblokkeerd (bijvoorbeeld omdat hij kwijt was). Vraag om hulp.",
        "This card has been blocked (for example because it was reported lost). "
        "Please ask for help.",
    )


def resident_blocked() -> OpsError:
    return OpsError(
        "resident_blocked",
        "Deze deelnemer is geblokkeerd. Neem contact op met de gemeente.",
        "This participant is blocked. Please contact the municipality.",
    )


# -- staff cards -----------------------------------------------------------------------------


def not_a_staff_card() -> OpsError:
    return OpsError(
        "not_a_staff_card",
        "Dit is geen personeelspas. Scan de pas van een medewerker.",
        "This is not a staff card. Please scan a staff member's card.",
    )


def staff_left() -> OpsError:
    return OpsError(
        "staff_left",
        "Deze personeelspas is niet meer geldig.",
        "This staff card is no longer valid.",
    )


def staff_wrong_role(nl_roles: str, en_roles: str) -> OpsError:
    return OpsError(
        "staff_wrong_role",
        f"Deze medewerker mag dit niet doen; dat mag alleen: {nl_roles}.",
        f"This staff member may not do this; only: {en_roles}.",
    )


def staff_no_pin() -> OpsError:
    return OpsError(
        "staff_no_pin",
        "Deze medewerker heeft nog geen pincode. Vraag de gemeente er een in te stellen.",
        "This staff member has no PIN yet. Ask the municipality to set one.",
    )


# -- PINs ------------------------------------------------------------------------------------


def pin_needed() -> OpsError:
    return OpsError(
        "pin_needed",
        "Voor dit bedrag is de pincode van de pas nodig.",
        "This amount needs the card's PIN.",
    )


def pin_wrong(tries_left: int) -> OpsError:
    times_nl = "1 keer" if tries_left == 1 else f"{tries_left} keer"
    times_en = "1 more time" if tries_left == 1 else f"{tries_left} more times"
    return OpsError(
        "pin_wrong",
        f"De pincode klopt niet. U kunt het nog {times_nl} proberen.",
        f"The PIN is wrong. You can try {times_en}.",
    )


def pin_blocked() -> OpsError:
    return OpsError(
        "pin_blocked",
        "De pincode is drie keer fout ingevoerd. De pas is op dit apparaat geblokkeerd. "
        "Vraag om hulp.",
        "The PIN was entered wrongly three times. The card is blocked on this device. "
        "Please ask for help.",
    )


def pin_not_checkable(threshold: int) -> OpsError:
    return OpsError(
        "pin_not_checkable",
        "Deze pas heeft een pincode, maar die kan deze kassa nog niet controleren. Betalen "
        f"kan hier tot {format_amount(threshold, 'nl')}.",
        "This card has a PIN that this counter cannot check yet. Payments up to "
        f"{format_amount(threshold, 'en')} are possible here.",
    )


def pin_set_elsewhere() -> OpsError:
    return OpsError(
        "pin_set_elsewhere",
        "Deze pas heeft al een pincode van de gemeente. Die kan hier niet worden veranderd; "
        "vraag het de gemeente.",
        "This card already has a PIN from the municipality. It cannot be changed here; ask "
        "the municipality.",
    )


def pin_old_needed() -> OpsError:
    return OpsError(
        "pin_old_needed",
        "Deze pas heeft al een pincode. Voer eerst de oude pincode in.",
        "This card already has a PIN. Enter the old PIN first.",
    )


# -- chores ----------------------------------------------------------------------------------


def unknown_chore() -> OpsError:
    return OpsError("unknown_chore", "Deze klus bestaat niet (meer).", "This chore does not exist.")


def chore_elsewhere() -> OpsError:
    return OpsError(
        "chore_elsewhere",
        "Deze klus is in een andere wijk. Kies een klus in uw eigen wijk.",
        "This chore is in another neighbourhood. Choose a chore in your own neighbourhood.",
    )


def chore_over() -> OpsError:
    return OpsError(
        "chore_over",
        "Deze klus is al voorbij.",
        "This chore is already over.",
    )


def not_today(starts_at: int, ends_at: int) -> OpsError:
    start, end = local(starts_at), local(ends_at)
    nl = f"{start:%d-%m-%Y %H:%M} tot {end:%d-%m-%Y %H:%M}"
    en = f"{start:%d %b %Y %H:%M} to {end:%d %b %Y %H:%M}"
    return OpsError(
        "not_today",
        f"Deze klus is nu niet. In- en uitchecken kan van {nl}.",
        f"This chore is not on now. Checking in and out is possible from {en}.",
    )


def unknown_claim() -> OpsError:
    return OpsError(
        "unknown_claim",
        "Deze aanmelding voor een klus kent dit apparaat niet.",
        "This device does not know this chore sign-up.",
    )


def not_your_claim() -> OpsError:
    return OpsError(
        "not_your_claim",
        "Deze klus hoort bij iemand anders.",
        "This chore belongs to someone else.",
    )


# -- refunds ---------------------------------------------------------------------------------


def unknown_spend() -> OpsError:
    return OpsError(
        "unknown_spend",
        "Deze betaling is niet op deze kassa gedaan.",
        "This payment was not made at this counter.",
    )


def refund_too_old(days: int) -> OpsError:
    return OpsError(
        "refund_too_old",
        f"Deze betaling is ouder dan {days} dagen en kan hier niet meer terug. "
        "Neem contact op met de gemeente.",
        f"This payment is older than {days} days and can no longer be refunded here. "
        "Please contact the municipality.",
    )


def refund_of_refused() -> OpsError:
    return OpsError(
        "refund_of_refused",
        "De server heeft deze betaling geweigerd: er is niets betaald, dus er valt niets "
        "terug te betalen.",
        "The server refused this payment: nothing was paid, so there is nothing to refund.",
    )


def nothing_left() -> OpsError:
    return OpsError(
        "nothing_left",
        "Van deze betaling is alles al terugbetaald.",
        "All of this payment has already been refunded.",
    )


def refund_over_left(left: int) -> OpsError:
    return OpsError(
        "refund_exceeds_spend",
        f"Er kan nog maar {format_amount(left, 'nl')} van deze betaling terug.",
        f"Only {format_amount(left, 'en')} of this payment can still be refunded.",
    )


# -- the device --------------------------------------------------------------------------------


def role_needed(nl_role: str, en_role: str) -> OpsError:
    return OpsError(
        "role_needed",
        f"Dit apparaat is niet aangemeld. Kies voor de demo een rol (bijvoorbeeld {nl_role}).",
        f"This device is not enrolled. For the demo, choose a role (for example {en_role}).",
    )


def role_mismatch(certified: str, asked: str) -> OpsError:
    return OpsError(
        "role_mismatch",
        f"Dit apparaat is aangemeld als '{certified}'; een andere rol ('{asked}') kan alleen "
        "in de demo.",
        f"This device is enrolled as '{certified}'; another role ('{asked}') is for the demo only.",
    )


def merchant_needed() -> OpsError:
    return OpsError(
        "merchant_needed",
        "Een kassa hoort bij één winkel. Kies voor de demo een winkel.",
        "A counter belongs to one shop. For the demo, choose a shop.",
    )


def unknown_role(role: str) -> OpsError:
    return OpsError(
        "unknown_role",
        f"Onbekende rol '{role}'. Kies merchant-counter (winkelkassa), resident-kiosk "
        "(bewonerskiosk), klusbox-desk (klusbox-balie) of inspector (inspecteur).",
        f"Unknown role '{role}'. Choose merchant-counter, resident-kiosk, klusbox-desk or "
        "inspector.",
    )


# -- the klusbox desk --------------------------------------------------------------------------


def unknown_klusbox() -> OpsError:
    return OpsError(
        "unknown_klusbox",
        "Dit label hoort bij geen klusbox die deze balie kent. Vraag om hulp.",
        "This label belongs to no klusbox this desk knows. Please ask for help.",
    )


def klusbox_elsewhere() -> OpsError:
    return OpsError(
        "klusbox_elsewhere",
        "Deze klusbox hoort bij een andere wijk en wordt hier niet uitgeleend.",
        "This klusbox belongs to another neighbourhood and is not lent here.",
    )


def klusbox_not_lent() -> OpsError:
    return OpsError(
        "klusbox_not_lent",
        "Deze klusbox is niet uitgeleend; er is niets terug te nemen.",
        "This klusbox is not on loan; there is nothing to take back.",
    )


def override_not_needed() -> OpsError:
    return OpsError(
        "override_not_needed",
        "Deze bewoner heeft geen klusbox die te laat is; een personeelspas is niet nodig.",
        "This resident has no overdue klusbox; a staff card is not needed.",
    )


# -- the inspector -----------------------------------------------------------------------------


def inspector_locked() -> OpsError:
    return OpsError(
        "inspector_locked",
        "Het scherm is vergrendeld. Scan uw personeelspas en voer uw pincode in.",
        "The screen is locked. Scan your staff card and enter your PIN.",
    )


def claim_not_done() -> OpsError:
    return OpsError(
        "claim_not_done",
        "Deze klus is nog niet als klaar gemeld, of er is al over beslist.",
        "This chore has not been reported done yet, or it has already been decided.",
    )


def claim_elsewhere() -> OpsError:
    return OpsError(
        "claim_elsewhere",
        "Deze klus is in een wijk waar u hier niet over beslist.",
        "This chore is in a neighbourhood you do not decide on here.",
    )


def reason_missing() -> OpsError:
    return OpsError(
        "reason_missing",
        "Kies een reden uit de lijst of typ er een.",
        "Choose a reason from the list or type one.",
    )


def reason_too_long(limit: int) -> OpsError:
    return OpsError(
        "reason_too_long",
        f"De reden is te lang: hooguit {limit} tekens.",
        f"The reason is too long: at most {limit} characters.",
    )


# -- lifting a PIN block (staff, on this device) -----------------------------------------------


def pin_not_blocked() -> OpsError:
    return OpsError(
        "pin_not_blocked",
        "Deze pas is op dit apparaat niet geblokkeerd; er is niets op te heffen.",
        "This card is not blocked on this device; there is nothing to lift.",
    )


def staff_pin_blocked() -> OpsError:
    return OpsError(
        "staff_pin_blocked",
        "De pincode van deze personeelspas is drie keer fout ingevoerd. De personeelspas is "
        "op dit apparaat geblokkeerd; een andere medewerker kan helpen.",
        "The PIN of this staff card was entered wrongly three times. The staff card is "
        "blocked on this device; another staff member can help.",
    )
