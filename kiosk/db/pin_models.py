"""The PINs of cards as this device knows them (migration 0004): a slow hash (argon2id) and the
wrong tries made at this device. Three wrong tries in a row block the card here until staff
unblock it. A snapshot brings the hashes the server has (migration 0005, `source` "server");
the wrong tries and the block stay this device's own."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.models import Base


class CardPin(Base):
    __tablename__ = "card_pins"
    serial: Mapped[str] = mapped_column(String(40), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string form
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    blocked_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    # device: set at this device; server: from a snapshot (migration 0005)
    source: Mapped[str] = mapped_column(String(10), default="device", server_default="device")
