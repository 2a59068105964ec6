"""The navigation: one item per page a role may open, in this order. A page's router adds
its item here; the header and the home page show only the items the person's role holds
the permission of."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.server.backoffice.permissions import P


@dataclass(frozen=True)
class NavItem:
    key: str  # translation key of the label; f"{key}.about" describes it on the home page
    path: str  # below the back office's prefix, "" for the home page
    permission: P


NAV: list[NavItem] = [
    NavItem("nav.home", "", P.HOME),
    NavItem("nav.users", "/users", P.USERS_MANAGE),
    NavItem("nav.audit", "/audit", P.AUDIT_VIEW),
    # the work pages (routes/chores.py, inspection.py, review.py, money.py, settlement.py,
    # reports.py)
    NavItem("nav.chores", "/chores", P.CHORES_VIEW),
    NavItem("nav.inspection", "/inspection", P.INSPECTIONS),
    NavItem("nav.inspectors", "/inspectors", P.USERS_MANAGE),
    NavItem("nav.review", "/review", P.REVIEW_RESOLVE),
    NavItem("nav.money", "/money", P.MONEY_VIEW),
    NavItem("nav.settlements", "/settlements", P.SETTLEMENT_VIEW),
    NavItem("nav.reports", "/reports", P.REPORTS_VIEW),
    NavItem("nav.export", "/reports/export", P.RESEARCH_EXPORT),
    # the registers (routes/residents.py, cards.py, neighbourhoods.py, merchants.py, staff.py,
    # devices.py, klusboxes.py)
    NavItem("nav.residents", "/residents", P.REGISTERS_VIEW),
    NavItem("nav.cards", "/cards", P.REGISTERS_VIEW),
    NavItem("nav.neighbourhoods", "/neighbourhoods", P.REGISTERS_VIEW),
    NavItem("nav.merchants", "/merchants", P.REGISTERS_VIEW),
    NavItem("nav.staff", "/staff", P.REGISTERS_VIEW),
    NavItem("nav.devices", "/devices", P.DEVICES_MANAGE),
    NavItem("nav.klusboxes", "/klusboxes", P.REGISTERS_VIEW),
    NavItem("nav.account", "/account/password", P.HOME),
]
