"""Helpers for the back-office tests: accounts of each role on a LiveServer
(tests/server/conftest.py), and httpx clients with their own cookie jars."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import httpx
from argon2 import PasswordHasher
from sqlalchemy import insert

from kiosk.server import tables as t
from kiosk.server.backoffice import sessions
from kiosk.server.backoffice.settings import OfficeSettings
from kiosk.server.service import Server
from tests.server.conftest import LiveServer

PASSWORD = "lange wachtzin voor tests"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@cache
def password_hash() -> str:
    """One cheap argon2id hash of PASSWORD for every test account: checking a hash costs
    what its own parameters say (the server's ~0.15 s would make the limit tests slow).
    The server re-hashes it with its own parameters at the first good sign-in
    (test_signin.py checks that)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def add_account(server: Server, username: str, role: str, *, active: bool = True) -> int:
    """An account straight in the database (the password is PASSWORD); its id."""
    with server.write() as conn:
        return int(
            conn.execute(
                insert(t.users)
                .values(
                    username=username,
                    display_name=username.title(),
                    role=role,
                    password_hash=password_hash(),
                    active=active,
                    created_at=server.now(),
                )
                .returning(t.users.c.id)
            ).scalar_one()
        )


@dataclass
class Office:
    live: LiveServer
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def settings(self) -> OfficeSettings:
        return OfficeSettings.from_settings(self.live.server.settings)

    def add_user(self, username: str, role: str, *, active: bool = True) -> int:
        """An account straight in the database (the password is PASSWORD)."""
        return add_account(self.live.server, username, role, active=active)

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        c = httpx.Client(base_url=self.live.url, timeout=60, headers=headers or {})
        self.clients.append(c)
        return c

    def session_for(self, user_id: int) -> httpx.Client:
        """A client signed in as `user_id` (a session started directly: no password check)."""
        token = sessions.start(self.live.server, user_id, "127.0.0.1")
        c = self.client()
        c.cookies.set(sessions.COOKIE, token, domain="127.0.0.1", path="/office")
        return c

    def as_role(self, role: str) -> httpx.Client:
        return self.session_for(self.add_user(f"{role}-{len(self.clients)}", role))

    def sign_in(
        self, c: httpx.Client, username: str, password: str = PASSWORD, **form: str
    ) -> httpx.Response:
        """The sign-in form as a person fills it in: open the page, post the form."""
        page = c.get("/office/sign-in")
        assert page.status_code == 200, page.text
        data = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
        return c.post("/office/sign-in", data={**data, **form})

    def csrf(self, c: httpx.Client, path: str = "/office") -> str:
        page = c.get(path)
        assert page.status_code == 200, page.text
        return csrf_of(page.text)

    def close(self) -> None:
        for c in self.clients:
            c.close()
