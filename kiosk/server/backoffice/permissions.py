"""Who may open or do what in the back office: one explicit map, role -> permissions.

Every back-office route names exactly one permission (``require(P.X)`` in access.py); a
role sees a page, a navigation item or a button only if its set below holds that
permission. Add a permission here first, then use it on the route.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.server.tables import BACKOFFICE_ROLES

ADMIN = "admin"
INSPECTOR = "inspector"
FINANCE = "finance"
RESEARCHER = "researcher"
ROLES: tuple[str, ...] = BACKOFFICE_ROLES


class P(StrEnum):
    """The permissions. Names say what is shown or done, not who does it."""

    HOME = "home"  # the home page, own account, sign-out: everyone signed in
    USERS_MANAGE = "users.manage"  # back-office accounts, their sessions
    AUDIT_VIEW = "audit.view"  # the audit log
    REGISTERS_VIEW = "registers.view"  # residents, cards, neighbourhoods, merchants, staff
    REGISTERS_EDIT = "registers.edit"
    DEVICES_MANAGE = "devices.manage"  # enrolment codes, revoke, device state
    CHORES_VIEW = "chores.view"
    CHORES_MANAGE = "chores.manage"  # create and publish chores
    INSPECTIONS = "inspections"  # the inspection queue: approve or reject claims
    REVIEW_RESOLVE = "review.resolve"  # the review queue of refused and over-limit entries
    MONEY_VIEW = "money.view"  # the money dashboard, earning caps
    SETTLEMENT_VIEW = "settlement.view"
    SETTLEMENT_PREPARE = "settlement.prepare"
    SETTLEMENT_APPROVE = "settlement.approve"  # four eyes: never by the one who prepared it
    REPORTS_VIEW = "reports.view"  # participation reports for the council (aggregates)
    RESEARCH_EXPORT = "research.export"  # the pseudonymised, suppressed export


# A researcher sees the pseudonymised, suppressed export only (the council's reports have
# small cells; the export does not): no names, cards or accounts. An inspector sees chores
# and the inspection queue. Finance sees money and settles; only finance prepares and
# approves settlements. The admin runs the registers.
ROLE_PERMISSIONS: dict[str, frozenset[P]] = {
    ADMIN: frozenset(
        {
            P.HOME,
            P.USERS_MANAGE,
            P.AUDIT_VIEW,
            P.REGISTERS_VIEW,
            P.REGISTERS_EDIT,
            P.DEVICES_MANAGE,
            P.CHORES_VIEW,
            P.CHORES_MANAGE,
            P.INSPECTIONS,
            P.REVIEW_RESOLVE,
            P.MONEY_VIEW,
            P.SETTLEMENT_VIEW,
            P.REPORTS_VIEW,
        }
    ),
    INSPECTOR: frozenset({P.HOME, P.CHORES_VIEW, P.INSPECTIONS}),
    FINANCE: frozenset(
        {
            P.HOME,
            P.MONEY_VIEW,
            P.REVIEW_RESOLVE,
            P.SETTLEMENT_VIEW,
            P.SETTLEMENT_PREPARE,
            P.SETTLEMENT_APPROVE,
            P.REPORTS_VIEW,
        }
    ),
    RESEARCHER: frozenset({P.HOME, P.RESEARCH_EXPORT}),
}

assert set(ROLE_PERMISSIONS) == set(ROLES), "every role needs its permission set"


def may(role: str, permission: P) -> bool:
    """Whether `role` holds `permission` (an unknown role holds nothing)."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
