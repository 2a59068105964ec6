"""The back office put together: every router, registered in one place, and ``mount``.

``mount(app, server)`` (called once by kiosk.server.app.create_app) registers every router
of ROUTERS below PREFIX, the static files and the refusal pages. To add a domain: write
``routes/<domain>.py`` with ``router = APIRouter(include_in_schema=False)``, give every
route ``require(P.SOMETHING)`` (access.py; permissions in permissions.py), add its texts
to the translation table (texts.py), its navigation item (nav.py), and its router to
ROUTERS here. (This is not the package's __init__: a package that imports its own modules
is an import cycle, tests/test_layering.py.)
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from kiosk.server.backoffice import pages
from kiosk.server.backoffice.office import PREFIX, STATIC_DIR, STATIC_PREFIX, Office
from kiosk.server.backoffice.routes import (
    account,
    audit_log,
    auth,
    cards,
    chores,
    devices,
    home,
    inspection,
    klusboxes,
    merchants,
    money,
    neighbourhoods,
    reports,
    residents,
    review,
    settlement,
    staff,
)
from kiosk.server.backoffice.routes import users as user_pages
from kiosk.server.context import ServerCore

__all__ = ["PREFIX", "ROUTERS", "mount"]

# One router per domain, all below PREFIX.
ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    account.router,
    user_pages.router,
    audit_log.router,
    # the work pages
    chores.router,
    inspection.router,
    review.router,
    money.router,
    settlement.router,
    reports.router,
    # the registers
    residents.router,
    cards.router,
    neighbourhoods.router,
    merchants.router,
    staff.router,
    devices.router,
    klusboxes.router,
)


def mount(app: FastAPI, server: ServerCore) -> None:
    app.state.backoffice = Office(server)
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="office-static")
    pages.install(app)
    app.add_middleware(pages.SecurityHeaders)
