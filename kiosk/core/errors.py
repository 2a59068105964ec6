"""The one error type shown to people: a stable code plus Dutch and English text."""

from __future__ import annotations

from typing import Literal

Lang = Literal["nl", "en"]


class HeitjeError(Exception):
    """A refusal a person can read. `code` is stable (logs, API answers, tests); the texts are not.

    Subclasses group refusals by area (ledger, cards, sync); the instance carries the exact case.
    """

    def __init__(self, code: str, nl: str, en: str) -> None:
        super().__init__(f"{code}: {en}")
        self.code = code
        self.nl = nl
        self.en = en

    def message(self, lang: Lang = "nl") -> str:
        return self.nl if lang == "nl" else self.en

    def __reduce__(self) -> tuple[type[HeitjeError], tuple[str, str, str]]:
        return (type(self), (self.code, self.nl, self.en))
