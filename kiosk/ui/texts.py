"""The UI's words in Dutch (default) and English."""

from __future__ import annotations

from kiosk.core.errors import Lang

_TEXTS: dict[str, tuple[str, str]] = {
    "app_title": ("Heitje — buurtkassa", "Heitje — neighbourhood till"),
    "residents": ("Bewoners en saldo", "Residents and balances"),
    "col_name": ("Naam", "Name"),
    "col_neighbourhood": ("Wijk", "Neighbourhood"),
    "col_balance": ("Saldo (heitjes)", "Balance (heitjes)"),
    "col_cards": ("Kaarten", "Cards"),
    "device": ("Apparaat", "Device"),
    "entries_total": ("{n} boekingen", "{n} entries"),
}


def t(key: str, lang: Lang = "nl", **values: object) -> str:
    nl, en = _TEXTS[key]
    return (nl if lang == "nl" else en).format(**values)
