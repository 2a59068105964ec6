"""Admin actions on the server's registry: residents and cards, merchants, chores, klusboxes,
inspectors' approvals and grants. Used by the CLI, the tests and the benchmarks.

Every change bumps the change version, so the next delta snapshot carries it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from kiosk.core import accounts as acc
from kiosk.core.entries import MONEY_KINDS, Entry, Kind
from kiosk.core.ids import is_ident
from kiosk.server import tables as t
from kiosk.server.bank import check_iban
from kiosk.server.errors import Refusal
from kiosk.server.reports import check_cbs_code
from kiosk.server.service import Server
from kiosk.sync import protocol as p


def check_ids(*ids: str | None) -> None:
    """Every id the registry stores follows the one identifier pattern of the wire (ASCII,
    at most 80 characters), so that every snapshot can always be sent."""
    for value in ids:
        if value is not None and not is_ident(value):
            raise ValueError(
                f"{value!r} is not a valid id: use A-Z, a-z, 0-9 and . _ : @ -, at most 80"
            )


def add_neighbourhood(server: Server, nid: str, name: str, *, cbs_code: str | None = None) -> None:
    """A neighbourhood, with the CBS buurt code its reports are published under."""
    check_ids(nid)
    code = check_cbs_code(cbs_code) if cbs_code is not None else None
    with server.write() as conn:
        server.bump(conn)
        conn.execute(insert(t.neighbourhoods).values(id=nid, name=name, cbs_code=code))


def add_resident(
    server: Server,
    resident_id: str,
    name: str,
    neighbourhood_id: str,
    *,
    card_serial: str | None = None,
) -> None:
    check_ids(resident_id, neighbourhood_id, card_serial)
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            insert(t.residents).values(
                id=resident_id,
                name=name,
                neighbourhood_id=neighbourhood_id,
                status="active",
                flagged=False,
                version=version,
            )
        )
        if card_serial:
            conn.execute(
                insert(t.cards).values(
                    serial=card_serial,
                    kind="resident",
                    resident_id=resident_id,
                    status="active",
                    version=version,
                )
            )
        server.audit(conn, "resident_added", {"resident": resident_id, "card": card_serial})


def add_card(server: Server, serial: str, resident_id: str, *, replaces: str | None = None) -> None:
    """A new card for a resident; the card it replaces (lost, stolen) is revoked."""
    check_ids(serial, resident_id)
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            insert(t.cards).values(
                serial=serial,
                kind="resident",
                resident_id=resident_id,
                status="active",
                version=version,
            )
        )
        if replaces:
            conn.execute(
                update(t.cards)
                .where(t.cards.c.serial == replaces)
                .values(status="revoked", version=version)
            )
        server.audit(conn, "card_added", {"card": serial, "replaces": replaces})


def add_staff_card(
    server: Server, serial: str, staff_name: str, *, staff_id: str | None = None
) -> None:
    """A staff card (inspector, desk volunteer, kiosk staff): inspectors' approvals and desks'
    overrides name one. `staff_id`: its holder (add_staff), whose PIN protects overrides."""
    check_ids(serial, *([staff_id] if staff_id else []))
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            insert(t.cards).values(
                serial=serial,
                kind="staff",
                resident_id=None,
                staff_id=staff_id,
                status="active",
                version=version,
            )
        )
        server.audit(conn, "staff_card_added", {"card": serial, "staff": staff_name})


def add_staff(
    server: Server, staff_id: str, name: str, role: str, *, pin: str | None = None
) -> None:
    """Someone who works for the scheme (role inspector | desk | kiosk-staff), with the PIN
    that protects their overrides (stored as its argon2id hash, like the back office does)."""
    from kiosk.server.backoffice import passwords  # the back office's one hasher

    check_ids(staff_id)
    if role not in t.STAFF_ROLES:
        raise ValueError(f"unknown staff role {role!r}")
    with server.write() as conn:
        server.bump(conn)
        conn.execute(
            insert(t.staff).values(
                id=staff_id,
                name=name,
                role=role,
                status="active",
                pin_hash=passwords.hash_password(pin) if pin is not None else None,
                created_at=server.now(),
            )
        )
        server.audit(conn, "staff_added", {"staff": staff_id, "role": role})


def revoke_card(server: Server, serial: str) -> None:
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == serial)
            .values(status="revoked", version=version)
        )
        server.audit(conn, "card_revoked", {"card": serial})


def set_resident_status(server: Server, resident_id: str, status: str) -> None:
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            update(t.residents)
            .where(t.residents.c.id == resident_id)
            .values(status=status, version=version)
        )
        server.audit(conn, "resident_status", {"resident": resident_id, "status": status})


def add_merchant(
    server: Server, merchant_id: str, name: str, neighbourhood_id: str, *, iban: str | None = None
) -> None:
    check_ids(merchant_id, neighbourhood_id)
    iban = check_iban(iban) if iban is not None else None  # BankError: what is wrong with it
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            insert(t.merchants).values(
                id=merchant_id,
                name=name,
                neighbourhood_id=neighbourhood_id,
                status="active",
                iban=iban,
                version=version,
            )
        )
        server.audit(conn, "merchant_added", {"merchant": merchant_id})


def add_chore(
    server: Server,
    chore_id: str,
    title: str,
    neighbourhood_id: str,
    *,
    reward: int,
    capacity: int = 10,
    starts_at: int = 0,
    ends_at: int = 2**62,
    klusbox_kind: str | None = None,
) -> None:
    check_ids(chore_id, neighbourhood_id, klusbox_kind)
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            insert(t.chores).values(
                id=chore_id,
                title=title,
                neighbourhood_id=neighbourhood_id,
                reward=reward,
                capacity=capacity,
                starts_at=starts_at,
                ends_at=ends_at,
                klusbox_kind=klusbox_kind,
                version=version,
            )
        )


def add_klusbox(
    server: Server,
    box_id: str,
    kind: str,
    name: str,
    neighbourhood_id: str,
    components: tuple[str, ...] = (),
) -> None:
    """A klusbox; `components`: what is in it, a line each ("2 bezems")."""
    check_ids(box_id, kind, neighbourhood_id)
    with server.write() as conn:
        version = server.bump(conn)
        conn.execute(
            insert(t.klusboxes).values(
                id=box_id,
                kind=kind,
                name=name,
                neighbourhood_id=neighbourhood_id,
                version=version,
                components=json.dumps(list(components), ensure_ascii=False),
            )
        )


def record_approval(
    server: Server,
    claim_id: str,
    inspector_id: str,
    *,
    chore_id: str | None = None,
    resident_id: str | None = None,
) -> Entry:
    """An inspector's approval recorded on the server: an approval entry in the server's own
    signed chain. Earns for this claim are then valid from any device."""
    refs: dict[str, str | int] = {"claim": claim_id, "inspector": inspector_id}
    if chore_id:
        refs["chore"] = chore_id
    if resident_id:
        refs["resident"] = resident_id
    with server.write() as conn:
        version = server.bump(conn)
        entry = server.append_server_entry(conn, version, Kind.APPROVAL, refs=refs)
        server.audit(conn, "approval", {"claim": claim_id, "inspector": inspector_id})
    return entry


def grant(server: Server, resident_id: str, amount: int, reason: str) -> Entry:
    """Credit a wallet from issuance (an adjust entry with a reason, in the server's chain)."""
    with server.write() as conn:
        version = server.bump(conn)
        entry = server.append_server_entry(
            conn,
            version,
            Kind.ADJUST,
            debit=acc.ISSUANCE,
            credit=acc.wallet(resident_id),
            amount=amount,
            refs={"reason": reason},
        )
        server.audit(conn, "grant", {"resident": resident_id, "amount": amount, "reason": reason})
    return entry


def balance(server: Server, account: str) -> int:
    with server.engine.connect() as conn:
        value = conn.execute(
            select(t.balances.c.balance).where(t.balances.c.account == account)
        ).scalar()
    return int(value or 0)


def review_items(server: Server, status: str = "open") -> list[dict[str, object]]:
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(t.review_queue)
            .where(t.review_queue.c.status == status)
            .order_by(t.review_queue.c.id)
        ).mappings()
        return [dict(r) for r in rows]


DECISIONS = {
    "honoured": ("approved", "reversed"),  # an offline spend that took effect over a limit
    "refused": ("confirmed", "applied"),  # an entry that took no effect
}


def resolve_review(
    server: Server,
    item_id: int,
    decision: str,
    staff: str,
    reason: str = "",
    *,
    also: Callable[[Connection, Entry], object] | None = None,
) -> Entry:
    """Close an open review item with a decision, recorded in the server's own chain.

    Honoured spends: ``approved`` (the merchant keeps the money; it may be settled) or
    ``reversed`` (an adjust moves the amount from the till back to the wallet). Refused
    entries: ``confirmed`` (nothing changes) or ``applied`` (the back office makes the
    entry take effect after all: money as an adjust with the same accounts and amount, an
    event as a server entry of the same kind and refs, under the same rules). Returns the
    entry that records the decision. `also(conn, entry)` runs in the same transaction (the
    back office's own audit row: the decision and its record commit together or not at all)."""
    with server.write() as conn:
        version = server.bump(conn)
        item = (
            conn.execute(
                select(t.review_queue).where(
                    t.review_queue.c.id == item_id, t.review_queue.c.status == "open"
                )
            )
            .mappings()
            .first()
        )
        if item is None:
            raise ValueError(f"no open review item {item_id}")
        if decision not in DECISIONS[item["effect"]]:
            raise ValueError(
                f"a {item['effect']} item is resolved as {' or '.join(DECISIONS[item['effect']])}"
            )
        why = reason.strip() or f"review {item_id} {decision}"
        refs: dict[str, str | int] = {
            "review": item_id,
            "decision": decision,
            "staff": staff,
            "reason": why,
        }
        left = _left_of_spend(conn, item) if decision == "reversed" else 0
        if left > 0:
            # only what the shop has not refunded already: the rest is back in the wallet
            entry = server.append_server_entry(
                conn,
                version,
                Kind.ADJUST,
                debit=acc.till(item["merchant_id"]),
                credit=acc.wallet(item["resident_id"]),
                amount=left,
                refs={**refs, "spend": item["tx_id"]},
            )
        elif decision == "applied":
            entry = _apply_refused(server, conn, version, item, refs)
        else:
            entry = server.append_server_entry(conn, version, Kind.REVIEW, refs=refs)
        conn.execute(
            update(t.review_queue).where(t.review_queue.c.id == item_id).values(status=decision)
        )
        server.audit(
            conn,
            "review_resolved",
            {"id": item_id, "decision": decision, "staff": staff, "reason": why},
        )
        if also is not None:
            also(conn, entry)
    return entry


def _left_of_spend(conn: Connection, item: Any) -> int:
    """The reviewed spend's amount minus what its shop refunded or reversed of it since."""
    L = t.ledger.c
    returned = conn.execute(
        select(func.coalesce(func.sum(L.amount), 0)).where(
            L.kind.in_((Kind.REFUND.value, Kind.ADJUST.value)),
            L.status == "applied",
            L.claim_id == item["tx_id"],
            L.debit == acc.till(item["merchant_id"]),
        )
    ).scalar_one()
    return int(item["amount"]) - int(returned)


def _apply_refused(
    server: Server, conn: Connection, version: int, item: Any, refs: dict[str, str | int]
) -> Entry:
    """The server's own entry that makes a refused entry take effect after all."""
    row = (
        conn.execute(
            select(t.ledger).where(
                t.ledger.c.device_id == item["device_id"], t.ledger.c.seq == item["seq"]
            )
        )
        .mappings()
        .one()
    )
    kind = Kind(row["kind"])
    if kind in MONEY_KINDS:
        return server.append_server_entry(
            conn,
            version,
            Kind.ADJUST,
            debit=row["debit"],
            credit=row["credit"],
            amount=row["amount"],
            refs={**refs, "applies": row["tx_id"]},
        )
    original: dict[str, str | int] = json.loads(row["refs"])
    return server.append_server_entry(conn, version, kind, refs={**original, **refs})


# -- the back office's work pages ---------------------------------------------------------------
# Each runs in the caller's transaction (`conn`, and `version` from ``server.bump(conn)``), so
# the back office writes its audit row with the change: they commit together or not at all.


def publish_chore_in(
    server: Server,
    conn: Connection,
    version: int,
    *,
    chore_id: str,
    title: str,
    title_en: str | None,
    neighbourhood_id: str,
    reward: int,
    capacity: int,
    starts_at: int,
    ends_at: int,
    klusbox_kind: str | None = None,
) -> dict[str, Any]:
    """A new chore, in the next snapshot of the kiosks, desks and inspectors of its
    neighbourhood (`title` is the Dutch title the kiosks show). Returns what was stored."""
    check_ids(chore_id, neighbourhood_id, klusbox_kind)
    values: dict[str, Any] = {
        "id": chore_id,
        "title": title,
        "title_en": title_en,
        "neighbourhood_id": neighbourhood_id,
        "reward": reward,
        "capacity": capacity,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "klusbox_kind": klusbox_kind,
    }
    conn.execute(insert(t.chores).values(**values, version=version))
    return values


def close_chore_in(server: Server, conn: Connection, version: int, chore_id: str) -> bool:
    """End a chore's time window now (kiosks take no new sign-ups for it). False when it has
    already ended or does not exist."""
    now = server.now()
    done = conn.execute(
        update(t.chores)
        .where(t.chores.c.id == chore_id, t.chores.c.ends_at > now)
        .values(ends_at=now, version=version)
    )
    return done.rowcount == 1


def approve_claim_in(
    server: Server, conn: Connection, version: int, claim_id: str, inspector: str
) -> tuple[Entry, Entry | None]:
    """An inspector's approval recorded on the server (the refs of ``record_approval``) and the
    earn that rests on it: exactly the chore's reward, from issuance to the claim's resident.
    Both are entries of the server's own chain under the same rules as any device's, in the
    caller's transaction: both take effect or neither (Refusal with the rule's code, e.g.
    ``chore_full`` or ``earn_cap_exceeded``). A chore without a reward gets no earn."""
    claim = conn.execute(select(t.claims).where(t.claims.c.id == claim_id)).mappings().first()
    if claim is None or not claim["chore_id"] or not claim["resident_id"]:
        raise Refusal(p.UNKNOWN_CLAIM)
    reward = conn.execute(
        select(t.chores.c.reward).where(t.chores.c.id == claim["chore_id"])
    ).scalar()
    if reward is None:
        raise Refusal(p.UNKNOWN_CHORE)
    resident_id = str(claim["resident_id"])
    refs: dict[str, str | int] = {
        "claim": claim_id,
        "inspector": inspector,
        "chore": str(claim["chore_id"]),
        "resident": resident_id,
    }
    approval = server.append_server_entry(conn, version, Kind.APPROVAL, refs=refs)
    if int(reward) <= 0:
        return approval, None
    earn = server.append_server_entry(
        conn,
        version,
        Kind.EARN,
        debit=acc.ISSUANCE,
        credit=acc.wallet(resident_id),
        amount=int(reward),
        refs={"claim": claim_id, "resident": resident_id, "approval": approval.tx_id},
    )
    return approval, earn


def reject_claim_in(
    server: Server, conn: Connection, version: int, claim_id: str, inspector: str, reason: str
) -> Entry:
    """An inspector's rejection recorded on the server, with its reason: a rejection entry in
    the server's chain (Refusal when the rules refuse it, e.g. a claim already decided)."""
    why = reason.strip()
    if not why:
        raise ValueError("a rejection needs a reason")
    return server.append_server_entry(
        conn,
        version,
        Kind.REJECTION,
        refs={"claim": claim_id, "inspector": inspector, "reason": why},
    )
