"""Read-only views the screens show. The UI calls these; it never writes SQL itself."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from kiosk.core import accounts as acc
from kiosk.db.models import Balance, Card, Neighbourhood, Resident


@dataclass(frozen=True)
class ResidentRow:
    id: str
    name: str
    neighbourhood: str
    balance: int
    cards: int


def residents_overview(engine: Engine) -> list[ResidentRow]:
    cards = (
        select(Card.resident_id, func.count().label("n"))
        .where(Card.status == "active", Card.resident_id.is_not(None))
        .group_by(Card.resident_id)
        .subquery()
    )
    stmt = (
        select(
            Resident.id,
            Resident.name,
            Neighbourhood.name,
            func.coalesce(Balance.balance, 0),
            func.coalesce(cards.c.n, 0),
        )
        .join(Neighbourhood, Neighbourhood.id == Resident.neighbourhood_id)
        .outerjoin(Balance, Balance.account_id == acc.WALLET_PREFIX + Resident.id)
        .outerjoin(cards, cards.c.resident_id == Resident.id)
        .order_by(Neighbourhood.name, Resident.name)
    )
    with engine.connect() as conn:
        return [ResidentRow(*row) for row in conn.execute(stmt)]
