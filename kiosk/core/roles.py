"""Who may sign what (DESIGN.md §5, *Who may sign what*).

A device's certificate fixes its role and its bindings; the admin who made the enrolment code
chose them, the device cannot. This module holds the one table of which entry kinds each role
may sign and the binding checks that need nothing but the entry and the bindings. The device
uses it to refuse, before writing, what its role may not sign; the server uses the same table
first in its rules (kiosk/server/rules.py) and then checks what needs its database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.core.errors import HeitjeError

MERCHANT_COUNTER: Final = "merchant-counter"
RESIDENT_KIOSK: Final = "resident-kiosk"
KLUSBOX_DESK: Final = "klusbox-desk"
INSPECTOR: Final = "inspector"
SERVER: Final = "server"

DEVICE_ROLES: Final = (MERCHANT_COUNTER, RESIDENT_KIOSK, KLUSBOX_DESK, INSPECTOR)

ROLE_KINDS: Final[dict[str, frozenset[Kind]]] = {
    RESIDENT_KIOSK: frozenset(
        {Kind.CLAIM_SIGNUP, Kind.CHECK_IN, Kind.CHECK_OUT, Kind.CLAIM_DONE, Kind.CARD_EVENT}
    ),
    KLUSBOX_DESK: frozenset({Kind.LOAN, Kind.RETURN, Kind.CHECK_IN, Kind.CHECK_OUT}),
    MERCHANT_COUNTER: frozenset({Kind.SPEND, Kind.REFUND}),
    INSPECTOR: frozenset({Kind.APPROVAL, Kind.REJECTION, Kind.EARN}),
    SERVER: frozenset(Kind),  # settle, adjust, expire; back-office approvals and grants
}

ROLE_NAMES: Final[dict[str, tuple[str, str]]] = {
    RESIDENT_KIOSK: ("bewonerskiosk", "resident kiosk"),
    KLUSBOX_DESK: ("klusbox-balie", "klusbox desk"),
    MERCHANT_COUNTER: ("winkelkassa", "shop counter"),
    INSPECTOR: ("inspecteur", "inspector"),
    SERVER: ("server", "server"),
}

ROLE_NOT_ALLOWED: Final = "role_not_allowed"
NOT_OWN_TILL: Final = "not_own_till"
BINDING_MISSING: Final = "binding_missing"


@dataclass(frozen=True)
class Bindings:
    """What a device is bound to: a merchant (counter) or neighbourhoods (kiosk, desk: the
    centre's neighbourhood; inspector: the neighbourhoods it serves)."""

    merchant_id: str | None = None
    neighbourhoods: frozenset[str] = field(default_factory=frozenset)


class RoleError(HeitjeError):
    """An entry this device's role may not sign (or not with these accounts)."""


def binding_problem(role: str, bindings: Bindings) -> str | None:
    """Why `bindings` do not fit `role` (for the admin making an enrolment code), or None."""
    if role == MERCHANT_COUNTER:
        if not bindings.merchant_id:
            return "a merchant-counter is bound to one merchant (--merchant)"
        if bindings.neighbourhoods:
            return "a merchant-counter is bound to a merchant, not to neighbourhoods"
        return None
    if role in (RESIDENT_KIOSK, KLUSBOX_DESK):
        if len(bindings.neighbourhoods) != 1 or bindings.merchant_id:
            return f"a {role} is bound to the one neighbourhood of its centre (--neighbourhood)"
        return None
    if role == INSPECTOR:
        if not bindings.neighbourhoods or bindings.merchant_id:
            return "an inspector is bound to the neighbourhoods it serves (--neighbourhood ...)"
        return None
    return f"unknown role {role!r}; one of {', '.join(DEVICE_ROLES)}"


def check_may_sign(
    role: str, bindings: Bindings, kind: Kind, debit: str | None, credit: str | None
) -> None:
    """Raise RoleError if `role` may not sign this entry, judged by the entry alone.

    What needs the ledger (a refund's original spend, a claim's chore and neighbourhood) is
    checked by the server's rules; this is what a device can know before it writes.
    """
    allowed = ROLE_KINDS.get(role)
    if allowed is None or kind not in allowed:
        nl_role, en_role = ROLE_NAMES.get(role, (role, role))
        raise RoleError(
            ROLE_NOT_ALLOWED,
            f"Een {nl_role} mag geen boeking '{kind}' maken.",
            f"A {en_role} may not sign a '{kind}' entry.",
        )
    if role == MERCHANT_COUNTER:
        if not bindings.merchant_id:
            raise RoleError(
                BINDING_MISSING,
                "Deze kassa is aan geen winkel gekoppeld. Meld de kassa opnieuw aan met een "
                "aanmeldcode van de gemeente voor deze winkel.",
                "This counter is not bound to a shop. Enrol it again with an enrolment code "
                "from the municipality for this shop.",
            )
        own = acc.till(bindings.merchant_id)
        till = credit if kind is Kind.SPEND else debit
        if till != own:
            raise RoleError(
                NOT_OWN_TILL,
                "Deze kassa mag alleen met de kas van de eigen winkel boeken.",
                "This counter may only book to and from its own shop's till.",
            )
