"""The Accounts pages: an admin creates accounts; bad input gets a clear message and the
form back, filled in (both databases)."""

from __future__ import annotations

import json

from sqlalchemy import select

from kiosk.server import tables as t
from tests.server.backoffice.kit import Office, csrf_of

GOOD = {
    "username": "Inspecteur.Ilse",
    "display_name": "Ilse de Jong",
    "role": "inspector",
    "password": "een lang genoeg wachtwoord",
    "repeat": "een lang genoeg wachtwoord",
}


def test_an_admin_creates_an_account_that_can_sign_in(office: Office) -> None:
    admin_id = office.add_user("anna", "admin")
    admin = office.session_for(admin_id)
    form = admin.get("/office/users/new").text
    assert '<option value="inspector">Inspecteur</option>' in form
    r = admin.post("/office/users", data={**GOOD, "csrf_token": csrf_of(form)})
    assert r.status_code == 303 and r.headers["location"] == "/office/users?done=done.user_created"
    listing = admin.get(r.headers["location"]).text
    assert "Het account is gemaakt." in listing and "inspecteur.ilse" in listing
    with office.live.server.engine.connect() as conn:
        row = conn.execute(select(t.audit_log).where(t.audit_log.c.event == "user.create"))
        created = row.mappings().one()
    assert created["actor"] == f"user:{admin_id}"
    assert json.loads(created["after_json"])["role"] == "inspector"
    ilse = office.client()
    assert office.sign_in(ilse, "inspecteur.ilse", GOOD["password"]).status_code == 303
    assert "Inspecteur" in ilse.get("/office").text


def test_bad_input_gets_a_message_and_the_form_back(office: Office) -> None:
    office.add_user("anna", "admin")
    admin = office.as_role("admin")
    token = office.csrf(admin, "/office/users/new")
    cases = [
        ({"username": "a b"}, "kleine letters"),
        ({"username": "anna"}, "bestaat al"),
        ({"role": "mayor"}, "Kies een rol"),
        ({"password": "kort", "repeat": "kort"}, "minstens 12 tekens"),
        ({"repeat": "iets anders"}, "niet gelijk"),
        ({"display_name": "x" * 300}, "hoogstens 200"),
    ]
    for change, message in cases:
        r = admin.post("/office/users", data={**GOOD, **change, "csrf_token": token})
        assert r.status_code == 400, change
        assert message in r.text, change
        assert 'role="alert"' in r.text
        assert f'value="{change.get("username", GOOD["username"])}"' in r.text  # kept
        assert GOOD["password"] not in r.text  # never echoed
    with office.live.server.engine.connect() as conn:
        names = set(conn.execute(select(t.users.c.username)).scalars())
    assert "inspecteur.ilse" not in names
