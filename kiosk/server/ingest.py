"""Batch ingest (DESIGN.md §5). Two questions, kept apart:

1. *Is this entry authentic and in its chain?* Device known and active, batch and entry
   signatures, hashes, the chain, contiguous seqs. If not, the whole batch is refused
   (kiosk.server.errors.Refusal) and nothing is stored.
2. *Does it take effect?* (kiosk.server.rules). An authentic entry that breaks a rule, or is
   malformed in itself, or is dated outside the clock window, is stored as signed with
   status ``refused`` and its code, changes no balance and goes to the review queue; the
   batch is applied and the ack names each refused entry. So an honest device is never locked
   out by what another device did first, and nothing it signed is ever lost.

The CPU-heavy part (hashes, signatures) and everything about a row that does not depend on
the ledger (its constant columns, already in the database's COPY text on PostgreSQL) run
before the write transaction: the writers' lock is held for the state read, the rules and a
handful of statements over many rows (docs/server.md, *Benchmarks*).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nacl.exceptions import BadSignatureError
from sqlalchemy import Connection, insert, select, update

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.crypto import VerifyKey
from kiosk.core.entries import (
    ENTRY_DOMAIN,
    FORMAT_VERSION,
    Entry,
    EntryError,
    Kind,
    Refs,
    check_shape,
    make_entry,
)
from kiosk.core.errors import HeitjeError
from kiosk.server import card_pins
from kiosk.server import tables as t
from kiosk.server.batch_state import load_state
from kiosk.server.context import DAY_MS, DeviceView, ServerCore
from kiosk.server.errors import Refusal
from kiosk.server.rules import BatchState, Refused, decide
from kiosk.sync import protocol as p
from kiosk.sync.protocol import Ack, Batch, RefusedEntry, WireEntry

_REFS_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_SHAPE_CODES = {"bad_identifier": p.BAD_IDENTIFIER}
_KINDS = {k.value: k for k in Kind}


@dataclass(slots=True)
class Checked:
    """An authentic entry. `entry` is None when its kind is unknown to this server;
    `refusal` is a (code, detail) found without the database (shape, identifiers, clock).
    `head`: its ledger row's columns that do not depend on the rules (LEDGER_HEAD), and
    `copy_head` the same as PostgreSQL COPY text; made before the write transaction (the
    writer makes them when they are missing)."""

    wire: WireEntry
    entry: Entry | None
    refusal: tuple[str, str] | None
    head: tuple[Any, ...] | None = None
    copy_head: str | None = None


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
    with core.verify_slot:
        pieces = [p.entry_texts(w) for w in batch.entries]
        try:
            message = p.batch_message(batch, [w for _, w, _ in pieces])
            vk.verify(message, bytes.fromhex(batch.signature))
        except (BadSignatureError, ValueError) as exc:
            raise Refusal(p.BAD_BATCH_SIGNATURE) from exc
        checked = authenticate(
            core, batch, device, vk, [b for b, _, _ in pieces], [r for _, _, r in pieces]
        )
    return _apply(core, batch, device, checked)


# The ledger's columns: first what the entry itself says (and when it came in), then what its
# effect adds, known only under the writers' lock.
LEDGER_HEAD = (
    "device_id",
    "seq",
    "v",
    "tx_id",
    "prev_hash",
    "entry_hash",
    "kind",
    "debit",
    "credit",
    "amount",
    "refs",
    "wall_time",
    "signature",
    "received_at",
)
LEDGER_TAIL = ("claim_id", "resident_id", "overdraft", "status", "refusal", "batch_id")
_NULL = "\\N"  # COPY text's NULL
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(values: Sequence[Any]) -> str:
    """Values as fields of a PostgreSQL COPY text row (tab-separated, \\N for NULL), without
    the line end. Only integers and text occur in the ledger."""
    return "\t".join(
        _NULL if v is None else str(v) if isinstance(v, int) else v.translate(_COPY_ESCAPES)
        for v in values
    )


def _row_head(w: WireEntry, received_at: int, refs: str | None = None) -> tuple[Any, ...]:
    """`refs`: the canonical JSON of w.refs when the caller has it (protocol.entry_texts)."""
    return (
        w.device_id,
        w.seq,
        w.v,
        w.tx_id,
        w.prev_hash,
        w.entry_hash,
        w.kind,
        w.debit,
        w.credit,
        w.amount,
        _REFS_JSON(w.refs) if refs is None else refs,
        w.wall_time,
        w.signature,
        received_at,
    )


def _copy_head(w: WireEntry, received_at: int, refs: str | None = None) -> str:
    """_copy_text(_row_head(w, received_at, refs)), made straight from the entry: of the
    head's text fields only `refs` can hold a tab, a newline or a backslash; the others are
    held to the wire's ASCII patterns (identifiers, hex, kind) by WireEntry, which every
    Checked's entry went through. (Canonical JSON writes control characters as escapes, so
    in practice only a backslash needs COPY's escaping, and mostly nothing does.)"""
    if refs is None:
        refs = _REFS_JSON(w.refs)
    if "\\" in refs or "\t" in refs or "\n" in refs or "\r" in refs:
        refs = refs.translate(_COPY_ESCAPES)
    debit = _NULL if w.debit is None else w.debit
    credit = _NULL if w.credit is None else w.credit
    return (
        f"{w.device_id}\t{w.seq}\t{w.v}\t{w.tx_id}\t{w.prev_hash}\t{w.entry_hash}\t{w.kind}\t"
        f"{debit}\t{credit}\t{w.amount}\t{refs}\t{w.wall_time}\t{w.signature}\t{received_at}"
    )


def prepared(
    wire: WireEntry,
    entry: Entry | None,
    refusal: tuple[str, str] | None,
    received_at: int,
    postgres: bool,
    refs: str | None = None,
) -> Checked:
    """A Checked with its row's constant part made (outside the write transaction), in the
    form the database's writer takes: COPY text on PostgreSQL, a tuple elsewhere. `refs`:
    the canonical JSON of wire.refs when the caller already has it."""
    if postgres:
        return Checked(wire, entry, refusal, None, _copy_head(wire, received_at, refs))
    return Checked(wire, entry, refusal, _row_head(wire, received_at, refs), None)


def authenticate(
    core: ServerCore,
    batch: Batch,
    device: DeviceView,
    vk: VerifyKey,
    bodies: list[str],
    refs: list[str],
) -> list[Checked]:
    """Hash, signature, order and chain of every entry (refuse the batch if one fails); the
    entry's own shape and its clock are noted as refusals of that entry alone.

    A large batch is checked in a few consecutive parts on the server's verify threads
    (Ed25519 verification lets go of the GIL), so one device's catch-up uses every core; the
    batch is refused for the first failing entry in order, as if checked one by one."""
    now = core.now()
    ahead_ms = core.settings.get("clock", "max_ahead_s") * 1000
    floor = max(
        device.enrolled_at - ahead_ms,
        now - core.settings.get("clock", "max_entry_age_days") * DAY_MS,
    )
    entries = batch.entries
    postgres = core.engine.dialect.name == "postgresql"

    def check(lo: int, hi: int) -> list[Checked]:
        out: list[Checked] = []
        verify = vk.verify
        domain = ENTRY_DOMAIN.encode() + b"\x00"
        sha256 = hashlib.sha256
        for i in range(lo, hi):
            wire = entries[i]
            if wire.device_id != batch.device_id:
                raise Refusal(p.ENTRY_MALFORMED, seq=wire.seq, detail="entry of another device")
            message = domain + bodies[i].encode()  # = canonical_bytes(ENTRY_DOMAIN, body)
            if sha256(message).hexdigest() != wire.entry_hash:
                raise Refusal(p.BAD_ENTRY_HASH, seq=wire.seq)
            if not wire.signature:
                raise Refusal(p.BAD_ENTRY_SIGNATURE, seq=wire.seq, detail="no signature")
            try:
                verify(message, bytes.fromhex(wire.signature))
            except (BadSignatureError, ValueError) as exc:
                raise Refusal(p.BAD_ENTRY_SIGNATURE, seq=wire.seq) from exc
            entry, refusal = _judge_alone(wire, now + ahead_ms, floor)
            out.append(prepared(wire, entry, refusal, now, postgres, refs[i]))
        return out

    parts = core.verify_parts(len(entries))
    if len(parts) == 1:
        out = check(0, len(entries))
    else:
        futures = [core.verify_pool().submit(check, lo, hi) for lo, hi in parts]
        out = []
        for future in futures:  # in order: the first part's failure is the batch's
            out.extend(future.result())
    if out[0].wire.seq != batch.first_seq or out[-1].wire.seq != batch.last_seq:
        raise Refusal(p.SEQ_NOT_CONTIGUOUS, detail="first_seq/last_seq do not match")
    for a, b in itertools.pairwise(entries):
        if b.seq <= a.seq:
            raise Refusal(p.SEQ_NOT_CONTIGUOUS, seq=b.seq, detail="entries out of order")
    if entries[0].prev_hash != batch.prev_hash:
        raise Refusal(p.CHAIN_BROKEN, seq=entries[0].seq, detail="prev_hash of the batch")
    for a, b in itertools.pairwise(entries):
        if b.seq == a.seq + 1 and b.prev_hash != a.entry_hash:
            raise Refusal(p.CHAIN_BROKEN, seq=b.seq)
    return out


def _judge_alone(
    wire: WireEntry, latest: int, floor: int
) -> tuple[Entry | None, tuple[str, str] | None]:
    """What an authentic entry shows on its own: its format version, a known kind, its
    shape, its date. Returns the core Entry (None for an unknown kind) and the refusal."""
    if wire.v != FORMAT_VERSION:
        return None, (p.ENTRY_MALFORMED, f"unknown format version {wire.v}")
    kind = _KINDS.get(wire.kind)
    if kind is None:
        return None, (p.ENTRY_MALFORMED, f"unknown kind {wire.kind}")
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
        return entry, (_SHAPE_CODES.get(exc.code, p.ENTRY_MALFORMED), exc.en)
    except HeitjeError as exc:  # an account of no known kind
        return entry, (p.ENTRY_MALFORMED, exc.en)
    if entry.wall_time > latest:
        return entry, (p.CLOCK_AHEAD, "the device clock is ahead")
    if entry.wall_time < floor:
        return entry, (p.CLOCK_BEHIND, "the device clock is behind")
    return entry, None


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


def _is_tx_id_conflict(exc: Exception) -> bool:
    """The ledger's unique (device_id, tx_id) index refused a row: the driver's unique
    violation (COPY) or SQLAlchemy's. PostgreSQL names the index; SQLite its columns."""
    text = str(exc)
    return "uq_ledger_device_tx" in text or "ledger.device_id, ledger.tx_id" in text


def _apply(core: ServerCore, batch: Batch, device: DeviceView, checked: list[Checked]) -> Ack:
    """The batch's write transaction. A tx_id this device already used is found by the
    unique index, not by a lookup per batch (a device's tx_ids are random: a repeat is a
    rogue's or a bug's): on that one conflict the transaction is rolled back and run again
    with the device's used tx_ids read, so the repeat is stored refused."""
    try:
        return _apply_once(core, batch, device, checked, with_tx_ids=False)
    except Exception as exc:
        if not _is_tx_id_conflict(exc):
            raise
    return _apply_once(core, batch, device, checked, with_tx_ids=True)


def _apply_once(
    core: ServerCore,
    batch: Batch,
    device: DeviceView,
    checked: list[Checked],
    *,
    with_tx_ids: bool,
) -> Ack:
    fork: Refusal | None = None
    D = t.devices.c
    with core.write() as conn:
        version = core.bump(conn)
        row = conn.execute(select(D.status, D.head_seq, D.head_hash).where(D.id == device.id)).one()
        if row.status != "active":  # revoked or quarantined while we were verifying
            raise Refusal(p.DEVICE_REVOKED if row.status == "revoked" else p.DEVICE_QUARANTINED)
        head_seq: int = row.head_seq
        head_hash: str = row.head_hash
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
                        .where(D.id == device.id)
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
            _seen(core, conn, device.id)
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
                _seen(core, conn, device.id)
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
            outcome = apply_entries(
                core, conn, device, prefix, version, batch.signature, with_tx_ids=with_tx_ids
            )
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


def _seen(core: ServerCore, conn: Connection, device_id: str) -> None:
    """For the back office's device list (a batch that brings entries sets it with the
    chain head, in the same statement)."""
    conn.execute(
        update(t.devices).where(t.devices.c.id == device_id).values(last_seen_at=core.now())
    )


def _account_owner(account: str | None, prefix: str) -> str | None:
    return acc.owner_of(account) if account and account.startswith(prefix) else None


def apply_entries(
    core: ServerCore,
    conn: Connection,
    device: DeviceView,
    checked: list[Checked],
    version: int,
    batch_signature: str,
    *,
    with_tx_ids: bool = True,
) -> Outcome:
    """Each entry's effect (kiosk.server.rules), then the rows, in the caller's transaction:
    the state in a few queries over the rows the batch names, then a few statements, each over
    many rows. `with_tx_ids=False` leaves repeats of this device's earlier tx_ids to the
    unique index (see _apply)."""
    known = [c.entry for c in checked if c.entry is not None and c.refusal is None]
    st = load_state(conn, core.settings, device, known, with_tx_ids=with_tx_ids)
    decided = _decide(st, checked, core.now())
    _write(core, conn, device, st, decided, version, batch_signature)
    return Outcome(refused=decided.refused, review_seqs=[r["seq"] for r in decided.reviews])


@dataclass
class _Decided:
    checked: list[Checked]
    tails: list[tuple[Any, ...]]  # LEDGER_TAIL of each entry, batch_id left out
    deltas: dict[str, int]
    reviews: list[dict[str, Any]]
    refused: list[RefusedEntry]


def _decide(st: BatchState, checked: list[Checked], now: int) -> _Decided:
    """Every entry's effect or refusal, in order (no SQL: the state holds what it needs)."""
    tails: list[tuple[Any, ...]] = []
    reviews: list[dict[str, Any]] = []
    refused: list[RefusedEntry] = []
    deltas: dict[str, int] = defaultdict(int)
    for c in checked:
        w, e = c.wire, c.entry
        refusal = c.refusal
        if refusal is None:
            assert e is not None
            try:
                effect = decide(st, e)
            except Refused as exc:
                refusal = (exc.code, exc.detail)
            else:
                if e.debit and e.credit:
                    deltas[e.debit] -= e.amount
                    deltas[e.credit] += e.amount
                if effect.review:
                    reviews.append(
                        _review(w, now, effect.review[0], ",".join(effect.review), "honoured")
                    )
                tails.append(
                    (effect.claim_id, effect.resident_id, effect.overdraft, "applied", None)
                )
                continue
        refused.append(RefusedEntry(seq=w.seq, tx_id=w.tx_id, code=refusal[0]))
        reviews.append(_review(w, now, refusal[0], refusal[1] or refusal[0], "refused"))
        tails.append((None, None, 0, "refused", refusal[0]))
    return _Decided(checked, tails, deltas, reviews, refused)


def _write(
    core: ServerCore,
    conn: Connection,
    device: DeviceView,
    st: BatchState,
    decided: _Decided,
    version: int,
    batch_signature: str,
) -> None:
    """The rows of decided entries: the batch, the ledger rows (COPY on PostgreSQL), the
    balances (one upsert), claims, flags, the review queue and its alerts, the chain head."""
    checked = decided.checked
    now = core.now()
    batch_id = conn.execute(
        insert(t.batches)
        .values(
            device_id=device.id,
            first_seq=checked[0].wire.seq,
            last_seq=checked[-1].wire.seq,
            applied=len(checked) - len(decided.refused),
            received_at=now,
            signature=batch_signature,
        )
        .returning(t.batches.c.id)
    ).scalar_one()
    _write_ledger(conn, checked, decided.tails, batch_id, now)
    _write_balances(conn, decided.deltas, version)
    _write_claims(conn, st, version)
    _write_repairs(conn, st, version)
    _write_flags(conn, st, decided.deltas, version)
    # A PIN set at a kiosk travels as the hash in its card event: counters check it offline.
    card_pins.record_pin_events(
        conn,
        (
            c.entry
            for c, tail in zip(checked, decided.tails, strict=True)
            if tail[3] == "applied" and c.entry is not None and c.entry.kind is Kind.CARD_EVENT
        ),
        version,
    )
    reviews = decided.reviews
    if reviews:
        insert_many(conn, t.review_queue, reviews)
        core.audit_many(
            conn,
            "review",
            [
                {
                    "tx_id": r["tx_id"],
                    "seq": r["seq"],
                    "reason": r["reason"],
                    "effect": r["effect"],
                    "amount": r["amount"],
                }
                for r in reviews
            ],
            device_id=device.id,
        )
    last = checked[-1].wire
    values: dict[str, Any] = {"head_seq": last.seq, "head_hash": last.entry_hash}
    if device.role != roles.SERVER:
        values["last_seen_at"] = now
    conn.execute(update(t.devices).where(t.devices.c.id == device.id).values(**values))


def _write_ledger(
    conn: Connection,
    checked: list[Checked],
    tails: list[tuple[Any, ...]],
    batch_id: int,
    now: int,
) -> None:
    cols = ", ".join(LEDGER_HEAD + LEDGER_TAIL)
    if conn.dialect.name == "postgresql":
        suffix = f"\t{batch_id}\n"
        lines = []
        for c, tail in zip(checked, tails, strict=True):
            text = c.copy_head if c.copy_head is not None else _copy_text(_head_of(c, now))
            lines.append(text + "\t" + _copy_text(tail) + suffix)
        dbapi: Any = conn.connection.dbapi_connection  # a psycopg Connection: COPY support
        assert dbapi is not None
        with dbapi.cursor() as cur, cur.copy(f"COPY ledger ({cols}) FROM STDIN") as copy:
            copy.write("".join(lines))
        return
    mark = _mark(conn)
    marks = ", ".join([mark] * (len(LEDGER_HEAD) + len(LEDGER_TAIL)))
    conn.exec_driver_sql(
        f"INSERT INTO ledger ({cols}) VALUES ({marks})",
        [_head_of(c, now) + tail + (batch_id,) for c, tail in zip(checked, tails, strict=True)],
    )


def _head_of(c: Checked, now: int) -> tuple[Any, ...]:
    return c.head if c.head is not None else _row_head(c.wire, now)


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


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
    mark = _mark(conn)
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    conn.exec_driver_sql(sql, [tuple(r[c] for c in cols) for r in rows])


def _write_balances(conn: Connection, deltas: dict[str, int], version: int) -> None:
    """One upsert for every account the batch moved, in account order (the writers' lock
    serialises writers; the order keeps row locks taken alike anyway)."""
    rows = [(a, deltas[a], version) for a in sorted(deltas) if deltas[a]]
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        accounts, amounts, versions = (list(col) for col in zip(*rows, strict=True))
        conn.exec_driver_sql(
            "INSERT INTO balances (account, balance, version) "
            "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) "
            "ON CONFLICT (account) DO UPDATE SET balance = balances.balance + "
            "EXCLUDED.balance, version = EXCLUDED.version",
            (accounts, amounts, versions),
        )
        return
    mark = _mark(conn)
    conn.exec_driver_sql(
        f"INSERT INTO balances (account, balance, version) VALUES ({mark}, {mark}, {mark}) "
        "ON CONFLICT (account) DO UPDATE SET balance = balances.balance + excluded.balance, "
        "version = excluded.version",
        rows,
    )


def _write_claims(conn: Connection, st: BatchState, version: int) -> None:
    fresh: list[dict[str, Any]] = []
    changed: list[tuple[Any, ...]] = []
    for cid in sorted(st.claims_changed):
        c = st.claims[cid]
        if c.new:
            fresh.append(
                {
                    "id": cid,
                    "chore_id": c.chore_id,
                    "resident_id": c.resident_id,
                    "status": c.status,
                    "approval_tx": c.approval_tx,
                    "earn_tx": c.earn_tx,
                    "version": version,
                }
            )
            c.new = False
        else:
            changed.append(
                (c.chore_id, c.resident_id, c.status, c.approval_tx, c.earn_tx, version, cid)
            )
    st.claims_changed.clear()
    insert_many(conn, t.claims, fresh)
    if changed:
        m = _mark(conn)
        conn.exec_driver_sql(
            f"UPDATE claims SET chore_id = {m}, resident_id = {m}, status = {m}, "
            f"approval_tx = {m}, earn_tx = {m}, version = {m} WHERE id = {m}",
            changed,
        )


def _write_repairs(conn: Connection, st: BatchState, version: int) -> None:
    if not st.boxes_to_repair:
        return
    m = _mark(conn)
    conn.exec_driver_sql(
        f"UPDATE klusboxes SET maintenance = {m}, version = {m} WHERE id = {m}",
        [(True, version, box) for box in sorted(st.boxes_to_repair)],
    )
    st.boxes_to_repair.clear()


def _write_flags(conn: Connection, st: BatchState, deltas: dict[str, int], version: int) -> None:
    # A wallet below zero flags its resident (no offline spending) until it is repaid.
    flips: list[tuple[bool, int, str]] = []
    for account in deltas:
        if not account.startswith(acc.WALLET_PREFIX):
            continue
        rid = acc.owner_of(account)
        resident = st.residents.get(rid)
        if resident is None:
            continue
        flagged = st.balances.get(account, 0) < 0
        if flagged != resident.flagged:
            flips.append((flagged, version, rid))
            resident.flagged = flagged
    if flips:
        m = _mark(conn)
        conn.exec_driver_sql(
            f"UPDATE residents SET flagged = {m}, version = {m} WHERE id = {m}", flips
        )


# -- the server's own chain ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServerEntry:
    """An entry the server signs in its own chain (approvals, grants, review decisions,
    settlements), before it has a seq."""

    kind: Kind
    debit: str | None = None
    credit: str | None = None
    amount: int = 0
    refs: Refs = field(default_factory=dict)


def append_server_entries(
    core: ServerCore, conn: Connection, version: int, specs: Sequence[ServerEntry]
) -> list[Entry]:
    """Entries in the server's own chain, in the caller's transaction, under the same rules
    and through the same writer as any device's entries: signed and chained from the
    server's head, one state read, every entry decided, then one write for all. Raises
    Refusal (and writes nothing) when any of them would not take effect: the server does
    not store its own refused entries."""
    if not specs:
        return []
    D = t.devices.c
    head = conn.execute(select(D.head_seq, D.head_hash).where(D.id == core.device_id)).one()
    seq, prev = int(head.head_seq), str(head.head_hash)
    now = core.now()
    entries: list[Entry] = []
    for spec in specs:
        seq += 1
        entry = make_entry(
            core.key,
            core.device_id,
            seq,
            prev,
            spec.kind,
            debit=spec.debit,
            credit=spec.credit,
            amount=spec.amount,
            refs=spec.refs,
            wall_time=now,
        )
        entries.append(entry)
        prev = entry.entry_hash
    view = core.server_view()
    st = load_state(conn, core.settings, view, entries)
    postgres = conn.dialect.name == "postgresql"
    checked = [prepared(WireEntry.of(e), e, None, now, postgres) for e in entries]
    decided = _decide(st, checked, now)
    if decided.refused:
        first = decided.refused[0]
        detail = next(r["detail"] for r in decided.reviews if r["seq"] == first.seq)
        raise Refusal(first.code, detail="" if detail == first.code else detail)
    _write(core, conn, view, st, decided, version, "")
    return entries


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
    """One entry in the server's own chain (see append_server_entries). Raises Refusal when
    it would not take effect."""
    spec = ServerEntry(kind, debit, credit, amount, dict(refs or {}))
    return append_server_entries(core, conn, version, [spec])[0]
