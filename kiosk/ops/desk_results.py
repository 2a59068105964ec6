"""What the klusbox desk's ops return (kiosk/ops/desk.py): frozen dataclasses, times in epoch
milliseconds, component lines as indexes into the box's lines (the order the server gave them),
and every text a person reads as `Words` (Dutch and English)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.sync.refusals import Words

__all__ = [
    "BoxView",
    "DeskLoan",
    "Lent",
    "LoanPlan",
    "MaintenanceLine",
    "OverdueLine",
    "Returned",
]


@dataclass(frozen=True)
class DeskLoan:
    """An open loan as the desk shows it (the return page)."""

    loan_id: str
    klusbox_id: str
    box_name: str
    resident_id: str
    resident_name: str
    lent_at: int
    due_at: int
    overdue: bool
    days_overdue: int  # local calendar days past the due date; 0 when not overdue
    handed_out: tuple[int, ...]  # indexes into the box's components
    override_staff: str | None  # the staff card that allowed the loan, if one did


@dataclass(frozen=True)
class BoxView:
    """A scanned klusbox label: the box and where it stands."""

    label_serial: str
    klusbox_id: str
    name: str
    kind: str
    components: tuple[str, ...]
    status: str  # available | lent | maintenance
    status_words: Words
    loan: DeskLoan | None  # the open loan, when lent


@dataclass(frozen=True)
class OverdueLine:
    loan_id: str
    resident_id: str
    resident_name: str
    klusbox_id: str
    box_name: str
    due_at: int
    days_overdue: int
    words: Words  # "Anna — Bezemset 1 — 3 dagen te laat"


@dataclass(frozen=True)
class MaintenanceLine:
    klusbox_id: str
    name: str
    kind: str
    words: Words


@dataclass(frozen=True)
class LoanPlan:
    """The lend page, before anything is written: the box, its lines (all ticked), the due
    date the desk proposes, and whether the resident needs a staff override."""

    card_serial: str
    resident_id: str
    resident_name: str
    box: BoxView
    ticked: tuple[int, ...]
    due_at: int
    due_words: Words
    claim_id: str | None  # the resident's claim on a chore for this kind of box
    chore_title: Words | None
    can_check_in: bool  # that claim is signed up and the chore is on now
    overdue: tuple[OverdueLine, ...]  # the resident's boxes that are overdue
    needs_override: bool


@dataclass(frozen=True)
class Lent:
    loan_id: str
    tx_id: str
    klusbox_id: str
    box_name: str
    resident_name: str
    due_at: int
    handed_out: tuple[str, ...]
    override_staff: str | None
    override_name: str | None  # the staff member who allowed it
    checked_in: bool  # the resident was checked in for their chore too
    words: Words


@dataclass(frozen=True)
class Returned:
    loan_id: str
    tx_id: str
    klusbox_id: str
    box_name: str
    missing: tuple[str, ...]
    condition: str
    to_maintenance: bool
    words: Words
