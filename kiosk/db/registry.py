"""Adding the things the ledger talks about: neighbourhoods, residents, merchants, chores, ...

Each resident gets a wallet account and each merchant a till, with a zero balance row, in the
same transaction, so a balance lookup is one primary-key read and the ledger store's update
of a balance doubles as the check that the account exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, insert, select

from kiosk.core import accounts as acc
from kiosk.db.models import (
    Account,
    Balance,
    Card,
    Chore,
    Klusbox,
    KlusboxComponent,
    Merchant,
    Neighbourhood,
    Resident,
    Staff,
)


def ensure_account(conn: Connection, account: str) -> None:
    if conn.execute(select(Account.id).where(Account.id == account)).first() is not None:
        return
    kind = acc.account_kind(account)
    owner = acc.owner_of(account) or None
    conn.execute(insert(Account.__table__).values(id=account, kind=str(kind), owner_id=owner))
    conn.execute(insert(Balance.__table__).values(account_id=account, balance=0))


def ensure_municipality_accounts(conn: Connection) -> None:
    for account in acc.MUNICIPALITY_ACCOUNTS:
        ensure_account(conn, account)


def add_neighbourhood(conn: Connection, id: str, name: str) -> None:
    conn.execute(insert(Neighbourhood.__table__).values(id=id, name=name))


def add_resident(
    conn: Connection, id: str, name: str, neighbourhood_id: str, *, created_at: int
) -> None:
    conn.execute(
        insert(Resident.__table__).values(
            id=id,
            name=name,
            neighbourhood_id=neighbourhood_id,
            status="active",
            created_at=created_at,
        )
    )
    ensure_account(conn, acc.wallet(id))


def add_merchant(conn: Connection, id: str, name: str, neighbourhood_id: str) -> None:
    conn.execute(
        insert(Merchant.__table__).values(id=id, name=name, neighbourhood_id=neighbourhood_id)
    )
    ensure_account(conn, acc.till(id))


def add_staff(conn: Connection, id: str, name: str, role: str) -> None:
    conn.execute(insert(Staff.__table__).values(id=id, name=name, role=role))


def add_chore(
    conn: Connection,
    id: str,
    title: str,
    neighbourhood_id: str,
    *,
    reward: int,
    capacity: int,
    starts_at: int,
    ends_at: int,
    klusbox_kind: str | None = None,
) -> None:
    conn.execute(
        insert(Chore.__table__).values(
            id=id,
            title=title,
            neighbourhood_id=neighbourhood_id,
            reward=reward,
            capacity=capacity,
            starts_at=starts_at,
            ends_at=ends_at,
            klusbox_kind=klusbox_kind,
        )
    )


def add_klusbox(
    conn: Connection,
    id: str,
    kind: str,
    name: str,
    neighbourhood_id: str,
    components: Iterable[tuple[str, int]],
) -> None:
    conn.execute(
        insert(Klusbox.__table__).values(
            id=id, kind=kind, name=name, neighbourhood_id=neighbourhood_id
        )
    )
    for component, count in components:
        conn.execute(
            insert(KlusboxComponent.__table__).values(klusbox_id=id, name=component, count=count)
        )


def add_card(
    conn: Connection,
    serial: str,
    kind: str,
    payload: str,
    issued_on: dt.date,
    *,
    resident_id: str | None = None,
    staff_id: str | None = None,
    klusbox_id: str | None = None,
) -> None:
    conn.execute(
        insert(Card.__table__).values(
            serial=serial,
            kind=kind,
            payload=payload,
            issued_on=issued_on,
            resident_id=resident_id,
            staff_id=staff_id,
            klusbox_id=klusbox_id,
            status="active",
        )
    )
