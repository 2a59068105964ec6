"""A resident's history in plain words: each ledger entry that took effect for them, newest
first, as a sentence ("Betaald bij Bakker Jansen"), with what it did to their balance.

Read by the ledger's resident index (``ledger.resident_id`` is set on every entry that took
effect for a resident: money to or from their wallet, chores, cards, loans). Names of
chores, shops and klusboxes are looked up once per page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from kiosk.core import accounts as acc
from kiosk.core.amounts import format_amount
from kiosk.core.entries import Kind
from kiosk.server import tables as t
from kiosk.server.backoffice.i18n import Lang, translate
from kiosk.server.backoffice.listing import ListQuery, Page, paginate

L = t.ledger.c

# kind -> translation key; {chore}, {merchant}, {box}, {card}, {reason} are filled in.
WORDS: dict[str, str] = {
    Kind.EARN: "history.earn",
    Kind.SPEND: "history.spend",
    Kind.REFUND: "history.refund",
    Kind.EXPIRE: "history.expire",
    Kind.CLAIM_SIGNUP: "history.claim_signup",
    Kind.CHECK_IN: "history.check_in",
    Kind.CHECK_OUT: "history.check_out",
    Kind.CLAIM_DONE: "history.claim_done",
    Kind.APPROVAL: "history.approval",
    Kind.REJECTION: "history.rejection",
    Kind.CARD_EVENT: "history.card_event",
    Kind.LOAN: "history.loan",
    Kind.RETURN: "history.return",
    Kind.REVIEW: "history.review",
    Kind.SETTLE: "history.other",
}
CARD_EVENTS = {"pin_set": "history.pin_set"}


@dataclass(frozen=True)
class Line:
    at: int
    what: str  # the sentence, in the page's language
    change: str | None  # "+15,00" / "-2,50", or None for an entry without money
    where: str  # the device's name, or the municipality's own chain


def _refs(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _names(
    conn: Connection, table: Any, ids: Iterable[str], column: str = "name"
) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(select(table.c.id, table.c[column]).where(table.c.id.in_(wanted)))
    return {str(i): str(n) for i, n in rows}


def page(
    conn: Connection, resident_id: str, query: ListQuery, path: str, lang: Lang, server_id: str
) -> tuple[Page, list[Line]]:
    stmt = (
        select(
            L.id,
            L.kind,
            L.debit,
            L.credit,
            L.amount,
            L.refs,
            L.wall_time,
            L.claim_id,
            L.device_id,
            t.devices.c.name.label("device"),
        )
        .outerjoin(t.devices, t.devices.c.id == L.device_id)
        .where(L.resident_id == resident_id, L.status == "applied")
    )
    found = paginate(conn, stmt, query, search=[], order_by=[L.id.desc()], path=path)
    rows = [(r, _refs(r["refs"])) for r in found.rows]
    claim_chores = dict(
        conn.execute(
            select(t.claims.c.id, t.claims.c.chore_id).where(
                t.claims.c.id.in_(sorted({r["claim_id"] for r, _ in rows if r["claim_id"]}))
            )
        ).all()
    )

    def chore_of(r: Any, refs: dict[str, Any]) -> str:
        return str(refs.get("chore") or claim_chores.get(r["claim_id"]) or "")

    chores = _names(conn, t.chores, (chore_of(r, f) for r, f in rows), "title")
    tills = [
        acc.owner_of(a)
        for r, _ in rows
        for a in (r["debit"], r["credit"])
        if a and a.startswith(acc.TILL_PREFIX)
    ]
    merchants = _names(conn, t.merchants, tills)
    boxes = _names(conn, t.klusboxes, (str(f.get("klusbox", "")) for _, f in rows))
    wallet = acc.wallet(resident_id)
    lines = []
    for r, refs in rows:
        till = next(
            (
                acc.owner_of(a)
                for a in (r["debit"], r["credit"])
                if a and a.startswith(acc.TILL_PREFIX)
            ),
            "",
        )
        chore = chore_of(r, refs)
        params = {
            "chore": chores.get(chore, chore),
            "merchant": merchants.get(till, till),
            "box": boxes.get(str(refs.get("klusbox", "")), str(refs.get("klusbox", ""))),
            "card": str(refs.get("card", "")),
            "reason": str(refs.get("reason", "")),
            "kind": r["kind"],
        }
        key = WORDS.get(r["kind"], "history.other")
        if r["kind"] == Kind.ADJUST:
            key = "history.adjust_in" if r["credit"] == wallet else "history.adjust_out"
        if r["kind"] == Kind.CARD_EVENT:
            key = CARD_EVENTS.get(str(refs.get("event", "")), key)
        change = None
        if r["credit"] == wallet:
            change = "+" + format_amount(r["amount"], lang)
        elif r["debit"] == wallet:
            change = format_amount(-r["amount"], lang)
        where = (
            translate(lang, "history.municipality")
            if r["device_id"] == server_id
            else r["device"] or r["device_id"]
        )
        lines.append(Line(r["wall_time"], _fill(lang, key, params), change, where))
    return found, lines


def _fill(lang: Lang, key: str, params: dict[str, str]) -> str:
    """The sentence, with only the parameters its text names (each text names a few)."""
    return translate(lang, key).format_map(params)
