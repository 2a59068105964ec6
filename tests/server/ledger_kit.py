"""Histories for the settlement and report tests: a Server on the test database (SQLite file or
PostgreSQL), devices enrolled through the server's own enrolment, entries signed by them and
ingested as real batches (the same code path as HTTP, without the socket)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.clock import FixedClock
from kiosk.core.entries import Entry, Kind
from kiosk.server import admin
from kiosk.server.config import Settings
from kiosk.server.service import Server
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, SimDevice

DAY_MS = 86_400_000
STAFF_CARD = "S-KIT"


def fresh(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@contextmanager
def open_server(
    db_url: str, data_dir: Path, clock: FixedClock | None = None, **config: dict[str, Any]
) -> Iterator[Server]:
    settings = Settings(data_dir=data_dir, database_url=db_url, clock=clock or FixedClock(NOW))
    for section, values in config.items():
        settings.config.setdefault(section, {}).update(values)
    server = Server(settings)
    try:
        yield server
    finally:
        server.close()


@dataclass
class Kit:
    """Enrols devices and sends what they signed. `clock` is the server's: entries are dated by
    it unless told otherwise."""

    server: Server
    clock: FixedClock
    sent: dict[str, int] = field(default_factory=dict)

    def enrol(
        self,
        role: str,
        *,
        merchant: str | None = None,
        neighbourhoods: tuple[str, ...] = (),
    ) -> SimDevice:
        if role == roles.MERCHANT_COUNTER:
            bindings = roles.Bindings(merchant_id=merchant)
        else:
            bindings = roles.Bindings(neighbourhoods=frozenset(neighbourhoods))
        code = self.server.create_enrol_code(role, fresh(role), bindings)
        key = SigningKey.generate()
        cert = self.server.enrol(
            p.EnrolRequest(code=code, public_key=bytes(key.verify_key).hex(), name="kit")
        )
        return SimDevice(key=key, cert=cert, clock=self.clock)

    def send(self, dev: SimDevice) -> p.Ack:
        first = self.sent.get(dev.device_id, 0) + 1
        ack = self.server.ingest(dev.batch(first))
        assert ack.status == "applied", ack
        self.sent[dev.device_id] = ack.acked_seq
        return ack

    # -- entries -------------------------------------------------------------------------------

    @staticmethod
    def refund(counter: SimDevice, spend: Entry, amount: int, **kw: Any) -> Entry:
        assert spend.debit is not None and spend.credit is not None
        return counter.add(
            Kind.REFUND,
            debit=spend.credit,
            credit=spend.debit,
            amount=amount,
            refs={"spend": spend.tx_id},
            **kw,
        )

    @staticmethod
    def earn(dev: SimDevice, claim: str, resident: str, amount: int, **kw: Any) -> Entry:
        return dev.add(
            Kind.EARN,
            debit=acc.ISSUANCE,
            credit=acc.wallet(resident),
            amount=amount,
            refs={"claim": claim},
            **kw,
        )


def city(server: Server, neighbourhoods: dict[str, str | None], merchants: dict[str, str]) -> None:
    """Neighbourhoods (id -> CBS code) and merchants (id -> neighbourhood), each merchant with
    a valid IBAN, and the kit's staff card."""
    for nid, code in neighbourhoods.items():
        admin.add_neighbourhood(server, nid, f"Buurt {nid}", cbs_code=code)
    for i, (mid, nid) in enumerate(sorted(merchants.items())):
        admin.add_merchant(server, mid, f"Winkel {mid}", nid, iban=IBANS[i % len(IBANS)])
    admin.add_staff_card(server, STAFF_CARD, "Inspecteur Kit")


# Valid Dutch IBANs (test numbers of real banks, so schwifty also finds their BIC).
IBANS = (
    "NL02ABNA0123456789",
    "NL44RABO0123456789",
    "NL69INGB0123456789",
    "NL20INGB0001234567",
    "NL39RABO0300065264",
    "NL91ABNA0417164300",
)
