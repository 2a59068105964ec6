"""The plain words the ops hand to screens, in Dutch (B1) and English.

Amounts are written as a person reads them: "Bakker Jansen — 3,50" for a payment, with a plus
for money that came in ("Beloning: Pleintje vegen — +5,00").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from kiosk.core import accounts as acc
from kiosk.core.amounts import format_amount
from kiosk.core.days import local
from kiosk.core.entries import Kind
from kiosk.core.roles import ROLE_NAMES
from kiosk.sync.refusals import Words

DASH: Final = " — "


def money(cents: int, lang: str) -> str:
    return format_amount(cents, lang)


def _in(cents: int, lang: str) -> str:
    return "+" + format_amount(cents, lang)


def merchant_of(refs: Mapping[str, object], debit: str, credit: str) -> str:
    """The shop of a payment or refund: its `merchant` ref, else the till it moved through."""
    ref = refs.get("merchant")
    if isinstance(ref, str):
        return ref
    for account in (credit, debit):
        if account.startswith(acc.TILL_PREFIX):
            return acc.owner_of(account)
    return ""


def history_words(
    kind: Kind,
    amount: int,
    change: int,
    merchant_id: str,
    refs: Mapping[str, object],
    merchants: Mapping[str, str],
    chores_by_claim: Mapping[str, str],
    chores_by_claim_en: Mapping[str, str] | None = None,
) -> Words:
    """One money entry of a wallet (this device's own ledger) as a line of text."""
    if kind in (Kind.SPEND, Kind.REFUND):
        name = merchants.get(merchant_id, merchant_id)
        return line_words(kind, change, name, name)
    if kind is Kind.EARN:
        claim = str(refs.get("claim", ""))
        nl = chores_by_claim.get(claim, "")
        en = (chores_by_claim_en or {}).get(claim, "") or nl
        return line_words(kind, change, nl, en)
    return line_words(kind, change, "", "")


def line_words(kind: Kind, change: int, counterpart: str, counterpart_en: str = "") -> Words:
    """A money line as a person reads it, from what it did to the wallet (`change`, signed)
    and who was on the other side: the shop, or the chore of a reward ("" for the
    municipality). The same words for the device's own entries and the server's lines."""
    amount = abs(change)
    en_name = counterpart_en or counterpart
    if kind is Kind.SPEND:
        return Words(
            f"{counterpart}{DASH}{money(amount, 'nl')}", f"{en_name}{DASH}{money(amount, 'en')}"
        )
    if kind is Kind.REFUND:
        return Words(
            f"Terug van {counterpart or 'de winkel'}{DASH}{_in(amount, 'nl')}",
            f"Refund from {en_name or 'the shop'}{DASH}{_in(amount, 'en')}",
        )
    if kind is Kind.EARN:
        if counterpart:
            return Words(
                f"Beloning: {counterpart}{DASH}{_in(amount, 'nl')}",
                f"Reward: {en_name}{DASH}{_in(amount, 'en')}",
            )
        return Words(
            f"Beloning voor een klus{DASH}{_in(amount, 'nl')}",
            f"Reward for a chore{DASH}{_in(amount, 'en')}",
        )
    if kind is Kind.EXPIRE:
        return Words(f"Vervallen{DASH}{money(amount, 'nl')}", f"Expired{DASH}{money(amount, 'en')}")
    if change >= 0:  # adjust (or settle) into the wallet
        return Words(
            f"Bijgeschreven door de gemeente{DASH}{_in(amount, 'nl')}",
            f"Added by the municipality{DASH}{_in(amount, 'en')}",
        )
    return Words(
        f"Afgeschreven door de gemeente{DASH}{money(amount, 'nl')}",
        f"Taken off by the municipality{DASH}{money(amount, 'en')}",
    )


def wallet_change(account: str, debit: str, amount: int) -> int:
    return -amount if debit == account else amount


CLAIM_STATUS: Final[dict[str, Words]] = {
    "signed_up": Words("Aangemeld", "Signed up"),
    "checked_in": Words("Bezig (ingecheckt)", "In progress (checked in)"),
    "done": Words("Klaar, wacht op keuring", "Done, waiting for inspection"),
    "approved": Words("Goedgekeurd, beloning volgt", "Approved, reward to follow"),
    "rejected": Words("Afgekeurd", "Rejected"),
    "rewarded": Words("Beloond", "Rewarded"),
}


def claim_status_words(status: str, reason: str | None = None) -> Words:
    base = CLAIM_STATUS.get(status, Words(status, status))
    if status == "rejected" and reason:
        return Words(f"{base.nl}: {reason}", f"{base.en}: {reason}")
    return base


def chore_words(title: str, reward: int, places_left: int, title_en: str | None = None) -> Words:
    """A chore open for sign-up: its title (the English one in English, where it has one),
    reward and places left."""
    places_nl = (
        "vol"
        if places_left <= 0
        else f"nog {places_left} plaats" + ("en" if places_left != 1 else "")
    )
    places_en = (
        "full"
        if places_left <= 0
        else f"{places_left} place" + ("s left" if places_left != 1 else " left")
    )
    return Words(
        f"{title}{DASH}{money(reward, 'nl')}{DASH}{places_nl}",
        f"{title_en or title}{DASH}{money(reward, 'en')}{DASH}{places_en}",
    )


def title_words(title: str, title_en: str | None = None) -> Words:
    """A chore's title: Dutch, and English where the back office gave one."""
    return Words(title, title_en or title)


def date_words(ms: int) -> Words:
    d = local(ms)
    return Words(f"{d:%d-%m-%Y}", f"{d:%d %b %Y}")


def loan_words(name: str, due_at: int, overdue: bool) -> Words:
    due = date_words(due_at)
    if overdue:
        return Words(
            f"{name}{DASH}had terug moeten zijn op {due.nl}",
            f"{name}{DASH}was due back on {due.en}",
        )
    return Words(f"{name}{DASH}terug op {due.nl}", f"{name}{DASH}due back on {due.en}")


def counter_words(kind: Kind, amount: int) -> Words:
    if kind is Kind.REFUND:
        return Words(
            f"Terugbetaling{DASH}{money(amount, 'nl')}", f"Refund{DASH}{money(amount, 'en')}"
        )
    return Words(f"Betaling{DASH}{money(amount, 'nl')}", f"Payment{DASH}{money(amount, 'en')}")


def time_text(ms: int) -> str:
    return f"{local(ms):%H:%M}"


def role_words(role: str) -> Words:
    nl, en = ROLE_NAMES.get(role, (role, role))
    return Words(nl, en)


def is_wallet(account: str) -> bool:
    return account.startswith(acc.WALLET_PREFIX)


# -- the klusbox desk ----------------------------------------------------------------------------

CONDITION_WORDS: Final = {
    "good": Words("Goed", "Good"),
    "worn": Words("Versleten", "Worn"),
    "damaged": Words("Kapot, moet gerepareerd", "Damaged, needs repair"),
}


def days_words(days: int) -> Words:
    if days == 1:
        return Words("1 dag", "1 day")
    return Words(f"{days} dagen", f"{days} days")


def box_status_words(status: str, due_at: int | None = None, resident: str = "") -> Words:
    """A klusbox's state at the desk: available, lent (to whom, until when), maintenance."""
    if status == "lent" and due_at is not None:
        due = date_words(due_at)
        return Words(
            f"Uitgeleend aan {resident}, terug op {due.nl}",
            f"Lent to {resident}, due back on {due.en}",
        )
    if status == "maintenance":
        return Words("In onderhoud", "In maintenance")
    return Words("Beschikbaar", "Available")


def overdue_words(resident: str, box: str, days: int) -> Words:
    late = days_words(days)
    return Words(
        f"{resident}{DASH}{box}{DASH}{late.nl} te laat",
        f"{resident}{DASH}{box}{DASH}{late.en} overdue",
    )


def lent_words(box: str, resident: str, due_at: int) -> Words:
    due = date_words(due_at)
    return Words(
        f"{box} is uitgeleend aan {resident}. Terug op {due.nl}.",
        f"{box} is lent to {resident}. Due back on {due.en}.",
    )


def returned_words(box: str, missing: tuple[str, ...], to_maintenance: bool) -> Words:
    if missing:
        return Words(
            f"{box} is terug. Ontbreekt: {', '.join(missing)}. De klusbox gaat in onderhoud.",
            f"{box} is back. Missing: {', '.join(missing)}. The klusbox goes into maintenance.",
        )
    if to_maintenance:
        return Words(
            f"{box} is terug en gaat in onderhoud.",
            f"{box} is back and goes into maintenance.",
        )
    return Words(f"{box} is terug. Dank je wel!", f"{box} is back. Thank you!")


# -- the inspector -------------------------------------------------------------------------------


def moment_words(ms: int) -> Words:
    """A date and time of day: "18-11-2026 10:15" / "18 Nov 2026 10:15"."""
    d = date_words(ms)
    return Words(f"{d.nl} {time_text(ms)}", f"{d.en} {time_text(ms)}")


def approved_words(title: Words, resident: str, reward: int) -> Words:
    return Words(
        f"Goedgekeurd: {title.nl} door {resident}. Beloning {_in(reward, 'nl')}.",
        f"Approved: {title.en} by {resident}. Reward {_in(reward, 'en')}.",
    )


def rejected_words(title: Words, resident: str, reason: str) -> Words:
    return Words(
        f"Afgekeurd: {title.nl} door {resident}. Reden: {reason}",
        f"Rejected: {title.en} by {resident}. Reason: {reason}",
    )
