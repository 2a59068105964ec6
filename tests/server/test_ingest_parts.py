"""A large batch has its signatures checked in parts, on several threads
(kiosk.server.ingest.authenticate): the answer must be the one a check entry by entry gives.
Real server over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import hashlib
import itertools
from typing import Any

from kiosk.core.entries import Entry
from kiosk.server import admin
from kiosk.server.context import MIN_VERIFY_PART, VERIFY_THREADS, ServerCore
from kiosk.sync import protocol as p
from tests.server.conftest import LiveServer
from tests.server.test_attacks import refused, resign

N = 1000


def test_parts_cover_a_batch_in_order() -> None:
    for n in (1, MIN_VERIFY_PART - 1, 2 * MIN_VERIFY_PART, 999, 1000, 5000):
        parts = ServerCore.verify_parts(n)
        assert parts[0][0] == 0 and parts[-1][1] == n
        assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
        assert all(lo < hi for lo, hi in parts)
        assert 1 <= len(parts) <= VERIFY_THREADS


def _rehash(body: dict[str, Any], i: int) -> None:
    """Give entry i a hash that matches its (changed) contents: its signature then fails."""
    e = Entry.from_wire(body["entries"][i])
    body["entries"][i]["entry_hash"] = hashlib.sha256(e.signed_bytes()).hexdigest()


def test_a_large_batch_is_refused_for_its_first_bad_entry(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 10**6, "start")
    dev = live.enrol()
    for _ in range(N):
        dev.spend("r-1", 1)
    body = dev.batch().model_dump(mode="json")
    late, early = N - 100, 300  # in the last part and in the first, whatever the core count
    bad = copy.deepcopy(body)
    bad["entries"][late]["amount"] = 2
    _rehash(bad, late)
    answer = refused(live, resign(dev.key, bad), p.BAD_ENTRY_SIGNATURE, 422)
    assert answer["seq"] == late + 1
    bad["entries"][early]["amount"] = 2  # a hash that no longer matches, earlier in order
    answer = refused(live, resign(dev.key, bad), p.BAD_ENTRY_HASH, 422)
    assert answer["seq"] == early + 1
    ack = live.ack(dev.batch())
    assert (ack.status, ack.applied, ack.acked_seq, ack.refused) == ("applied", N, N, [])
    assert admin.balance(live.server, "wallet:r-1") == 10**6 - N
