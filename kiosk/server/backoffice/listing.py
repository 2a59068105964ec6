"""The list pages' pattern: a search box and pages of rows, the same on every register.

    @router.get("/residents")
    def residents(me: ..., office: OfficeDep, query: ListQueryDep) -> HTMLResponse:
        stmt = select(t.residents.c.id, t.residents.c.name)
        with office.server.engine.connect() as conn:
            page = paginate(conn, stmt, query, search=[t.residents.c.id, t.residents.c.name],
                            order_by=[t.residents.c.name, t.residents.c.id])
        return office.render(request, "residents/list.html", {"page": page})

and in the template: ``{% import "macros/listing.html" as listing with context %}``,
``{{ listing.search(page) }}``, a table over ``page.rows``, ``{{ listing.pager(page) }}``.

A search of several words finds the rows where every word occurs, in any of the search
columns, ignoring case; ``%`` and ``_`` are plain characters. Page numbers past the end
show the last page; nonsense shows the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from sqlalchemy import Connection, RowMapping, Select, String, and_, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

PER_PAGE = 25
MAX_QUERY = 100
MAX_WORDS = 8


@dataclass(frozen=True)
class ListQuery:
    q: str
    page: int
    per_page: int = PER_PAGE

    @property
    def words(self) -> list[str]:
        return self.q.split()[:MAX_WORDS]


def list_query(request: Request) -> ListQuery:
    q = request.query_params.get("q", "").strip()[:MAX_QUERY]
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 else 1
    return ListQuery(q=q, page=max(page, 1))


ListQueryDep = Annotated[ListQuery, Depends(list_query)]


@dataclass(frozen=True)
class Page:
    rows: list[RowMapping]
    total: int
    query: ListQuery
    path: str  # the list's own URL path, for the pager's links
    params: tuple[tuple[str, str], ...] = ()  # other filters to keep on every link

    @property
    def number(self) -> int:
        return self.query.page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when there are none)."""
        return 0 if not self.rows else (self.number - 1) * self.query.per_page + 1

    @property
    def last(self) -> int:
        return 0 if not self.rows else self.first + len(self.rows) - 1

    def url(self, page: int) -> str:
        params = [*self.params, *([("q", self.query.q)] if self.query.q else []), ("page", page)]
        return f"{self.path}?{urlencode(params)}"


def matches(words: Sequence[str], columns: Sequence[ColumnElement[Any]]) -> ColumnElement[bool]:
    """Every word occurs in at least one of `columns` (case-insensitive, literal)."""
    return and_(
        *(
            or_(
                *(
                    func.lower(cast(col, String)).contains(word.lower(), autoescape=True)
                    for col in columns
                )
            )
            for word in words
        )
    )


def paginate(
    conn: Connection,
    stmt: Select[Any],
    query: ListQuery,
    *,
    search: Sequence[ColumnElement[Any]],
    order_by: Sequence[ColumnElement[Any]],
    path: str,
    params: Sequence[tuple[str, str]] = (),
) -> Page:
    """One page of `stmt`'s rows, filtered by the query's words over `search`, in
    `order_by` order (make it unique, e.g. end with the id, or pages may overlap)."""
    if query.words and search:
        stmt = stmt.where(matches(query.words, search))
    total = int(conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    pages = max(1, -(-total // query.per_page))
    query = ListQuery(q=query.q, page=min(query.page, pages), per_page=query.per_page)
    rows = conn.execute(
        stmt.order_by(*order_by).limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).mappings()
    return Page(list(rows), total, query, path, tuple(params))
