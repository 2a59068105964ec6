"""Every form carries its session's CSRF token; a POST without it, with a wrong one or with
another session's, is refused 403 and changes nothing (both databases)."""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.server import tables as t
from tests.server.backoffice.kit import Office, csrf_of

NEW_USER = {
    "username": "nieuw",
    "display_name": "Nieuwe Collega",
    "role": "inspector",
    "password": "een lang genoeg wachtwoord",
    "repeat": "een lang genoeg wachtwoord",
}


def user_count(office: Office) -> int:
    with office.live.server.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.users)).scalar_one())


def test_a_form_without_its_token_is_refused(office: Office) -> None:
    admin = office.as_role("admin")
    others = office.csrf(office.as_role("admin"))
    before = user_count(office)
    for data in (
        NEW_USER,  # no token
        {**NEW_USER, "csrf_token": ""},
        {**NEW_USER, "csrf_token": "0" * 64},  # made up
        {**NEW_USER, "csrf_token": others},  # another session's
    ):
        r = admin.post("/office/users", data=data)
        assert r.status_code == 403, data
        assert "Formulier verlopen" in r.text
    assert user_count(office) == before
    # the same form with its own token works
    token = csrf_of(admin.get("/office/users/new").text)
    r = admin.post("/office/users", data={**NEW_USER, "csrf_token": token})
    assert r.status_code == 303, r.text
    assert user_count(office) == before + 1


def test_every_form_on_a_page_carries_the_token(office: Office) -> None:
    admin = office.as_role("admin")
    office.add_user("bram", "finance")
    page = admin.get("/office/users").text
    token = csrf_of(page)
    forms = page.count('method="post"')
    assert forms >= 3  # sign-out, disable anna, disable bram
    assert page.count(f'name="csrf_token" value="{token}"') == forms


def test_sign_out_needs_the_token_too(office: Office) -> None:
    c = office.as_role("researcher")
    assert c.post("/office/sign-out").status_code == 403
    assert c.get("/office").status_code == 200  # still signed in
    token = office.csrf(c)
    assert c.post("/office/sign-out", data={"csrf_token": token}).status_code == 303
    assert c.get("/office").status_code == 303


def test_scripts_send_the_token_as_a_header(office: Office) -> None:
    c = office.as_role("finance")
    token = office.csrf(c)
    assert c.post("/office/sign-out", headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert c.post("/office/sign-out", headers={"X-CSRF-Token": token}).status_code == 303


def test_a_json_body_does_not_carry_a_token(office: Office) -> None:
    c = office.as_role("finance")
    token = office.csrf(c)
    r = c.post("/office/sign-out", json={"csrf_token": token})
    assert r.status_code == 403
