"""Staff cards: a staff member's signed QR card and their PIN open what residents may not
(the inspector's screen, a desk's override for an overdue resident, leaving a locked-down
kiosk). The PIN is the staff member's, checked offline against the argon2id hash the
snapshot brought; three wrong PINs block that card on this device, like a resident's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from kiosk.db import ops_queries as oq
from kiosk.db.ops_queries import read_only
from kiosk.ops import errors as err
from kiosk.ops.context import OpsContext
from kiosk.ops.pins import judge_pin
from kiosk.ops.runner import OpHandle

STAFF_ROLE_NAMES = {
    "inspector": ("inspecteur", "inspector"),
    "desk": ("baliemedewerker", "desk volunteer"),
    "kiosk-staff": ("kioskbeheerder", "kiosk staff"),
}


@dataclass(frozen=True)
class StaffMember:
    card_serial: str
    staff_id: str
    name: str
    role: str  # inspector | desk | kiosk-staff


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
        with read_only(ctx.engine) as conn:
            card = oq.staff_card(conn, card_serial) if isinstance(card_serial, str) else None
        member = _member(card, roles)
        assert card is not None
        if card.pin_blocked:
            raise err.pin_blocked()
        if card.pin_hash is None:
            raise err.staff_no_pin()
        with ctx.store.transaction() as conn:
            wrong = judge_pin(conn, card.serial, card.pin_hash, card.wrong_tries, pin, ctx.now())
        if wrong is not None:
            raise wrong
        return member


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
