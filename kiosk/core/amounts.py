"""Money is an integer count of cents of a heitje; one heitje is 100 cents. No floats, ever."""

from __future__ import annotations

import re

from kiosk.core.errors import HeitjeError

# ASCII digits only: str.isdigit() would also take Arabic-Indic and superscript digits.
_AMOUNT = re.compile(r"(?P<whole>[0-9]{0,12})(?:[.,](?P<frac>[0-9]{1,2}))?")

CENTS_PER_HEITJE = 100


class AmountError(HeitjeError):
    pass


def check_amount(amount: object) -> int:
    """A transaction amount: a positive int (bool excluded)."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise AmountError(
            "amount_not_integer",
            "Het bedrag moet een geheel aantal centen zijn.",
            "The amount must be a whole number of cents.",
        )
    if amount <= 0:
        raise AmountError(
            "amount_not_positive",
            "Het bedrag moet groter dan nul zijn.",
            "The amount must be greater than zero.",
        )
    return amount


def format_amount(cents: int, lang: str = "nl") -> str:
    """12345 → '123,45' (nl) or '123.45' (en); negative balances keep their sign."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), CENTS_PER_HEITJE)
    sep = "," if lang == "nl" else "."
    return f"{sign}{whole}{sep}{frac:02d}"


def parse_amount(text: str) -> int:
    """'12', '12,5', '12.50' → cents. Refuses more than two decimals and anything else."""
    match = _AMOUNT.fullmatch(text.strip().replace(" ", ""))
    if match is None or not (match["whole"] or match["frac"]):
        raise AmountError(
            "amount_unreadable",
            f"'{text}' is geen bedrag. Schrijf bijvoorbeeld 12,50.",
            f"'{text}' is not an amount. Write for instance 12.50.",
        )
    whole, frac = match["whole"] or "0", (match["frac"] or "0").ljust(2, "0")
    return int(whole) * CENTS_PER_HEITJE + int(frac)
