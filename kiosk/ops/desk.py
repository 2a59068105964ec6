"""The klusbox desk: show a resident (no balances: its snapshot has none), check them in for
a chore, lend klusboxes and take them back (kiosk/db/loan_queries.py), list what is overdue
and what is in maintenance.

A klusbox label is a signed card of its own kind ("K" serials). It resolves to a box through
the card row's klusbox_id where the device holds one (the demo's labels), else the box whose id
is the serial (on the server a box's id is its label's serial).

The staff override for a resident with an overdue box: the staff card and its holder's PIN are
checked by StaffOps.check_now (a wrong PIN is counted, three block the card here); the roles
that may override are OVERRIDE_ROLES: the desk's own volunteers ("desk") and kiosk staff
("kiosk-staff"); an inspector's card is for approving chores, not for lending. The loan entry
names the staff card in its "staff" ref.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from sqlalchemy import Connection

from kiosk.core.days import day_bounds, local
from kiosk.core.errors import HeitjeError
from kiosk.db import loan_queries as lq
from kiosk.db import ops_queries as oq
from kiosk.db.ops_queries import read_only
from kiosk.ops import errors as err
from kiosk.ops import words as w
from kiosk.ops.context import OpsContext, resident_card
from kiosk.ops.desk_results import (
    BoxView,
    DeskLoan,
    Lent,
    LoanPlan,
    MaintenanceLine,
    OverdueLine,
    Returned,
)
from kiosk.ops.resident import ClaimOps
from kiosk.ops.runner import OpHandle
from kiosk.ops.staff import StaffOps
from kiosk.sync.refusals import Words

__all__ = ["DEFAULT_LOAN_DAYS", "OVERRIDE_ROLES", "DeskOps", "days_overdue"]

OVERRIDE_ROLES: Final = ("desk", "kiosk-staff")
DEFAULT_LOAN_DAYS: Final = 7  # without a chore for the box: the end of the day a week on
_OPEN_CLAIMS: Final = frozenset({"signed_up", "checked_in"})


def days_overdue(due_at: int, now: int) -> int:
    """Local calendar days past the due date (a box due yesterday evening is 1 day late)."""
    if due_at >= now:
        return 0
    return max((local(now).date() - local(due_at).date()).days, 1)


def end_of_day_in(now: int, days: int) -> int:
    """23:59 local time, `days` days after `now`'s day."""
    day = local(now) + dt.timedelta(days=days)
    return day_bounds(int(day.timestamp() * 1000))[2] - 60_000


class DeskOps(ClaimOps):
    def __init__(self, ctx: OpsContext) -> None:
        super().__init__(ctx, shows_balance=False)
        self.staff = StaffOps(ctx)

    # -- a scanned label -----------------------------------------------------------------------

    def show_box(self, label_serial: str) -> OpHandle[BoxView]:
        """The box of a scanned label and where it stands (lent: the return page's loan)."""
        return self.ctx.runner.read(lambda: self.show_box_now(label_serial), name="show_box")

    def show_box_now(self, label_serial: str) -> BoxView:
        with read_only(self.ctx.engine) as conn:
            return self._box_view(conn, label_serial, self.ctx.now())

    # -- lending -------------------------------------------------------------------------------

    def prepare_loan(self, card_serial: str, label_serial: str) -> OpHandle[LoanPlan]:
        return self.ctx.runner.read(
            lambda: self.prepare_loan_now(card_serial, label_serial), name="prepare_loan"
        )

    def prepare_loan_now(self, card_serial: str, label_serial: str) -> LoanPlan:
        now = self.ctx.now()
        with read_only(self.ctx.engine) as conn:
            holder = resident_card(conn, card_serial)
            assert holder.resident_id is not None
            view = self._box_view(conn, label_serial, now)
            claim = _claim_for(conn, holder.resident_id, view.kind, now)
            late = _overdue_lines(conn, now, holder.resident_id)
        due = claim.ends_at if claim is not None else end_of_day_in(now, DEFAULT_LOAN_DAYS)
        return LoanPlan(
            card_serial=holder.serial,
            resident_id=holder.resident_id,
            resident_name=holder.resident_name,
            box=view,
            ticked=tuple(range(len(view.components))),
            due_at=due,
            due_words=w.date_words(due),
            claim_id=claim.id if claim is not None else None,
            chore_title=w.title_words(claim.chore_title, claim.chore_title_en) if claim else None,
            can_check_in=claim is not None
            and claim.status == "signed_up"
            and claim.starts_at <= now < claim.ends_at,
            overdue=late,
            needs_override=bool(late),
        )

    def lend(
        self,
        card_serial: str,
        label_serial: str,
        *,
        handed_out: Sequence[int],
        due_at: int,
        claim_id: str | None = None,
        check_in: bool = False,
        staff_serial: str | None = None,
        staff_pin: str | None = None,
    ) -> OpHandle[Lent]:
        """Lend the box; with `staff_serial` and `staff_pin`, a staff override for a resident
        with an overdue box. `check_in`: check the resident in for `claim_id` as well."""
        return self.ctx.runner.write(
            lambda: self.lend_now(
                card_serial,
                label_serial,
                handed_out=handed_out,
                due_at=due_at,
                claim_id=claim_id,
                check_in=check_in,
                staff_serial=staff_serial,
                staff_pin=staff_pin,
            ),
            name="lend",
        )

    def lend_now(
        self,
        card_serial: str,
        label_serial: str,
        *,
        handed_out: Sequence[int],
        due_at: int,
        claim_id: str | None = None,
        check_in: bool = False,
        staff_serial: str | None = None,
        staff_pin: str | None = None,
    ) -> Lent:
        ctx = self.ctx
        now = ctx.now()
        with read_only(ctx.engine) as conn:
            holder = resident_card(conn, card_serial)
            resident_id = holder.resident_id
            assert resident_id is not None
            the_box = self._box(conn, label_serial)
            late = bool(lq.overdue(conn, now, resident_id))
        override = None
        override_name = None
        if staff_serial is not None:
            if not late:
                raise err.override_not_needed()
            member = self.staff.check_now(staff_serial, staff_pin or "", OVERRIDE_ROLES)
            override, override_name = member.card_serial, member.name
        # The store checks the rest in its transaction (maintenance, lent, overdue, due date).
        entry = ctx.store.lend(
            the_box.id,
            resident_id,
            due_at=due_at,
            handed_out=list(handed_out),
            override_staff=override,
            claim_id=claim_id,
        )
        ctx.appended(entry, resident_id)
        checked_in = False
        if check_in and claim_id is not None:
            try:
                self.check_in_now(card_serial, claim_id)  # emits its own entry
                checked_in = True
            except HeitjeError:
                pass  # the loan stands; the resident page offers the check-in again
        loan_id = str(entry.refs["loan"])
        lines = tuple(the_box.components[i] for i in sorted(set(handed_out)))
        return Lent(
            loan_id=loan_id,
            tx_id=entry.tx_id,
            klusbox_id=the_box.id,
            box_name=the_box.name,
            resident_name=holder.resident_name,
            due_at=due_at,
            handed_out=lines,
            override_staff=override,
            override_name=override_name,
            checked_in=checked_in,
            words=w.lent_words(the_box.name, holder.resident_name, due_at),
        )

    # -- taking back ---------------------------------------------------------------------------

    def take_back(
        self, label_serial: str, *, returned: Sequence[int], condition: str, note: str = ""
    ) -> OpHandle[Returned]:
        """Take back the box of this label: what came back (indexes), its condition, a note.
        Anything missing, or a damaged box, puts it in maintenance."""
        return self.ctx.runner.write(
            lambda: self.take_back_now(
                label_serial, returned=returned, condition=condition, note=note
            ),
            name="take_back",
        )

    def take_back_now(
        self, label_serial: str, *, returned: Sequence[int], condition: str, note: str = ""
    ) -> Returned:
        ctx = self.ctx
        with read_only(ctx.engine) as conn:
            the_box = self._box(conn, label_serial)
            loan = lq.open_loan_of_box(conn, the_box.id)
        if loan is None:
            raise err.klusbox_not_lent()
        entry = ctx.store.return_box(
            loan.id, returned=list(returned), condition=condition, note=note
        )
        ctx.appended(entry, loan.resident_id)
        missing = tuple(
            the_box.components[int(i)]
            for i in str(entry.refs.get("missing", "")).split(",")
            if i.isdigit() and int(i) < len(the_box.components)
        )
        with read_only(ctx.engine) as conn:
            after = lq.box(conn, the_box.id)
        to_maintenance = after is not None and after.maintenance
        return Returned(
            loan_id=loan.id,
            tx_id=entry.tx_id,
            klusbox_id=the_box.id,
            box_name=the_box.name,
            missing=missing,
            condition=condition,
            to_maintenance=to_maintenance,
            words=w.returned_words(the_box.name, missing, to_maintenance),
        )

    # -- the desk's lists ----------------------------------------------------------------------

    def overdue(self) -> OpHandle[tuple[OverdueLine, ...]]:
        """Every overdue loan this desk knows, most days overdue first."""
        return self.ctx.runner.read(self.overdue_now, name="overdue")

    def overdue_now(self) -> tuple[OverdueLine, ...]:
        with read_only(self.ctx.engine) as conn:
            return _overdue_lines(conn, self.ctx.now())

    def maintenance(self) -> OpHandle[tuple[MaintenanceLine, ...]]:
        """The boxes in maintenance (after a return with something missing or broken)."""
        return self.ctx.runner.read(self.maintenance_now, name="maintenance")

    def maintenance_now(self) -> tuple[MaintenanceLine, ...]:
        with read_only(self.ctx.engine) as conn:
            boxes = lq.in_maintenance(conn)
        return tuple(
            MaintenanceLine(b.id, b.name, b.kind, _named(b.name, w.box_status_words("maintenance")))
            for b in boxes
        )

    # -- helpers -------------------------------------------------------------------------------

    def _box(self, conn: Connection, label_serial: str) -> lq.Box:
        if not isinstance(label_serial, str):
            raise err.unknown_klusbox()
        box_id, revoked = lq.label_box_id(conn, label_serial)
        if revoked:
            raise err.card_revoked()
        found = lq.box(conn, box_id)
        if found is None:
            raise err.unknown_klusbox()
        if self.ctx.neighbourhoods and found.neighbourhood_id not in self.ctx.neighbourhoods:
            raise err.klusbox_elsewhere()
        return found

    def _box_view(self, conn: Connection, label_serial: str, now: int) -> BoxView:
        the_box = self._box(conn, label_serial)
        open_loan = lq.open_loan_of_box(conn, the_box.id)
        loan = _desk_loan(open_loan, the_box, now) if open_loan is not None else None
        if loan is not None:
            status = "lent"
            words = w.box_status_words(status, loan.due_at, loan.resident_name)
        else:
            status = "maintenance" if the_box.maintenance else "available"
            words = w.box_status_words(status)
        return BoxView(
            label_serial=label_serial,
            klusbox_id=the_box.id,
            name=the_box.name,
            kind=the_box.kind,
            components=the_box.components,
            status=status,
            status_words=words,
            loan=loan,
        )


def _named(name: str, words: Words) -> Words:
    return Words(f"{name}{w.DASH}{words.nl}", f"{name}{w.DASH}{words.en}")


def _desk_loan(loan: lq.OpenLoan, the_box: lq.Box, now: int) -> DeskLoan:
    out = loan.lines_out(the_box)
    return DeskLoan(
        loan_id=loan.id,
        klusbox_id=loan.klusbox_id,
        box_name=loan.klusbox_name,
        resident_id=loan.resident_id,
        resident_name=loan.resident_name,
        lent_at=loan.lent_at,
        due_at=loan.due_at,
        overdue=loan.due_at < now,
        days_overdue=days_overdue(loan.due_at, now),
        handed_out=tuple(i for i, x in enumerate(the_box.components) if x in out),
        override_staff=loan.override_staff,
    )


def _overdue_lines(
    conn: Connection, now: int, resident_id: str | None = None
) -> tuple[OverdueLine, ...]:
    lines = []
    for x in lq.overdue(conn, now, resident_id):
        days = days_overdue(x.due_at, now)
        who = x.resident_name
        lines.append(
            OverdueLine(
                x.id,
                x.resident_id,
                who,
                x.klusbox_id,
                x.klusbox_name,
                x.due_at,
                days,
                w.overdue_words(who, x.klusbox_name, days),
            )
        )
    lines.sort(key=lambda line: (-line.days_overdue, line.due_at, line.loan_id))
    return tuple(lines)


def _claim_for(conn: Connection, resident_id: str, kind: str, now: int) -> oq.ClaimRow | None:
    """The resident's open claim on a chore that needs this kind of box (not yet over)."""
    fitting = [
        c
        for c in oq.resident_claims(conn, resident_id)
        if c.status in _OPEN_CLAIMS and c.ends_at > now and c.klusbox_kind == kind
    ]
    return min(fitting, key=lambda c: (c.ends_at, c.id)) if fitting else None
