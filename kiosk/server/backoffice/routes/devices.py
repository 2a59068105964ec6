"""Devices (admin): the list with what the server knows of each device, one-time enrolment
codes (shown once, as text and as a QR drawn by the server), and revocation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from kiosk.server import tables as t
from kiosk.server.backoffice.access import require
from kiosk.server.backoffice.i18n import language_of, translate
from kiosk.server.backoffice.listing import ListQueryDep, Page
from kiosk.server.backoffice.office import PREFIX, OfficeDep
from kiosk.server.backoffice.permissions import P
from kiosk.server.backoffice.registers import devices
from kiosk.server.backoffice.registers.common import (
    merchant_options,
    neighbourhood_names,
    neighbourhood_options,
)
from kiosk.server.backoffice.registers.texts import DEVICE_ROLE_KEYS, DEVICE_STATUS_KEYS
from kiosk.server.backoffice.registers.web import act, chosen, done, list_page, save
from kiosk.server.backoffice.sessions import SignedIn

router = APIRouter(include_in_schema=False)
Admin = Annotated[SignedIn, require(P.DEVICES_MANAGE)]
LIST = f"{PREFIX}/devices"
Name = Annotated[str, Form(max_length=400)]
Choice = Annotated[str, Form(max_length=80)]
Reason = Annotated[str, Form(max_length=1000)]
ROLE_OPTIONS = [(role, DEVICE_ROLE_KEYS[role]) for role in devices.ROLES]


@router.get("/devices")
def device_list(request: Request, office: OfficeDep, me: Admin, query: ListQueryDep) -> Response:
    d = t.devices.c

    def bound(conn: Connection, page: Page) -> dict[str, Any]:
        areas = neighbourhood_names(conn)
        shops = {o.value: o.label for o in merchant_options(conn)}
        rows = []
        for row in page.rows:
            device = devices.device_of(row)
            names = (
                [shops.get(device.bindings.merchant_id, device.bindings.merchant_id)]
                if device.bindings.merchant_id
                else [areas.get(n, n) for n in sorted(device.bindings.neighbourhoods)]
            )
            rows.append((device, names))
        return {"rows": rows}

    return list_page(
        request,
        office,
        "devices/list.html",
        devices.listing_select(),
        query,
        search=[d.id, d.name, d.role, d.status],
        order_by=[d.name, d.id],
        path=LIST,
        more=bound,
        role_keys=DEVICE_ROLE_KEYS,
        status_keys=DEVICE_STATUS_KEYS,
    )


def _form(
    request: Request,
    office: OfficeDep,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    with office.server.engine.connect() as conn:
        context = {
            "values": values,
            "role_options": ROLE_OPTIONS,
            "merchants": merchant_options(conn),
            "neighbourhoods": neighbourhood_options(conn),
            "error": error,
        }
    return office.render(request, "devices/new.html", context, status=status)


@router.get("/devices/new")
def device_new(request: Request, office: OfficeDep, me: Admin) -> Response:
    return _form(request, office, {"role": "", "name": "", "merchant": "", "neighbourhoods": []})


@router.post("/devices/codes")
def device_code(
    request: Request,
    office: OfficeDep,
    me: Admin,
    role: Choice = "",
    name: Name = "",
    merchant: Choice = "",
    neighbourhoods: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    areas = chosen([n[:80] for n in neighbourhoods or []])
    values = {"role": role, "name": name, "merchant": merchant, "neighbourhoods": areas}
    lang = language_of(request)
    hours = office.server.settings.get("enrolment", "code_ttl_s") // 3600

    def shown(code: str) -> Response:
        return office.render(
            request,
            "devices/code.html",
            {
                "code": code,
                "qr": devices.qr_svg(code, translate(lang, "devices.qr_label")),
                "name": " ".join(name.split()),
                "role_key": DEVICE_ROLE_KEYS[role],
                "hours": hours,
            },
        )

    return save(
        request,
        lambda: devices.create_code(
            office.server, me, role=role, name=name, merchant_id=merchant, neighbourhoods=areas
        ),
        shown,
        lambda error: _form(request, office, values, error, 400),
    )


@router.post("/devices/{device_id}/revoke")
def device_revoke(
    request: Request, office: OfficeDep, me: Admin, device_id: str, reason: Reason = ""
) -> Response:
    return act(
        request,
        office,
        lambda: devices.revoke(office.server, me, device_id, reason),
        lambda _: done(LIST, "done.device_revoked"),
    )
