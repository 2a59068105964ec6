"""What the server's snapshots carry for each role beyond balances (task: history, claims,
PIN hashes, English titles), over real HTTP, on SQLite and PostgreSQL: a kiosk gets the
newest money lines and the claims of its own neighbourhood's residents and nobody else's, a
counter the PIN hashes and nothing of the kiosk's, and deltas carry the same, filtered alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text, update

from kiosk.core.entries import Entry, Kind
from kiosk.ops.pins import hash_pin, pin_matches
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.service import Server
from kiosk.server.snapshots import _LINES_PG, _LINES_SQLITE
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, LiveServer, SimDevice
from tests.server.live_once import DATABASES, live_server

N = p.HISTORY_LINES
HOUR = 3_600_000


@dataclass
class World:
    live: LiveServer
    devices: dict[str, SimDevice] = field(default_factory=dict)
    base: int = 0  # the kiosk's snapshot version before the later changes
    spends: list[Entry] = field(default_factory=list)  # r-1's at m-1, oldest first


def publish(server: Server, chore_id: str, title: str, title_en: str | None, nb: str) -> None:
    with server.write() as conn:
        version = server.bump(conn)
        admin.publish_chore_in(
            server,
            conn,
            version,
            chore_id=chore_id,
            title=title,
            title_en=title_en,
            neighbourhood_id=nb,
            reward=600,
            capacity=5,
            starts_at=NOW - HOUR,
            ends_at=NOW + 5 * HOUR,
        )


def build_world(live: LiveServer) -> World:
    """The seed; r-1 (nb-1) pays 12 times at m-1 and has three claims on ch-en (rewarded,
    rejected, checked in: one each for r-1, r-2, and r-1 on ch-1); r-3 (nb-2) pays at m-2;
    C-0001 has a PIN. Then the kiosk's base version; then one more payment of r-1."""
    live.seed()
    srv = live.server
    w = World(live)
    for rid in ("r-1", "r-2", "r-3"):
        admin.grant(srv, rid, 50_000, "start")
    publish(srv, "ch-en", "Bladeren ruimen", "Raking leaves", "nb-1")
    shop = w.devices["counter"] = live.enrol("merchant-counter", "kassa 1", merchant="m-1")
    other = w.devices["counter m-2"] = live.enrol("merchant-counter", "kassa 2", merchant="m-2")
    kiosk = w.devices["kiosk"] = live.enrol("resident-kiosk", "kiosk oost")
    w.devices["kiosk west"] = live.enrol("resident-kiosk", "kiosk west", neighbourhoods=("nb-2",))
    w.devices["desk"] = live.enrol("klusbox-desk", "balie oost")
    w.devices["inspector"] = live.enrol("inspector", "inspecteur oost")
    for i in range(12):
        w.spends.append(shop.spend("r-1", 100 + i, wall_time=NOW - (12 - i) * 60_000))
    other.spend("r-3", 777, "m-2")
    for dev in (shop, other):
        assert live.refused_codes(dev.batch()) == {}
    for claim, chore, rid in (("cl-a", "ch-en", "r-1"), ("cl-b", "ch-en", "r-2")):
        kiosk.add(Kind.CLAIM_SIGNUP, refs={"claim": claim, "chore": chore, "resident": rid})
        kiosk.add(Kind.CHECK_IN, refs={"claim": claim})
        kiosk.add(Kind.CHECK_OUT, refs={"claim": claim})
    kiosk.add(Kind.CLAIM_SIGNUP, refs={"claim": "cl-c", "chore": "ch-1", "resident": "r-1"})
    kiosk.add(Kind.CHECK_IN, refs={"claim": "cl-c"})
    assert live.refused_codes(kiosk.batch()) == {}
    with srv.write() as conn:
        version = srv.bump(conn)
        admin.approve_claim_in(srv, conn, version, "cl-a", "S-0001")
        admin.reject_claim_in(srv, conn, version, "cl-b", "S-0001", "Niet gedaan")
        conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == "C-0001")
            .values(pin_hash=hash_pin("2468"), version=version)
        )
    w.base = live.snapshot_ok(kiosk).version
    live.clock.advance(60_000)
    w.spends.append(shop.spend("r-1", 999))
    assert live.refused_codes(shop.batch(len(shop.entries))) == {}
    return w


@pytest.fixture(scope="module", params=DATABASES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("contents")
    with live_server(request.param, folder) as live:
        yield build_world(live)


def snap(w: World, who: str, since: int | None = None) -> tuple[p.Snapshot, str]:
    r = w.live.snapshot(w.devices[who], since)
    assert r.status_code == 200, r.text
    s = p.Snapshot.model_validate(r.json())
    assert p.verify_snapshot(w.live.server.verify_key, s)
    return s, r.text


def test_a_kiosk_gets_each_residents_newest_lines_with_the_shop_and_the_chore(world: World) -> None:
    s, text = snap(world, "kiosk")
    lines = [x for x in s.history if x.resident_id == "r-1"]
    # The newest N of r-1's 15 money lines (2 in, 13 out), newest first.
    assert len(lines) == N
    assert [x.at for x in lines] == sorted((x.at for x in lines), reverse=True)
    newest = lines[0]
    assert (newest.kind, newest.change, newest.counterpart) == ("spend", -999, "Bakker Jansen")
    assert (
        newest.tx_id == world.spends[-1].tx_id
        and newest.device_id == world.devices["counter"].device_id
    )
    earn = [x for x in lines if x.kind == "earn"]
    assert [(x.change, x.counterpart, x.counterpart_en) for x in earn] == [
        (600, "Bladeren ruimen", "Raking leaves")
    ]
    # The grant and the earn (both at NOW) sit between the newest payment and the older ones.
    assert [(x.kind, x.change) for x in lines[:3]] == [
        ("spend", -999),
        ("earn", 600),
        ("adjust", 50_000),
    ]
    assert [x.change for x in lines[3:]] == [-111, -110, -109, -108, -107, -106, -105]
    # r-2 has only its grant; r-3 lives in nb-2: nothing of it here, not even its shop's name.
    assert [(x.kind, x.change) for x in s.history if x.resident_id == "r-2"] == [("adjust", 50_000)]
    assert {x.resident_id for x in s.history} == {"r-1", "r-2"}
    assert "r-3" not in text and "Slager Smits" not in {x.counterpart for x in s.history}


def test_the_other_neighbourhoods_kiosk_gets_only_its_own(world: World) -> None:
    s, text = snap(world, "kiosk west")
    assert {x.resident_id for x in s.history} == {"r-3"}
    assert [(x.change, x.counterpart) for x in s.history] == [(-777, "Slager Smits"), (50_000, "")]
    assert s.claims == [] and "cl-a" not in text and "r-1" not in text


def test_a_kiosk_learns_where_each_claim_stands(world: World) -> None:
    s, _ = snap(world, "kiosk")
    claims = {c.id: (c.resident_id, c.status, c.reason, c.reward) for c in s.claims}
    assert claims == {
        "cl-a": ("r-1", "rewarded", None, 600),
        "cl-b": ("r-2", "rejected", "Niet gedaan", 0),
        "cl-c": ("r-1", "checked_in", None, 0),
    }
    assert all(c.updated_at > 0 for c in s.claims)
    [chore] = [c for c in s.chores if c.id == "ch-en"]
    assert (chore.title, chore.title_en) == ("Bladeren ruimen", "Raking leaves")
    assert [c.title_en for c in s.chores if c.id == "ch-1"] == [None]


def test_pin_hashes_go_to_counters_and_kiosks_only(world: World) -> None:
    for who in ("counter", "kiosk"):
        s, _ = snap(world, who)
        [card] = [c for c in s.cards if c.serial == "C-0001"]
        assert card.pin_needed and card.pin_hash is not None
        assert pin_matches(card.pin_hash, "2468") and not pin_matches(card.pin_hash, "2469")
    for who in ("desk", "inspector", "kiosk west"):
        s, text = snap(world, who)
        assert all(c.pin_hash is None for c in s.cards)
        assert "$argon2id$" not in text


def test_a_counter_and_a_desk_get_no_history(world: World) -> None:
    counter, text = snap(world, "counter")
    assert counter.history == [] and counter.claims == [] and "Bladeren" not in text
    desk, text = snap(world, "desk")
    assert desk.history == [] and "wallet:" not in text
    assert {c.id for c in desk.claims} == {"cl-a", "cl-b", "cl-c"}  # it checks people in and out
    inspector, _ = snap(world, "inspector")
    assert inspector.history == [] and {c.id for c in inspector.claims} == {"cl-a", "cl-b", "cl-c"}


def test_a_kiosks_delta_carries_the_changed_residents_lines_whole(world: World) -> None:
    s, text = snap(world, "kiosk", world.base)
    assert s.base_version == world.base
    # Only r-1's wallet changed: its newest N lines again (the new one first), nobody else's.
    assert {x.resident_id for x in s.history} == {"r-1"}
    assert len(s.history) == N and s.history[0].change == -999
    assert s.claims == [] and s.chores == []
    assert "r-3" not in text


def test_the_history_query_reads_from_the_index(world: World) -> None:
    """The lines come from ix_ledger_resident_kind_time (resident, kind, time), not from a
    scan of the ledger."""
    ids = ["r-1", "r-2"]
    with world.live.server.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE ledger")
            conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: still ask
            rows = conn.execute(text("EXPLAIN " + _LINES_PG.text), {"ids": ids, "n": N})
        else:
            query = text("EXPLAIN QUERY PLAN " + _LINES_SQLITE.text)
            rows = conn.execute(query, {"ids": json.dumps(ids), "n": N})
        plan = "\n".join(str(tuple(r)) for r in rows)
    assert "ix_ledger_resident_kind_time" in plan, plan
