"""What the inspector's ops return (kiosk/ops/inspector.py): frozen dataclasses, amounts in
cents, times in epoch ms, and every text a person reads as `Words`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from kiosk.core.entries import Kind
from kiosk.sync.refusals import Words

__all__ = [
    "REASON_MAX",
    "REJECT_REASONS",
    "Approved",
    "ClaimToInspect",
    "Decided",
    "InspectorSession",
    "RefusedDecision",
    "RejectReason",
    "Rejected",
]

REASON_MAX: Final = 200  # characters of a typed reason (the kiosk shows it in one line)


@dataclass(frozen=True)
class RejectReason:
    code: str
    words: Words

    @property
    def text(self) -> str:
        """What the rejection records: both languages, since the resident reads it at a
        kiosk in either."""
        return f"{self.words.nl} / {self.words.en}"


REJECT_REASONS: Final[tuple[RejectReason, ...]] = (
    RejectReason("not_done", Words("Niet gedaan", "Not done")),
    RejectReason("not_done_well", Words("Niet goed gedaan", "Not done well")),
    RejectReason("wrong_time", Words("Niet op de afgesproken tijd", "Not at the agreed time")),
    RejectReason("no_check_in", Words("Niet ingecheckt", "No check-in")),
)


@dataclass(frozen=True)
class InspectorSession:
    """Who unlocked the screen: their staff card opens it, their PIN proves it is theirs."""

    card_serial: str
    staff_id: str
    name: str


@dataclass(frozen=True)
class ClaimToInspect:
    """A claim marked done, waiting for the inspector."""

    claim_id: str
    chore_id: str
    title: Words
    reward: int
    resident_id: str
    resident_name: str
    checked_in_at: int | None
    done_at: int | None
    checked_in: Words | None  # the moments in words ("18-11-2026 10:15")
    done: Words | None


@dataclass(frozen=True)
class Approved:
    claim_id: str
    approval_tx: str
    earn_tx: str
    reward: int
    words: Words


@dataclass(frozen=True)
class Rejected:
    claim_id: str
    tx_id: str
    reason: str
    words: Words


Status = Literal["waiting", "sent", "refused"]


@dataclass(frozen=True)
class Decided:
    """An approval or rejection this device signed today, with where it stands."""

    tx_id: str
    kind: Kind
    claim_id: str
    at_ms: int
    time_text: str
    status: Status
    words: Words


@dataclass(frozen=True)
class RefusedDecision:
    """An approval, rejection or earn of this device the server refused, with its reason."""

    tx_id: str
    kind: Kind
    claim_id: str | None
    at_ms: int
    when: Words
    words: Words  # the refusal as a sentence (kiosk/sync/refusals.py)
    about: Words | None  # the chore and resident it was about, where this device knows them
