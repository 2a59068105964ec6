"""Account identifiers of the double-entry ledger.

A wallet per resident, a till per merchant, and three municipality accounts: issuance
(rewards come from it), redemption (merchant settlements go to it) and write-off.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.core.errors import HeitjeError


class AccountKind(StrEnum):
    WALLET = "wallet"
    TILL = "till"
    ISSUANCE = "issuance"
    REDEMPTION = "redemption"
    WRITEOFF = "writeoff"


ISSUANCE = "issuance"
REDEMPTION = "redemption"
WRITEOFF = "writeoff"
MUNICIPALITY_ACCOUNTS = (ISSUANCE, REDEMPTION, WRITEOFF)


class AccountError(HeitjeError):
    pass


WALLET_PREFIX = "wallet:"
TILL_PREFIX = "till:"


def wallet(resident_id: str) -> str:
    return WALLET_PREFIX + resident_id


def till(merchant_id: str) -> str:
    return TILL_PREFIX + merchant_id


def account_kind(account: str) -> AccountKind:
    if account in MUNICIPALITY_ACCOUNTS:
        return AccountKind(account)
    prefix, sep, owner = account.partition(":")
    if sep and owner and prefix in (AccountKind.WALLET, AccountKind.TILL):
        return AccountKind(prefix)
    raise AccountError(
        "unknown_account",
        f"Onbekende rekening: {account!r}.",
        f"Unknown account: {account!r}.",
    )


def owner_of(account: str) -> str:
    """The resident or merchant id behind a wallet or till."""
    return account.partition(":")[2]
