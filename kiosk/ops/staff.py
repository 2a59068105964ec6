"""Staff cards: a staff member's signed QR card and their PIN open what residents may not
(the inspector's screen, a desk's override for an overdue resident, leaving a locked-down
kiosk). The PIN is the staff member's, checked offline against the argon2id hash the
snapshot brought; three wrong PINs block that card on this device, like a resident's.

A staff card also lifts a resident card's PIN block on this device (`lift_pin_block`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection

from kiosk.core.errors import HeitjeError
from kiosk.db import ops_queries as oq
from kiosk.db import pin_queries as pq
from kiosk.db.ops_queries import read_only
from kiosk.logs import redact
from kiosk.ops import errors as err
from kiosk.ops.context import OpsContext
from kiosk.ops.pins import judge_pin
from kiosk.ops.runner import OpHandle

STAFF_ROLE_NAMES = {
    "inspector": ("inspecteur", "inspector"),
    "desk": ("baliemedewerker", "desk volunteer"),
    "kiosk-staff": ("kioskbeheerder", "kiosk staff"),
}

# Who may lift a resident card's PIN block: the people who help residents face to face, at the
# counter and at the centre (kiosk staff look after the devices and the shops, the desk helps
# residents with their cards). An inspector judges chores and has no business with a card.
LIFT_ROLES: Final = ("kiosk-staff", "desk")

log = logging.getLogger("kiosk.ops")


@dataclass(frozen=True)
class StaffMember:
    card_serial: str
    staff_id: str
    name: str
    role: str  # inspector | desk | kiosk-staff


@dataclass(frozen=True)
class PinBlockLifted:
    """A resident card's PIN block lifted on this device: the holder types the PIN again."""

    card_serial: str
    staff_id: str
    staff_role: str
    at_ms: int


class StaffOps:
    def __init__(self, ctx: OpsContext) -> None:
        self.ctx = ctx

    def identify(self, card_serial: str, roles: Collection[str] = ()) -> OpHandle[StaffMember]:
        """Whose staff card this is (no PIN yet: the screen asks for it next)."""
        return self.ctx.runner.read(
            lambda: self.identify_now(card_serial, roles), name="staff_identify"
        )

    def check(
        self, card_serial: str, pin: str, roles: Collection[str] = ()
    ) -> OpHandle[StaffMember]:
        """The staff card and its holder's PIN; a write (a wrong PIN is counted)."""
        return self.ctx.runner.write(
            lambda: self.check_now(card_serial, pin, roles), name="staff_check"
        )

    def identify_now(self, card_serial: str, roles: Collection[str] = ()) -> StaffMember:
        with read_only(self.ctx.engine) as conn:
            card = oq.staff_card(conn, card_serial) if isinstance(card_serial, str) else None
        return _member(card, roles)

    def check_now(self, card_serial: str, pin: str, roles: Collection[str] = ()) -> StaffMember:
        ctx = self.ctx
        with ctx.store.transaction() as conn:
            member, card, pin_hash = _pin_checkable(conn, card_serial, roles, err.pin_blocked)
            wrong = judge_pin(conn, card.serial, pin_hash, card.wrong_tries, pin, ctx.now())
        if wrong is not None:
            raise wrong  # after the commit: the wrong try is counted
        return member

    def lift_pin_block(
        self, card_serial: str, staff_serial: str, staff_pin: str
    ) -> OpHandle[PinBlockLifted]:
        """Lift the PIN block three wrong PINs put on a resident card here (see
        `lift_pin_block_now`)."""
        return self.ctx.runner.write(
            lambda: self.lift_pin_block_now(card_serial, staff_serial, staff_pin),
            name="lift_pin_block",
        )

    def lift_pin_block_now(
        self, card_serial: str, staff_serial: str, staff_pin: str
    ) -> PinBlockLifted:
        """One write transaction: the staff card (roles LIFT_ROLES) and its holder's PIN, then
        the resident card's block on THIS device lifted and its wrong tries back to 0.

        No ledger entry is signed: the block and the wrong tries live only in this device's
        card_pins table (other devices count their own), so there is nothing to sync. A wrong
        staff PIN is counted against the staff card (three block it here) and nothing is
        lifted; the refusal is raised after the commit, so the count survives."""
        ctx = self.ctx
        refusal: HeitjeError | None = None
        with ctx.store.transaction() as conn:
            now = ctx.now()
            member, card, pin_hash = _pin_checkable(
                conn, staff_serial, LIFT_ROLES, err.staff_pin_blocked
            )
            holder = oq.card_holder(conn, card_serial) if isinstance(card_serial, str) else None
            if holder is None:
                raise err.unknown_card()
            if holder.kind != "resident":
                raise err.not_a_resident_card()
            if not holder.pin_blocked:
                raise err.pin_not_blocked()
            refusal = judge_pin(conn, card.serial, pin_hash, card.wrong_tries, staff_pin, now)
            if refusal is None:
                pq.unblock(conn, holder.serial, now)
        if refusal is not None:
            log.info(
                "PIN block of card %s not lifted: staff card %s refused (%s)",
                redact(holder.serial),
                redact(card.serial),
                refusal.code,
            )
            # The staff card's third wrong PIN: say it is the staff card that is blocked now.
            raise err.staff_pin_blocked() if refusal.code == "pin_blocked" else refusal
        log.info(
            "PIN block of card %s lifted on this device by staff %s (%s)",
            redact(holder.serial),
            member.staff_id,
            member.role,
        )
        return PinBlockLifted(holder.serial, member.staff_id, member.role, now)


def _pin_checkable(
    conn: Connection, serial: str, roles: Collection[str], blocked: Callable[[], HeitjeError]
) -> tuple[StaffMember, oq.StaffCard, str]:
    """A staff card (of `roles`) whose holder's PIN can be judged here, with its PIN hash;
    raises what refuses the card itself (`blocked()` for one already blocked here)."""
    card = oq.staff_card(conn, serial) if isinstance(serial, str) else None
    member = _member(card, roles)
    assert card is not None
    if card.pin_blocked:
        raise blocked()
    if card.pin_hash is None:
        raise err.staff_no_pin()
    return member, card, card.pin_hash


def _member(card: oq.StaffCard | None, roles: Collection[str]) -> StaffMember:
    if card is None:
        raise err.not_a_staff_card()
    if card.revoked:
        raise err.card_revoked()
    if card.staff_id is None or card.status != "active" or card.role is None:
        raise err.staff_left()
    if roles and card.role not in roles:
        names = [STAFF_ROLE_NAMES.get(r, (r, r)) for r in roles]
        raise err.staff_wrong_role(
            ", ".join(nl for nl, _ in names), ", ".join(en for _, en in names)
        )
    return StaffMember(card.serial, card.staff_id, card.name, card.role)
