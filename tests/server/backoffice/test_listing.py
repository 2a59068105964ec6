"""The list pattern: search and paging, as a property over random rows and searches (both
databases: SQLite and PostgreSQL differ in LIKE and lower()), and over HTTP on the accounts
list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from starlette.requests import Request

from bench.common import scratch_postgres
from kiosk.server import tables as t
from kiosk.server.backoffice.listing import MAX_QUERY, PER_PAGE, ListQuery, list_query, paginate
from kiosk.server.db import open_engine
from tests.conftest import postgres_url
from tests.server.backoffice.kit import Office

meta = MetaData()
people = Table(
    "people",
    meta,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(40), nullable=False),
    Column("town", String(40), nullable=False),
)
# few letters, and the characters LIKE treats specially, so that searches hit
TEXT = st.text(alphabet="abAB%_\\ é", min_size=0, max_size=6)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+pysqlite:///{tmp_path_factory.mktemp('listing') / 'l.sqlite3'}"
        else:
            base = postgres_url()
            if base is None:
                pytest.skip("KIOSK_TEST_POSTGRES_URL is not set")
            url = stack.enter_context(scratch_postgres(base, "kiosk_ls"))
        eng = open_engine(url)
        stack.callback(eng.dispose)
        meta.create_all(eng)
        yield eng


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(TEXT, TEXT), max_size=40),
    q=st.lists(TEXT.filter(lambda s: s.strip() != ""), max_size=3).map(" ".join),
    per_page=st.integers(1, 7),
    asked=st.integers(1, 12),
)
def test_pages_hold_every_match_once(
    engine: Engine, rows: list[tuple[str, str]], q: str, per_page: int, asked: int
) -> None:
    with engine.begin() as conn:
        conn.execute(delete(people))
        if rows:
            conn.execute(
                insert(people), [{"id": i, "name": n, "town": w} for i, (n, w) in enumerate(rows)]
            )
    words = q.split()
    expected = [
        i
        for i, (n, town) in enumerate(rows)
        if all(w.lower() in n.lower() or w.lower() in town.lower() for w in words)
    ]
    stmt = select(people.c.id, people.c.name, people.c.town)
    columns = [people.c.name, people.c.town]
    with engine.connect() as conn:

        def page(n: int) -> list[int]:
            got = paginate(
                conn, stmt, ListQuery(q, n, per_page), search=columns,
                order_by=[people.c.id], path="/x",
            )  # fmt: skip
            assert got.total == len(expected)
            assert got.pages == max(1, -(-len(expected) // per_page))
            assert len(got.rows) <= per_page
            assert got.number == min(n, got.pages)  # past the end: the last page
            return [r["id"] for r in got.rows]

        pages = max(1, -(-len(expected) // per_page))
        seen = [i for n in range(1, pages + 1) for i in page(n)]
        assert seen == expected
        assert page(asked) == page(min(asked, pages))


def request_with(query: bytes) -> Request:
    return Request({"type": "http", "query_string": query, "headers": [], "method": "GET"})


@given(st.binary(max_size=300))
def test_any_query_string_gives_a_sane_list_query(raw: bytes) -> None:
    parsed = list_query(request_with(raw))
    assert parsed.page >= 1 and len(parsed.q) <= MAX_QUERY
    assert parsed.q == parsed.q.strip()


def test_list_query_reads_q_and_page() -> None:
    assert list_query(request_with(b"q=+Anna++B+&page=3")) == ListQuery("Anna  B", 3)
    for nonsense in (b"page=-2", b"page=abc", b"page=", b"page=%D9%A3", b"page=99999999"):
        assert list_query(request_with(nonsense)).page == 1, nonsense


def test_the_accounts_list_searches_and_pages(office: Office) -> None:
    admin = office.as_role("admin")
    for i in range(PER_PAGE + 5):
        office.add_user(f"inspecteur{i:02d}", "inspector")
    first = admin.get("/office/users").text
    assert "1 tot en met 25 van 31" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = admin.get("/office/users", params={"page": 2}).text
    assert "26 tot en met 31 van 31" in second and 'rel="prev"' in second
    names = set(re.findall(r"<td>(inspecteur\d\d)</td>", first + second))
    assert len(names) == PER_PAGE + 5
    found = admin.get("/office/users", params={"q": "INSPECTEUR1"}).text
    assert "1 tot en met 10 van 10" in found
    assert 'href="/office/users?q=INSPECTEUR1&amp;page=' not in found  # one page only
    none = admin.get("/office/users", params={"q": "100%"}).text
    assert "Niets gevonden." in none


def test_the_pager_keeps_the_search(office: Office) -> None:
    admin = office.as_role("admin")
    for i in range(PER_PAGE + 1):
        office.add_user(f"fin{i:02d}", "finance")
    page = admin.get("/office/users", params={"q": "fin"}).text
    assert 'href="/office/users?q=fin&amp;page=2"' in page


def test_rows_reach_the_page_escaped(office: Office) -> None:
    admin = office.as_role("admin")
    uid = office.add_user("evil", "finance")
    with office.live.server.write() as conn:
        conn.execute(
            update(t.users).where(t.users.c.id == uid).values(display_name="<script>x</script>")
        )
    page = admin.get("/office/users").text
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
