"""Refusals of the ledger store: each a code plus Dutch and English text."""

from __future__ import annotations

from kiosk.core.errors import HeitjeError


class LedgerError(HeitjeError):
    pass


def not_found(what_nl: str, what_en: str, ident: str) -> LedgerError:
    return LedgerError(
        f"unknown_{what_en.replace(' ', '_')}",
        f"Onbekende {what_nl}: {ident}.",
        f"Unknown {what_en}: {ident}.",
    )
