"""Read-only views the screens show. The UI calls these; it never writes SQL itself."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from kiosk.core import accounts as acc
from kiosk.db.models import Balance, Card, Device, Neighbourhood, Resident
from kiosk.db.sync_queries import spendable_balance


@dataclass(frozen=True)
class ResidentRow:
    id: str
    name: str
    neighbourhood: str
    balance: int
    cards: int


def residents_overview(engine: Engine) -> list[ResidentRow]:
    """Every resident with the balance they can spend at this device (the one balance,
    sync_queries.spendable_balance; never the local running sum alone)."""
    cards = (
        select(Card.resident_id, func.count().label("n"))
        .where(Card.status == "active", Card.resident_id.is_not(None))
        .group_by(Card.resident_id)
        .subquery()
    )
    stmt = (
        select(Resident.id, Resident.name, Neighbourhood.name, func.coalesce(cards.c.n, 0))
        .join(Neighbourhood, Neighbourhood.id == Resident.neighbourhood_id)
        .outerjoin(cards, cards.c.resident_id == Resident.id)
        .order_by(Neighbourhood.name, Resident.name)
    )
    with engine.connect() as conn:
        device_id = conn.execute(select(Device.id).where(Device.is_self)).scalars().first()
        known = set(conn.execute(select(Balance.account_id)).scalars())
        rows = []
        for rid, name, hood, n_cards in conn.execute(stmt).all():
            wallet = acc.wallet(rid)
            balance = (
                spendable_balance(conn, device_id, wallet)
                if device_id is not None and wallet in known
                else 0
            )
            rows.append(ResidentRow(rid, name, hood, balance, n_cards))
        return rows
