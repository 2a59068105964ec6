"""All back-office text, Dutch and English, in one table; Dutch unless the person chose
English (a cookie, one click on every page).

Templates call ``t("key")``; a key missing from the table is an error, never a silent
fallback, so a page cannot show half-translated text (tests render every template and
check that template text outside ``t()`` holds no words). Other parts add their texts with
``add_texts`` (each key once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from starlette.requests import Request

from kiosk.core.errors import HeitjeError
from kiosk.server.backoffice.texts import BASE

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
DEFAULT: Lang = "nl"
COOKIE = "heitje_lang"

TEXTS: dict[str, tuple[str, str]] = dict(BASE)


def add_texts(texts: Mapping[str, tuple[str, str]]) -> None:
    """Add (Dutch, English) texts; a key that is already there is a mistake."""
    for key, pair in texts.items():
        if key in TEXTS:
            raise ValueError(f"translation key {key!r} defined twice")
        nl, en = pair
        if not nl or not en:
            raise ValueError(f"translation key {key!r} needs both a Dutch and an English text")
        TEXTS[key] = (nl, en)


def translate(lang: Lang, key: str, **params: object) -> str:
    try:
        nl, en = TEXTS[key]
    except KeyError:
        raise KeyError(f"no translation for {key!r} (add it to kiosk/server/backoffice)") from None
    text = nl if lang == "nl" else en
    return text.format(**params) if params else text


def language_of(request: Request) -> Lang:
    chosen = request.cookies.get(COOKIE)
    return "en" if chosen == "en" else DEFAULT


class OfficeError(HeitjeError):
    """A refusal shown to a back-office user; its texts are ``error.<code>`` in the table."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(
            code,
            translate("nl", f"error.{code}", **params),
            translate("en", f"error.{code}", **params),
        )
