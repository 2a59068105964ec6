"""The device's side of issue 7 against the real server: the certificate's role and bindings,
chosen by the admin, are what the device enforces before it writes; an entry the server
stores as refused comes back in the ack, is kept on the device (also when the first ack was
lost), and `kiosk sync --status` says what was refused in words."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.core.roles import NOT_OWN_TILL, RESIDENT_KIOSK, ROLE_NOT_ALLOWED, Bindings, RoleError
from kiosk.db import sync_queries as q
from kiosk.db.models import Resident
from kiosk.server import admin
from kiosk.sync import protocol as p
from kiosk.sync.faults import DEVICE_AFTER_ACK

from .conftest import Books, DeviceDir, ServerProcess, counter_code, run_device

GRANT = 20_000


def seed(books: Books) -> None:
    server = books.server
    admin.add_neighbourhood(server, "nb-1", "Oost")
    admin.add_neighbourhood(server, "nb-2", "West")
    admin.add_resident(server, "r-1", "Anna", "nb-1", card_serial="C-0001")
    admin.add_resident(server, "r-2", "Bram", "nb-2", card_serial="C-0002")
    admin.add_merchant(server, "m-1", "Bakker Jansen", "nb-1")
    admin.add_merchant(server, "m-2", "Slager Pietersen", "nb-1")
    admin.grant(server, "r-1", GRANT, "welkomstbonus")


def residents(dev: DeviceDir) -> list[tuple[str, str]]:
    with dev.engine.connect() as conn:
        return sorted((r.id, r.name) for r in conn.execute(select(Resident.id, Resident.name)))


def test_the_role_and_bindings_the_admin_chose_hold_on_the_device(
    server_proc: ServerProcess, books: Books, tmp_path: Path
) -> None:
    server_proc.start()
    seed(books)
    counter = DeviceDir(tmp_path / "counter")
    kiosk = DeviceDir(tmp_path / "kiosk")
    try:
        # The device asks for nothing: the code fixes role, name and shop.
        cert = counter.client.enrol(
            server_proc.url, counter_code(books.server, "kassa 1", "m-1"), name="ignored"
        )
        assert (cert.role, cert.name, cert.bindings.merchant_id) == (
            "merchant-counter",
            "kassa 1",
            "m-1",
        )
        counter.client.sync_once()
        assert residents(counter) == [("r-1", ""), ("r-2", "")]  # a counter sees no names
        with pytest.raises(RoleError) as exc:
            counter.store.spend("r-1", "m-2", 100, card_serial="C-0001")
        assert exc.value.code == NOT_OWN_TILL
        counter.store.spend("r-1", "m-1", 100, card_serial="C-0001")

        code = books.server.create_enrol_code(
            RESIDENT_KIOSK, "kiosk Oost", Bindings(neighbourhoods=frozenset({"nb-1"}))
        )
        kiosk.client.enrol(server_proc.url, code, name="kiosk")
        kiosk.client.sync_once()
        assert residents(kiosk) == [("r-1", "Anna")]  # its own neighbourhood, with names
        with pytest.raises(RoleError) as exc:
            kiosk.store.spend("r-1", "m-1", 100, card_serial="C-0001")
        assert exc.value.code == ROLE_NOT_ALLOWED
        with kiosk.engine.connect() as conn:
            assert q.count_unsynced(conn, kiosk.device_id) == 0

        up, _ = counter.client.sync_once()
        assert up.entries_marked == 1 and up.refused == ()
    finally:
        counter.close()
        kiosk.close()
    assert books.balance("till:m-1") == 100
    assert books.balance("till:m-2") == 0


def test_a_refused_entry_is_kept_even_when_its_first_ack_was_lost(
    server_proc: ServerProcess, books: Books, tmp_path: Path
) -> None:
    """Tampered counter software writes a spend over the server's bound; the server stores
    it refused and acks the batch. The device dies before recording that ack; its resent
    batch's duplicate ack names the refusal again, and the device keeps it."""
    server_proc.start()
    seed(books)
    device = tmp_path / "device"
    dev = DeviceDir(device)
    try:
        dev.client.enrol(server_proc.url, counter_code(books.server, "kassa", "m-1"), name="k")
        dev.client.sync_once()
        honest = dev.store.spend("r-1", "m-1", 1_250, card_serial="C-0001")
        too_much = 1_000_001  # past [bounds] max_entry_amount, past the offline policy too
        with dev.store.transaction() as conn:
            bad = dev.store._append(
                conn,
                Kind.SPEND,
                debit=acc.wallet("r-1"),
                credit=acc.till("m-1"),
                amount=too_much,
                refs={"merchant": "m-1", "resident": "r-1", "card": "C-0001"},
            )
    finally:
        dev.close()

    crashed = run_device(device, "sync", "--once", fault=DEVICE_AFTER_ACK)
    assert crashed.returncode == -signal.SIGKILL
    dev = DeviceDir(device)
    try:
        with dev.engine.connect() as conn:
            assert q.refused_entries(conn) == []  # the ack never got recorded
            assert q.count_unsynced(conn, dev.device_id) == 2
    finally:
        dev.close()

    done = run_device(device, "sync", "--once")
    assert done.returncode == 0, done.stderr.decode()
    assert "refused 1 entries" in done.stdout.decode()
    dev = DeviceDir(device)
    try:
        with dev.engine.connect() as conn:
            rows = q.refused_entries(conn)
            assert q.count_unsynced(conn, dev.device_id) == 0  # refused is still synced
        up, _ = dev.client.sync_once()
        assert up.batches == 0  # nothing is sent again
    finally:
        dev.close()
    assert [(r.seq, r.tx_id, r.kind, r.amount, r.code) for r in rows] == [
        (bad.seq, bad.tx_id, Kind.SPEND, too_much, p.AMOUNT_OUT_OF_BOUNDS)
    ]
    # The refused entry changed no balance; the honest one before it took effect.
    assert books.balance("wallet:r-1") == GRANT - honest.amount
    assert books.balance("till:m-1") == honest.amount
    assert sum(books.balances().values()) == 0
    assert [(r["tx_id"], r["effect"]) for r in books.reviews()] == [(bad.tx_id, "refused")]

    status = run_device(device, "sync", "--status")
    out = status.stdout.decode()
    assert status.returncode == 0, status.stderr.decode()
    assert "Payment of 10000.01 refused by the server: the amount is higher than allowed." in out
    assert "Betaling van 10000,01 geweigerd door de server: het bedrag is hoger dan mag." in out
