"""Bank accounts: IBANs checked with schwifty (country, length, checksum, the country's
account format), written the way a SEPA file wants them (compact, capitals)."""

from __future__ import annotations

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from kiosk.core.errors import HeitjeError


class BankError(HeitjeError):
    """An IBAN or BIC that is not valid."""


def check_iban(value: str) -> str:
    """The IBAN in compact form ("NL91ABNA0417164300"), or BankError saying what is wrong."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise BankError("iban_missing", "Vul een IBAN in.", "Enter an IBAN.")
    try:
        return IBAN(text).compact
    except SchwiftyException as exc:
        raise BankError(
            "bad_iban",
            f"'{text}' is geen geldig IBAN ({exc}). Controleer het rekeningnummer.",
            f"'{text}' is not a valid IBAN ({exc}). Check the account number.",
        ) from exc


def bic_of(iban: str) -> str | None:
    """The bank's BIC for a valid IBAN, when schwifty's bank registry knows it."""
    try:
        bic = IBAN(iban).bic
    except SchwiftyException:
        return None
    return str(bic) if bic is not None else None


def check_bic(value: str) -> str:
    try:
        return str(BIC(value.strip()))
    except SchwiftyException as exc:
        raise BankError(
            "bad_bic",
            f"'{value}' is geen geldige BIC ({exc}).",
            f"'{value}' is not a valid BIC ({exc}).",
        ) from exc
