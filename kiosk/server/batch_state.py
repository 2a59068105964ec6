"""Read what the rules need for one batch (kiosk.server.rules.BatchState), in a few queries
over the rows the batch names. Only entries that took effect count (status 'applied')."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from kiosk.core import accounts as acc
from kiosk.core import days
from kiosk.core.entries import Entry, Kind
from kiosk.server import tables as t
from kiosk.server.config import Settings
from kiosk.server.context import DeviceView
from kiosk.server.rules import (
    BatchState,
    Bounds,
    CardState,
    ChoreState,
    ClaimState,
    EarnCaps,
    ResidentState,
    SpendState,
)

APPLIED = "applied"
CHUNK = 500


def _chunks(values: Iterable[str]) -> list[list[str]]:
    items = sorted(set(values))
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def bounds_of(settings: Settings) -> Bounds:
    return Bounds(
        max_entry_amount=settings.get("bounds", "max_entry_amount"),
        max_account_balance=settings.get("bounds", "max_account_balance"),
        max_municipal_balance=settings.get("bounds", "max_municipal_balance"),
        max_pin_sets_per_device_day=settings.get("bounds", "max_pin_sets_per_device_day"),
    )


def load_state(
    conn: Connection,
    settings: Settings,
    device: DeviceView,
    entries: list[Entry],
    *,
    with_tx_ids: bool = True,
) -> BatchState:
    """`with_tx_ids`: also read which of the entries' tx_ids this device already used. The
    batch path skips that lookup (a device's tx_ids are random: a repeat is a rogue's or a
    bug's) and relies on the unique index, then comes back here with it (ingest.py)."""
    st = BatchState(
        role=device.role,
        bindings=device.bindings,
        limits=device.limits,
        caps=EarnCaps(settings.get("earn_caps", "month"), settings.get("earn_caps", "year")),
        bounds=bounds_of(settings),
    )
    accounts = {a for e in entries for a in (e.debit, e.credit) if a}
    resident_ids = {acc.owner_of(a) for a in accounts if a.startswith(acc.WALLET_PREFIX)}
    resident_ids |= {str(e.refs["resident"]) for e in entries if "resident" in e.refs}
    merchant_ids = {acc.owner_of(a) for a in accounts if a.startswith(acc.TILL_PREFIX)}
    claim_ids = {str(e.refs["claim"]) for e in entries if "claim" in e.refs}
    serials = {
        str(e.refs[k]) for e in entries for k in ("card", "inspector", "staff") if k in e.refs
    }
    box_ids = {str(e.refs["klusbox"]) for e in entries if "klusbox" in e.refs}
    spend_refs = {
        str(e.refs["spend"])
        for e in entries
        if e.kind in (Kind.REFUND, Kind.ADJUST) and "spend" in e.refs
    }
    L = t.ledger.c

    for part in _chunks(accounts):
        for a, bal in conn.execute(
            select(t.balances.c.account, t.balances.c.balance).where(t.balances.c.account.in_(part))
        ):
            st.balances[a] = int(bal)
    C, S = t.cards.c, t.staff.c
    for part in _chunks(serials):
        for serial, kind, rid, status, staff_role, staff_status in conn.execute(
            select(C.serial, C.kind, C.resident_id, C.status, S.role, S.status)
            .select_from(t.cards.outerjoin(t.staff, S.id == C.staff_id))
            .where(C.serial.in_(part))
        ):
            st.cards[serial] = CardState(
                kind, rid, status, staff_role, staff_active=staff_status in (None, "active")
            )
            if rid:
                resident_ids.add(rid)
    for part in _chunks(claim_ids):
        for row in conn.execute(select(t.claims).where(t.claims.c.id.in_(part))).mappings():
            st.claims[row["id"]] = ClaimState(
                id=row["id"],
                chore_id=row["chore_id"],
                resident_id=row["resident_id"],
                status=row["status"],
                approval_tx=row["approval_tx"],
                earn_tx=row["earn_tx"],
            )
    for c in st.claims.values():
        if c.resident_id:
            resident_ids.add(c.resident_id)
    for part in _chunks(resident_ids):
        for rid, status, flagged, nb in conn.execute(
            select(
                t.residents.c.id,
                t.residents.c.status,
                t.residents.c.flagged,
                t.residents.c.neighbourhood_id,
            ).where(t.residents.c.id.in_(part))
        ):
            st.residents[rid] = ResidentState(status, bool(flagged), nb)
    for part in _chunks(merchant_ids):
        st.merchants.update(
            conn.execute(select(t.merchants.c.id).where(t.merchants.c.id.in_(part))).scalars()
        )
    chore_ids = {c.chore_id for c in st.claims.values() if c.chore_id}
    chore_ids |= {str(e.refs["chore"]) for e in entries if "chore" in e.refs}
    for part in _chunks(chore_ids):
        taken: dict[str, int] = dict(
            conn.execute(
                select(t.claims.c.chore_id, func.count())
                .where(
                    t.claims.c.chore_id.in_(part),
                    t.claims.c.status.in_(("approved", "rewarded")),
                )
                .group_by(t.claims.c.chore_id)
            ).all()
        )
        for cid, reward, capacity, nb in conn.execute(
            select(
                t.chores.c.id, t.chores.c.reward, t.chores.c.capacity, t.chores.c.neighbourhood_id
            ).where(t.chores.c.id.in_(part))
        ):
            st.chores[cid] = ChoreState(int(reward), int(capacity), nb, int(taken.get(cid, 0)))
    for part in _chunks(box_ids):
        for bid, nb in conn.execute(
            select(t.klusboxes.c.id, t.klusboxes.c.neighbourhood_id).where(
                t.klusboxes.c.id.in_(part)
            )
        ):
            st.klusboxes[bid] = nb
    # This device's tx_ids that already took effect (tx_id is unique per device).
    for part in _chunks(e.tx_id for e in entries) if with_tx_ids else []:
        st.applied_tx_ids.update(
            conn.execute(
                select(L.tx_id).where(
                    L.device_id == device.id, L.status == APPLIED, L.tx_id.in_(part)
                )
            ).scalars()
        )
    for part in _chunks(spend_refs):
        # first spend of that tx_id at each shop; refunds already made of it subtracted
        for tx, credit, debit, amount in conn.execute(
            select(L.tx_id, L.credit, L.debit, L.amount)
            .where(L.tx_id.in_(part), L.kind == Kind.SPEND.value, L.status == APPLIED)
            .order_by(L.id)
        ):
            key = (tx, acc.owner_of(credit))
            if key not in st.spends:
                st.spends[key] = SpendState(acc.owner_of(debit), int(amount))
        for spend_tx, debit, refunded in conn.execute(
            select(L.claim_id, L.debit, func.sum(L.amount))
            .where(
                L.kind.in_((Kind.REFUND.value, Kind.ADJUST.value)),
                L.status == APPLIED,
                L.claim_id.in_(part),
            )
            .group_by(L.claim_id, L.debit)
        ):
            key = (spend_tx, acc.owner_of(debit))
            if key in st.spends:
                st.spends[key].left -= int(refunded)
    earners = {acc.owner_of(e.credit) for e in entries if e.kind is Kind.EARN and e.credit}
    earners &= set(st.residents)
    if earners:
        since = min(days.year_start_ms(e.wall_time) for e in entries if e.kind is Kind.EARN)
        for part in _chunks(earners):
            for rid, amount, wall in conn.execute(
                select(L.resident_id, L.amount, L.wall_time).where(
                    L.kind == Kind.EARN.value,
                    L.status == APPLIED,
                    L.resident_id.in_(part),
                    L.wall_time >= since,
                )
            ):
                st.count_earn(rid, int(amount), int(wall))
    _load_day_totals(conn, device, entries, st)
    _load_pin_sets(conn, device, entries, st)
    return st


def _load_pin_sets(
    conn: Connection, device: DeviceView, entries: list[Entry], st: BatchState
) -> None:
    """How many PINs this device set on each day the batch sets one (its applied pin_set
    card events: the rule caps them per day)."""
    L = t.ledger.c
    sets = [e for e in entries if e.kind is Kind.CARD_EVENT and e.refs.get("event") == "pin_set"]
    for day, start, end in {days.day_bounds(e.wall_time) for e in sets}:
        count = conn.execute(
            select(func.count()).where(
                L.device_id == device.id,
                L.kind == Kind.CARD_EVENT.value,
                L.status == APPLIED,
                L.wall_time >= start,
                L.wall_time < end,
                L.refs.contains('"event":"pin_set"', autoescape=True),
            )
        ).scalar_one()
        st.pin_sets_day[day] = int(count)


def _load_day_totals(
    conn: Connection, device: DeviceView, entries: list[Entry], st: BatchState
) -> None:
    """Per local day the batch's spends touch: this device's spends and overdrafts per
    resident (summed by the database: loading rows made a batch cost grow with the day's
    traffic), and every device's overdrafts of the residents whose wallet the batch may take
    below zero (its balance minus every debit of it in the batch; the others' spends
    overdraw nothing, so their day's overdraft cannot matter)."""
    L = t.ledger.c
    spends = [e for e in entries if e.kind is Kind.SPEND and e.debit]
    if not spends:
        return
    room = {e.debit: st.balances.get(e.debit, 0) for e in spends if e.debit}
    for e in entries:
        if e.debit in room:
            room[e.debit] -= e.amount
    may_overdraw = {acc.owner_of(a) for a, left in room.items() if left < 0}
    for day, start, end in {days.day_bounds(e.wall_time) for e in spends}:
        for rid, amount, overdraft in conn.execute(
            select(L.resident_id, func.sum(L.amount), func.sum(L.overdraft))
            .where(
                L.device_id == device.id,
                L.kind == Kind.SPEND.value,
                L.status == APPLIED,
                L.wall_time >= start,
                L.wall_time < end,
            )
            .group_by(L.resident_id)
        ):
            st.spent_day[(rid, day)] = int(amount)
            st.exposure_day[day] = st.exposure_day.get(day, 0) + int(overdraft)
        spenders = {
            rid
            for e in spends
            if e.debit
            and (rid := acc.owner_of(e.debit)) in may_overdraw
            and days.day_key(e.wall_time) == day
        }
        for part in _chunks(spenders):
            for rid, overdraft in conn.execute(
                select(L.resident_id, func.sum(L.overdraft))
                .where(
                    L.resident_id.in_(part),
                    L.kind == Kind.SPEND.value,
                    L.wall_time >= start,
                    L.wall_time < end,
                    L.overdraft > 0,
                )
                .group_by(L.resident_id)
            ):
                st.overdraft_day[(rid, day)] = int(overdraft)
