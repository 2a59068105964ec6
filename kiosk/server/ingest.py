"""Batch ingest (DESIGN.md §5). Two questions, kept apart:

1. *Is this entry authentic and in its chain?* Device known and active, batch and entry
   signatures, hashes, the chain, contiguous seqs. If not, the whole batch is refused
   (kiosk.server.errors.Refusal) and nothing is stored.
2. *Does it take effect?* (kiosk.server.rules). An authentic entry that breaks a rule, or is
   malformed in itself, or is dated outside the clock window, is stored as signed with
   status ``refused`` and its code, changes no balance and goes to the review queue; the
   batch is applied and the ack names each refused entry. So an honest device is never locked
   out by what another device did first, and nothing it signed is ever lost.

The CPU-heavy part (hashes, signatures) runs before the write transaction.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from sqlalchemy import Connection, insert, select, update

from kiosk.core import accounts as acc
from kiosk.core.crypto import VerifyKey
from kiosk.core.entries import (
    ENTRY_DOMAIN,
    FORMAT_VERSION,
    Entry,
    EntryError,
    Kind,
    check_shape,
    make_entry,
)
from kiosk.core.errors import HeitjeError
from kiosk.server import tables as t
from kiosk.server.batch_state import load_state
from kiosk.server.context import DAY_MS, DeviceView, ServerCore
from kiosk.server.errors import Refusal
from kiosk.server.rules import BatchState, Effect, Refused, decide
from kiosk.sync import protocol as p
from kiosk.sync.protocol import Ack, Batch, RefusedEntry, WireEntry

_REFS_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_SHAPE_CODES = {"bad_identifier": p.BAD_IDENTIFIER}


@dataclass(frozen=True)
class Checked:
    """An authentic entry. `entry` is None when its kind is unknown to this server;
    `refusal` is a (code, detail) found without the database (shape, identifiers, clock)."""

    wire: WireEntry
    entry: Entry | None
    refusal: tuple[str, str] | None


@dataclass
class Outcome:
    refused: list[RefusedEntry]
    review_seqs: list[int]


def ingest(core: ServerCore, batch: Batch) -> Ack:
    """Check and apply one batch. Raises Refusal; returns a signed Ack."""
    with core.engine.connect() as conn:
        device = core.device_view(conn, batch.device_id)
    if batch.key_epoch != device.key_epoch:
        raise Refusal(p.KEY_EPOCH_MISMATCH)
    vk = VerifyKey(bytes.fromhex(device.public_key))
    if not batch.signature:
        raise Refusal(p.SIGNATURE_MISSING)
    pieces = [p.entry_json(w) for w in batch.entries]
    try:
        vk.verify(p.batch_message(batch, [w for _, w in pieces]), bytes.fromhex(batch.signature))
    except (BadSignatureError, ValueError) as exc:
        raise Refusal(p.BAD_BATCH_SIGNATURE) from exc
    checked = authenticate(core, batch, device, vk, [b for b, _ in pieces])
    return _apply(core, batch, device, checked)


def authenticate(
    core: ServerCore, batch: Batch, device: DeviceView, vk: VerifyKey, bodies: list[str]
) -> list[Checked]:
    """Hash, signature, order and chain of every entry (refuse the batch if one fails); the
    entry's own shape and its clock are noted as refusals of that entry alone."""
    now = core.now()
    ahead_ms = core.settings.get("clock", "max_ahead_s") * 1000
    floor = max(
        device.enrolled_at - ahead_ms,
        now - core.settings.get("clock", "max_entry_age_days") * DAY_MS,
    )
    out: list[Checked] = []
    verify = vk.verify
    domain = ENTRY_DOMAIN.encode() + b"\x00"
    for wire, body in zip(batch.entries, bodies, strict=True):
        if wire.device_id != batch.device_id:
            raise Refusal(p.ENTRY_MALFORMED, seq=wire.seq, detail="entry of another device")
        message = domain + body.encode()  # = canonical_bytes(ENTRY_DOMAIN, entry.body())
        if hashlib.sha256(message).hexdigest() != wire.entry_hash:
            raise Refusal(p.BAD_ENTRY_HASH, seq=wire.seq)
        if not wire.signature:
            raise Refusal(p.BAD_ENTRY_SIGNATURE, seq=wire.seq, detail="no signature")
        try:
            verify(message, bytes.fromhex(wire.signature))
        except (BadSignatureError, ValueError) as exc:
            raise Refusal(p.BAD_ENTRY_SIGNATURE, seq=wire.seq) from exc
        out.append(_judge_alone(wire, now + ahead_ms, floor))
    if out[0].wire.seq != batch.first_seq or out[-1].wire.seq != batch.last_seq:
        raise Refusal(p.SEQ_NOT_CONTIGUOUS, detail="first_seq/last_seq do not match")
    for a, b in itertools.pairwise(batch.entries):
        if b.seq <= a.seq:
            raise Refusal(p.SEQ_NOT_CONTIGUOUS, seq=b.seq, detail="entries out of order")
    if batch.entries[0].prev_hash != batch.prev_hash:
        raise Refusal(p.CHAIN_BROKEN, seq=batch.entries[0].seq, detail="prev_hash of the batch")
    for a, b in itertools.pairwise(batch.entries):
        if b.seq == a.seq + 1 and b.prev_hash != a.entry_hash:
            raise Refusal(p.CHAIN_BROKEN, seq=b.seq)
    return out


def _judge_alone(wire: WireEntry, latest: int, floor: int) -> Checked:
    """What an authentic entry shows on its own: its format version, a known kind, its
    shape, its date."""
    if wire.v != FORMAT_VERSION:
        return Checked(wire, None, (p.ENTRY_MALFORMED, f"unknown format version {wire.v}"))
    try:
        kind = Kind(wire.kind)
    except ValueError:
        return Checked(wire, None, (p.ENTRY_MALFORMED, f"unknown kind {wire.kind}"))
    entry = Entry(
        device_id=wire.device_id,
        seq=wire.seq,
        prev_hash=wire.prev_hash,
        tx_id=wire.tx_id,
        kind=kind,
        debit=wire.debit,
        credit=wire.credit,
        amount=wire.amount,
        refs=wire.refs,
        wall_time=wire.wall_time,
        entry_hash=wire.entry_hash,
        signature=wire.signature,
        version=wire.v,
    )
    try:
        check_shape(entry.kind, entry.debit, entry.credit, entry.amount, entry.refs)
    except EntryError as exc:
        return Checked(wire, entry, (_SHAPE_CODES.get(exc.code, p.ENTRY_MALFORMED), exc.en))
    except HeitjeError as exc:  # an account of no known kind
        return Checked(wire, entry, (p.ENTRY_MALFORMED, exc.en))
    if entry.wall_time > latest:
        return Checked(wire, entry, (p.CLOCK_AHEAD, "the device clock is ahead"))
    if entry.wall_time < floor:
        return Checked(wire, entry, (p.CLOCK_BEHIND, "the device clock is behind"))
    return Checked(wire, entry, None)


def _refused_in(conn: Connection, device_id: str, first: int, last: int) -> list[RefusedEntry]:
    L = t.ledger.c
    rows = conn.execute(
        select(L.seq, L.tx_id, L.refusal)
        .where(
            L.device_id == device_id,
            L.status == "refused",
            L.seq >= first,
            L.seq <= last,
        )
        .order_by(L.seq)
    )
    return [RefusedEntry(seq=s, tx_id=tx, code=code or p.BUSINESS_RULE) for s, tx, code in rows]


def _apply(core: ServerCore, batch: Batch, device: DeviceView, checked: list[Checked]) -> Ack:
    fork: Refusal | None = None
    with core.write() as conn:
        version = core.bump(conn)
        row = conn.execute(select(t.devices).where(t.devices.c.id == device.id)).mappings().one()
        if row["status"] != "active":  # revoked or quarantined while we were verifying
            raise Refusal(p.DEVICE_REVOKED if row["status"] == "revoked" else p.DEVICE_QUARANTINED)
        conn.execute(  # for the back office's device list
            update(t.devices).where(t.devices.c.id == device.id).values(last_seen_at=core.now())
        )
        head_seq: int = row["head_seq"]
        head_hash: str = row["head_hash"]
        old = [c.wire for c in checked if c.wire.seq <= head_seq]
        if old:
            stored = dict(
                conn.execute(
                    select(t.ledger.c.seq, t.ledger.c.entry_hash).where(
                        t.ledger.c.device_id == device.id,
                        t.ledger.c.seq.between(old[0].seq, old[-1].seq),
                    )
                ).all()
            )
            for w in old:
                if stored.get(w.seq) != w.entry_hash:
                    conn.execute(
                        update(t.devices)
                        .where(t.devices.c.id == device.id)
                        .values(status="quarantined", version=version)
                    )
                    core.audit(
                        conn,
                        "fork",
                        {
                            "seq": w.seq,
                            "server_hash": stored.get(w.seq),
                            "device_hash": w.entry_hash,
                        },
                        device_id=device.id,
                    )
                    fork = Refusal(p.FORK_DETECTED, seq=w.seq)
                    break
        new = [c for c in checked if c.wire.seq > head_seq]
        if fork is None and not new:
            last = checked[-1].wire
            return core.ack(
                device.id,
                last.seq,
                last.entry_hash,
                head_seq + 1,
                status="duplicate",
                refused=_refused_in(conn, device.id, checked[0].wire.seq, last.seq),
            )
        if fork is None:
            first = new[0].wire
            if first.seq != head_seq + 1 and old:
                # The same batch again after a partial apply: what it shares with the
                # server is there, the rest still waits for the missing seq.
                return core.ack(
                    device.id,
                    head_seq,
                    head_hash,
                    head_seq + 1,
                    status="partial",
                    refused=_refused_in(conn, device.id, checked[0].wire.seq, head_seq),
                )
            if first.seq != head_seq + 1:
                raise Refusal(p.GAP, seq=first.seq, next_seq=head_seq + 1)
            if first.prev_hash != head_hash:
                raise Refusal(p.CHAIN_BROKEN, seq=first.seq, next_seq=head_seq + 1)
            prefix = [new[0]]
            for c in new[1:]:
                if c.wire.seq != prefix[-1].wire.seq + 1:
                    break
                prefix.append(c)
            outcome = apply_entries(core, conn, device, prefix, version, batch.signature)
            last = prefix[-1].wire
            return core.ack(
                device.id,
                last.seq,
                last.entry_hash,
                last.seq + 1,
                status="partial" if len(prefix) < len(new) else "applied",
                applied=len(prefix),
                review_seqs=outcome.review_seqs,
                refused=outcome.refused,
            )
    # The quarantine and the alert are committed; nothing reached the ledger.
    assert fork is not None
    raise fork


def _account_owner(account: str | None, prefix: str) -> str | None:
    return acc.owner_of(account) if account and account.startswith(prefix) else None


def apply_entries(
    core: ServerCore,
    conn: Connection,
    device: DeviceView,
    checked: list[Checked],
    version: int,
    batch_signature: str,
) -> Outcome:
    """Each entry's effect (kiosk.server.rules), then the rows, in the caller's
    transaction: few statements, each over many rows.

    A tx_id this device already used is found by the unique index, not by a lookup per
    batch: the ledger rows go in under a savepoint, and on that one conflict the batch is
    decided again with the device's used tx_ids read (so the repeat is stored refused)."""
    batch_id = conn.execute(
        insert(t.batches)
        .values(
            device_id=device.id,
            first_seq=checked[0].wire.seq,
            last_seq=checked[-1].wire.seq,
            applied=0,
            received_at=core.now(),
            signature=batch_signature,
        )
        .returning(t.batches.c.id)
    ).scalar_one()
    try:
        with conn.begin_nested():
            st, decided = _decide_all(core, conn, device, checked, batch_id, with_tx_ids=False)
    except Exception as exc:  # the driver's unique violation (COPY) or SQLAlchemy's
        text = str(exc)  # PostgreSQL names the index; SQLite its columns
        if "uq_ledger_device_tx" not in text and "ledger.device_id, ledger.tx_id" not in text:
            raise
        st, decided = _decide_all(core, conn, device, checked, batch_id, with_tx_ids=True)
    conn.execute(
        update(t.batches)
        .where(t.batches.c.id == batch_id)
        .values(applied=len(checked) - len(decided.refused))
    )
    deltas, reviews = decided.deltas, decided.reviews
    _write_balances(conn, deltas, version)
    _write_claims(conn, st, version)
    _write_flags(conn, st, deltas, version)
    if reviews:
        insert_many(conn, t.review_queue, reviews)
        for r in reviews:
            core.audit(
                conn,
                "review",
                {
                    "tx_id": r["tx_id"],
                    "seq": r["seq"],
                    "reason": r["reason"],
                    "effect": r["effect"],
                    "amount": r["amount"],
                },
                device_id=device.id,
            )
    last = checked[-1].wire
    conn.execute(
        update(t.devices)
        .where(t.devices.c.id == device.id)
        .values(head_seq=last.seq, head_hash=last.entry_hash)
    )
    return Outcome(refused=decided.refused, review_seqs=[r["seq"] for r in reviews])


@dataclass
class _Decided:
    deltas: dict[str, int]
    reviews: list[dict[str, Any]]
    refused: list[RefusedEntry]


def _decide_all(
    core: ServerCore,
    conn: Connection,
    device: DeviceView,
    checked: list[Checked],
    batch_id: int,
    *,
    with_tx_ids: bool,
) -> tuple[BatchState, _Decided]:
    """Decide every entry and insert the ledger rows (nothing else is written here)."""
    known = [c.entry for c in checked if c.entry is not None and c.refusal is None]
    st = load_state(conn, core.settings, device, known, with_tx_ids=with_tx_ids)
    now = core.now()
    rows: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    refused: list[RefusedEntry] = []
    deltas: dict[str, int] = defaultdict(int)
    for c in checked:
        w, e = c.wire, c.entry
        effect: Effect | None = None
        refusal = c.refusal
        if refusal is None:
            assert e is not None
            try:
                effect = decide(st, e)
            except Refused as exc:
                refusal = (exc.code, exc.detail)
        if effect is not None:
            assert e is not None
            if e.debit and e.credit:
                deltas[e.debit] -= e.amount
                deltas[e.credit] += e.amount
            if effect.review:
                reviews.append(
                    _review(w, now, effect.review[0], ",".join(effect.review), "honoured")
                )
        else:
            assert refusal is not None
            refused.append(RefusedEntry(seq=w.seq, tx_id=w.tx_id, code=refusal[0]))
            reviews.append(_review(w, now, refusal[0], refusal[1] or refusal[0], "refused"))
        rows.append(
            {
                "device_id": w.device_id,
                "seq": w.seq,
                "v": w.v,
                "tx_id": w.tx_id,
                "prev_hash": w.prev_hash,
                "entry_hash": w.entry_hash,
                "kind": w.kind,
                "debit": w.debit,
                "credit": w.credit,
                "amount": w.amount,
                "refs": _REFS_JSON(w.refs),
                "wall_time": w.wall_time,
                "signature": w.signature,
                "received_at": now,
                "claim_id": effect.claim_id if effect else None,
                "resident_id": effect.resident_id if effect else None,
                "overdraft": effect.overdraft if effect else 0,
                "status": "applied" if effect else "refused",
                "refusal": None if effect else refusal[0] if refusal else None,
                "batch_id": batch_id,
            }
        )
    insert_many(conn, t.ledger, rows)
    return st, _Decided(deltas, reviews, refused)


def _review(w: WireEntry, now: int, reason: str, detail: str, effect: str) -> dict[str, Any]:
    return {
        "tx_id": w.tx_id,
        "device_id": w.device_id,
        "seq": w.seq,
        "reason": reason[:40],
        "detail": detail,
        "amount": w.amount,
        "merchant_id": _account_owner(w.credit, acc.TILL_PREFIX)
        or _account_owner(w.debit, acc.TILL_PREFIX),
        "resident_id": _account_owner(w.debit, acc.WALLET_PREFIX)
        or _account_owner(w.credit, acc.WALLET_PREFIX),
        "status": "open",
        "created_at": now,
        "kind": w.kind,
        "effect": effect,
    }


def insert_many(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Many rows in one go, inside the caller's transaction: COPY on PostgreSQL, one
    driver-level executemany elsewhere. (SQLAlchemy's per-row parameter processing costs more
    than the insert itself at thousands of rows.)"""
    if not rows:
        return
    cols = list(rows[0])
    if conn.dialect.name == "postgresql":
        dbapi: Any = conn.connection.dbapi_connection  # a psycopg Connection: COPY support
        assert dbapi is not None
        with (
            dbapi.cursor() as cur,
            cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row(tuple(r[c] for c in cols))
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    conn.exec_driver_sql(sql, [tuple(r[c] for c in cols) for r in rows])


def _write_balances(conn: Connection, deltas: dict[str, int], version: int) -> None:
    names = sorted(a for a, d in deltas.items() if d)
    if not names:
        return
    existing: set[str] = set()
    for i in range(0, len(names), 500):
        existing.update(
            conn.execute(
                select(t.balances.c.account).where(t.balances.c.account.in_(names[i : i + 500]))
            ).scalars()
        )
    fresh = [
        {"account": a, "balance": deltas[a], "version": version} for a in names if a not in existing
    ]
    if fresh:
        insert_many(conn, t.balances, fresh)
    changed = [(deltas[a], version, a) for a in names if a in existing]
    if changed:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"UPDATE balances SET balance = balance + {mark}, version = {mark} "
            f"WHERE account = {mark}",
            changed,
        )


def _write_claims(conn: Connection, st: BatchState, version: int) -> None:
    for cid in sorted(st.claims_changed):
        c = st.claims[cid]
        values = {
            "chore_id": c.chore_id,
            "resident_id": c.resident_id,
            "status": c.status,
            "approval_tx": c.approval_tx,
            "earn_tx": c.earn_tx,
            "version": version,
        }
        if c.new:
            conn.execute(insert(t.claims).values(id=cid, **values))
            c.new = False
        else:
            conn.execute(update(t.claims).where(t.claims.c.id == cid).values(**values))


def _write_flags(conn: Connection, st: BatchState, deltas: dict[str, int], version: int) -> None:
    # A wallet below zero flags its resident (no offline spending) until it is repaid.
    for account in deltas:
        if not account.startswith(acc.WALLET_PREFIX):
            continue
        rid = acc.owner_of(account)
        resident = st.residents.get(rid)
        if resident is None:
            continue
        flagged = st.balances.get(account, 0) < 0
        if flagged != resident.flagged:
            conn.execute(
                update(t.residents)
                .where(t.residents.c.id == rid)
                .values(flagged=flagged, version=version)
            )
            resident.flagged = flagged


def append_server_entry(
    core: ServerCore,
    conn: Connection,
    version: int,
    kind: Kind,
    *,
    debit: str | None = None,
    credit: str | None = None,
    amount: int = 0,
    refs: dict[str, str | int] | None = None,
) -> Entry:
    """An entry in the server's own chain (back-office approvals, grants, review decisions),
    under the same rules as any device's. Raises Refusal when it would not take effect."""
    row = conn.execute(select(t.devices).where(t.devices.c.id == core.device_id)).mappings().one()
    entry = make_entry(
        core.key,
        core.device_id,
        row["head_seq"] + 1,
        row["head_hash"],
        kind,
        debit=debit,
        credit=credit,
        amount=amount,
        refs=refs,
        wall_time=core.now(),
    )
    view = core.server_view()
    st = load_state(conn, core.settings, view, [entry])
    try:
        decide(st, entry)  # a dry run: the server does not store its own refused entries
    except Refused as exc:
        raise Refusal(exc.code, detail=exc.detail) from exc
    apply_entries(core, conn, view, [Checked(WireEntry.of(entry), entry, None)], version, "")
    return entry
