"""What the register pages share: a register's list page, its form (shown again with the
message when a change is refused), the thing a page is about or a 404, answers after a
change, refusals as pages, and the lists of options a form chooses from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, Select
from sqlalchemy.sql.elements import ColumnElement
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.core.errors import HeitjeError
from kiosk.server.backoffice.i18n import language_of
from kiosk.server.backoffice.listing import ListQuery, Page, paginate
from kiosk.server.backoffice.office import Office
from kiosk.server.backoffice.registers import texts as _texts  # noqa: F401  (adds the texts)
from kiosk.server.backoffice.registers.common import neighbourhood_options

T = TypeVar("T")


def not_found() -> NoReturn:
    raise StarletteHTTPException(status_code=404)


def done(path: str, key: str, **params: str) -> RedirectResponse:
    """303 to `path` with the notice `key` (``done.…``) and any other query parameters."""
    return RedirectResponse(f"{path}?{urlencode({'done': key, **params})}", status_code=303)


def message(request: Request, exc: HeitjeError) -> str:
    return exc.message(language_of(request))


def status_of(exc: HeitjeError) -> int:
    """404 for a thing that does not exist, 409 for a change that cannot be made now."""
    return 404 if exc.code.endswith("_unknown") else 409


def refused(request: Request, office: Office, exc: HeitjeError) -> Response:
    """A button's change that was refused: a page saying why, and that nothing changed."""
    return office.render(
        request,
        "error.html",
        {"key": "refused.action", "message": message(request, exc)},
        status=status_of(exc),
    )


def act(
    request: Request, office: Office, action: Callable[[], T], then: Callable[[T], Response]
) -> Response:
    """Do `action` (one of the registers' changes); `then` answers with its result, a
    refusal answers with a page."""
    try:
        result = action()
    except HeitjeError as exc:
        return refused(request, office, exc)
    return then(result)


def list_page(
    request: Request,
    office: Office,
    template: str,
    stmt: Select[Any],
    query: ListQuery,
    *,
    search: Sequence[ColumnElement[Any]],
    order_by: Sequence[ColumnElement[Any]],
    path: str,
    more: Callable[[Connection, Page], dict[str, Any]] | None = None,
    **context: Any,
) -> Response:
    """A register's list: `stmt`'s rows searched, in order and cut into pages
    (listing.paginate), as `page`; `more` adds what the page's rows need, read on the same
    connection (balances, loans, names)."""
    with office.server.engine.connect() as conn:
        page = paginate(conn, stmt, query, search=search, order_by=order_by, path=path)
        extra = more(conn, page) if more is not None else {}
    return office.render(request, template, {"page": page, **context, **extra})


def form_page(
    request: Request,
    office: Office,
    template: str,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
    *,
    neighbourhoods: bool = False,
    **context: Any,
) -> Response:
    """A register's form with its `values` (and, after a refused change, the `error` with
    status 400); `neighbourhoods` adds the neighbourhoods to choose from."""
    if neighbourhoods:
        with office.server.engine.connect() as conn:
            context["neighbourhoods"] = neighbourhood_options(conn)
    return office.render(
        request, template, {"values": values, **context, "error": error}, status=status
    )


def save(
    request: Request,
    change: Callable[[], T],
    then: Callable[[T], Response],
    again: Callable[[str], Response],
    *,
    unknown: str | None = None,
) -> Response:
    """A form's change: `then` answers with its result; a refusal shows the form `again`
    with the message in the person's language, or is a 404 when its code is `unknown` (the
    thing edited does not exist)."""
    try:
        result = change()
    except HeitjeError as exc:
        if unknown is not None and exc.code == unknown:
            not_found()
        return again(message(request, exc))
    return then(result)


def found(office: Office, get: Callable[[Connection, str], T | None], key: str) -> T:
    """The register's thing with this key (``get(conn, key)``), or a 404 page."""
    with office.server.engine.connect() as conn:
        thing = get(conn, key)
    if thing is None:
        not_found()
    return thing


def chosen(values: Sequence[str]) -> list[str]:
    """The ticked boxes of a multiple choice, without blanks or repeats, in order."""
    return list(dict.fromkeys(v for v in values if v))


def new_card_of(request: Request, owned: Sequence[Any]) -> str:
    """The card just issued (``?card=SERIAL`` after issuing or replacing), if it is one of
    the holder's: the page then offers to print it first."""
    serial = request.query_params.get("card", "")
    return serial if any(c.serial == serial for c in owned) else ""
