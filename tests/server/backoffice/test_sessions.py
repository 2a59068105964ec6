"""Sessions end: at sign-out, after the idle timeout, at the end of their lifetime, when an
admin ends them, when the account is disabled, when its password changes (both databases)."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from kiosk.server import tables as t
from kiosk.server.backoffice import sessions
from tests.server.backoffice.kit import PASSWORD, Office, csrf_of

IDLE_MS = 1800 * 1000
LIFETIME_MS = 36000 * 1000


def end_reasons(office: Office, user_id: int) -> list[str | None]:
    with office.live.server.engine.connect() as conn:
        return list(
            conn.execute(
                select(t.sessions.c.end_reason)
                .where(t.sessions.c.user_id == user_id)
                .order_by(t.sessions.c.created_at)
            ).scalars()
        )


def signed_in(c: httpx.Client) -> bool:
    r = c.get("/office")
    assert r.status_code in (200, 303), r.text
    return r.status_code == 200


def test_sign_out_ends_the_session_for_good(office: Office) -> None:
    uid = office.add_user("anna", "admin")
    c = office.client()
    assert office.sign_in(c, "anna").status_code == 303
    token = c.cookies[sessions.COOKIE]
    r = c.post("/office/sign-out", data={"csrf_token": office.csrf(c)})
    assert r.status_code == 303 and r.headers["location"].startswith("/office/sign-in")
    assert not signed_in(c)
    # the old cookie, replayed, opens nothing
    replay = office.client()
    replay.cookies.set(sessions.COOKIE, token, domain="127.0.0.1", path="/office")
    assert not signed_in(replay)
    assert replay.get("/office/api/me").status_code == 401
    assert end_reasons(office, uid) == [sessions.SIGNED_OUT]


def test_a_session_ends_after_the_idle_timeout(office: Office) -> None:
    uid = office.add_user("anna", "admin")
    c = office.session_for(uid)
    for _ in range(3):  # in use: every request moves the idle end on
        office.live.clock.advance(IDLE_MS - 1000)
        assert signed_in(c)
    office.live.clock.advance(IDLE_MS)
    r = c.get("/office/users")
    assert r.status_code == 303
    assert r.headers["location"] == "/office/sign-in?next=%2Foffice%2Fusers"
    assert end_reasons(office, uid) == [sessions.IDLE]
    assert c.get("/office/api/me").status_code == 401


def test_a_session_ends_at_its_lifetime_however_busy(office: Office) -> None:
    uid = office.add_user("anna", "admin")
    c = office.session_for(uid)
    step = IDLE_MS // 2
    for _ in range(LIFETIME_MS // step - 1):
        office.live.clock.advance(step)
        assert signed_in(c)
    office.live.clock.advance(step)
    assert not signed_in(c)
    assert end_reasons(office, uid) == [sessions.LIFETIME]


def test_an_admin_ends_a_users_sessions(office: Office) -> None:
    admin = office.session_for(office.add_user("anna", "admin"))
    uid = office.add_user("bram", "finance")
    phone, laptop = office.session_for(uid), office.session_for(uid)
    assert signed_in(phone) and signed_in(laptop)
    users_page = admin.get("/office/users")
    assert "Sessies beëindigen" in users_page.text
    r = admin.post(
        f"/office/users/{uid}/end-sessions", data={"csrf_token": csrf_of(users_page.text)}
    )
    assert (
        r.status_code == 303 and r.headers["location"] == "/office/users?done=done.sessions_ended"
    )
    assert not signed_in(phone) and not signed_in(laptop)
    assert end_reasons(office, uid) == [sessions.ENDED_BY_ADMIN] * 2
    assert signed_in(admin)
    # bram may sign in again
    assert office.sign_in(office.client(), "bram").status_code == 303


def test_disabling_an_account_ends_its_sessions(office: Office) -> None:
    admin = office.session_for(office.add_user("anna", "admin"))
    uid = office.add_user("bram", "finance")
    bram = office.session_for(uid)
    token = office.csrf(admin, "/office/users")
    assert admin.post(f"/office/users/{uid}/disable", data={"csrf_token": token}).status_code == 303
    assert not signed_in(bram)
    assert end_reasons(office, uid) == [sessions.DISABLED]
    assert office.sign_in(office.client(), "bram").status_code == 401
    # enabled again: a new sign-in works, the old session stays ended
    assert admin.post(f"/office/users/{uid}/enable", data={"csrf_token": token}).status_code == 303
    assert not signed_in(bram)
    assert office.sign_in(office.client(), "bram").status_code == 303


def test_an_account_disabled_in_the_database_is_out_at_once(office: Office) -> None:
    """Even a disable that bypassed the back office (direct SQL) stops the session."""
    uid = office.add_user("bram", "finance")
    bram = office.session_for(uid)
    assert signed_in(bram)
    with office.live.server.write() as conn:
        conn.execute(update(t.users).where(t.users.c.id == uid).values(active=False))
    assert not signed_in(bram)


def test_an_admin_cannot_lock_the_office_out(office: Office) -> None:
    uid = office.add_user("anna", "admin")
    admin = office.session_for(uid)
    token = office.csrf(admin, "/office/users")
    r = admin.post(f"/office/users/{uid}/disable", data={"csrf_token": token})
    assert r.status_code == 409 and "eigen account" in r.text
    other = office.add_user("cor", "admin")
    cor = office.session_for(other)
    ctoken = office.csrf(cor, "/office/users")
    assert cor.post(f"/office/users/{uid}/disable", data={"csrf_token": ctoken}).status_code == 303
    # nor can cor, now the last active admin
    last = cor.post(f"/office/users/{other}/disable", data={"csrf_token": ctoken})
    assert last.status_code == 409
    assert signed_in(cor)


def test_changing_the_password_ends_the_other_sessions(office: Office) -> None:
    uid = office.add_user("anna", "inspector")
    here = office.client()
    assert office.sign_in(here, "anna").status_code == 303
    elsewhere = office.session_for(uid)
    token = office.csrf(here, "/office/account/password")
    new = "een heel ander wachtwoord"
    wrong = here.post(
        "/office/account/password",
        data={"csrf_token": token, "current": "nope", "new": new, "repeat": new},
    )
    assert wrong.status_code == 400
    ok = here.post(
        "/office/account/password",
        data={"csrf_token": token, "current": PASSWORD, "new": new, "repeat": new},
    )
    assert ok.status_code == 303
    assert signed_in(here) and not signed_in(elsewhere)
    assert office.sign_in(office.client(), "anna").status_code == 401
    assert office.sign_in(office.client(), "anna", new).status_code == 303
