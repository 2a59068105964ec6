"""The device's side of sync (DESIGN.md §5): enrolment, the uploader, the snapshot download.

Money safety rests on three habits here:

* A batch is built once, stored, and then sent byte for byte the same on every retry
  (``sync_batches``), so a retry after a lost answer is a plain duplicate for the server.
* Entries are marked synced only after the server's ack is verified against the pinned
  server key and its head hash matches our own entry at that seq; marking is one
  transaction, which also keeps the entries the ack names as refused (stored by the server,
  no effect on any balance: kiosk.sync.refusals says why in words). Nothing is ever deleted.
* Every snapshot request is signed with the device key, with the device's time and a fresh
  nonce (a retry is a new request: the server refuses a nonce it has seen).
* A snapshot is verified, checked to be newer, and applied whole in one transaction whose
  last write is its version.
* After a restore from a backup (kiosk/backup.py), the device first takes back its own
  entries from the server's copy of its chain (`reconcile_restored`), so it never signs a seq
  the server already holds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Engine

from kiosk.core.canonical import canonical_json
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.crypto import SigningKey, VerifyKey, device_id_for, verify_key_from_hex
from kiosk.core.errors import HeitjeError
from kiosk.db import sync_queries as q
from kiosk.db.adopt import adopt_own_entries
from kiosk.db.errors import LedgerError
from kiosk.sync import protocol as p
from kiosk.sync.faults import (
    DEVICE_AFTER_ACK,
    DEVICE_BEFORE_SEND,
    DEVICE_SNAPSHOT_UNCOMMITTED,
    fault_point,
)
from kiosk.sync.snapshot_contents import apply_contents, apply_staff

log = logging.getLogger("kiosk.sync")

# Routes of the server API (kiosk.server); kept here in one place.
INFO_PATH: Final = "/v1/info"
ENROL_PATH: Final = "/v1/enrol"
BATCH_PATH: Final = "/v1/batches"
SNAPSHOT_PATH: Final = "/v1/snapshot"
HEAD_PATH: Final = "/v1/devices/{device_id}/head"
CHAIN_PATH: Final = "/v1/devices/{device_id}/entries"
RESTORE_FORKED: Final = "restore_forked"

BATCH_SIZE: Final = 1000
TIMEOUT_S: Final = 30.0
# A counter's snapshot names no resident's neighbourhood (data minimisation), but the device's
# residents table needs one: such residents sit under this local marker, which no server id
# can equal ("?" is outside protocol.IDENT_PATTERN).
NO_NEIGHBOURHOOD: Final = "?"

_M = TypeVar("_M", bound=BaseModel)


class SyncError(HeitjeError):
    """A sync step that did not work; `code` is a stable code (ours or the server's)."""

    def __init__(self, code: str, nl: str, en: str, *, next_seq: int | None = None) -> None:
        super().__init__(code, nl, en)
        self.next_seq = next_seq


def _err(code: str, nl: str, en: str) -> SyncError:
    return SyncError(code, nl, en)


UNREACHABLE: Final = "server_unreachable"
SERVER_ERROR: Final = "server_error"
BAD_ANSWER: Final = "bad_server_answer"
BAD_ACK_SIGNATURE: Final = "bad_ack_signature"
ACK_MISMATCH: Final = "ack_mismatch"
NOT_ENROLLED: Final = "not_enrolled"
CERT_INVALID: Final = "certificate_invalid"
SERVER_KEY_MISMATCH: Final = "server_key_mismatch"
SNAPSHOT_BASE_MISMATCH: Final = "snapshot_base_mismatch"


@dataclass(frozen=True)
class UploadResult:
    batches: int
    entries_marked: int
    acked_seq: int
    review_seqs: tuple[int, ...] = ()
    refused: tuple[p.RefusedEntry, ...] = ()  # named by this run's acks (kept: refused_entries)


@dataclass(frozen=True)
class SnapshotResult:
    applied: bool
    version: int


@dataclass(frozen=True)
class Reconciled:
    local_head: int  # where the restored ledger ended
    server_head: int  # where the server's copy of our chain ends
    taken_back: int  # entries taken back from it


def _forked(seq: int) -> SyncError:
    return _err(
        RESTORE_FORKED,
        f"De server heeft een andere boeking op nummer {seq} dan dit apparaat. Het apparaat "
        "boekt niets meer tot de beheerder dit heeft opgelost.",
        f"The server holds a different entry at seq {seq} than this device. The device books "
        "nothing until the administrator has resolved it.",
    )


class SyncClient:
    """One device's connection to its server. Not thread-safe: one sync at a time."""

    def __init__(
        self,
        engine: Engine,
        key: SigningKey,
        clock: Clock | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.engine = engine
        self.key = key
        self.clock = clock or SystemClock()
        self.device_id = device_id_for(key.verify_key)
        self._transport = transport
        self._timeout = timeout_s
        self._http: httpx.Client | None = None
        self._http_url: str | None = None
        # Run at the start of every sync round (the device reconciles a restored ledger here,
        # before anything is uploaded); an exception ends the round as its failure.
        self.before_sync: Callable[[], object] | None = None

    # -- plumbing ------------------------------------------------------------------------

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _client(self, base_url: str) -> httpx.Client:
        if self._http is None or self._http_url != base_url:
            self.close()
            self._http = httpx.Client(
                base_url=base_url,
                timeout=self._timeout,
                transport=self._transport,
                # every body we send is JSON, posted as exact bytes
                headers={"content-type": "application/json"},
            )
            self._http_url = base_url
        return self._http

    def _request(self, base_url: str, method: str, path: str, **kwargs: Any) -> tuple[int, bytes]:
        try:
            resp = self._client(base_url).request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise _err(
                UNREACHABLE,
                "De server is niet bereikbaar. Het apparaat werkt gewoon door en probeert het "
                "later opnieuw.",
                f"The server cannot be reached ({type(exc).__name__}). The device keeps "
                "working and tries again later.",
            ) from exc
        if resp.status_code >= 500:
            raise _err(
                SERVER_ERROR,
                f"De server gaf een fout ({resp.status_code}). Later opnieuw proberen.",
                f"The server answered with an error ({resp.status_code}). Trying again later.",
            )
        if resp.status_code >= 400:
            refusal = _refusal(resp.content, resp.status_code)
            if refusal.code == p.DEVICE_REVOKED:
                self._note_revoked()
            raise refusal
        return resp.status_code, resp.content

    def _note_revoked(self) -> None:
        """The server says this device is revoked. It no longer gets snapshots, so it cannot
        learn that from one: remember it, and the offline policy takes no more spends. A
        snapshot (after an admin reactivates the device) replaces the flag."""
        with self.engine.begin() as conn:
            q.add_flag(conn, "device", self.device_id, "revoked")

    def _pinned(self) -> tuple[q.PinnedServer, VerifyKey]:
        with self.engine.connect() as conn:
            server = q.pinned_server(conn)
        if server is None:
            raise _err(
                NOT_ENROLLED,
                "Dit apparaat is nog niet aangemeld bij de server. "
                "Gebruik 'python -m kiosk enrol'.",
                "This device is not enrolled with a server yet. Use 'python -m kiosk enrol'.",
            )
        return server, verify_key_from_hex(server.public_key)

    def _key_epoch(self) -> int:
        with self.engine.connect() as conn:
            cert = q.own_certificate(conn, self.device_id)
        return int(cert.get("key_epoch", 1)) if cert else 1

    # -- enrolment -------------------------------------------------------------------------

    def enrol(
        self, url: str, code: str, *, name: str, server_key_hex: str | None = None
    ) -> p.DeviceCertificate:
        """Send our public key with the one-time code; verify and keep the certificate.

        The server key is the one given (from the kiosk configuration); without one it is
        taken from the server's /v1/info on this first contact and pinned from then on.
        """
        url = url.rstrip("/")
        _, body = self._request(url, "GET", INFO_PATH)
        info = _parse(p.ServerInfo, body)
        if server_key_hex is not None and info.public_key != server_key_hex.lower():
            raise _err(
                SERVER_KEY_MISMATCH,
                "De server heeft een andere sleutel dan in de configuratie staat. Niet "
                "aangemeld; neem contact op met de beheerder.",
                "The server's key differs from the one in the configuration. Not enrolled; "
                "contact the administrator.",
            )
        with self.engine.connect() as conn:
            pinned = q.pinned_server(conn)
        if server_key_hex is None and pinned is not None and pinned.public_key != info.public_key:
            # Trust on first use only: a key that changed needs the configured key given.
            raise _err(
                SERVER_KEY_MISMATCH,
                "De server heeft een andere sleutel dan bij de vorige aanmelding. Niet "
                "aangemeld; geef de sleutel uit de configuratie op (--server-key).",
                "The server's key differs from the one pinned at the last enrolment. Not "
                "enrolled; give the key from the configuration (--server-key).",
            )
        server_key = verify_key_from_hex(server_key_hex or info.public_key)
        request = p.EnrolRequest(code=code, public_key=bytes(self.key.verify_key).hex(), name=name)
        _, body = self._request(
            url, "POST", ENROL_PATH, content=canonical_json(request.model_dump(mode="json"))
        )
        cert = _parse(p.DeviceCertificate, body)
        if not p.verify_certificate(server_key, cert):
            raise _err(
                CERT_INVALID,
                "Het certificaat van de server is niet echt. Niet aangemeld.",
                "The server's certificate does not verify. Not enrolled.",
            )
        if cert.public_key != bytes(self.key.verify_key).hex() or cert.device_id != self.device_id:
            raise _err(
                CERT_INVALID,
                "Het certificaat is niet voor dit apparaat. Niet aangemeld.",
                "The certificate is not for this device. Not enrolled.",
            )
        with self.engine.begin() as conn:
            q.store_enrolment(
                conn,
                self.device_id,
                url=url,
                server_public_key=bytes(server_key).hex(),
                role=cert.role,
                name=cert.name or name,
                certificate_json=canonical_json(cert.model_dump(mode="json")).decode(),
                now_ms=self.clock.now_ms(),
            )
        # Again after the commit: a store that read the old role meanwhile reads it anew.
        q.forget_signing_role(self.engine, self.device_id)
        return cert

    # -- upload ----------------------------------------------------------------------------

    def _batch_from(self, first_seq: int, *, reuse: bool) -> q.StoredBatch | None:
        """The batch starting at `first_seq`: the stored one if there is one (same bytes on
        every retry), else built from the ledger, stored, and returned."""
        with self.engine.begin() as conn:
            stored = q.pending_batch(conn, first_seq) if reuse else None
            if stored is not None:
                return stored
            entries = q.entries_in_range(
                conn, self.device_id, first_seq, first_seq + BATCH_SIZE - 1
            )
            if not entries:
                return None
            batch = p.make_batch(self.key, entries, key_epoch=self._key_epoch_in(conn))
            body = batch.model_dump_json()  # stored: later sends reuse these exact bytes
            stored = q.StoredBatch(batch.first_seq, batch.last_seq, body)
            q.store_batch(conn, stored, self.clock.now_ms())
            return stored

    def _key_epoch_in(self, conn: Any) -> int:
        cert = q.own_certificate(conn, self.device_id)
        return int(cert.get("key_epoch", 1)) if cert else 1

    def _first_unsynced(self) -> int | None:
        with self.engine.connect() as conn:
            entries = q.unsynced_entries(conn, self.device_id, 1)
        return entries[0].seq if entries else None

    def upload(self, *, max_batches: int = 10_000) -> UploadResult:
        """Send every unsynced entry, batch by batch, until none is left or a step fails."""
        server, server_key = self._pinned()
        batches = marked = 0
        acked_seq = self._acked_seq()
        review: list[int] = []
        refused: list[p.RefusedEntry] = []
        resend_from: int | None = None
        stalled = 0
        for _ in range(max_batches):
            first = resend_from if resend_from is not None else self._first_unsynced()
            if first is None:
                break
            stored = self._batch_from(first, reuse=resend_from is None)
            if stored is None:
                break
            resend_from = None
            fault_point(DEVICE_BEFORE_SEND)
            try:
                _, body = self._request(
                    server.url,
                    "POST",
                    BATCH_PATH,
                    content=stored.body.encode(),
                )
            except SyncError as exc:
                # The server has less of our chain than we thought (a gap): resend from where
                # it says, from our own entries, which are never deleted.
                if exc.code == p.GAP and exc.next_seq is not None and exc.next_seq < first:
                    resend_from = exc.next_seq
                    continue
                raise
            ack = _parse(p.Ack, body)
            marked += self.accept_ack(ack, server_key)
            batches += 1
            review.extend(ack.review_seqs)
            refused.extend(ack.refused)
            if ack.acked_seq < first - 1:
                resend_from = ack.acked_seq + 1  # the server lost entries we had marked
            # Stop instead of spinning if the server keeps taking nothing new.
            stalled = stalled + 1 if ack.acked_seq <= acked_seq else 0
            acked_seq = max(acked_seq, ack.acked_seq)
            if stalled >= 2:
                break
        return UploadResult(batches, marked, acked_seq, tuple(review), tuple(refused))

    def _acked_seq(self) -> int:
        with self.engine.connect() as conn:
            return q.stored_status(conn).acked_seq

    def accept_ack(self, ack: p.Ack, server_key: VerifyKey | None = None) -> int:
        """Verify a batch's ack and record it in one transaction: our entries up to acked_seq
        marked synced, the ones it names as refused kept (again after a resent batch: nothing
        changes). Returns how many entries were newly marked."""
        if server_key is None:
            _, server_key = self._pinned()
        self._check_ack(ack, server_key)
        fault_point(DEVICE_AFTER_ACK)
        now = self.clock.now_ms()
        with self.engine.begin() as conn:
            self._check_ack_against_ledger(conn, ack)
            marked = q.mark_synced(conn, self.device_id, ack.acked_seq, ack.head_hash, now)
            q.record_refusals(
                conn, self.device_id, [(r.seq, r.tx_id, r.code) for r in ack.refused], now
            )
        return marked

    def _check_ack(self, ack: p.Ack, server_key: VerifyKey) -> p.Ack:
        if not p.verify_ack(server_key, ack):
            raise _err(
                BAD_ACK_SIGNATURE,
                "Het antwoord van de server is niet echt ondertekend. Niets als verzonden "
                "gemarkeerd.",
                "The server's answer is not properly signed. Nothing was marked as sent.",
            )
        if ack.device_id != self.device_id:
            raise _err(
                ACK_MISMATCH,
                "Het antwoord van de server is voor een ander apparaat.",
                "The server's answer is for another device.",
            )
        return ack

    def _check_ack_against_ledger(self, conn: Connection, ack: p.Ack) -> None:
        """The ack's head is our entry at acked_seq, and each refused entry it names is ours."""
        if ack.acked_seq > 0 and q.entry_hash_at(conn, self.device_id, ack.acked_seq) != (
            ack.head_hash
        ):
            raise _err(
                ACK_MISMATCH,
                "De server kent een andere boeking dan dit apparaat. Neem contact op met "
                "de beheerder.",
                "The server holds a different entry than this device at "
                f"seq {ack.acked_seq}. Contact the administrator.",
            )
        for r in ack.refused:
            if r.seq > ack.acked_seq or q.tx_id_at(conn, self.device_id, r.seq) != r.tx_id:
                raise _err(
                    ACK_MISMATCH,
                    "De server meldt een geweigerde boeking die dit apparaat niet heeft. Neem "
                    "contact op met de beheerder.",
                    f"The server names a refused entry (seq {r.seq}) this device does not "
                    "have. Contact the administrator.",
                )

    # -- snapshots -------------------------------------------------------------------------

    def download_snapshot(self) -> SnapshotResult:
        """Fetch the newest snapshot (a delta when we have a version) and apply it."""
        server, _ = self._pinned()
        with self.engine.connect() as conn:
            current = q.current_snapshot(conn)
            status = q.stored_status(conn)
        try:
            body = self._get_snapshot(server.url, None if current is None else current.version)
        except SyncError as exc:
            if exc.code != p.SNAPSHOT_VERSION_UNKNOWN or current is None:
                raise
            body = self._get_snapshot(server.url, None)
        snapshot = _parse(p.Snapshot, body)
        if snapshot.base_version is not None and (
            current is None or snapshot.base_version != current.version
        ):
            if current is not None and snapshot.version == current.version:
                return SnapshotResult(False, current.version)
            snapshot = _parse(p.Snapshot, self._get_snapshot(server.url, None))
        return self.apply_snapshot(snapshot, acked_seq_hint=status.acked_seq)

    def _get_snapshot(self, url: str, since: int | None) -> bytes:
        """GET /v1/snapshot (a delta since `since`), signed: device, device time, new nonce."""
        params = {"device_id": self.device_id}
        if since is not None:
            params["since"] = str(since)
        headers = p.snapshot_request_headers(
            self.key, self.device_id, since, self.clock.now_ms(), secrets.token_hex(16)
        )
        _, body = self._request(url, "GET", SNAPSHOT_PATH, params=params, headers=headers)
        return body

    def apply_snapshot(
        self, snapshot: p.Snapshot, *, acked_seq_hint: int | None = None
    ) -> SnapshotResult:
        """Verify and apply one snapshot; refuse older ones and bad signatures unchanged."""
        _, server_key = self._pinned()
        if not p.verify_snapshot(server_key, snapshot):
            raise _err(
                p.BAD_SNAPSHOT_SIGNATURE,
                "De gegevens van de server zijn niet echt ondertekend en worden niet gebruikt.",
                "The data from the server is not properly signed and is not used.",
            )
        with self.engine.begin() as conn:
            current = q.current_snapshot(conn)
            if current is not None and snapshot.version < current.version:
                raise _err(
                    p.STALE_SNAPSHOT,
                    "De server stuurde oudere gegevens dan dit apparaat al heeft; die worden "
                    "niet gebruikt.",
                    f"The server sent older data (version {snapshot.version}) than this device "
                    f"already has (version {current.version}); it is not used.",
                )
            if current is not None and snapshot.version == current.version:
                # No change since our version, as of the server's time: the data is fresh
                # again (a quiet weekend must not make every counter refuse spends).
                if snapshot.server_time > current.server_time:
                    q.refresh_snapshot(
                        conn,
                        server_time=snapshot.server_time,
                        expires_at=snapshot.expires_at,
                        limits=snapshot.limits.as_policy_mapping(),
                        received_at=self.clock.now_ms(),
                    )
                return SnapshotResult(False, current.version)
            if snapshot.base_version is not None and (
                current is None or snapshot.base_version != current.version
            ):
                raise _err(
                    SNAPSHOT_BASE_MISMATCH,
                    "Deze bijwerking past niet op de gegevens van dit apparaat.",
                    "This update does not fit the data on this device.",
                )
            hint = q.stored_status(conn).acked_seq if acked_seq_hint is None else acked_seq_hint
            apply_staff(conn, snapshot)
            q.apply_snapshot(
                conn,
                _to_snapshot_data(snapshot, self._self_acked_seq(conn, snapshot, current, hint)),
                self.clock.now_ms(),
            )
            # PIN hashes, claims, money lines (kiosk/sync/snapshot_contents.py)
            apply_contents(
                conn, snapshot, self.device_id, q.stored_status(conn).acked_seq, self.clock.now_ms()
            )
            fault_point(DEVICE_SNAPSHOT_UNCOMMITTED)
        return SnapshotResult(True, snapshot.version)

    def _self_acked_seq(
        self, conn: Any, snapshot: p.Snapshot, current: q.SnapshotState | None, hint: int
    ) -> int:
        """How far the snapshot's balances include this device's own entries.

        The snapshot does not say, so take a safe lower bound: what the server had acked
        before we asked for the snapshot (the snapshot is made later, so it holds at least
        that); never less than what the previous snapshot already held. Counting an entry
        of ours twice only makes the available balance lower, never higher.
        """
        previous = current.self_acked_seq if current is not None else 0
        return max(previous, hint)

    # -- after a restore -------------------------------------------------------------------

    def reconcile_restored(self) -> Reconciled:
        """Bring a ledger restored from a backup level with the server's copy of our chain.

        Asks where the server's copy ends (a signed ack); if it is ahead of our head, takes
        back our own entries after it, page by page (a request signed with our key), and
        appends them exactly as signed (kiosk/db/adopt.py: link, hash, our key, shape, or
        nothing), marked synced. If it is level or behind, checks that its head is our entry
        at that seq (our unsent entries go up with the next upload). A fork raises
        `restore_forked`: that needs the administrator, not a guess.
        """
        server, server_key = self._pinned()
        path = HEAD_PATH.format(device_id=self.device_id)
        _, body = self._request(server.url, "GET", path)
        ack = self._check_ack(_parse(p.Ack, body), server_key)
        with self.engine.connect() as conn:
            local_head = q.local_head(conn, self.device_id)
        taken = 0
        if ack.acked_seq <= local_head:
            if ack.acked_seq > 0:
                with self.engine.connect() as conn:
                    if q.entry_hash_at(conn, self.device_id, ack.acked_seq) != ack.head_hash:
                        raise _forked(ack.acked_seq)
            return Reconciled(local_head, ack.acked_seq, 0)
        after = local_head
        while after < ack.acked_seq:
            at, nonce = self.clock.now_ms(), secrets.token_hex(16)
            message = p.chain_request_message(self.device_id, after, at, nonce)
            _, page_body = self._request(
                server.url,
                "GET",
                CHAIN_PATH.format(device_id=self.device_id),
                params={"after": str(after)},
                headers=p.signed_request_headers(self.key, self.device_id, message, at, nonce),
            )
            page = _parse(p.ChainCopy, page_body)
            if page.device_id != self.device_id or page.after != after or not page.entries:
                raise _forked(after + 1)
            try:
                entries = [w.to_entry() for w in page.entries]
            except HeitjeError as exc:
                raise _forked(after + 1) from exc
            try:
                with self.engine.begin() as conn:
                    after = adopt_own_entries(
                        conn, self.device_id, self.key.verify_key, entries, self.clock.now_ms()
                    )
            except LedgerError as exc:  # the copy does not continue our chain: a fork
                log.warning("restore: the server's copy does not fit: %s", exc.en)
                raise _forked(after + 1) from exc
            taken += len(entries)
        with self.engine.begin() as conn:
            if q.entry_hash_at(conn, self.device_id, ack.acked_seq) != ack.head_hash:
                raise _forked(ack.acked_seq)
            q.mark_synced(conn, self.device_id, ack.acked_seq, ack.head_hash, self.clock.now_ms())
        log.info(
            "restored ledger reconciled: local head %d, server head %d, %d entries taken back",
            local_head,
            ack.acked_seq,
            taken,
        )
        return Reconciled(local_head, ack.acked_seq, taken)

    # -- both ------------------------------------------------------------------------------

    def sync_once(self) -> tuple[UploadResult, SnapshotResult]:
        """Upload everything waiting, then bring the snapshot up to date.

        If the server refuses the upload (revoked, quarantined, a clock it will not take),
        the snapshot is still fetched before the refusal is raised: it is how a refused
        device learns, for instance, that it is quarantined; a revoked one is told so.
        """
        # The certificate may have been stored by another process (`kiosk enrol` while the
        # app runs): the store reads its role again, once a round, not once a payment.
        q.forget_signing_role(self.engine, self.device_id)
        if self.before_sync is not None:
            self.before_sync()
        try:
            up = self.upload()
        except SyncError as exc:
            if exc.code in (UNREACHABLE, SERVER_ERROR, NOT_ENROLLED):
                raise
            try:
                self.download_snapshot()
            except SyncError:
                log.warning("snapshot after a refused upload failed too", exc_info=True)
            raise
        snap = self.download_snapshot()
        with self.engine.begin() as conn:
            q.record_attempt(conn, self.clock.now_ms(), ok=True, error=None)
        return up, snap

    def record_failure(self, error: HeitjeError) -> None:
        with self.engine.begin() as conn:
            q.record_attempt(conn, self.clock.now_ms(), ok=False, error=error.code)


def _to_snapshot_data(snap: p.Snapshot, self_acked_seq: int) -> q.SnapshotData:
    full = snap.base_version is None
    created = snap.server_time
    flags: list[tuple[str, str, str]] = []
    for r in snap.residents:
        if r.flagged:
            flags.append(("resident", r.id, "flagged"))
    flags += [("card", s, "revoked") for s in snap.revoked_cards]
    flags += [("card", c.serial, "revoked") for c in snap.cards if c.status == "revoked"]
    flags += [("resident", r, "revoked") for r in snap.revoked_residents]
    flags += [("device", d, "revoked") for d in snap.revoked_devices]
    flags += [("card", c.serial, "pin_needed") for c in snap.cards if c.pin_needed]
    neighbourhoods = sorted(
        {r.neighbourhood_id or NO_NEIGHBOURHOOD for r in snap.residents}
        | {mer.neighbourhood_id for mer in snap.merchants}
        | {c.neighbourhood_id for c in snap.chores}
        | {k.neighbourhood_id for k in snap.klusboxes}
    )
    issued = dt.datetime.fromtimestamp(created / 1000, tz=dt.UTC).date()
    return q.SnapshotData(
        version=snap.version,
        ledger_position=snap.ledger_position,
        self_acked_seq=self_acked_seq,
        server_time=snap.server_time,
        expires_at=snap.expires_at,
        limits=snap.limits.as_policy_mapping(),
        full=full,
        neighbourhoods=[{"id": n, "name": n} for n in neighbourhoods],
        residents=[
            {
                "id": r.id,
                "name": r.name,
                "neighbourhood_id": r.neighbourhood_id or NO_NEIGHBOURHOOD,
                "status": r.status,
                "created_at": created,
            }
            for r in snap.residents
        ],
        merchants=[
            {"id": mer.id, "name": mer.name, "neighbourhood_id": mer.neighbourhood_id}
            for mer in snap.merchants
        ],
        chores=[c.model_dump() for c in snap.chores],
        klusboxes=[k.model_dump(exclude={"components"}) for k in snap.klusboxes],
        cards=[
            {
                "serial": c.serial,
                "kind": c.kind,
                "resident_id": c.resident_id,
                "staff_id": c.staff_id,
                "status": c.status,
                "issued_on": issued,
                "payload": "",
            }
            for c in snap.cards
        ],
        balances=dict(snap.balances),
        flags=flags,
        clear_flags=[("resident", r.id, "flagged") for r in snap.residents]
        + [("card", c.serial, "revoked") for c in snap.cards]
        + [("card", c.serial, "pin_needed") for c in snap.cards],
    )


def _parse(model: type[_M], body: bytes) -> _M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise _err(
            BAD_ANSWER,
            "De server gaf een onleesbaar antwoord.",
            f"The server's answer could not be read ({exc.error_count()} problem(s)).",
        ) from exc


def _refusal(body: bytes, status: int) -> SyncError:
    try:
        err = p.ErrorBody.model_validate_json(body)
    except ValidationError:
        try:
            detail = json.loads(body)
        except ValueError:
            detail = body[:200]
        return _err(
            BAD_ANSWER,
            f"De server weigerde ({status}).",
            f"The server refused ({status}): {detail!r}",
        )
    return SyncError(err.code, err.message_nl, err.message_en, next_seq=err.next_seq)
