"""Crashes at every step of a sync (issue 4): the device process and the server process are
each SIGKILLed -- before sending, after the server wrote but before it committed, after the
server committed but before it answered, after the ack arrived but before it was recorded --
then restarted. After they converge every entry is on the server exactly once and device and
server agree on every balance.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.db import sync_queries as q
from kiosk.db.ledger_store import ENTRIES
from kiosk.db.models import Resident
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.sync.client import SyncError
from kiosk.sync.faults import DEVICE_AFTER_ACK, DEVICE_BEFORE_SEND, DEVICE_SNAPSHOT_UNCOMMITTED

from .conftest import Books, DeviceDir, ServerProcess, counter_code, run_device

GRANT = 20_000
SPENDS = (1_000, 1_500, 2_000)


def seed(books: Books) -> None:
    server = books.server
    admin.add_neighbourhood(server, "nb-1", "Oost")
    admin.add_resident(server, "r-1", "Anna", "nb-1", card_serial="C-0001")
    admin.add_merchant(server, "m-1", "Bakker Jansen", "nb-1")
    admin.grant(server, "r-1", GRANT, "welkomstbonus")


def enrol(server_proc: ServerProcess, data_dir: Path, name: str = "bakker") -> None:
    code = server_proc.cli(
        "devices", "enrol-code", "--role", "merchant-counter", "--name", name, "--merchant", "m-1"
    ).split()[0]
    done = run_device(data_dir, "enrol", "--server", server_proc.url, "--code", code)
    assert done.returncode == 0, done.stderr.decode()


def sync_ok(data_dir: Path) -> str:
    done = run_device(data_dir, "sync", "--once")
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def spend(data_dir: Path, *amounts: int) -> None:
    dev = DeviceDir(data_dir)
    try:
        for amount in amounts:
            dev.store.spend("r-1", "m-1", amount, card_serial="C-0001")
    finally:
        dev.close()


def assert_converged(books: Books, data_dir: Path, spent: int) -> None:
    dev = DeviceDir(data_dir)
    try:
        with dev.engine.connect() as conn:
            local = [
                (int(r.seq), str(r.tx_id), str(r.entry_hash))
                for r in conn.execute(
                    select(ENTRIES.c.seq, ENTRIES.c.tx_id, ENTRIES.c.entry_hash)
                    .where(ENTRIES.c.device_id == dev.device_id)
                    .order_by(ENTRIES.c.seq)
                )
            ]
            waiting = q.count_unsynced(conn, dev.device_id)
            snap_balances = {r.account_id: int(r.balance) for r in conn.execute(select(q.SNAP_BAL))}
            available = q.available_balance(conn, dev.device_id, "wallet:r-1")
        # every entry exactly once, in order, with the same hashes
        assert [s for s, _, _ in local] == list(range(1, len(local) + 1))
        assert books.entries(dev.device_id) == local
        assert waiting == 0
        # the books: the grant minus what was spent, and the device sees the same numbers
        # for what a counter is shown (the wallets and its own till)
        server_balances = books.balances()
        assert server_balances["wallet:r-1"] == GRANT - spent
        assert server_balances["till:m-1"] == spent
        assert sum(server_balances.values()) == 0
        assert snap_balances == {
            a: b for a, b in server_balances.items() if a.startswith("wallet:") or a == "till:m-1"
        }
        assert available == GRANT - spent
    finally:
        dev.close()


def enrol_here(books: Books, dev: DeviceDir, url: str, name: str = "bakker") -> None:
    dev.client.enrol(url, counter_code(books.server, name, "m-1"), name=name)


@pytest.mark.parametrize(
    "fault",
    [DEVICE_BEFORE_SEND, DEVICE_AFTER_ACK, "server_before_commit", "server_after_commit"],
)
def test_a_crash_at_any_step_of_a_sync_converges(
    fault: str, server_proc: ServerProcess, books: Books, tmp_path: Path
) -> None:
    on_server = fault.startswith("server")
    # A server-side fault fires at the first batch that brings new entries; the snapshot
    # round before it passes.
    server_proc.start(fault=fault if on_server else None)
    seed(books)
    device = tmp_path / "device"
    dev = DeviceDir(device)
    try:
        enrol_here(books, dev, server_proc.url)
        dev.client.sync_once()  # the first snapshot: residents, merchants, balances
        for amount in SPENDS:
            dev.store.spend("r-1", "m-1", amount, card_serial="C-0001")
        if on_server:
            with pytest.raises(SyncError) as exc:
                dev.client.sync_once()
            assert exc.value.code == "server_unreachable"
            assert server_proc.wait_dead() == -signal.SIGKILL
            server_proc.start()
    finally:
        dev.close()
    if not on_server:
        # the device's sync runs as its own process, which kills itself at the fault point
        crashed = run_device(device, "sync", "--once", fault=fault)
        assert crashed.returncode == -signal.SIGKILL

    # What the crash left on the server: all of the batch or none of it.
    expect_on_server = 3 if fault in (DEVICE_AFTER_ACK, "server_after_commit") else 0
    dev = DeviceDir(device)
    try:
        assert len(books.entries(dev.device_id)) == expect_on_server
        with dev.engine.connect() as conn:
            assert q.count_unsynced(conn, dev.device_id) == 3  # nothing marked, nothing lost
        # the counter keeps selling while it waits
        dev.store.spend("r-1", "m-1", 500, card_serial="C-0001")
    finally:
        dev.close()

    out = sync_ok(device)  # the operator's command, after the restart
    assert "sent 4 entries" in out
    dev = DeviceDir(device)
    try:
        up, _ = dev.client.sync_once()  # nothing left: a quiet round
        assert up.batches == 0
    finally:
        dev.close()
    assert_converged(books, device, sum(SPENDS) + 500)
    # The retry after the crash sent the stored batch 1..3 byte for byte (not 1..4): the
    # server recorded exactly these batches, with the signature the device stored.
    dev = DeviceDir(device)
    try:
        with dev.engine.connect() as conn:
            stored = {
                (int(r.first_seq), int(r.last_seq)): json.loads(r.body)["signature"]
                for r in conn.execute(select(q.BATCHES))
            }
        with books.server.engine.connect() as conn:
            received = {
                (int(r.first_seq), int(r.last_seq)): r.signature
                for r in conn.execute(
                    select(t.batches).where(t.batches.c.device_id == dev.device_id)
                )
            }
    finally:
        dev.close()
    assert sorted(received) == [(1, 3), (4, 4)]
    assert received == stored


def test_enrol_and_sync_commands(server_proc: ServerProcess, books: Books, tmp_path: Path) -> None:
    """The operator's path: an admin makes a code, `kiosk enrol` uses it once."""
    server_proc.start()
    seed(books)
    device = tmp_path / "device"
    enrol(server_proc, device)
    again = run_device(device, "enrol", "--server", server_proc.url, "--code", "NOT-A-CODE")
    assert again.returncode == 1 and b"enrol_code_invalid" in again.stderr
    wrong_key = "ab" * 32
    other = run_device(
        tmp_path / "other",
        *("enrol", "--server", server_proc.url, "--code", "X", "--server-key", wrong_key),
    )
    assert other.returncode == 1 and b"server_key_mismatch" in other.stderr
    # The device's heitje.toml names the server and pins a key: a wrong key refuses too
    configured = tmp_path / "configured"
    configured.mkdir(mode=0o700)
    (configured / "heitje.toml").write_text(
        f'server_url = "{server_proc.url}"\nmunicipality_key = "{wrong_key}"\n'
    )
    pinned = run_device(configured, "enrol", "--code", "X")
    assert pinned.returncode == 1 and b"server_key_mismatch" in pinned.stderr
    assert run_device(tmp_path / "bare", "enrol", "--code", "X").returncode == 2  # no server
    out = sync_ok(device)
    assert "snapshot version" in out and "applied" in out
    spend(device, 700)
    assert "sent 1 entries" in sync_ok(device)
    assert_converged(books, device, 700)


def test_a_crash_while_applying_a_snapshot_keeps_the_previous_one(
    server_proc: ServerProcess, books: Books, tmp_path: Path
) -> None:
    server_proc.start()
    seed(books)
    device = tmp_path / "device"
    dev = DeviceDir(device)
    try:
        enrol_here(books, dev, server_proc.url)
        dev.client.sync_once()
        with dev.engine.connect() as conn:
            before = q.current_snapshot(conn)
    finally:
        dev.close()
    assert before is not None
    admin.add_resident(books.server, "r-2", "Bram", "nb-1", card_serial="C-0002")
    admin.grant(books.server, "r-2", 900, "welkomstbonus")

    crashed = run_device(device, "sync", "--once", fault=DEVICE_SNAPSHOT_UNCOMMITTED)
    assert crashed.returncode == -signal.SIGKILL
    dev = DeviceDir(device)
    try:
        with dev.engine.connect() as conn:
            assert q.current_snapshot(conn) == before  # all of it rolled back
            assert q.snapshot_balance(conn, "wallet:r-2") is None
            assert conn.execute(select(Resident.id).where(Resident.id == "r-2")).first() is None
        dev.client.sync_once()
        with dev.engine.connect() as conn:
            after = q.current_snapshot(conn)
            assert after is not None and after.version > before.version
            assert q.snapshot_balance(conn, "wallet:r-2") == 900
    finally:
        dev.close()
