"""Every back-office route, tried without a session and with each role: only the roles the
permission map allows get an answer; the others get 403, and nobody-signed-in gets a
redirect to the sign-in page (pages) or 401 (API routes). The routes are read from the app
itself, so a route added later is covered without touching this test (both databases)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from kiosk.server.app import create_app
from kiosk.server.backoffice import sessions
from kiosk.server.backoffice.access import PERMISSION_ATTR, PUBLIC_ATTR
from kiosk.server.backoffice.office import API_PREFIX, PREFIX, STATIC_PREFIX
from kiosk.server.backoffice.permissions import ROLE_PERMISSIONS, ROLES, P, may
from tests.server.backoffice.kit import Office

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
NOBODY = "nobody"
SIGNIN = f"{PREFIX}/sign-in"
FOUNDATION = {
    PREFIX: P.HOME,
    f"{PREFIX}/api/me": P.HOME,
    f"{PREFIX}/sign-out": P.HOME,
    f"{PREFIX}/account/password": P.HOME,
    f"{PREFIX}/users": P.USERS_MANAGE,
    f"{PREFIX}/users/new": P.USERS_MANAGE,
    f"{PREFIX}/users/{{user_id}}/disable": P.USERS_MANAGE,
    f"{PREFIX}/users/{{user_id}}/enable": P.USERS_MANAGE,
    f"{PREFIX}/users/{{user_id}}/end-sessions": P.USERS_MANAGE,
    f"{PREFIX}/audit": P.AUDIT_VIEW,
}


@dataclass(frozen=True)
class Guarded:
    path: str
    methods: frozenset[str]
    permission: P | None  # None: public

    def url(self) -> str:
        # an id that exists nowhere: allowed roles get their answer (a page or 404)
        return PARAM.sub("999999", self.path)


def markers(dependant: Any) -> list[Any]:
    found = []
    for dep in dependant.dependencies:
        call = dep.call
        if hasattr(call, PERMISSION_ATTR):
            found.append(getattr(call, PERMISSION_ATTR))
        elif getattr(call, PUBLIC_ATTR, False):
            found.append(None)
        found.extend(markers(dep))
    return found


def every_route(app: Any) -> Iterator[tuple[str, BaseRoute]]:
    """(full path, route) of every route of `app`, also those of included routers (FastAPI
    0.165 keeps an included router as one entry of app.routes; iter_route_contexts is how
    its own OpenAPI code walks them)."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    if iterate is None:  # older FastAPI: include_router copies the routes into app.routes
        for route in app.routes:
            yield getattr(route, "path", ""), route
        return
    for context in iterate(app.routes):
        yield context.path or "", context.original_route


def office_routes(app: Any) -> list[Guarded]:
    routes = []
    for path, route in every_route(app):
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            continue
        if isinstance(route, Mount):
            assert path == STATIC_PREFIX, f"{path}: only the static files are mounted"
            continue
        assert isinstance(route, APIRoute), f"{path}: not an API route"
        found = markers(route.dependant)
        assert len(found) == 1, f"{path}: needs exactly one require(...) or public, has {found}"
        routes.append(Guarded(path, frozenset(route.methods) - {"HEAD"}, found[0]))
    return routes


def test_every_route_declares_who_may_call_it(office: Office) -> None:
    routes = office_routes(create_app(server=office.live.server))
    assert len(routes) >= 10
    public = {r.path for r in routes if r.permission is None}
    assert public == {f"{PREFIX}/sign-in", f"{PREFIX}/lang/{{lang}}"}
    for r in routes:
        if r.permission is not None:
            assert any(may(role, r.permission) for role in ROLES), f"{r.path}: nobody may"
    # the foundation's own routes, so that none of them is quietly opened up
    declared = {r.path: r.permission for r in routes}
    assert {path: declared[path] for path in FOUNDATION} == FOUNDATION


def test_the_permission_map_keeps_roles_to_what_they_need() -> None:
    holders = {p: {r for r in ROLES if may(r, p)} for p in P}
    assert holders[P.USERS_MANAGE] == holders[P.AUDIT_VIEW] == {"admin"}
    assert holders[P.HOME] == set(ROLES)
    # four eyes on money: only finance settles; the researcher sees no personal data
    assert holders[P.SETTLEMENT_PREPARE] == holders[P.SETTLEMENT_APPROVE] == {"finance"}
    assert ROLE_PERMISSIONS["researcher"] == {P.HOME, P.RESEARCH_EXPORT}
    assert ROLE_PERMISSIONS["inspector"] == {P.HOME, P.CHORES_VIEW, P.INSPECTIONS}
    assert not may("nonsense", P.HOME)


@pytest.mark.parametrize("who", [NOBODY, *ROLES])
def test_each_route_answers_only_the_roles_allowed(office: Office, who: str) -> None:
    routes = office_routes(create_app(server=office.live.server))
    user_id = None if who == NOBODY else office.add_user(f"{who}-test", who)
    tried = 0
    for route in routes:
        for method in sorted(route.methods):
            c = office.client()
            data: dict[str, str] = {}
            if user_id is not None:  # a new session each time: sign-out must not end the rest
                token = sessions.start(office.live.server, user_id, "127.0.0.1")
                c.cookies.set(sessions.COOKIE, token, domain="127.0.0.1", path=PREFIX)
                data["csrf_token"] = sessions.csrf_for(token)
            r = c.request(method, route.url(), data=data if method != "GET" else None)
            tried += 1
            where = f"{who} {method} {route.path}: {r.status_code}"
            assert r.status_code < 500, where
            # the refusal's redirect (sign-out's own redirect carries ?done= instead)
            location = r.headers.get("location", "")
            to_signin = r.status_code == 303 and (
                location == SIGNIN or location.startswith(SIGNIN + "?next=")
            )
            if route.permission is None:
                if method == "GET":
                    assert r.status_code not in (401, 403), where
                continue
            if who == NOBODY:
                if route.path.startswith(API_PREFIX):
                    assert r.status_code == 401, where
                    assert r.json()["code"] == "signin_required", where
                else:
                    assert to_signin, where
            elif may(who, route.permission):
                assert r.status_code not in (401, 403) and not to_signin, where
            else:
                assert r.status_code == 403, where
                if route.path.startswith(API_PREFIX):
                    assert r.json()["code"] == "forbidden", where
                else:
                    assert "Geen toegang" in r.text, where
    assert tried >= 10


def test_static_files_are_served_by_the_server_itself(office: Office) -> None:
    c = office.client()
    for name, kind in (("office.css", "text/css"), ("office.js", "javascript")):
        r = c.get(f"{STATIC_PREFIX}/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
    assert c.get(f"{STATIC_PREFIX}/../tables.py").status_code == 404


def test_back_office_pages_are_not_in_the_api_schema(office: Office) -> None:
    schema = office.client().get("/openapi.json").json()
    assert not [p for p in schema["paths"] if p.startswith(PREFIX)]
