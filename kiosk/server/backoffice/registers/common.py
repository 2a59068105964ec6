"""What every register shares: checking names and other free text, making ids, and reading
the lists the forms choose from."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.sql.elements import ColumnElement

from kiosk.core.ids import IDENT_MAX, is_ident
from kiosk.server import tables as t
from kiosk.server.backoffice.i18n import OfficeError

MAX_NAME = 200
ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l: read aloud and typed
RANDOM_ID_LENGTH = 10  # 31**10: a collision is never expected; the insert refuses one anyway
MAX_SLUG = 40


def clean_text(value: str, *, max_length: int = MAX_NAME) -> str:
    """`value` with its spaces tidied (NFC, runs of white space as one space); "" if empty.
    Raises ValueError for control characters or more than `max_length` characters."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if len(text) > max_length or not text.isprintable():
        raise ValueError(text)
    return text


def name_of(value: str, missing: str = "name_missing", invalid: str = "name_invalid") -> str:
    """A required name (of a person, a shop, a neighbourhood, a box, a device)."""
    try:
        name = clean_text(value)
    except ValueError:
        raise OfficeError(invalid, n=MAX_NAME) from None
    if not name:
        raise OfficeError(missing)
    return name


def random_id(prefix: str) -> str:
    """An id that says nothing about whom it is for: a counter's snapshot holds resident ids
    without names, so an id must not be made from a name."""
    return prefix + "-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(RANDOM_ID_LENGTH))


def slug(name: str) -> str:
    """ "Bakker Jansen & Zn." -> "bakker-jansen-zn" (ASCII, for ids of public things)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:MAX_SLUG].strip("-")


def readable_id(conn: Connection, column: ColumnElement[Any], prefix: str, name: str) -> str:
    """An id made from the name of a public thing (a neighbourhood, a shop: device bindings
    and logs read better with "nb-oost" than with random letters), unique in `column`.
    Call it inside the write transaction, after the version bump: the writers' lock makes
    the check and the insert one step."""
    base = f"{prefix}-{slug(name)}" if slug(name) else random_id(prefix)
    taken = set(
        conn.execute(select(column).where(column.startswith(base, autoescape=True))).scalars()
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    assert is_ident(candidate) and len(candidate) <= IDENT_MAX
    return candidate


@dataclass(frozen=True)
class Option:
    """One choice in a form's list: its value and the text shown (a name, not a key)."""

    value: str
    label: str


def neighbourhood_options(conn: Connection) -> list[Option]:
    n = t.neighbourhoods.c
    rows = conn.execute(select(n.id, n.name).order_by(n.name, n.id))
    return [Option(r.id, r.name) for r in rows]


def merchant_options(conn: Connection) -> list[Option]:
    m = t.merchants.c
    rows = conn.execute(select(m.id, m.name).order_by(m.name, m.id))
    return [Option(r.id, r.name) for r in rows]


def neighbourhood_names(conn: Connection) -> dict[str, str]:
    return {o.value: o.label for o in neighbourhood_options(conn)}


def known_neighbourhood(conn: Connection, neighbourhood_id: str) -> str:
    """The neighbourhood a form chose, or OfficeError if none was chosen or it is unknown."""
    if not neighbourhood_id:
        raise OfficeError("neighbourhood_missing")
    if not is_ident(neighbourhood_id):  # no id has such characters (PostgreSQL refuses NUL)
        raise OfficeError("neighbourhood_unknown")
    found = conn.execute(
        select(t.neighbourhoods.c.id).where(t.neighbourhoods.c.id == neighbourhood_id)
    ).scalar_one_or_none()
    if found is None:
        raise OfficeError("neighbourhood_unknown")
    return str(found)
