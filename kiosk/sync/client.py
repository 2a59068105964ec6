"""The device's side of sync (DESIGN.md §5): enrolment, the uploader, the snapshot download.

Money safety rests on three habits here:

* A batch is built once, stored, and then sent byte for byte the same on every retry
  (``sync_batches``), so a retry after a lost answer is a plain duplicate for the server.
* Entries are marked synced only after the server's ack is verified against the pinned
  server key and its head hash matches our own entry at that seq; marking is one
  transaction. Nothing is ever deleted.
* A snapshot is verified, checked to be newer, and applied whole in one transaction whose
  last write is its version.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine

from kiosk.core.canonical import canonical_json
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.crypto import SigningKey, VerifyKey, device_id_for, verify_key_from_hex
from kiosk.core.errors import HeitjeError
from kiosk.db import sync_queries as q
from kiosk.sync import protocol as p
from kiosk.sync.faults import (
    DEVICE_AFTER_ACK,
    DEVICE_BEFORE_SEND,
    DEVICE_SNAPSHOT_UNCOMMITTED,
    fault_point,
)

log = logging.getLogger("kiosk.sync")

# Routes of the server API (kiosk.server); kept here in one place.
INFO_PATH: Final = "/v1/info"
ENROL_PATH: Final = "/v1/enrol"
BATCH_PATH: Final = "/v1/batches"
SNAPSHOT_PATH: Final = "/v1/snapshot"

BATCH_SIZE: Final = 1000
TIMEOUT_S: Final = 30.0

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


@dataclass(frozen=True)
class SnapshotResult:
    applied: bool
    version: int


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
            raise _refusal(resp.content, resp.status_code)
        return resp.status_code, resp.content

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
            ack = self._check_ack(_parse(p.Ack, body), server_key)
            fault_point(DEVICE_AFTER_ACK)
            with self.engine.begin() as conn:
                marked += q.mark_synced(
                    conn, self.device_id, ack.acked_seq, ack.head_hash, self.clock.now_ms()
                )
            batches += 1
            review.extend(ack.review_seqs)
            if ack.acked_seq < first - 1:
                resend_from = ack.acked_seq + 1  # the server lost entries we had marked
            # Stop instead of spinning if the server keeps taking nothing new.
            stalled = stalled + 1 if ack.acked_seq <= acked_seq else 0
            acked_seq = max(acked_seq, ack.acked_seq)
            if stalled >= 2:
                break
        return UploadResult(batches, marked, acked_seq, tuple(review))

    def _acked_seq(self) -> int:
        with self.engine.connect() as conn:
            return q.stored_status(conn).acked_seq

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
        if ack.acked_seq > 0:
            with self.engine.connect() as conn:
                ours = q.entry_hash_at(conn, self.device_id, ack.acked_seq)
            if ours != ack.head_hash:
                raise _err(
                    ACK_MISMATCH,
                    "De server kent een andere boeking dan dit apparaat. Neem contact op met "
                    "de beheerder.",
                    "The server holds a different entry than this device at "
                    f"seq {ack.acked_seq}. Contact the administrator.",
                )
        return ack

    # -- snapshots -------------------------------------------------------------------------

    def download_snapshot(self) -> SnapshotResult:
        """Fetch the newest snapshot (a delta when we have a version) and apply it."""
        server, _ = self._pinned()
        with self.engine.connect() as conn:
            current = q.current_snapshot(conn)
            status = q.stored_status(conn)
        params = {"device_id": self.device_id}
        if current is not None:
            params["since"] = str(current.version)
        try:
            _, body = self._request(server.url, "GET", SNAPSHOT_PATH, params=params)
        except SyncError as exc:
            if exc.code != p.SNAPSHOT_VERSION_UNKNOWN or current is None:
                raise
            _, body = self._request(
                server.url, "GET", SNAPSHOT_PATH, params={"device_id": self.device_id}
            )
        snapshot = _parse(p.Snapshot, body)
        if snapshot.base_version is not None and (
            current is None or snapshot.base_version != current.version
        ):
            if current is not None and snapshot.version == current.version:
                return SnapshotResult(False, current.version)
            _, body = self._request(
                server.url, "GET", SNAPSHOT_PATH, params={"device_id": self.device_id}
            )
            snapshot = _parse(p.Snapshot, body)
        return self.apply_snapshot(snapshot, acked_seq_hint=status.acked_seq)

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
            q.apply_snapshot(
                conn,
                _to_snapshot_data(snapshot, self._self_acked_seq(conn, snapshot, current, hint)),
                self.clock.now_ms(),
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

    # -- both ------------------------------------------------------------------------------

    def sync_once(self) -> tuple[UploadResult, SnapshotResult]:
        """Upload everything waiting, then bring the snapshot up to date.

        If the server refuses the upload (revoked, quarantined, a clock it will not take),
        the snapshot is still fetched before the refusal is raised: it is how a refused
        device learns, for instance, that it is revoked and must stop taking spends.
        """
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
    neighbourhoods = sorted(
        {r.neighbourhood_id for r in snap.residents}
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
                "neighbourhood_id": r.neighbourhood_id,
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
        klusboxes=[k.model_dump() for k in snap.klusboxes],
        cards=[
            {
                "serial": c.serial,
                "kind": c.kind,
                "resident_id": c.resident_id,
                "status": c.status,
                "issued_on": issued,
                "payload": "",
            }
            for c in snap.cards
        ],
        balances=dict(snap.balances),
        flags=flags,
        clear_flags=[("resident", r.id, "flagged") for r in snap.residents]
        + [("card", c.serial, "revoked") for c in snap.cards],
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
