"""The server's core: enrolment, batch ingest, acks, snapshots. No HTTP here (see app.py).

Every writing transaction first bumps ``server_state.version``. That row lock (PostgreSQL) or
``BEGIN IMMEDIATE`` (SQLite) serialises writers, so versions follow commit order (a delta
snapshot never misses a row) and balance rows are always locked in the same order (no
deadlocks). The CPU-heavy part of an upload (hashes, signatures) runs before the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import secrets
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from nacl.exceptions import BadSignatureError
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kiosk.core import accounts as acc
from kiosk.core.crypto import SigningKey, VerifyKey, device_id_for, load_or_create_key
from kiosk.core.entries import (
    ENTRY_DOMAIN,
    GENESIS_HASH,
    Entry,
    Kind,
    check_shape,
    make_entry,
)
from kiosk.core.errors import HeitjeError
from kiosk.server import tables as t
from kiosk.server.config import Settings
from kiosk.server.db import migrate, open_engine
from kiosk.server.errors import Refusal
from kiosk.sync import protocol as p
from kiosk.sync.protocol import (
    Ack,
    Batch,
    CardRow,
    ChoreRow,
    DeviceCertificate,
    EnrolRequest,
    KlusboxRow,
    Limits,
    MerchantRow,
    ResidentRow,
    Snapshot,
)

log = logging.getLogger("kiosk.server")

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
_REFS_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
DAY_MS = 86_400_000
DEVICE_KINDS = frozenset(Kind) - {Kind.SETTLE, Kind.ADJUST, Kind.EXPIRE}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed


def _local(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=LOCAL_TZ)


@lru_cache(maxsize=8192)
def _day_key(ms: int) -> str:
    return _local(ms).strftime("%Y-%m-%d")


@lru_cache(maxsize=8192)
def _month_year(ms: int) -> tuple[str, str]:
    local = _local(ms)
    return local.strftime("%Y-%m"), local.strftime("%Y")


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


@lru_cache(maxsize=1024)
def _day_bounds(ms: int) -> tuple[str, int, int]:
    """The local (Amsterdam) day of `ms`: its key and its start and end in epoch ms."""
    d = _local(ms)
    start = dt.datetime(d.year, d.month, d.day, tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ)
    return start.strftime("%Y-%m-%d"), int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def _year_start_ms(ms: int) -> int:
    d = _local(ms)
    return int(dt.datetime(d.year, 1, 1, tzinfo=LOCAL_TZ).timestamp() * 1000)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


@dataclass
class _DeviceView:
    id: str
    role: str
    status: str
    key_epoch: int
    public_key: str
    enrolled_at: int
    valid_until: int
    limits: Limits


@dataclass
class _BatchState:
    """What the business rules need to know, read once per batch, updated entry by entry."""

    balances: dict[str, int] = field(default_factory=dict)
    residents: dict[str, tuple[str, bool]] = field(default_factory=dict)  # id -> status, flag
    merchants: set[str] = field(default_factory=set)
    cards: dict[str, str] = field(default_factory=dict)  # serial -> status
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    chores: dict[str, int] = field(default_factory=dict)  # id -> reward
    earned_month: dict[tuple[str, str], int] = field(default_factory=dict)
    earned_year: dict[tuple[str, str], int] = field(default_factory=dict)
    spent_day: dict[tuple[str, str], int] = field(default_factory=dict)  # (resident, day)
    exposure_day: dict[str, int] = field(default_factory=dict)  # day -> overdraft sum
    spends: dict[str, int] = field(default_factory=dict)  # tx_id -> amount - refunds
    claims_changed: set[str] = field(default_factory=set)


class Server:
    """One server instance: the database engine, the municipality key and the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = settings.clock
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.key: SigningKey = load_or_create_key(settings.key_path)
        self.verify_key: VerifyKey = self.key.verify_key
        self.public_key_hex = bytes(self.verify_key).hex()
        self.device_id = device_id_for(self.verify_key)
        self.engine: Engine = open_engine(settings.db_url())
        sqlite = self.engine.dialect.name == "sqlite"
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if sqlite else nullcontext()
        )
        migrate(self.engine)
        self._ensure_server_device()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A writing transaction. On SQLite, threads of this process queue on a lock first:
        SQLite itself makes a waiting writer poll with sleeps of up to 100 ms."""
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    # -- helpers ------------------------------------------------------------------------------

    def now(self) -> int:
        return self.clock.now_ms()

    def limits(self) -> Limits:
        return Limits(**self.settings.config["offline_limits"])

    @staticmethod
    def bump(conn: Connection) -> int:
        """Take the writers' lock and the next change version (call first in every write)."""
        conn.execute(update(t.server_state).values(version=t.server_state.c.version + 1))
        return int(conn.execute(select(t.server_state.c.version)).scalar_one())

    def audit(
        self, conn: Connection, event: str, detail: dict[str, Any], *, device_id: str | None = None
    ) -> None:
        severity = "alert" if event in {"fork", "review"} else "info"
        conn.execute(
            insert(t.audit_log).values(
                at=self.now(),
                event=event,
                severity=severity,
                device_id=device_id,
                detail=json.dumps(detail, sort_keys=True),
            )
        )
        if severity == "alert":
            log.warning("ALERT %s %s %s", event, device_id, detail)

    def _ensure_server_device(self) -> None:
        with suppress(IntegrityError):  # another server process made it at the same moment
            self._insert_server_device()

    def _insert_server_device(self) -> None:
        with self.write() as conn:
            row = conn.execute(select(t.devices.c.id).where(t.devices.c.id == self.device_id))
            if row.first() is not None:
                return
            version = self.bump(conn)
            now = self.now()
            conn.execute(
                insert(t.devices).values(
                    id=self.device_id,
                    public_key=self.public_key_hex,
                    role="server",
                    name="server",
                    status="active",
                    key_epoch=1,
                    certificate="{}",
                    enrolled_at=0,
                    issued_at=now,
                    valid_until=p.MAX_INT,
                    head_seq=0,
                    head_hash=GENESIS_HASH,
                    version=version,
                )
            )

    # -- enrolment ----------------------------------------------------------------------------

    def create_enrol_code(self, role: str, name: str) -> str:
        if role not in p.DEVICE_ROLES:
            raise ValueError(f"role must be one of {', '.join(p.DEVICE_ROLES)}")
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        now = self.now()
        with self.write() as conn:
            self.bump(conn)
            conn.execute(
                insert(t.enrol_codes).values(
                    code_hash=_code_hash(code),
                    role=role,
                    name=name,
                    created_at=now,
                    expires_at=now + self.settings.get("enrolment", "code_ttl_s") * 1000,
                )
            )
            self.audit(conn, "enrol_code", {"role": role, "name": name})
        return code

    def enrol(self, req: EnrolRequest) -> DeviceCertificate:
        try:
            verify_key = VerifyKey(bytes.fromhex(req.public_key))
        except (ValueError, TypeError) as exc:
            raise Refusal(p.BAD_PUBLIC_KEY) from exc
        device_id = device_id_for(verify_key)
        if device_id == self.device_id:  # the municipality key is never a device's key
            raise Refusal(p.BAD_PUBLIC_KEY)
        now = self.now()
        with self.write() as conn:
            version = self.bump(conn)
            code = (
                conn.execute(
                    select(t.enrol_codes).where(t.enrol_codes.c.code_hash == _code_hash(req.code))
                )
                .mappings()
                .first()
            )
            if code is None:
                raise Refusal(p.ENROL_CODE_INVALID)
            if code["used_at"] is not None:
                raise Refusal(p.ENROL_CODE_USED)
            if now > code["expires_at"]:
                raise Refusal(p.ENROL_CODE_EXPIRED)
            existing = (
                conn.execute(select(t.devices).where(t.devices.c.id == device_id))
                .mappings()
                .first()
            )
            if existing is not None and existing["status"] != "active":
                raise Refusal(
                    p.DEVICE_REVOKED if existing["status"] == "revoked" else p.DEVICE_QUARANTINED
                )
            cert = p.sign_certificate(
                self.key,
                DeviceCertificate(
                    device_id=device_id,
                    role=code["role"],
                    public_key=req.public_key,
                    limits=self.limits(),
                    valid_until=now + self.settings.get("certificates", "valid_days") * DAY_MS,
                    issued_at=now,
                    name=req.name,
                    key_epoch=1,
                ),
            )
            values = {
                "role": cert.role,
                "name": req.name,
                "certificate": cert.model_dump_json(),
                "issued_at": cert.issued_at,
                "valid_until": cert.valid_until,
                "version": version,
            }
            if existing is None:
                conn.execute(
                    insert(t.devices).values(
                        id=device_id,
                        public_key=req.public_key,
                        status="active",
                        key_epoch=1,
                        enrolled_at=now,
                        head_seq=0,
                        head_hash=GENESIS_HASH,
                        **values,
                    )
                )
            else:
                conn.execute(update(t.devices).where(t.devices.c.id == device_id).values(**values))
            conn.execute(
                update(t.enrol_codes)
                .where(t.enrol_codes.c.code_hash == code["code_hash"])
                .values(used_at=now, device_id=device_id)
            )
            self.audit(
                conn,
                "enrol",
                {"role": cert.role, "name": req.name, "again": existing is not None},
                device_id=device_id,
            )
        return cert

    def set_device_status(self, device_id: str, status: str, reason: str = "") -> bool:
        with self.write() as conn:
            version = self.bump(conn)
            res = conn.execute(
                update(t.devices)
                .where(t.devices.c.id == device_id, t.devices.c.role != "server")
                .values(status=status, version=version)
            )
            if res.rowcount == 0:
                return False
            event = {"revoked": "revoke", "active": "reinstate"}.get(status, status)
            self.audit(conn, event, {"reason": reason}, device_id=device_id)
        return True

    def list_devices(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.devices.c.id,
                    t.devices.c.role,
                    t.devices.c.name,
                    t.devices.c.status,
                    t.devices.c.head_seq,
                    t.devices.c.valid_until,
                ).order_by(t.devices.c.id)
            )
            return [dict(r) for r in rows.mappings()]

    # -- acks -----------------------------------------------------------------------------------

    def _ack(self, device_id: str, acked_seq: int, head_hash: str, next_seq: int, **kw: Any) -> Ack:
        ack = Ack(
            device_id=device_id,
            acked_seq=acked_seq,
            head_hash=head_hash,
            server_time=self.now(),
            next_seq=next_seq,
            **kw,
        )
        return p.sign_ack(self.key, ack)

    def head(self, device_id: str) -> Ack:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(t.devices).where(t.devices.c.id == device_id))
                .mappings()
                .first()
            )
        if row is None:
            raise Refusal(p.UNKNOWN_DEVICE, status=404)
        return self._ack(
            device_id, row["head_seq"], row["head_hash"], row["head_seq"] + 1, status="head"
        )

    # -- ingest ---------------------------------------------------------------------------------

    def _device_view(self, conn: Connection, device_id: str) -> _DeviceView:
        row = conn.execute(select(t.devices).where(t.devices.c.id == device_id)).mappings().first()
        if row is None:
            raise Refusal(p.UNKNOWN_DEVICE)
        if row["status"] == "revoked":
            raise Refusal(p.DEVICE_REVOKED)
        if row["status"] == "quarantined":
            raise Refusal(p.DEVICE_QUARANTINED)
        if row["role"] == "server":
            limits = self.limits()
        else:
            limits = DeviceCertificate.model_validate_json(row["certificate"]).limits
        return _DeviceView(
            id=row["id"],
            role=row["role"],
            status=row["status"],
            key_epoch=row["key_epoch"],
            public_key=row["public_key"],
            enrolled_at=row["enrolled_at"],
            valid_until=row["valid_until"],
            limits=limits,
        )

    def _check_entries(
        self, batch: Batch, device: _DeviceView, vk: VerifyKey, bodies: list[str]
    ) -> list[Entry]:
        """Everything that needs no database: shape, hash, signature, order, clock."""
        now = self.now()
        ahead_ms = self.settings.get("clock", "max_ahead_s") * 1000
        floor = max(
            device.enrolled_at - ahead_ms,
            now - self.settings.get("clock", "max_entry_age_days") * DAY_MS,
        )
        entries: list[Entry] = []
        verify = vk.verify
        domain = ENTRY_DOMAIN.encode() + b"\x00"
        for wire, body in zip(batch.entries, bodies, strict=True):
            try:
                kind = Kind(wire.kind)
            except ValueError as exc:
                raise Refusal(p.ENTRY_MALFORMED, seq=wire.seq, detail="unknown kind") from exc
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
            if entry.device_id != batch.device_id:
                raise Refusal(p.ENTRY_MALFORMED, seq=entry.seq, detail="entry of another device")
            message = domain + body.encode()  # = canonical_bytes(ENTRY_DOMAIN, entry.body())
            if hashlib.sha256(message).hexdigest() != entry.entry_hash:
                raise Refusal(p.BAD_ENTRY_HASH, seq=entry.seq)
            if not entry.signature:
                raise Refusal(p.BAD_ENTRY_SIGNATURE, seq=entry.seq, detail="no signature")
            try:
                verify(message, bytes.fromhex(entry.signature))
            except (BadSignatureError, ValueError) as exc:
                raise Refusal(p.BAD_ENTRY_SIGNATURE, seq=entry.seq) from exc
            try:
                check_shape(entry.kind, entry.debit, entry.credit, entry.amount, entry.refs)
            except HeitjeError as exc:
                raise Refusal(p.ENTRY_MALFORMED, seq=entry.seq, detail=exc.en) from exc
            if entry.wall_time > now + ahead_ms:
                raise Refusal(p.CLOCK_AHEAD, seq=entry.seq, detail="the device clock is ahead")
            if entry.wall_time < floor:
                raise Refusal(p.CLOCK_BEHIND, seq=entry.seq, detail="the device clock is behind")
            entries.append(entry)
        # Structure of the batch itself: header matches, seqs strictly increasing.
        if entries[0].seq != batch.first_seq or entries[-1].seq != batch.last_seq:
            raise Refusal(p.SEQ_NOT_CONTIGUOUS, detail="first_seq/last_seq do not match")
        for a, b in itertools.pairwise(entries):
            if b.seq <= a.seq:
                raise Refusal(p.SEQ_NOT_CONTIGUOUS, seq=b.seq, detail="entries out of order")
        if entries[0].prev_hash != batch.prev_hash:
            raise Refusal(p.CHAIN_BROKEN, seq=entries[0].seq, detail="prev_hash of the batch")
        for a, b in itertools.pairwise(entries):
            if b.seq == a.seq + 1 and b.prev_hash != a.entry_hash:
                raise Refusal(p.CHAIN_BROKEN, seq=b.seq)
        return entries

    def ingest(self, batch: Batch) -> Ack:
        """Check and apply one batch (DESIGN.md §5). Raises Refusal; returns a signed Ack."""
        with self.engine.connect() as conn:
            device = self._device_view(conn, batch.device_id)
        if device.role != "server" and self.now() > device.valid_until:
            raise Refusal(p.CERT_EXPIRED)
        if batch.key_epoch != device.key_epoch:
            raise Refusal(p.KEY_EPOCH_MISMATCH)
        vk = VerifyKey(bytes.fromhex(device.public_key))
        if not batch.signature:
            raise Refusal(p.SIGNATURE_MISSING)
        pieces = [p.entry_json(w) for w in batch.entries]
        try:
            vk.verify(
                p.batch_message(batch, [w for _, w in pieces]), bytes.fromhex(batch.signature)
            )
        except (BadSignatureError, ValueError) as exc:
            raise Refusal(p.BAD_BATCH_SIGNATURE) from exc
        entries = self._check_entries(batch, device, vk, [b for b, _ in pieces])
        return self._apply(batch, device, entries)

    def _apply(self, batch: Batch, device: _DeviceView, entries: list[Entry]) -> Ack:
        fork: Refusal | None = None
        with self.write() as conn:
            version = self.bump(conn)
            row = (
                conn.execute(select(t.devices).where(t.devices.c.id == device.id)).mappings().one()
            )
            if row["status"] != "active":  # revoked or quarantined while we were verifying
                raise Refusal(
                    p.DEVICE_REVOKED if row["status"] == "revoked" else p.DEVICE_QUARANTINED
                )
            head_seq: int = row["head_seq"]
            head_hash: str = row["head_hash"]
            old = [e for e in entries if e.seq <= head_seq]
            if old:
                stored = dict(
                    conn.execute(
                        select(t.ledger.c.seq, t.ledger.c.entry_hash).where(
                            t.ledger.c.device_id == device.id,
                            t.ledger.c.seq.between(old[0].seq, old[-1].seq),
                        )
                    ).all()
                )
                for e in old:
                    if stored.get(e.seq) != e.entry_hash:
                        conn.execute(
                            update(t.devices)
                            .where(t.devices.c.id == device.id)
                            .values(status="quarantined", version=version)
                        )
                        self.audit(
                            conn,
                            "fork",
                            {
                                "seq": e.seq,
                                "server_hash": stored.get(e.seq),
                                "device_hash": e.entry_hash,
                            },
                            device_id=device.id,
                        )
                        fork = Refusal(p.FORK_DETECTED, seq=e.seq)
                        break
            new = [e for e in entries if e.seq > head_seq]
            if fork is None and not new:
                last = entries[-1]
                return self._ack(
                    device.id, last.seq, last.entry_hash, head_seq + 1, status="duplicate"
                )
            if fork is None:
                if new[0].seq != head_seq + 1 and old:
                    # The same batch again after a partial apply: what it shares with the
                    # server is there, the rest still waits for the missing seq.
                    return self._ack(device.id, head_seq, head_hash, head_seq + 1, status="partial")
                if new[0].seq != head_seq + 1:
                    raise Refusal(p.GAP, seq=new[0].seq, next_seq=head_seq + 1)
                if new[0].prev_hash != head_hash:
                    raise Refusal(p.CHAIN_BROKEN, seq=new[0].seq, next_seq=head_seq + 1)
                prefix = [new[0]]
                for e in new[1:]:
                    if e.seq != prefix[-1].seq + 1:
                        break
                    prefix.append(e)
                review = self.apply_entries(conn, device, prefix, version, batch.signature)
                last = prefix[-1]
                partial = len(prefix) < len(new)
                return self._ack(
                    device.id,
                    last.seq,
                    last.entry_hash,
                    last.seq + 1,
                    status="partial" if partial else "applied",
                    applied=len(prefix),
                    review_seqs=review,
                )
        # The quarantine and the alert are committed; nothing reached the ledger.
        assert fork is not None
        raise fork

    # -- business rules and the write ----------------------------------------------------------

    def _load_state(
        self, conn: Connection, device: _DeviceView, entries: list[Entry]
    ) -> _BatchState:
        st = _BatchState()
        accounts = {a for e in entries for a in (e.debit, e.credit) if a}
        resident_ids = {acc.owner_of(a) for a in accounts if a.startswith("wallet:")}
        merchant_ids = {acc.owner_of(a) for a in accounts if a.startswith("till:")}
        claim_ids = {str(e.refs["claim"]) for e in entries if "claim" in e.refs}
        serials = {str(e.refs["card"]) for e in entries if "card" in e.refs}
        spend_refs = {
            str(e.refs["spend"]) for e in entries if e.kind is Kind.REFUND and "spend" in e.refs
        }

        def chunks(values: set[str]) -> list[list[str]]:
            items = sorted(values)
            return [items[i : i + 500] for i in range(0, len(items), 500)]

        for part in chunks(accounts):
            for a, bal in conn.execute(
                select(t.balances.c.account, t.balances.c.balance).where(
                    t.balances.c.account.in_(part)
                )
            ):
                st.balances[a] = bal
        for part in chunks(resident_ids):
            for rid, status, flagged in conn.execute(
                select(t.residents.c.id, t.residents.c.status, t.residents.c.flagged).where(
                    t.residents.c.id.in_(part)
                )
            ):
                st.residents[rid] = (status, bool(flagged))
        for part in chunks(merchant_ids):
            st.merchants.update(
                conn.execute(select(t.merchants.c.id).where(t.merchants.c.id.in_(part))).scalars()
            )
        for part in chunks(serials):
            for serial, status in conn.execute(
                select(t.cards.c.serial, t.cards.c.status).where(t.cards.c.serial.in_(part))
            ):
                st.cards[serial] = status
        for part in chunks(claim_ids):
            for row in conn.execute(select(t.claims).where(t.claims.c.id.in_(part))).mappings():
                st.claims[row["id"]] = dict(row)
        chore_ids = {c["chore_id"] for c in st.claims.values() if c["chore_id"]}
        chore_ids |= {str(e.refs["chore"]) for e in entries if "chore" in e.refs}
        for part in chunks(chore_ids):
            for cid, reward in conn.execute(
                select(t.chores.c.id, t.chores.c.reward).where(t.chores.c.id.in_(part))
            ):
                st.chores[cid] = reward
        for part in chunks(spend_refs):
            for tx, amount in conn.execute(
                select(t.ledger.c.tx_id, t.ledger.c.amount).where(
                    t.ledger.c.tx_id.in_(part), t.ledger.c.kind == Kind.SPEND.value
                )
            ):
                st.spends[tx] = amount
            for spend_tx, refunded in conn.execute(
                select(t.ledger.c.claim_id, func.sum(t.ledger.c.amount))
                .where(t.ledger.c.kind == Kind.REFUND.value, t.ledger.c.claim_id.in_(part))
                .group_by(t.ledger.c.claim_id)
            ):
                st.spends[spend_tx] = st.spends.get(spend_tx, 0) - int(refunded)
        earners = {acc.owner_of(e.credit) for e in entries if e.kind is Kind.EARN and e.credit}
        if earners:
            since = min(_year_start_ms(e.wall_time) for e in entries if e.kind is Kind.EARN)
            for part in chunks(earners):
                for rid, amount, wall in conn.execute(
                    select(t.ledger.c.resident_id, t.ledger.c.amount, t.ledger.c.wall_time).where(
                        t.ledger.c.kind == Kind.EARN.value,
                        t.ledger.c.resident_id.in_(part),
                        t.ledger.c.wall_time >= since,
                    )
                ):
                    self._count_earn(st, rid, amount, wall)
        # Day totals of this device's spends, summed by the database per resident for each
        # local day the batch touches (loading every spend row made a batch cost grow with
        # the day's traffic).
        for day, start, end in {_day_bounds(e.wall_time) for e in entries if e.kind is Kind.SPEND}:
            for rid, amount, overdraft in conn.execute(
                select(
                    t.ledger.c.resident_id,
                    func.sum(t.ledger.c.amount),
                    func.sum(t.ledger.c.overdraft),
                )
                .where(
                    t.ledger.c.device_id == device.id,
                    t.ledger.c.kind == Kind.SPEND.value,
                    t.ledger.c.wall_time >= start,
                    t.ledger.c.wall_time < end,
                )
                .group_by(t.ledger.c.resident_id)
            ):
                st.spent_day[(rid, day)] = int(amount)
                st.exposure_day[day] = st.exposure_day.get(day, 0) + int(overdraft)
        return st

    @staticmethod
    def _count_earn(st: _BatchState, rid: str, amount: int, wall: int) -> None:
        m, y = _month_year(wall)
        month, year = (rid, m), (rid, y)
        st.earned_month[month] = st.earned_month.get(month, 0) + amount
        st.earned_year[year] = st.earned_year.get(year, 0) + amount

    def _known_account(self, st: _BatchState, account: str, seq: int) -> None:
        kind = acc.account_kind(account)
        owner = acc.owner_of(account)
        if kind is acc.AccountKind.WALLET and owner not in st.residents:
            raise Refusal(p.UNKNOWN_ACCOUNT, seq=seq, detail=account)
        if kind is acc.AccountKind.TILL and owner not in st.merchants:
            raise Refusal(p.UNKNOWN_ACCOUNT, seq=seq, detail=account)

    def apply_entries(
        self,
        conn: Connection,
        device: _DeviceView,
        entries: list[Entry],
        version: int,
        batch_signature: str,
    ) -> list[int]:
        """Business rules, then the rows, in the caller's transaction. Returns review seqs."""
        st = self._load_state(conn, device, entries)
        tx_ids = [e.tx_id for e in entries]
        if len(set(tx_ids)) != len(tx_ids):
            raise Refusal(p.DUPLICATE_TX_ID, detail="twice in this batch")
        # A tx_id already on the server is caught by UNIQUE(tx_id) at the insert below: no
        # lookup of thousands of ids per batch.
        dumps = _REFS_JSON
        caps = self.settings.config["earn_caps"]
        limits = device.limits
        now = self.now()
        rows: list[dict[str, Any]] = []
        reviews: list[dict[str, Any]] = []
        deltas: dict[str, int] = defaultdict(int)
        known: set[str] = set()
        for e in entries:
            seq = e.seq
            if device.role != "server" and e.kind not in DEVICE_KINDS:
                raise Refusal(p.KIND_NOT_ALLOWED, seq=seq, detail=str(e.kind))
            for a in (e.debit, e.credit):
                if a and a not in known:
                    self._known_account(st, a, seq)
                    known.add(a)
            resident_id: str | None = None
            claim_id: str | None = str(e.refs["claim"]) if "claim" in e.refs else None
            overdraft = 0
            if e.kind is Kind.EARN:
                assert e.credit is not None
                resident_id = acc.owner_of(e.credit)
                claim = st.claims.get(claim_id or "")
                if claim is None or claim["status"] not in ("approved", "rewarded"):
                    raise Refusal(p.CLAIM_NOT_APPROVED, seq=seq)
                if claim["status"] == "rewarded":
                    raise Refusal(p.CLAIM_ALREADY_REWARDED, seq=seq)
                if claim["resident_id"] and claim["resident_id"] != resident_id:
                    raise Refusal(p.BUSINESS_RULE, seq=seq, detail="claim of another resident")
                reward = st.chores.get(claim["chore_id"] or "")
                if reward is not None and e.amount > reward:
                    raise Refusal(p.EARN_AMOUNT_WRONG, seq=seq)
                m, y = _month_year(e.wall_time)
                month = st.earned_month.get((resident_id, m), 0)
                year = st.earned_year.get((resident_id, y), 0)
                if month + e.amount > caps["month"] or year + e.amount > caps["year"]:
                    raise Refusal(p.EARN_CAP_EXCEEDED, seq=seq)
                self._count_earn(st, resident_id, e.amount, e.wall_time)
                claim.update(status="rewarded", earn_tx=e.tx_id, resident_id=resident_id)
                st.claims_changed.add(claim["id"])
            elif e.kind is Kind.SPEND:
                assert e.debit is not None and e.credit is not None
                resident_id = acc.owner_of(e.debit)
                before = st.balances.get(e.debit, 0)
                after = before - e.amount
                overdraft = min(e.amount, max(0, -after))
                day = _day_key(e.wall_time)
                spent = st.spent_day.get((resident_id, day), 0) + e.amount
                st.spent_day[(resident_id, day)] = spent
                exposure = st.exposure_day.get(day, 0) + overdraft
                st.exposure_day[day] = exposure
                # Honoured either way (the shop handed over the goods on a signed device);
                # broken limits are held for review. See docs/server.md.
                reasons = []
                if e.amount > limits.per_tx_cap:
                    reasons.append(p.REVIEW_OVER_TX_CAP)
                if spent > limits.offline_daily_cap_per_resident:
                    reasons.append(p.REVIEW_OVER_DAILY_CAP)
                if exposure > limits.offline_exposure_cap:
                    reasons.append(p.REVIEW_OVER_EXPOSURE)
                card = str(e.refs.get("card", ""))
                if card and st.cards.get(card) == "revoked":
                    reasons.append(p.REVIEW_CARD_REVOKED)
                if st.residents[resident_id][0] != "active":
                    reasons.append(p.REVIEW_RESIDENT_BLOCKED)
                if reasons:
                    reviews.append(
                        {
                            "tx_id": e.tx_id,
                            "device_id": e.device_id,
                            "seq": seq,
                            "reason": reasons[0],
                            "detail": ",".join(reasons),
                            "amount": e.amount,
                            "merchant_id": acc.owner_of(e.credit),
                            "resident_id": resident_id,
                            "status": "open",
                            "created_at": now,
                        }
                    )
                st.spends[e.tx_id] = e.amount
            elif e.kind is Kind.REFUND:
                assert e.credit is not None
                resident_id = acc.owner_of(e.credit)
                spend_tx = str(e.refs.get("spend", ""))
                left = st.spends.get(spend_tx)
                if left is None or e.amount > left:
                    raise Refusal(p.REFUND_WITHOUT_SPEND, seq=seq)
                st.spends[spend_tx] = left - e.amount
                claim_id = spend_tx  # refunds index the spend they return (claim_id column)
            elif e.kind is Kind.CLAIM_SIGNUP and claim_id:
                if claim_id not in st.claims:
                    st.claims[claim_id] = {
                        "id": claim_id,
                        "chore_id": str(e.refs.get("chore", "")) or None,
                        "resident_id": str(e.refs.get("resident", "")) or None,
                        "status": "signed_up",
                        "approval_tx": None,
                        "earn_tx": None,
                        "_new": True,
                    }
                    st.claims_changed.add(claim_id)
            elif e.kind is Kind.APPROVAL and claim_id:
                claim = st.claims.setdefault(
                    claim_id,
                    {
                        "id": claim_id,
                        "chore_id": str(e.refs.get("chore", "")) or None,
                        "resident_id": str(e.refs.get("resident", "")) or None,
                        "status": "signed_up",
                        "approval_tx": None,
                        "earn_tx": None,
                        "_new": True,
                    },
                )
                if claim["status"] not in ("approved", "rewarded"):
                    claim.update(status="approved", approval_tx=e.tx_id)
                    st.claims_changed.add(claim_id)
            elif e.kind is Kind.REJECTION and claim_id:
                claim = st.claims.get(claim_id)
                if claim is not None and claim["status"] == "signed_up":
                    claim["status"] = "rejected"
                    st.claims_changed.add(claim_id)
            elif e.kind is Kind.ADJUST and e.credit and e.credit.startswith("wallet:"):
                resident_id = acc.owner_of(e.credit)
            if e.debit and e.credit:
                st.balances[e.debit] = st.balances.get(e.debit, 0) - e.amount
                st.balances[e.credit] = st.balances.get(e.credit, 0) + e.amount
                deltas[e.debit] -= e.amount
                deltas[e.credit] += e.amount
            rows.append(
                {
                    "device_id": e.device_id,
                    "seq": seq,
                    "v": e.version,
                    "tx_id": e.tx_id,
                    "prev_hash": e.prev_hash,
                    "entry_hash": e.entry_hash,
                    "kind": str(e.kind),
                    "debit": e.debit,
                    "credit": e.credit,
                    "amount": e.amount,
                    "refs": dumps(e.refs),
                    "wall_time": e.wall_time,
                    "signature": e.signature,
                    "received_at": now,
                    "claim_id": claim_id,
                    "resident_id": resident_id,
                    "overdraft": overdraft,
                }
            )
        # -- the writes: few statements, each over many rows --------------------------------
        batch_id = conn.execute(
            insert(t.batches)
            .values(
                device_id=device.id,
                first_seq=entries[0].seq,
                last_seq=entries[-1].seq,
                applied=len(entries),
                received_at=now,
                signature=batch_signature,
            )
            .returning(t.batches.c.id)
        ).scalar_one()
        for r in rows:
            r["batch_id"] = batch_id
        try:
            insert_many(conn, t.ledger, rows)
        except Exception as exc:  # the driver's own IntegrityError (COPY) or SQLAlchemy's
            text = str(exc)
            if "uq_ledger_tx_id" in text or "ledger.tx_id" in text:
                raise Refusal(p.DUPLICATE_TX_ID) from exc
            raise
        self._write_balances(conn, deltas, version)
        self._write_claims(conn, st, version)
        self._write_flags(conn, st, deltas, version)
        if reviews:
            insert_many(conn, t.review_queue, reviews)
            for r in reviews:
                self.audit(
                    conn,
                    "review",
                    {
                        "tx_id": r["tx_id"],
                        "seq": r["seq"],
                        "reason": r["detail"],
                        "amount": r["amount"],
                    },
                    device_id=device.id,
                )
        last = entries[-1]
        conn.execute(
            update(t.devices)
            .where(t.devices.c.id == device.id)
            .values(head_seq=last.seq, head_hash=last.entry_hash)
        )
        return [r["seq"] for r in reviews]

    @staticmethod
    def _write_balances(conn: Connection, deltas: dict[str, int], version: int) -> None:
        if not deltas:
            return
        names = sorted(deltas)
        existing: set[str] = set()
        for i in range(0, len(names), 500):
            existing.update(
                conn.execute(
                    select(t.balances.c.account).where(t.balances.c.account.in_(names[i : i + 500]))
                ).scalars()
            )
        fresh = [
            {"account": a, "balance": deltas[a], "version": version}
            for a in names
            if a not in existing
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

    @staticmethod
    def _write_claims(conn: Connection, st: _BatchState, version: int) -> None:
        for cid in sorted(st.claims_changed):
            c = st.claims[cid]
            values = {
                "chore_id": c["chore_id"],
                "resident_id": c["resident_id"],
                "status": c["status"],
                "approval_tx": c["approval_tx"],
                "earn_tx": c["earn_tx"],
                "version": version,
            }
            if c.get("_new"):
                conn.execute(insert(t.claims).values(id=cid, **values))
            else:
                conn.execute(update(t.claims).where(t.claims.c.id == cid).values(**values))

    @staticmethod
    def _write_flags(
        conn: Connection, st: _BatchState, deltas: dict[str, int], version: int
    ) -> None:
        # A wallet below zero flags its resident (no offline spending) until it is repaid.
        for account in deltas:
            if not account.startswith("wallet:"):
                continue
            rid = acc.owner_of(account)
            if rid not in st.residents:
                continue
            flagged = st.balances.get(account, 0) < 0
            if flagged != st.residents[rid][1]:
                conn.execute(
                    update(t.residents)
                    .where(t.residents.c.id == rid)
                    .values(flagged=flagged, version=version)
                )
                st.residents[rid] = (st.residents[rid][0], flagged)

    def append_server_entry(
        self,
        conn: Connection,
        version: int,
        kind: Kind,
        *,
        debit: str | None = None,
        credit: str | None = None,
        amount: int = 0,
        refs: dict[str, str | int] | None = None,
    ) -> Entry:
        """An entry in the server's own chain (inspector approvals, grants), same rules."""
        row = (
            conn.execute(select(t.devices).where(t.devices.c.id == self.device_id)).mappings().one()
        )
        entry = make_entry(
            self.key,
            self.device_id,
            row["head_seq"] + 1,
            row["head_hash"],
            kind,
            debit=debit,
            credit=credit,
            amount=amount,
            refs=refs,
            wall_time=self.now(),
        )
        view = _DeviceView(
            id=self.device_id,
            role="server",
            status="active",
            key_epoch=1,
            public_key=self.public_key_hex,
            enrolled_at=0,
            valid_until=p.MAX_INT,
            limits=self.limits(),
        )
        self.apply_entries(conn, view, [entry], version, "")
        return entry

    # -- snapshots -------------------------------------------------------------------------------

    def snapshot(self, since: int | None = None) -> Snapshot:
        with self.engine.connect() as raw:
            conn = raw
            if raw.dialect.name == "postgresql":
                conn = raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                version = int(conn.execute(select(t.server_state.c.version)).scalar_one())
                if since is not None and since > version:
                    raise Refusal(p.SNAPSHOT_VERSION_UNKNOWN)
                floor = -1 if since is None else since

                def changed(table: Any) -> Any:
                    return select(table).where(table.c.version > floor)

                position = conn.execute(
                    select(func.coalesce(func.max(t.ledger.c.id), 0))
                ).scalar_one()
                residents = [
                    ResidentRow(
                        id=r["id"],
                        name=r["name"],
                        neighbourhood_id=r["neighbourhood_id"],
                        status=r["status"],
                        flagged=bool(r["flagged"]),
                    )
                    for r in conn.execute(
                        changed(t.residents).order_by(t.residents.c.id)
                    ).mappings()
                ]
                cards = [
                    CardRow(
                        serial=r["serial"],
                        kind=r["kind"],
                        resident_id=r["resident_id"],
                        status=r["status"],
                    )
                    for r in conn.execute(changed(t.cards).order_by(t.cards.c.serial)).mappings()
                ]
                balances = {
                    r["account"]: int(r["balance"])
                    for r in conn.execute(
                        changed(t.balances).order_by(t.balances.c.account)
                    ).mappings()
                }
                merchants = [
                    MerchantRow(
                        id=r["id"],
                        name=r["name"],
                        neighbourhood_id=r["neighbourhood_id"],
                        status=r["status"],
                    )
                    for r in conn.execute(
                        changed(t.merchants).order_by(t.merchants.c.id)
                    ).mappings()
                ]
                chores = [
                    ChoreRow(
                        id=r["id"],
                        title=r["title"],
                        neighbourhood_id=r["neighbourhood_id"],
                        reward=r["reward"],
                        capacity=r["capacity"],
                        starts_at=r["starts_at"],
                        ends_at=r["ends_at"],
                        klusbox_kind=r["klusbox_kind"],
                    )
                    for r in conn.execute(changed(t.chores).order_by(t.chores.c.id)).mappings()
                ]
                klusboxes = [
                    KlusboxRow(
                        id=r["id"],
                        kind=r["kind"],
                        name=r["name"],
                        neighbourhood_id=r["neighbourhood_id"],
                    )
                    for r in conn.execute(
                        changed(t.klusboxes).order_by(t.klusboxes.c.id)
                    ).mappings()
                ]
                approved = list(
                    conn.execute(
                        select(t.claims.c.id)
                        .where(t.claims.c.version > floor, t.claims.c.status == "approved")
                        .order_by(t.claims.c.id)
                    ).scalars()
                )
                # Revocation lists are always whole: small, and a device simply replaces them.
                revoked_cards = list(
                    conn.execute(
                        select(t.cards.c.serial)
                        .where(t.cards.c.status == "revoked")
                        .order_by(t.cards.c.serial)
                    ).scalars()
                )
                revoked_residents = list(
                    conn.execute(
                        select(t.residents.c.id)
                        .where(t.residents.c.status != "active")
                        .order_by(t.residents.c.id)
                    ).scalars()
                )
                revoked_devices = list(
                    conn.execute(
                        select(t.devices.c.id)
                        .where(t.devices.c.status != "active")
                        .order_by(t.devices.c.id)
                    ).scalars()
                )
        now = self.now()
        snap = Snapshot(
            version=version,
            base_version=since,
            ledger_position=int(position),
            server_time=now,
            expires_at=now + self.settings.get("snapshot", "ttl_s") * 1000,
            residents=residents,
            cards=cards,
            balances=balances,
            merchants=merchants,
            chores=chores,
            klusboxes=klusboxes,
            limits=self.limits(),
            revoked_cards=revoked_cards,
            revoked_residents=revoked_residents,
            revoked_devices=revoked_devices,
            approved_claims=approved,
        )
        return p.sign_snapshot(self.key, snap)
