"""What the work pages share (chores, inspection, review, money, settlement, reports): the
Server behind the back office, form values read strictly into OfficeErrors a person can act
on, the words of the ledger's rules, amounts and times as people read them, and the
neighbourhoods an account works in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, delete, insert, select

from kiosk.core import days
from kiosk.core.amounts import AmountError, format_amount, parse_amount
from kiosk.core.entries import Kind
from kiosk.core.errors import HeitjeError, Lang
from kiosk.server import tables as t
from kiosk.server.backoffice.i18n import OfficeError, language_of, translate
from kiosk.server.backoffice.office import Office, when
from kiosk.server.context import ServerCore
from kiosk.server.errors import MESSAGES
from kiosk.server.periods import today
from kiosk.server.service import Server
from kiosk.sql import READ_ONLY
from kiosk.sync.refusals import KIND_WORDS, REASONS

MAX_TITLE = 200
MAX_REASON = 500
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
T = TypeVar("T")
FAR_FUTURE = 253_402_300_799_000  # 9999-12-31: "never ends" (admin.add_chore uses 2**62)


def server_of(office: Office) -> Server:
    """The full Server (registry, ingest) behind the back office (its type says ServerCore:
    the foundation needs no more)."""
    server = office.server
    if not isinstance(server, Server):
        raise TypeError("the back office's work pages need a kiosk.server.service.Server")
    return server


def reading(server: ServerCore) -> Connection:
    """A connection for a page that only reads. On SQLite it begins deferred
    (kiosk.sql.READ_ONLY): in WAL mode it neither waits for a writer nor holds one up, and
    pages may open one inside another (a plain connection begins IMMEDIATE: it takes the
    write lock, and a second one in the same request would wait for the first)."""
    return server.engine.connect().execution_options(**{READ_ONLY: True})


def page(
    office: Office,
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """``office.render`` with the work pages' formatters in the person's language:
    ``heitjes(cents)``, ``euros(cents)``, ``rule(code)``, ``kind(kind)``, ``hours(ms)`` and
    ``moment(ms)``."""
    lang = language_of(request)
    values: dict[str, Any] = {
        "heitjes": lambda cents: heitjes(cents, lang),
        "euros": lambda cents: euros(cents, lang),
        "rule": lambda code: rule_words(code, lang),
        "kind": lambda kind: kind_words(kind, lang),
        "hours": lambda ms: hours(ms, lang),
        "moment": lambda ms: moment(ms, lang),
        "problems": None,
    }
    values.update(context or {})
    return office.render(request, template, values, status=status)


# -- words ---------------------------------------------------------------------------------------


def rule_words(code: str, lang: Lang) -> str:
    """What a rule's code means, for a person: the server's message for its code
    (kiosk/server/errors.py), or for an over-limit spend the limit it broke."""
    if code in MESSAGES:
        _, nl, en = MESSAGES[code]
        return nl if lang == "nl" else en
    words = REASONS.get(code)
    if words is not None:
        text = words.message(lang)
        return text[:1].upper() + text[1:] + "."
    return code


def kind_words(kind: str, lang: Lang) -> str:
    try:
        return KIND_WORDS[Kind(kind)].message(lang)
    except (KeyError, ValueError):
        return kind


def refusal_message(exc: HeitjeError, lang: Lang) -> str:
    """A rule's refusal in its code's words (without the English-only detail)."""
    if exc.code in MESSAGES:
        return rule_words(exc.code, lang)
    return exc.message(lang)


def heitjes(cents: int | None, lang: Lang) -> str:
    return "" if cents is None else format_amount(int(cents), lang)


def euros(cents: int | None, lang: Lang) -> str:
    """Euro cents as "€ 1.234,56" (nl) or "€1,234.56" (en)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    if lang == "nl":
        return f"{sign}€ {whole:,}".replace(",", ".") + f",{frac:02d}"
    return f"{sign}€{whole:,}.{frac:02d}"


def hours(ms: int | None, lang: Lang) -> str:
    """A duration as hours with one decimal ("1,5" in Dutch)."""
    if ms is None:
        return ""
    tenths = (int(ms) + 180_000) // 360_000  # rounded to a tenth of an hour
    whole, frac = divmod(tenths, 10)
    return f"{whole}{',' if lang == 'nl' else '.'}{frac}"


def moment(ms: int | None, lang: Lang) -> str:
    """A time as the pages show it (Amsterdam), or "no end" for a chore that never ends."""
    if ms is None:
        return ""
    if ms >= FAR_FUTURE:
        return translate(lang, "work.no_end")
    return when(ms)


def local_input(ms: int) -> str:
    """Epoch ms as the value of a datetime-local field (Amsterdam time)."""
    return days.local(ms).strftime(DATETIME_FORMAT)


# -- reading form values -------------------------------------------------------------------------


class Problems:
    """The problems of one form, per field (a field's id is ``f-<name>``), in form order:
    every problem is shown at once, each beside its field and in a list at the top."""

    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang
        self.items: list[tuple[str, str, str]] = []  # (field, label key, message)

    def check(self, field: str, label_key: str, read: Callable[[], T]) -> T | None:
        """`read()`'s value, or None after noting its refusal under `field`."""
        try:
            return read()
        except HeitjeError as exc:
            self.add(field, label_key, exc)
            return None

    def add(self, field: str, label_key: str, exc: HeitjeError) -> None:
        self.items.append((field, label_key, exc.message(self.lang)))

    def message(self, field: str) -> str | None:
        return next((m for f, _, m in self.items if f == field), None)

    def __bool__(self) -> bool:
        return bool(self.items)


def plain_text(value: str, *, required: bool = True, limit: int = MAX_TITLE) -> str:
    """One line of text a person typed: trimmed, no control characters, at most `limit`."""
    text = " ".join(value.split())
    if not text:
        if required:
            raise OfficeError("field_required")
        return ""
    if len(text) > limit:
        raise OfficeError("text_too_long", n=limit)
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise OfficeError("text_control")
    return text


def reason_text(value: str, *, limit: int = MAX_REASON) -> str:
    """A reason a person typed (may span lines; kept on one line in the ledger)."""
    text = " ".join(value.split())
    if not text:
        raise OfficeError("reason_required")
    if len(text) > limit:
        raise OfficeError("text_too_long", n=limit)
    return text


def heitje_amount(value: str, *, most: int) -> int:
    """An amount in heitjes with cents ("15", "15,50", "15.50") as cents, above 0 and at most
    `most` cents."""
    if not value.strip():
        raise OfficeError("amount_required")
    try:
        cents = parse_amount(value)
    except AmountError:
        raise OfficeError("amount_unreadable", value=value.strip()[:20]) from None
    if cents <= 0:
        raise OfficeError("amount_not_positive")
    if cents > most:
        raise OfficeError("amount_too_high", most=format_amount(most, "nl"))
    return cents


def whole_number(value: str, *, least: int, most: int) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise OfficeError("number_unreadable", least=least, most=most)
    number = int(text)
    if not least <= number <= most:
        raise OfficeError("number_out_of_range", least=least, most=most)
    return number


def local_datetime(value: str) -> int:
    """A datetime-local value ("2026-11-18T14:00", Amsterdam time) as epoch ms."""
    text = value.strip()
    try:
        moment = dt.datetime.strptime(text, DATETIME_FORMAT)
    except ValueError:
        raise OfficeError("datetime_unreadable", value=text[:20]) from None
    return int(moment.replace(tzinfo=days.LOCAL_TZ).timestamp() * 1000)


# -- periods --------------------------------------------------------------------------------------


def month_key(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def default_months(now_ms: int, count: int = 12) -> tuple[str, str]:
    """The `count` months up to and including the current one."""
    last = today(now_ms).replace(day=1)
    first = last
    for _ in range(count - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return month_key(first), month_key(last)


def previous_month(now_ms: int) -> tuple[str, str]:
    """The first and last day of last month (the usual settlement period)."""
    first_this = today(now_ms).replace(day=1)
    last = first_this - dt.timedelta(days=1)
    return last.replace(day=1).isoformat(), last.isoformat()


# -- people and places -----------------------------------------------------------------------------


def usernames(conn: Connection, ids: Iterable[str | int | None]) -> dict[str, str]:
    """Back-office user ids (as settlement.py stores them, text) -> username."""
    wanted = sorted({int(i) for i in ids if i is not None and str(i).isdigit()})
    if not wanted:
        return {}
    u = t.users.c
    return {
        str(uid): name
        for uid, name in conn.execute(select(u.id, u.username).where(u.id.in_(wanted)))
    }


def neighbourhood_options(conn: Connection) -> list[tuple[str, str]]:
    """(id, name) of every neighbourhood, by name."""
    n = t.neighbourhoods.c
    return [(r.id, r.name) for r in conn.execute(select(n.id, n.name).order_by(n.name, n.id))]


def areas_of(conn: Connection, user_id: int) -> list[str]:
    un = t.user_neighbourhoods.c
    return sorted(
        conn.execute(select(un.neighbourhood_id).where(un.user_id == user_id)).scalars().all()
    )


def set_areas(conn: Connection, user_id: int, neighbourhood_ids: Sequence[str]) -> None:
    un = t.user_neighbourhoods.c
    conn.execute(delete(t.user_neighbourhoods).where(un.user_id == user_id))
    if neighbourhood_ids:
        conn.execute(
            insert(t.user_neighbourhoods),
            [{"user_id": user_id, "neighbourhood_id": n} for n in sorted(set(neighbourhood_ids))],
        )
