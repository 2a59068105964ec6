"""The offline spend policy (DESIGN.md §6): when a counter may accept a spend it cannot check
with the server.

A static card carries no balance, so several counters that are offline at the same time can
each accept spends from the same resident. This cannot be prevented, only bounded: a counter
accepts a spend only if

1. the device clock is plausible next to the server time of its snapshot,
2. the snapshot is younger than its maximum age,
3. the card is not flagged (a resident with a negative balance repays before spending again),
4. the amount is within the per-transaction cap,
5. the resident's *available balance* covers it (snapshot balance plus this device's own
   movements since the snapshot, see docs/sync-device.md),
6. the resident's spends at this device today stay within the offline cap per day,
7. the device's total offline exposure (its spends the server has not acknowledged yet)
   stays within the device's cap.

With N counters the worst overdraft of one resident is therefore bounded by
(N - 1) * min(balance, daily cap) per day, and a device's unacknowledged money by its
exposure cap. Everything here is pure: the numbers come in, a refusal goes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from kiosk.core.amounts import format_amount
from kiosk.core.days import day_start_ms
from kiosk.core.errors import HeitjeError

__all__ = [
    "DEFAULT_LIMITS",
    "REFUSAL_CODES",
    "OfflineLimits",
    "OfflineSpendRefused",
    "SpendContext",
    "check_offline_spend",
    "day_start_ms",
]

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS


class OfflineSpendRefused(HeitjeError):
    """A spend the counter may not accept offline; `code` says which rule it breaks."""


@dataclass(frozen=True)
class OfflineLimits:
    """Caps in cents and milliseconds. Comes from the device certificate and the snapshot;
    where both give a value, the stricter one holds."""

    per_tx_cap: int
    resident_daily_cap: int
    device_exposure_cap: int
    snapshot_max_age_ms: int
    clock_tolerance_ms: int = 10 * MINUTE_MS

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"offline limit {f.name} must be a non-negative int: {value!r}")

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], base: OfflineLimits | None = None
    ) -> OfflineLimits:
        """Limits from a JSON object; missing keys take `base`'s (or the defaults') value."""
        base = base or DEFAULT_LIMITS
        values = {f.name: data.get(f.name, getattr(base, f.name)) for f in fields(cls)}
        return cls(**values)

    def to_mapping(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def tighten(self, other: OfflineLimits) -> OfflineLimits:
        """The stricter of two sets of limits, cap by cap."""
        return OfflineLimits(
            **{f.name: min(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)}
        )


# Conservative defaults for a device whose certificate and snapshot name no limits.
DEFAULT_LIMITS: Final = OfflineLimits(
    per_tx_cap=2_500,  # 25 heitjes
    resident_daily_cap=5_000,
    device_exposure_cap=50_000,
    snapshot_max_age_ms=3 * DAY_MS,
)


@dataclass(frozen=True)
class SpendContext:
    """What the counter knows when a spend is asked for. Amounts in cents, times in ms."""

    amount: int
    now_ms: int  # the device clock
    snapshot_server_time_ms: int  # the server clock when it made the snapshot
    snapshot_received_at_ms: int  # the device clock when the snapshot was applied
    available_balance: int  # snapshot balance + this device's own movements since
    resident_spent_today: int  # this resident's spends at this device today
    device_exposure: int  # this device's spends the server has not acknowledged
    card_flagged: bool = False


REFUSAL_CODES: Final = frozenset(
    {
        "amount_not_positive",
        "device_clock_ahead",
        "device_clock_behind",
        "snapshot_too_old",
        "card_flagged",
        "over_transaction_cap",
        "offline_insufficient_balance",
        "over_daily_cap",
        "over_device_exposure",
    }
)


def _money(cents: int) -> tuple[str, str]:
    return format_amount(cents, "nl"), format_amount(cents, "en")


def check_offline_spend(ctx: SpendContext, limits: OfflineLimits) -> None:
    """Return if the spend may be accepted offline; raise OfflineSpendRefused otherwise.

    The checks run from "this device cannot judge anything" (clock, snapshot) to "this
    resident" to "this device", so the message names the most basic problem first.
    """
    amount = ctx.amount
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise OfflineSpendRefused(
            "amount_not_positive",
            "Het bedrag moet groter dan nul zijn.",
            "The amount must be greater than zero.",
        )
    tol = limits.clock_tolerance_ms
    skew_at_receipt = ctx.snapshot_received_at_ms - ctx.snapshot_server_time_ms
    if skew_at_receipt > tol:
        raise OfflineSpendRefused(
            "device_clock_ahead",
            "De klok van dit apparaat loopt voor. Betalen zonder verbinding kan pas als de "
            "klok goed staat. Vraag de beheerder om de tijd te controleren.",
            "This device's clock is running ahead. Offline payments are possible only once "
            "the clock is right. Ask the administrator to check the time.",
        )
    # Behind the server's clock at receipt, or gone back in time since.
    if skew_at_receipt < -tol or ctx.now_ms < ctx.snapshot_received_at_ms - tol:
        raise OfflineSpendRefused(
            "device_clock_behind",
            "De klok van dit apparaat loopt achter. Betalen zonder verbinding kan pas als de "
            "klok goed staat. Vraag de beheerder om de tijd te controleren.",
            "This device's clock is running behind. Offline payments are possible only once "
            "the clock is right. Ask the administrator to check the time.",
        )
    age = ctx.now_ms - ctx.snapshot_server_time_ms
    if age > limits.snapshot_max_age_ms:
        hours = age // HOUR_MS
        raise OfflineSpendRefused(
            "snapshot_too_old",
            f"De saldi op dit apparaat zijn {hours} uur oud; dat is te oud om zonder verbinding "
            "te betalen. Maak verbinding met internet zodat het apparaat kan bijwerken.",
            f"The balances on this device are {hours} hours old, too old for offline payments. "
            "Connect to the internet so the device can update.",
        )
    if ctx.card_flagged:
        raise OfflineSpendRefused(
            "card_flagged",
            "Op deze kaart staat een tekort. Eerst aanvullen met klussen; daarna kan er weer "
            "betaald worden.",
            "This card has a negative balance. It must be topped up with chores before it can "
            "pay again.",
        )
    if amount > limits.per_tx_cap:
        cap_nl, cap_en = _money(limits.per_tx_cap)
        raise OfflineSpendRefused(
            "over_transaction_cap",
            f"Zonder verbinding kan per betaling hoogstens {cap_nl} heitje worden betaald. "
            "Splits de betaling of wacht op verbinding.",
            f"Without a connection a single payment can be at most {cap_en} heitje. "
            "Split the payment or wait for the connection.",
        )
    if amount > ctx.available_balance:
        have_nl, have_en = _money(max(ctx.available_balance, 0))
        raise OfflineSpendRefused(
            "offline_insufficient_balance",
            f"Onvoldoende saldo: er is {have_nl} heitje beschikbaar op de kaart.",
            f"Insufficient balance: {have_en} heitje is available on the card.",
        )
    if ctx.resident_spent_today + amount > limits.resident_daily_cap:
        left_nl, left_en = _money(max(limits.resident_daily_cap - ctx.resident_spent_today, 0))
        raise OfflineSpendRefused(
            "over_daily_cap",
            f"Zonder verbinding kan deze kaart hier vandaag nog {left_nl} heitje betalen.",
            f"Without a connection this card can pay only {left_en} heitje more here today.",
        )
    if ctx.device_exposure + amount > limits.device_exposure_cap:
        raise OfflineSpendRefused(
            "over_device_exposure",
            "Deze kassa heeft te veel betalingen die nog niet zijn doorgestuurd. Maak "
            "verbinding met internet; daarna kan er weer betaald worden.",
            "This till holds too many payments that have not been sent yet. Connect to the "
            "internet; payments will work again after that.",
        )
