"""The work pages' forms take any input (Hypothesis): the readers in work.py accept exactly
what they should and refuse the rest with an OfficeError a person can read; over real HTTP
the chore, rejection, review and settlement forms answer a page (stored, or the problem on
the form), never a server error, and what they store is clean (both databases for HTTP)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.core import days
from kiosk.core.amounts import format_amount
from kiosk.server import tables as t
from kiosk.server.backoffice import work
from kiosk.server.backoffice.i18n import OfficeError
from tests.server.backoffice.kit import Office, csrf_of
from tests.server.backoffice.work_kit import HOUR, MINUTE, Kiosk, seeded
from tests.server.conftest import NOW

MOST = 21_000
anything = st.text(max_size=60) | st.sampled_from(
    ["0", "-1", "1,999", "1.5", "٣", "1e3", " 7 ", "12,5"]
)


@given(st.integers(min_value=1, max_value=MOST), st.sampled_from(["nl", "en"]))
def test_an_amount_reads_back_as_written(cents: int, lang: str) -> None:
    assert work.heitje_amount(format_amount(cents, lang), most=MOST) == cents


@given(anything)
def test_an_amount_is_read_or_refused_in_words(text: str) -> None:
    try:
        cents = work.heitje_amount(text, most=MOST)
    except OfficeError as exc:
        assert exc.code.startswith("amount_") and exc.nl and exc.en
    else:
        assert 0 < cents <= MOST


@given(anything)
def test_a_number_is_read_or_refused_in_words(text: str) -> None:
    try:
        n = work.whole_number(text, least=1, most=10_000)
    except OfficeError as exc:
        assert exc.code in ("number_unreadable", "number_out_of_range")
    else:
        assert 1 <= n <= 10_000 and str(n) == text.strip().lstrip("0")


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_a_local_time_reads_back(moment: dt.datetime) -> None:
    moment = moment.replace(second=0, microsecond=0)
    ms = work.local_datetime(moment.strftime(work.DATETIME_FORMAT))
    back = days.local(ms).replace(tzinfo=None)
    # equal, except an hour the clocks skip in spring, which is read as the hour after it
    assert back == moment or back - moment == dt.timedelta(hours=1)


@given(st.text(max_size=300))
def test_text_is_one_clean_line_or_refused(text: str) -> None:
    try:
        clean = work.plain_text(text)
    except OfficeError as exc:
        assert exc.code in ("field_required", "text_too_long", "text_control")
    else:
        assert clean == clean.strip() and "\n" not in clean and 0 < len(clean) <= work.MAX_TITLE
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in clean)


FORMS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def admin_form(office: Office) -> tuple[httpx.Client, str]:
    seeded(office)
    c = office.as_role("admin")
    return c, csrf_of(c.get("/office/chores/new").text)


@FORMS
@given(
    st.fixed_dictionaries(
        {
            "title": anything,
            "title_en": anything,
            "neighbourhood_id": st.sampled_from(["nb-1", "nb-2", "", "nb-9", "x" * 80]),
            "reward": anything,
            "capacity": anything,
            "starts_at": st.sampled_from(["2026-11-18T09:00", "", "2026-02-30T10:00", "nu"]),
            "ends_at": st.sampled_from(
                ["2026-12-01T17:00", "2026-11-01T17:00", "9999-12-31T23:59"]
            ),
            "klusbox_kind": st.sampled_from(["", "bezems", "onbekend"]),
        }
    )
)
def test_the_chore_form_never_fails(
    office: Office, admin_form: tuple[httpx.Client, str], form: dict[str, str]
) -> None:
    c, token = admin_form
    r = c.post("/office/chores", data={**form, "csrf_token": token})
    assert r.status_code in (303, 400), (r.status_code, r.text[:300])
    if r.status_code == 303:
        chore_id = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
        with office.live.server.engine.connect() as conn:
            row = conn.execute(select(t.chores).where(t.chores.c.id == chore_id)).mappings().one()
        assert 0 < row["reward"] <= MOST and 1 <= row["capacity"] <= 10_000
        assert row["starts_at"] < row["ends_at"] and row["title"] == " ".join(form["title"].split())


@dataclass
class Waiting:
    admin: httpx.Client
    finance: httpx.Client
    admin_token: str
    finance_token: str


@pytest.fixture
def waiting(office: Office) -> Waiting:
    """A claim waiting for inspection and a spend over the cap in review."""
    live = seeded(office)
    kiosk = Kiosk.enrol(live)
    live.clock.advance(2 * HOUR)
    kiosk.did_chore("cl-1", "ch-1", "r-1", check_in=NOW + MINUTE, check_out=NOW + HOUR)
    counter = live.enrol("merchant-counter", "Kassa", merchant="m-1")
    counter.spend("r-1", 3000)
    live.ack(counter.batch())
    a, f = office.as_role("admin"), office.as_role("finance")
    return Waiting(a, f, office.csrf(a), office.csrf(f))


@FORMS
@given(
    st.sampled_from(["not_done", "other", "", "poor_quality", "x"]),
    st.text(max_size=80),
    st.sampled_from(["approved", "reversed", "confirmed", "applied", "", "nonsense"]),
    st.text(max_size=80),
    st.text(max_size=12),
    st.text(max_size=12),
)
def test_the_other_forms_never_fail(
    waiting: Waiting, reason: str, note: str, decision: str, why: str, first: str, last: str
) -> None:
    w = waiting
    r = w.admin.post(
        "/office/inspection/cl-1/reject",
        data={"reason": reason, "note": note, "csrf_token": w.admin_token},
    )
    assert r.status_code in (303, 400, 409), r.status_code
    r = w.finance.post(
        "/office/review/1",
        data={"decision": decision, "reason": why, "csrf_token": w.finance_token},
    )
    assert r.status_code in (303, 400, 409), r.status_code
    r = w.finance.post(
        "/office/settlements", data={"first": first, "last": last, "csrf_token": w.finance_token}
    )
    assert r.status_code in (303, 400, 409), r.status_code
