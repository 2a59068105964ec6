"""What people type into the register forms, with Hypothesis: the checks give a clean value
or a message, never anything else; and over real HTTP, any form input is answered with the
change (303), the form and its message (400) or the too-long page (422), never a 500."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from kiosk.core import roles
from kiosk.core.ids import is_ident
from kiosk.server import tables as t
from kiosk.server.backoffice.i18n import TEXTS, OfficeError
from kiosk.server.backoffice.registers import cards, common, klusboxes
from kiosk.server.backoffice.registers.texts import (
    DEVICE_ROLE_KEYS,
    DEVICE_STATUS_KEYS,
    KLUSBOX_STATE_KEYS,
    STAFF_ROLE_KEYS,
)
from kiosk.server.db import open_engine
from tests.server.backoffice.kit import Office
from tests.server.backoffice.registers_kit import Admin

TYPED = st.text(st.characters(codec="utf-8"), max_size=300)


@given(TYPED)
def test_a_name_is_tidy_or_refused_with_a_known_message(value: str) -> None:
    try:
        name = common.name_of(value)
    except OfficeError as exc:
        assert exc.code in ("name_missing", "name_invalid")
        assert f"error.{exc.code}" in TEXTS
        return
    assert name == " ".join(name.split()) and name.isprintable() and name
    assert len(name) <= common.MAX_NAME
    assert common.name_of(name) == name  # tidy already


@given(TYPED)
def test_a_slug_is_always_an_identifier_part(value: str) -> None:
    part = common.slug(value)
    assert len(part) <= common.MAX_SLUG
    assert set(part) <= set(string.ascii_lowercase + string.digits + "-")
    assert not part.startswith("-") and not part.endswith("-")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_engine(f"sqlite+pysqlite:///{tmp_path_factory.mktemp('ids') / 'ids.sqlite3'}")
    t.neighbourhoods.create(engine)
    yield engine
    engine.dispose()


@given(
    names=st.lists(
        st.sampled_from(["Oost", "Oost", "Zuid-West", "Ünïcode", "!!!", ""]), max_size=12
    )
)
def test_readable_ids_stay_unique_and_valid(scratch: Engine, names: list[str]) -> None:
    made = []
    with scratch.connect() as conn, conn.begin() as tx:
        for name in names:
            nid = common.readable_id(conn, t.neighbourhoods.c.id, "nb", name)
            conn.execute(insert(t.neighbourhoods).values(id=nid, name=name))
            made.append(nid)
        tx.rollback()
    assert len(set(made)) == len(made) and all(is_ident(n) for n in made)


@given(TYPED)
def test_components_are_lines_or_a_message(value: str) -> None:
    try:
        parts = klusboxes.parse_components(value)
    except OfficeError as exc:
        assert exc.code in ("component_invalid", "components_too_many")
        return
    assert all(p and p.isprintable() and len(p) <= klusboxes.MAX_COMPONENT for p in parts)
    assert klusboxes.parse_components("\n".join(parts)) == parts  # what the edit form shows


@given(st.text(max_size=10), st.booleans())
def test_a_pin_is_four_to_six_ascii_digits(pin: str, same: bool) -> None:
    repeat = pin if same else pin + "0"
    good = 4 <= len(pin) <= 6 and all(ch in string.digits for ch in pin)
    try:
        assert cards.check_pin(pin, repeat) == pin
        assert good and same
    except OfficeError as exc:
        assert exc.code == ("pin_mismatch" if good else "pin_form")


FORMS = {
    "/office/residents": ("name", "neighbourhood", "card"),
    "/office/neighbourhoods": ("name", "cbs_code"),
    "/office/merchants": ("name", "address", "neighbourhood", "iban"),
    "/office/staff": ("name", "role", "card"),
    "/office/klusboxes": ("name", "kind", "neighbourhood", "components"),
    "/office/devices/codes": ("role", "name", "merchant", "neighbourhoods"),
}
FIELD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["nb-1", "m-1", "inspector", "merchant-counter", "BU03630000", "1"]),
    st.text(max_size=700),
)


@pytest.fixture
def seeded(office: Office) -> Admin:
    """An admin on a seeded server, shared by every example of one run."""
    office.live.seed()
    return Admin.signed_in(office)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_form_input_gets_an_answer_a_person_can_read(
    seeded: Admin, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(sorted(FORMS)))
    form = {name: data.draw(FIELD, label=name) for name in FORMS[path]}
    r = seeded.post(path, **form)
    assert r.status_code in (200, 303, 400, 422), (path, form, r.status_code)
    assert r.status_code == 303 or r.headers["content-type"].startswith("text/html")
    if r.status_code == 400:
        assert 'role="alert"' in r.text


def test_every_refusal_and_state_of_the_registers_has_its_words() -> None:
    source = "".join(
        path.read_text(encoding="utf-8") for path in (Path(common.__file__).parent).glob("*.py")
    )
    # the code given to OfficeError, also both of `OfficeError("a" if x else "b")`
    calls = re.findall(r"OfficeError\(\s*(\"[a-z_]+\"(?:\s+if [^\"]+ else \"[a-z_]+\")?)", source)
    codes = {code for call in calls for code in re.findall(r'"([a-z_]+)"', call)}
    codes |= {"name_missing", "name_invalid"}  # name_of's defaults
    assert {"resident_not_blocked", "klusbox_not_in_maintenance"} <= codes
    assert len(codes) > 30
    assert sorted(c for c in codes if f"error.{c}" not in TEXTS) == []
    maps = (STAFF_ROLE_KEYS, DEVICE_ROLE_KEYS, DEVICE_STATUS_KEYS, KLUSBOX_STATE_KEYS)
    assert all(key in TEXTS for m in maps for key in m.values())
    assert set(DEVICE_ROLE_KEYS) == set(roles.DEVICE_ROLES)
    assert set(STAFF_ROLE_KEYS) == set(t.STAFF_ROLES)
