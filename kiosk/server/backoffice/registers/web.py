"""What the register pages share: answers after a change, refusals as pages, and the
lists of options a form chooses from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.core.errors import HeitjeError
from kiosk.server.backoffice.i18n import language_of
from kiosk.server.backoffice.office import Office
from kiosk.server.backoffice.registers import texts as _texts  # noqa: F401  (adds the texts)

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


def chosen(values: Sequence[str]) -> list[str]:
    """The ticked boxes of a multiple choice, without blanks or repeats, in order."""
    return list(dict.fromkeys(v for v in values if v))


def new_card_of(request: Request, owned: Sequence[Any]) -> str:
    """The card just issued (``?card=SERIAL`` after issuing or replacing), if it is one of
    the holder's: the page then offers to print it first."""
    serial = request.query_params.get("card", "")
    return serial if any(c.serial == serial for c in owned) else ""
