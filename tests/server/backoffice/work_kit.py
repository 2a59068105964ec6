"""Helpers of the work pages' tests (test_work_*.py): forms posted as a browser posts them
(the page first, for its CSRF token), a kiosk's chore history signed and uploaded over HTTP,
and the rows the tests read back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import httpx
from sqlalchemy import select

from kiosk.core import roles
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from tests.server.backoffice.kit import Office, csrf_of
from tests.server.conftest import LiveServer, SimDevice

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
TAG = re.compile(r"<[^>]+>")


def post(c: httpx.Client, page: str, action: str, data: dict[str, Any]) -> httpx.Response:
    """Open `page` (as a person does), then post its form to `action` with the page's token."""
    r = c.get(page)
    assert r.status_code == 200, (page, r.status_code, r.text[:500])
    return c.post(action, data={**data, "csrf_token": csrf_of(r.text)})


def text_of(html: str) -> str:
    """What a person reads on the page: tags removed, entities decoded, spaces collapsed."""
    return " ".join(unescape(TAG.sub(" ", html)).split())


def audit_rows(live: LiveServer, event: str) -> list[dict[str, Any]]:
    a = t.audit_log.c
    with live.server.engine.connect() as conn:
        rows = conn.execute(select(t.audit_log).where(a.event == event).order_by(a.id)).mappings()
        return [dict(r) for r in rows]


def server_entries(live: LiveServer, kind: Kind) -> list[dict[str, Any]]:
    """The server's own chain's entries of `kind`, refs decoded."""
    L = t.ledger.c
    with live.server.engine.connect() as conn:
        rows = conn.execute(
            select(t.ledger)
            .where(L.device_id == live.server.device_id, L.kind == kind.value)
            .order_by(L.seq)
        ).mappings()
        return [{**r, "refs": json.loads(r["refs"])} for r in rows]


def claim_status(live: LiveServer, claim_id: str) -> str | None:
    with live.server.engine.connect() as conn:
        value = conn.execute(select(t.claims.c.status).where(t.claims.c.id == claim_id)).scalar()
    return None if value is None else str(value)


@dataclass
class Kiosk:
    """A resident kiosk of one neighbourhood, signing what residents do there."""

    live: LiveServer
    dev: SimDevice
    sent: int = 0

    @classmethod
    def enrol(cls, live: LiveServer, neighbourhood: str = "nb-1") -> Kiosk:
        return cls(
            live, live.enrol(roles.RESIDENT_KIOSK, merchant=None, neighbourhoods=(neighbourhood,))
        )

    def did_chore(
        self,
        claim: str,
        chore: str,
        resident: str,
        *,
        check_in: int,
        check_out: int | None,
    ) -> None:
        """Sign up, check in and (when given) check out: the claim waits for an inspector."""
        d = self.dev
        d.add(
            Kind.CLAIM_SIGNUP,
            refs={"claim": claim, "chore": chore, "resident": resident},
            wall_time=check_in - MINUTE,
        )
        d.add(Kind.CHECK_IN, refs={"claim": claim}, wall_time=check_in)
        if check_out is not None:
            d.add(Kind.CHECK_OUT, refs={"claim": claim}, wall_time=check_out)
        self.send()

    def send(self) -> None:
        ack = self.live.ack(self.dev.batch(self.sent + 1))
        assert ack.refused == [], ack.refused
        self.sent = ack.acked_seq


def seeded(office: Office) -> LiveServer:
    """The conftest seed (nb-1 with r-1, r-2, m-1, ch-1 paying 15,00; nb-2 with r-3, m-2,
    ch-2) and a third resident in nb-1 for the queue tests."""
    live = office.live
    live.seed()
    admin.add_resident(live.server, "r-4", "Dirk", "nb-1", card_serial="C-0004")
    return live
