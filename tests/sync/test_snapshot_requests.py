"""Snapshot requests are signed by the device (DESIGN.md §5, *Snapshots are private*): each
GET /v1/snapshot carries the device id, the device's time, a fresh nonce and the device's
signature over them and the `since` it asks for — retries included, since the server refuses
a nonce it has seen. And a counter's snapshot, which has no names and no neighbourhoods,
applies on the device.

The answers come from a stand-in server on httpx's transport that checks the signatures with
kiosk.sync.protocol as the server does; the real server is exercised in tests/e2e.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kiosk.core.clock import FixedClock
from kiosk.core.crypto import VerifyKey, verify
from kiosk.core.offline_policy import OfflineSpendRefused
from kiosk.db.models import Resident
from kiosk.sync import protocol as p
from kiosk.sync.client import NO_NEIGHBOURHOOD, SyncClient, SyncError

from .test_device_snapshot import NOW, SERVER_KEY, Device, snapshot

Answer = Callable[[int | None], httpx.Response]


class SignedRequests:
    """Checks every snapshot request as the server would and remembers what it saw."""

    def __init__(self, device_id: str, verify_key: VerifyKey, answer: Answer) -> None:
        self.device_id = device_id
        self.verify_key = verify_key
        self.answer = answer
        self.seen: list[tuple[int | None, int, str]] = []  # since, at, nonce

    def __call__(self, request: httpx.Request) -> httpx.Response:
        h = request.headers
        since_text = request.url.params.get("since")
        since = None if since_text is None else int(since_text)
        at, nonce = int(h[p.AUTH_TIME_HEADER]), h[p.AUTH_NONCE_HEADER]
        assert h[p.AUTH_DEVICE_HEADER] == self.device_id
        assert re.fullmatch(p.NONCE_PATTERN, nonce)
        message = p.snapshot_request_message(self.device_id, since, at, nonce)
        assert verify(self.verify_key, message, h[p.AUTH_SIGNATURE_HEADER])
        self.seen.append((since, at, nonce))
        return self.answer(since)


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    d = Device(tmp_path / "dev", FixedClock(NOW))
    yield d
    d.close()


def client_for(device: Device, server: SignedRequests) -> SyncClient:
    return SyncClient(
        device.engine, device.key, device.clock, transport=httpx.MockTransport(server)
    )


def ok(snap: p.Snapshot) -> httpx.Response:
    return httpx.Response(200, content=snap.model_dump_json())


def refused(code: str, status: int = 404) -> httpx.Response:
    body = p.ErrorBody(code=code, message_nl="nee", message_en="no")
    return httpx.Response(status, content=body.model_dump_json())


def test_a_snapshot_request_is_signed_with_the_device_time(device: Device) -> None:
    server = SignedRequests(
        device.store.device_id, device.key.verify_key, lambda _: ok(snapshot(1))
    )
    with client_for(device, server) as client:
        assert client.download_snapshot().applied
    assert server.seen == [(None, NOW, server.seen[0][2])]


def test_a_delta_request_signs_its_since(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    server = SignedRequests(
        device.store.device_id, device.key.verify_key, lambda _: ok(snapshot(2, base_version=1))
    )
    with client_for(device, server) as client:
        assert client.download_snapshot().version == 2
    assert [since for since, _, _ in server.seen] == [1]


def test_every_retry_is_a_new_signed_request_with_a_fresh_nonce(device: Device) -> None:
    """The server does not know our version: the device asks again for a full snapshot, with
    a new nonce (the old one would be refused as a replay) and the clock's time of then."""
    device.client.apply_snapshot(snapshot(5))

    def answer(since: int | None) -> httpx.Response:
        device.clock.advance(1_000)
        return refused(p.SNAPSHOT_VERSION_UNKNOWN) if since is not None else ok(snapshot(7))

    server = SignedRequests(device.store.device_id, device.key.verify_key, answer)
    with client_for(device, server) as client:
        assert client.download_snapshot().version == 7
        device.clock.advance(1_000)
        client.download_snapshot()  # and a later round again asks anew
    assert [since for since, _, _ in server.seen] == [5, None, 7, None]
    assert [at for _, at, _ in server.seen] == [NOW, NOW + 1_000, NOW + 3_000, NOW + 4_000]
    nonces = [n for _, _, n in server.seen]
    assert len(set(nonces)) == len(nonces)


def test_a_refused_snapshot_request_changes_nothing(device: Device) -> None:
    device.client.apply_snapshot(snapshot(1))
    before = device.state()
    server = SignedRequests(
        device.store.device_id, device.key.verify_key, lambda _: refused(p.AUTH_STALE, 401)
    )
    with client_for(device, server) as client, pytest.raises(SyncError) as exc:
        client.download_snapshot()
    assert exc.value.code == p.AUTH_STALE
    assert device.state() == before


def counter_snapshot(version: int) -> p.Snapshot:
    """What a counter gets: residents without names or neighbourhoods."""
    full = snapshot(version)
    rows = [p.ResidentRow(id=r.id, status=r.status, flagged=r.flagged) for r in full.residents]
    body = full.model_copy(update={"residents": rows, "role": "merchant-counter", "signature": ""})
    return p.sign_snapshot(SERVER_KEY, body)


def test_a_counters_snapshot_without_names_applies_and_serves_spends(device: Device) -> None:
    assert device.client.apply_snapshot(counter_snapshot(1)).applied
    with device.engine.connect() as conn:
        residents = conn.execute(
            select(Resident.id, Resident.name, Resident.neighbourhood_id)
        ).all()
    assert sorted(residents) == [("r1", "", NO_NEIGHBOURHOOD), ("r2", "", NO_NEIGHBOURHOOD)]
    device.store.spend("r1", "m1", 500, card_serial="R1CARD")


def test_names_learnt_earlier_are_dropped_by_a_counters_snapshot(device: Device) -> None:
    """A device that once had a fuller view keeps no names once it gets a counter's."""
    device.client.apply_snapshot(snapshot(1))
    device.client.apply_snapshot(counter_snapshot(2))
    with device.engine.connect() as conn:
        names = conn.execute(select(Resident.name)).scalars().all()
    assert set(names) == {""}


def test_a_device_told_it_is_revoked_takes_no_more_spends(device: Device) -> None:
    """A revoked device gets no snapshot, so it learns it from the refusal itself."""
    device.client.apply_snapshot(snapshot(1))
    device.store.spend("r1", "m1", 100)
    server = SignedRequests(
        device.store.device_id, device.key.verify_key, lambda _: refused(p.DEVICE_REVOKED, 403)
    )
    with client_for(device, server) as client, pytest.raises(SyncError) as exc:
        client.download_snapshot()
    assert exc.value.code == p.DEVICE_REVOKED
    with pytest.raises(OfflineSpendRefused) as spend:
        device.store.spend("r1", "m1", 100)
    assert spend.value.code == "device_revoked"
    # Reactivated by an admin: its next snapshot lifts the flag.
    device.client.apply_snapshot(snapshot(2, base_version=1))
    device.store.spend("r1", "m1", 100)
