"""Snapshots are private (DESIGN.md §5, issue 7), over real HTTP on SQLite and PostgreSQL.

Only an enrolled, active device that signs its request with a fresh timestamp and a fresh
nonce gets a snapshot; every other request is refused with its own code in the ErrorBody,
and no refusal carries personal data. Each role gets only what it needs: a counter no names,
no neighbourhoods and no other shop's till; a kiosk only its own neighbourhood; a desk and
an inspector no balances; nobody the approved claims. Delta snapshots filter the same way.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from nacl.signing import SigningKey
from sqlalchemy import select, update

from kiosk.core import accounts as acc
from kiosk.core.crypto import device_id_for
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync import protocol as p
from tests.server.conftest import NOW, LiveServer, SimDevice
from tests.server.live_once import DATABASES, live_server

# Who lives where, and what would identify them: none of it may leak where it should not.
HOME = {"r-1": "nb-1", "r-2": "nb-1", "r-3": "nb-2", "r-4": "nb-2", "r-5": "nb-2", "r-6": "nb-1"}
NAMES = {
    "r-1": "Anna",
    "r-2": "Bram",
    "r-3": "Cor",
    "r-4": "Zwaantje Privénaam",
    "r-5": "Xandra Deltanaam",
    "r-6": "Yvonne Deltanaam",
}
CARDS = {"C-0001": "r-1", "C-0002": "r-2", "C-0003": "r-3", "C-0004": "r-4"}
CARDS_LATER = {"C-0005": "r-5", "C-0006": "r-6"}
CHORES = {"ch-1": "nb-1", "ch-2": "nb-2"}
CHORES_LATER = {"ch-8": "nb-1", "ch-9": "nb-2"}
PIN_CARD = "C-0001"
APPROVED = ("claim-approved-a", "claim-approved-b")
SHOP_ROLES = ("merchant-counter", "resident-kiosk", "klusbox-desk", "inspector")


@dataclass
class World:
    live: LiveServer
    devices: dict[str, SimDevice] = field(default_factory=dict)  # role (or label) -> device
    base: dict[str, int] = field(default_factory=dict)  # role -> snapshot version before changes


def set_pin(live: LiveServer, serial: str) -> None:
    with live.server.write() as conn:
        version = live.server.bump(conn)
        conn.execute(
            update(t.cards)
            .where(t.cards.c.serial == serial)
            .values(pin_hash="$argon2id$test", version=version)
        )


def build_world(live: LiveServer) -> World:
    """The seed plus r-4, money in two shops' tills, a PIN and an approved claim; then the
    base snapshot version of every role; then changes for the delta snapshots."""
    live.seed()
    srv = live.server
    admin.add_resident(srv, "r-4", NAMES["r-4"], "nb-2", card_serial="C-0004")
    for rid in ("r-1", "r-3"):
        admin.grant(srv, rid, 5_000, "start")
    w = World(live)
    w.devices["merchant-counter"] = live.enrol("merchant-counter", "kassa 1", merchant="m-1")
    w.devices["counter m-2"] = live.enrol("merchant-counter", "kassa 2", merchant="m-2")
    w.devices["resident-kiosk"] = live.enrol("resident-kiosk", "kiosk oost")
    w.devices["klusbox-desk"] = live.enrol("klusbox-desk", "balie oost")
    w.devices["inspector"] = live.enrol("inspector", "inspecteur oost")
    w.devices["inspector both"] = live.enrol(
        "inspector", "inspecteur beide", neighbourhoods=("nb-1", "nb-2")
    )
    shop1, shop2 = w.devices["merchant-counter"], w.devices["counter m-2"]
    shop1.spend("r-1", 100, "m-1")
    shop2.spend("r-3", 200, "m-2")
    for dev in (shop1, shop2):
        assert live.refused_codes(dev.batch()) == {}
    set_pin(live, PIN_CARD)
    admin.record_approval(srv, APPROVED[0], "S-0001", chore_id="ch-1", resident_id="r-1")
    for role in SHOP_ROLES:
        w.base[role] = live.snapshot_ok(w.devices[role]).version
    # What changes after the base versions (the deltas must filter it like a full snapshot).
    admin.add_resident(srv, "r-5", NAMES["r-5"], "nb-2", card_serial="C-0005")
    admin.add_resident(srv, "r-6", NAMES["r-6"], "nb-1", card_serial="C-0006")
    for rid in ("r-1", "r-5", "r-6"):
        admin.grant(srv, rid, 1_000, "later")
    shop1.spend("r-1", 50, "m-1")
    shop2.spend("r-3", 60, "m-2")
    for dev in (shop1, shop2):
        assert live.refused_codes(dev.batch(len(dev.entries))) == {}
    admin.add_chore(srv, "ch-8", "Bladeren harken", "nb-1", reward=500)
    admin.add_chore(srv, "ch-9", "Stoep vegen", "nb-2", reward=500)
    admin.add_klusbox(srv, "kb-9", "harken", "Harkset", "nb-2")
    admin.record_approval(srv, APPROVED[1], "S-0001", chore_id="ch-1", resident_id="r-2")
    return w


@pytest.fixture(scope="module", params=DATABASES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("snapshots")
    with live_server(request.param, folder) as live:
        yield build_world(live)


# -- refusals ------------------------------------------------------------------------------------


PERSONAL = re.compile(
    "|".join(re.escape(x) for x in [*NAMES.values(), *CARDS, *CARDS_LATER, "wallet:", "till:"])
)


def refused(r: httpx.Response, status: int, code: str) -> p.ErrorBody:
    """`r` is a refusal with `code` in the ErrorBody JSON, and carries no personal data."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = p.ErrorBody.model_validate(r.json())
    assert body.code == code
    assert body.message_nl and body.message_en and body.message_nl != body.message_en
    assert PERSONAL.search(r.text) is None, r.text
    return body


def signed(
    dev: SimDevice,
    since: int | None = None,
    *,
    at: int = NOW,
    key: SigningKey | None = None,
    device_id: str | None = None,
) -> dict[str, str]:
    return p.snapshot_request_headers(
        key or dev.key, device_id or dev.device_id, since, at, secrets.token_hex(16)
    )


def get(live: LiveServer, headers: dict[str, str], since: int | None = None) -> httpx.Response:
    params = {} if since is None else {"since": since}
    return live.http.get("/v1/snapshot", params=params, headers=headers)


def test_no_signature_is_auth_missing(world: World) -> None:
    live, dev = world.live, world.devices["resident-kiosk"]
    refused(live.http.get("/v1/snapshot"), 401, p.AUTH_MISSING)
    full = signed(dev)
    for header in (p.AUTH_SIGNATURE_HEADER, p.AUTH_NONCE_HEADER, p.AUTH_TIME_HEADER):
        partial = {k: v for k, v in full.items() if k != header}
        refused(get(live, partial), 401, p.AUTH_MISSING)
    refused(get(live, {**full, p.AUTH_SIGNATURE_HEADER: ""}), 401, p.AUTH_MISSING)


def test_a_signature_by_another_key_is_bad(world: World) -> None:
    live, dev = world.live, world.devices["merchant-counter"]
    refused(get(live, signed(dev, key=SigningKey.generate())), 401, p.AUTH_BAD_SIGNATURE)
    # another enrolled device's signature under this device's id
    other = world.devices["resident-kiosk"]
    refused(get(live, signed(dev, key=other.key)), 401, p.AUTH_BAD_SIGNATURE)
    # the municipality's own key and device id are not a device's
    srv = live.server
    headers = signed(dev, key=srv.key, device_id=srv.device_id)
    refused(get(live, headers), 401, p.AUTH_BAD_SIGNATURE)


def test_a_request_changed_after_signing_is_bad(world: World) -> None:
    live, dev = world.live, world.devices["merchant-counter"]
    refused(get(live, signed(dev, None), since=1), 401, p.AUTH_BAD_SIGNATURE)  # since added
    refused(get(live, signed(dev, 1), since=None), 401, p.AUTH_BAD_SIGNATURE)  # since dropped
    refused(get(live, signed(dev, 1), since=2), 401, p.AUTH_BAD_SIGNATURE)  # since changed
    later = {**signed(dev), p.AUTH_TIME_HEADER: str(NOW + 1)}
    refused(get(live, later), 401, p.AUTH_BAD_SIGNATURE)  # time changed
    headers = signed(dev)
    nonce = headers[p.AUTH_NONCE_HEADER]
    flipped = ("0" if nonce[0] != "0" else "1") + nonce[1:]
    refused(get(live, {**headers, p.AUTH_NONCE_HEADER: flipped}), 401, p.AUTH_BAD_SIGNATURE)
    other = world.devices["resident-kiosk"].device_id
    refused(get(live, {**signed(dev), p.AUTH_DEVICE_HEADER: other}), 401, p.AUTH_BAD_SIGNATURE)
    sig = signed(dev)[p.AUTH_SIGNATURE_HEADER]
    bad_sig = ("0" if sig[0] != "0" else "1") + sig[1:]
    refused(get(live, {**signed(dev), p.AUTH_SIGNATURE_HEADER: bad_sig}), 401, p.AUTH_BAD_SIGNATURE)


def test_a_stale_timestamp_is_refused_on_either_side_of_the_window(world: World) -> None:
    live, dev = world.live, world.devices["klusbox-desk"]
    window = live.server.settings.get("snapshot", "request_window_s") * 1000
    for at in (NOW - window - 1, NOW + window + 1, NOW - 30 * window, 0):
        refused(get(live, signed(dev, at=at)), 401, p.AUTH_STALE)
    for at in (NOW - window, NOW + window):  # the edges of the window are fresh
        r = get(live, signed(dev, at=at))
        assert r.status_code == 200, r.text


def test_a_replayed_request_is_refused(world: World) -> None:
    live, dev = world.live, world.devices["inspector"]
    headers = signed(dev)
    assert get(live, headers).status_code == 200
    refused(get(live, headers), 401, p.AUTH_REPLAYED)
    refused(get(live, headers), 401, p.AUTH_REPLAYED)
    delta = signed(dev, 1)
    assert get(live, delta, since=1).status_code == 200
    refused(get(live, delta, since=1), 401, p.AUTH_REPLAYED)


def test_a_revoked_device_is_refused(world: World) -> None:
    live = world.live
    dev = live.enrol("resident-kiosk", "kiosk weg")
    assert get(live, signed(dev)).status_code == 200
    assert live.server.set_device_status(dev.device_id, "revoked", "stolen")
    refused(get(live, signed(dev)), 403, p.DEVICE_REVOKED)
    refused(get(live, signed(dev, 1), since=1), 403, p.DEVICE_REVOKED)


def test_an_unknown_device_is_refused(world: World) -> None:
    key = SigningKey.generate()
    headers = p.snapshot_request_headers(
        key, device_id_for(key.verify_key), None, NOW, secrets.token_hex(16)
    )
    refused(get(world.live, headers), 403, p.UNKNOWN_DEVICE)


def test_other_refusals_of_a_signed_request_carry_no_personal_data(world: World) -> None:
    live, dev = world.live, world.devices["merchant-counter"]
    version = live.snapshot_ok(dev).version
    refused(
        get(live, signed(dev, version + 1000), since=version + 1000),
        409,
        p.SNAPSHOT_VERSION_UNKNOWN,
    )
    r = live.http.get("/v1/snapshot", params={"since": -1}, headers=signed(dev))
    refused(r, 422, p.REQUEST_INVALID)
    r = live.http.get("/v1/snapshot", params={"since": "x"}, headers=signed(dev))
    refused(r, 422, p.REQUEST_INVALID)


# -- what each role gets -------------------------------------------------------------------------


def raw(world: World, role: str, since: int | None = None) -> tuple[p.Snapshot, str]:
    live, dev = world.live, world.devices[role]
    r = live.snapshot(dev, since)
    assert r.status_code == 200, r.text
    snap = p.Snapshot.model_validate(r.json())
    assert p.verify_snapshot(live.server.verify_key, snap)
    assert snap.role == dev.cert.role
    return snap, r.text


def in_area(ids: dict[str, str], areas: set[str]) -> set[str]:
    return {i for i, nb in ids.items() if nb in areas}


def test_a_counter_gets_no_names_no_neighbourhoods_and_only_its_own_till(world: World) -> None:
    snap, text = raw(world, "merchant-counter")
    assert {r.id for r in snap.residents} == set(HOME)
    assert all(r.name == "" and r.neighbourhood_id is None for r in snap.residents)
    for name in NAMES.values():
        assert name not in text
    assert {c.serial: c.resident_id for c in snap.cards} == {**CARDS, **CARDS_LATER}
    assert {c.serial for c in snap.cards if c.pin_needed} == {PIN_CARD}
    wallets = {a for a in snap.balances if a.startswith(acc.WALLET_PREFIX)}
    assert wallets == {acc.wallet(r) for r in ("r-1", "r-3", "r-5", "r-6")}
    assert set(snap.balances) - wallets == {acc.till("m-1")}
    assert snap.balances[acc.till("m-1")] == 150
    assert snap.balances[acc.wallet("r-1")] == 5_000 - 150 + 1_000
    assert acc.till("m-2") not in text and acc.ISSUANCE not in snap.balances
    assert snap.chores == [] and snap.klusboxes == []
    assert {m.id for m in snap.merchants} == {"m-1", "m-2"}


def test_a_kiosk_gets_only_its_own_neighbourhood(world: World) -> None:
    snap, text = raw(world, "resident-kiosk")
    mine = in_area(HOME, {"nb-1"})
    assert {r.id: r.name for r in snap.residents} == {r: NAMES[r] for r in mine}
    assert all(r.neighbourhood_id == "nb-1" for r in snap.residents)
    for rid in set(HOME) - mine:
        assert NAMES[rid] not in text
    cards = {**CARDS, **CARDS_LATER}
    residents_cards = {c.serial for c in snap.cards if c.kind == "resident"}
    assert residents_cards == {s for s, r in cards.items() if r in mine}
    # and the staff cards: kiosk staff leave a locked-down kiosk with theirs
    assert {c.serial for c in snap.cards if c.kind == "staff"} == {"S-0001"}
    assert set(snap.balances) == {acc.wallet(r) for r in mine if r != "r-2"}  # r-2 has none
    assert snap.balances[acc.wallet("r-1")] == 5_000 - 150 + 1_000
    assert {c.id for c in snap.chores} == in_area({**CHORES, **CHORES_LATER}, {"nb-1"})
    assert {k.id for k in snap.klusboxes} == {"kb-1"}
    assert "till:" not in text


@pytest.mark.parametrize("role", ["klusbox-desk", "inspector", "inspector both"])
def test_a_desk_and_an_inspector_get_names_in_their_areas_but_no_balances(
    world: World, role: str
) -> None:
    snap, text = raw(world, role)
    areas = set(world.devices[role].cert.bindings.neighbourhoods)
    mine = in_area(HOME, areas)
    assert snap.balances == {}
    assert "wallet:" not in text and "till:" not in text
    assert {r.id: r.name for r in snap.residents} == {r: NAMES[r] for r in mine}
    assert {c.id for c in snap.chores} == in_area({**CHORES, **CHORES_LATER}, areas)
    resident_cards = {c.serial for c in snap.cards if c.kind == "resident"}
    if role == "klusbox-desk":
        all_cards = {**CARDS, **CARDS_LATER}
        assert resident_cards == {s for s, r in all_cards.items() if r in mine}
        assert {k.id for k in snap.klusboxes} == {"kb-1"}
    else:
        assert resident_cards == set() and snap.klusboxes == []
    assert "S-0001" in {c.serial for c in snap.cards if c.kind == "staff"}


@pytest.mark.parametrize("role", SHOP_ROLES)
def test_nobody_gets_the_approved_claims(world: World, role: str) -> None:
    """No role gets the list of approved claim ids; a kiosk, a desk and an inspector get the
    claims of their own neighbourhoods' residents, each with its status (to show "my chores",
    to check in, to decide), and no other."""
    with world.live.server.engine.connect() as conn:
        approved = set(
            conn.execute(select(t.claims.c.id).where(t.claims.c.status == "approved")).scalars()
        )
    assert set(APPROVED) <= approved
    for since in (None, world.base[role]):
        snap, text = raw(world, role, since)
        assert snap.approved_claims == []
        if role in ("resident-kiosk", "klusbox-desk", "inspector", "inspector both"):
            areas = set(world.devices[role].cert.bindings.neighbourhoods)
            assert all(HOME[c.resident_id] in areas for c in snap.claims)
            want = set(APPROVED) if since is None else {APPROVED[1]}
            assert {c.id for c in snap.claims if c.status == "approved"} == want
            continue
        assert snap.claims == []
        for claim in APPROVED:
            assert claim not in text


# -- deltas --------------------------------------------------------------------------------------


def delta(world: World, role: str) -> tuple[p.Snapshot, str]:
    snap, text = raw(world, role, world.base[role])
    assert snap.base_version == world.base[role] < snap.version
    return snap, text


def test_a_counters_delta_has_no_names_and_no_other_till(world: World) -> None:
    snap, text = delta(world, "merchant-counter")
    assert {r.id for r in snap.residents} == {"r-5", "r-6"}
    assert all(r.name == "" and r.neighbourhood_id is None for r in snap.residents)
    assert NAMES["r-5"] not in text and NAMES["r-6"] not in text
    assert {c.serial for c in snap.cards} == set(CARDS_LATER)
    changed = {acc.wallet(r) for r in ("r-1", "r-3", "r-5", "r-6")} | {acc.till("m-1")}
    assert set(snap.balances) == changed
    assert acc.till("m-2") not in text
    assert snap.chores == [] and snap.klusboxes == []


def test_a_kiosks_delta_keeps_to_its_neighbourhood(world: World) -> None:
    snap, text = delta(world, "resident-kiosk")
    assert {r.id: r.name for r in snap.residents} == {"r-6": NAMES["r-6"]}
    assert NAMES["r-5"] not in text
    assert {c.serial for c in snap.cards} == {"C-0006"}
    assert set(snap.balances) == {acc.wallet("r-1"), acc.wallet("r-6")}
    assert {c.id for c in snap.chores} == {"ch-8"}
    assert snap.klusboxes == []  # kb-9 is in nb-2


@pytest.mark.parametrize("role", ["klusbox-desk", "inspector"])
def test_a_desks_and_an_inspectors_delta_have_no_balances(world: World, role: str) -> None:
    snap, text = delta(world, role)
    assert snap.balances == {}
    assert "wallet:" not in text and "till:" not in text
    assert {r.id for r in snap.residents} == {"r-6"}
    assert NAMES["r-5"] not in text
    assert {c.id for c in snap.chores} == {"ch-8"}
    assert snap.klusboxes == []
