"""Sign-in over real HTTP: the right password opens a session, a wrong one does not, and
past the limit an attempt is refused without its password being checked (both databases)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from kiosk.server import tables as t
from kiosk.server.backoffice import passwords, sessions
from tests.server.backoffice.kit import PASSWORD, Office, csrf_of, password_hash

WINDOW_MS = 60_000
LIMIT = 10


def outcomes(office: Office) -> list[str]:
    with office.live.server.engine.connect() as conn:
        rows = conn.execute(select(t.signin_attempts.c.outcome).order_by(t.signin_attempts.c.id))
        return [r.outcome for r in rows]


def test_the_right_password_signs_in(office: Office, verify_calls: list[int]) -> None:
    office.add_user("anna", "admin")
    c = office.client()
    r = office.sign_in(c, "Anna", next="/office/users")  # the username ignores case
    assert r.status_code == 303 and r.headers["location"] == "/office/users"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE))
    attrs = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "path=/office", "samesite=strict"} <= attrs
    assert "secure" not in attrs  # plain http on 127.0.0.1
    assert len(verify_calls) == 1
    page = c.get("/office/users")
    assert page.status_code == 200 and "Anna" in page.text
    me = c.get("/office/api/me").json()
    assert me["username"] == "anna" and me["role"] == "admin"
    # the token is stored as its sha256 only
    token = c.cookies[sessions.COOKIE]
    with office.live.server.engine.connect() as conn:
        stored = conn.execute(select(t.sessions.c.token_hash)).scalars().all()
    assert stored == [sessions.token_hash(token)] and token not in stored
    assert outcomes(office) == ["ok"]
    # the account's cheap test hash was replaced by one with the server's parameters
    with office.live.server.engine.connect() as conn:
        stored_hash = conn.execute(select(t.users.c.password_hash)).scalar_one()
    assert stored_hash != password_hash() and not passwords.needs_rehash(stored_hash)
    assert passwords.verify(stored_hash, PASSWORD)


def test_the_cookie_is_secure_behind_https(office: Office) -> None:
    office.add_user("anna", "admin")
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as from a proxy on the same machine
    c = office.client(headers={"X-Forwarded-Proto": "https"})
    page = c.get("/office/sign-in")
    signin_cookie = page.headers["set-cookie"]
    assert "secure" in {a.strip().lower() for a in signin_cookie.split(";")[1:]}
    # httpx keeps Secure cookies for https only: send it back by hand, as a browser would
    r = c.post(
        "/office/sign-in",
        data={"username": "anna", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        headers={"Cookie": signin_cookie.split(";")[0]},
    )
    assert r.status_code == 303
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE))
    assert "secure" in {a.strip().lower() for a in cookie.split(";")[1:]}


def test_a_wrong_password_is_refused(office: Office, verify_calls: list[int]) -> None:
    office.add_user("anna", "admin")
    c = office.client()
    r = office.sign_in(c, "anna", "not the password")
    assert r.status_code == 401
    assert "klopt niet" in r.text  # Dutch by default
    assert sessions.COOKIE not in c.cookies
    assert c.get("/office").status_code == 303
    assert verify_calls == [1]
    assert outcomes(office) == ["wrong"]


def test_unknown_and_disabled_accounts_are_refused_the_same_way(
    office: Office, verify_calls: list[int]
) -> None:
    office.add_user("bram", "finance", active=False)
    c = office.client()
    unknown = office.sign_in(c, "nobody")
    disabled = office.sign_in(c, "bram")  # the right password
    assert unknown.status_code == disabled.status_code == 401
    assert sessions.COOKIE not in c.cookies
    assert len(verify_calls) == 2  # a check as slow as a real one, for both


def test_the_eleventh_wrong_password_is_not_checked(
    office: Office, verify_calls: list[int]
) -> None:
    office.add_user("anna", "admin")
    c = office.client()
    for _ in range(LIMIT):
        assert office.sign_in(c, "anna", "guess").status_code == 401
    assert len(verify_calls) == LIMIT
    eleventh = office.sign_in(c, "anna", "guess")
    assert eleventh.status_code == 429
    assert "niet gecontroleerd" in eleventh.text
    assert 0 < int(eleventh.headers["Retry-After"]) <= 60
    # Not checked: no verify call, and the right password is refused just the same.
    right = office.sign_in(c, "anna", PASSWORD)
    assert right.status_code == 429 and sessions.COOKIE not in c.cookies
    assert len(verify_calls) == LIMIT
    assert outcomes(office) == ["wrong"] * LIMIT + ["locked", "locked"]
    # One minute after the first failure, one more attempt fits again.
    office.live.clock.advance(WINDOW_MS)
    assert office.sign_in(c, "anna", PASSWORD).status_code == 303
    assert len(verify_calls) == LIMIT + 1
    assert c.get("/office").status_code == 200


def test_the_limit_holds_per_address_across_accounts(
    office: Office, verify_calls: list[int]
) -> None:
    for i in range(LIMIT + 1):
        office.add_user(f"user{i}", "inspector")
    attacker = office.client(headers={"X-Forwarded-For": "10.0.0.66"})
    for i in range(LIMIT):
        assert office.sign_in(attacker, f"user{i}", "guess").status_code == 401
    r = office.sign_in(attacker, f"user{LIMIT}", PASSWORD)  # a fresh account, right password
    assert r.status_code == 429
    assert len(verify_calls) == LIMIT
    # Another address may still sign in to that account.
    other = office.client(headers={"X-Forwarded-For": "10.0.0.7"})
    assert office.sign_in(other, f"user{LIMIT}").status_code == 303


def test_the_limit_holds_per_account_across_addresses(
    office: Office, verify_calls: list[int]
) -> None:
    office.add_user("anna", "admin")
    for i in range(LIMIT):
        c = office.client(headers={"X-Forwarded-For": f"10.0.1.{i}"})
        assert office.sign_in(c, "anna", "guess").status_code == 401
    fresh = office.client(headers={"X-Forwarded-For": "10.0.2.1"})
    assert office.sign_in(fresh, "anna", PASSWORD).status_code == 429
    assert len(verify_calls) == LIMIT


def test_concurrent_guesses_get_at_most_the_limit_checked(
    office: Office, verify_calls: list[int]
) -> None:
    office.add_user("anna", "admin")
    tries = 3 * LIMIT

    def guess(i: int) -> int:
        c = office.client(headers={"X-Forwarded-For": f"10.1.0.{i}"})
        return office.sign_in(c, "anna", f"guess {i}").status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(guess, range(tries)))
    assert set(statuses) <= {401, 429}
    assert 1 <= statuses.count(401) <= LIMIT
    assert len(verify_calls) == statuses.count(401)


def test_sign_in_without_its_csrf_token_is_refused(office: Office, verify_calls: list[int]) -> None:
    office.add_user("anna", "admin")
    c = office.client()
    c.get("/office/sign-in")  # has the sign-in cookie, but the form lacks the token
    r = c.post("/office/sign-in", data={"username": "anna", "password": PASSWORD})
    assert r.status_code == 403
    forged = c.post(
        "/office/sign-in", data={"username": "anna", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    assert verify_calls == [] and sessions.COOKIE not in c.cookies


def test_after_sign_in_only_back_office_paths(office: Office) -> None:
    office.add_user("anna", "admin")
    for target in ("https://evil.example/", "//evil.example/office", "/v1/info", "/office\\x"):
        r = office.sign_in(office.client(), "anna", next=target)
        assert r.status_code == 303 and r.headers["location"] == "/office", target


def test_a_signed_in_person_opening_sign_in_goes_home(office: Office) -> None:
    c = office.as_role("finance")
    r = c.get("/office/sign-in")
    assert r.status_code == 303 and r.headers["location"] == "/office"
