"""Frozen device ledgers of every earlier schema version open, upgrade and verify (issue 11).

tests/data/ledgers/<revision>/<device>/ holds a device's ``ledger.sqlite3`` and ``device.key``
exactly as the code of that revision wrote them (tests/data/make_frozen_ledgers.py, run with
that commit's code; docs/upgrades.md), and ``expected.json``: what that old code read back.
Each is copied to a temporary folder and opened with the current code (kiosk.device.open_device
migrates), then checked against the old code's figures, verified, and written to once more.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from kiosk.core import accounts as acc
from kiosk.core.clock import FixedClock
from kiosk.core.errors import HeitjeError
from kiosk.core.roles import RoleError
from kiosk.db import sync_queries as q
from kiosk.db.engine import (
    DB_FILENAME,
    MIGRATIONS,
    alembic_config,
    current_revision,
    head_revision,
)
from kiosk.db.verify import verify_ledger
from kiosk.device import DeviceHandle, open_device
from kiosk.paths import DEVICE_KEY_FILE
from kiosk.sql import migrate

LEDGERS = Path(__file__).resolve().parents[1] / "data" / "ledgers"
HOW_TO_FREEZE = (
    "freeze it with the code of the commit where {rev} was the head, before adding the next "
    "migration (docs/upgrades.md):\n"
    "  git worktree add /tmp/old-{rev} <commit> && cd /tmp && PYTHONPATH=/tmp/old-{rev} "
    "/work/main/.venv/bin/python /work/main/tests/data/make_frozen_ledgers.py "
    "/work/main/tests/data/ledgers"
)
MINUTE_MS = 60_000


def all_revisions() -> list[str]:
    """Every revision in kiosk/db/migrations/versions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def frozen_devices() -> list[Path]:
    return sorted(p.parent for p in LEDGERS.glob(f"*/*/{DB_FILENAME}"))


def device_id(folder: Path) -> str:
    return f"{folder.parent.name}/{folder.name}"


def copy_device(frozen: Path, tmp_path: Path) -> Path:
    """The frozen files in a fresh data folder; the key 0600 again (git keeps 0644)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    for name in (DB_FILENAME, DEVICE_KEY_FILE):
        shutil.copyfile(frozen / name, data_dir / name)
    (data_dir / DEVICE_KEY_FILE).chmod(0o600)
    return data_dir


def expected(frozen: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((frozen / "expected.json").read_text())
    return data


def stored_revision(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        con.close()


def facts(device: DeviceHandle) -> dict[str, Any]:
    """The same figures the generator recorded, read with SQL from the upgraded file."""
    with device.engine.connect() as conn:

        def one(sql: str) -> Any:
            return conn.execute(text(sql)).scalar_one()

        registry = ("residents", "merchants", "cards", "chores", "klusboxes", "neighbourhoods")
        return {
            "entries": one("SELECT count(*) FROM ledger_entries"),
            "entries_by_kind": dict(
                conn.execute(text("SELECT kind, count(*) FROM ledger_entries GROUP BY kind")).all()
            ),
            "balances": dict(conn.execute(text("SELECT account_id, balance FROM balances")).all()),
            "registry": {t: one(f"SELECT count(*) FROM {t}") for t in registry},
            "claims": dict(
                conn.execute(
                    text("SELECT status, count(*) FROM chore_claims GROUP BY status")
                ).all()
            ),
        }


def test_every_earlier_revision_has_a_frozen_ledger() -> None:
    revisions = all_revisions()
    head = head_revision()
    assert revisions[-1] == head
    frozen = {p.parent.name for p in frozen_devices()}
    for rev in revisions[:-1]:
        assert rev in frozen, f"no frozen ledger of schema revision {rev} in {LEDGERS}: " + (
            HOW_TO_FREEZE.format(rev=rev)
        )
        folders = sorted(p.name for p in (LEDGERS / rev).iterdir() if p.is_dir())
        # From 0002 on there is sync state; the counter device carries it.
        want = ["counter", "demo"] if rev != revisions[0] else ["demo"]
        assert folders == want, f"{LEDGERS / rev}: devices {folders}, expected {want}"
    unknown = frozen - set(revisions)
    assert not unknown, f"frozen ledgers of revisions that no migration knows: {unknown}"


# A counter enrolled before certificates carried bindings (0002) is not bound to a shop. That
# is decided, not a gap: the certificate cannot say whose till it may book to, so the device
# refuses to sign payments and says to enrol it again (the server would refuse them too).
UNBOUND = {"0002/counter"}


def chain_cases() -> list[Any]:
    return [p for p in frozen_devices() if device_id(p) not in UNBOUND]


def unbound_cases() -> list[Any]:
    return [p for p in frozen_devices() if device_id(p) in UNBOUND]


def open_frozen(frozen: Path, tmp_path: Path) -> tuple[DeviceHandle, dict[str, Any]]:
    want = expected(frozen)
    data_dir = copy_device(frozen, tmp_path)
    assert stored_revision(data_dir / DB_FILENAME) == frozen.parent.name == want["revision"]
    return open_device(data_dir, FixedClock(want["clock_ms"] + MINUTE_MS)), want


@pytest.mark.parametrize("frozen", frozen_devices(), ids=device_id)
def test_frozen_ledger_upgrades_and_verifies(frozen: Path, tmp_path: Path) -> None:
    device, want = open_frozen(frozen, tmp_path)
    try:
        assert current_revision(device.engine) == head_revision()
        assert device.store.device_id == want["device_id"]
        report = verify_ledger(device.engine)
        assert report.ok, report.summary()
        assert report.entries == want["entries"]
        assert report.devices == 1
        # Nothing of what the old code wrote is lost or changed by the upgrade.
        got = facts(device)
        for key in ("entries", "entries_by_kind", "balances", "registry", "claims"):
            assert got[key] == want[key], key
        assert device.store.head() == (want["head"]["last_seq"], want["head"]["head_hash"])
        with device.engine.connect() as conn:
            check_sync_state(conn, device.store.device_id, want)
    finally:
        device.close()


@pytest.mark.parametrize("frozen", chain_cases(), ids=device_id)
def test_the_chain_continues_after_the_upgrade(frozen: Path, tmp_path: Path) -> None:
    """One more payment with the current store, after the old head; verified again."""
    device, want = open_frozen(frozen, tmp_path)
    try:
        last_seq, head_hash = device.store.head()
        resident, merchant, amount = new_payment(want)
        wallet, till = acc.wallet(resident), acc.till(merchant)
        with device.engine.connect() as conn:
            before = q.spendable_balance(conn, device.store.device_id, wallet)
        entry = device.store.spend(resident, merchant, amount)
        assert (entry.seq, entry.prev_hash) == (last_seq + 1, head_hash)
        assert device.store.balance(wallet) == want["balances"][wallet] - amount
        assert device.store.balance(till) == want["balances"][till] + amount
        with device.engine.connect() as conn:
            after = q.spendable_balance(conn, device.store.device_id, wallet)
        assert after == before - amount
        report = verify_ledger(device.engine)
        assert report.ok, report.summary()
        assert report.entries == want["entries"] + 1
    finally:
        device.close()


@pytest.mark.parametrize("frozen", unbound_cases(), ids=device_id)
def test_a_counter_from_before_bindings_is_told_to_enrol_again(
    frozen: Path, tmp_path: Path
) -> None:
    device, want = open_frozen(frozen, tmp_path)
    try:
        head = device.store.head()
        resident, merchant, amount = new_payment(want)
        with pytest.raises(RoleError) as refused:
            device.store.spend(resident, merchant, amount)
        assert refused.value.code == "binding_missing"
        assert "Enrol it again" in refused.value.en and "opnieuw aan" in refused.value.nl
        assert device.store.head() == head  # nothing written
    finally:
        device.close()


def check_sync_state(conn: Any, self_id: str, want: dict[str, Any]) -> None:
    """The sync state the old device held survives, and the own base computed by the 0004
    migration gives the same spendable balances the old code computed from the entries."""
    snap = q.current_snapshot(conn)
    if not want.get("snapshot"):
        assert snap is None
        return
    assert snap is not None
    assert (snap.version, snap.self_acked_seq) == (
        want["snapshot"]["version"],
        want["snapshot"]["self_acked_seq"],
    )
    assert q.pinned_server(conn) is not None
    synced = conn.execute(
        text("SELECT count(*) FROM ledger_entries WHERE synced_at IS NOT NULL")
    ).scalar_one()
    assert synced == want["synced_entries"] == snap.self_acked_seq
    for account, balance in want["snapshot_balances"].items():
        assert q.snapshot_balance(conn, account) == balance
        plain = balance + q.own_movements_since(conn, self_id, account, snap.self_acked_seq)
        assert q.spendable_balance(conn, self_id, account) == plain == want["available"][account]
    if "card_pins" in want:
        pins = conn.execute(text("SELECT count(*) FROM card_pins")).scalar_one()
        assert pins == want["card_pins"]


def new_payment(want: dict[str, Any]) -> tuple[str, str, int]:
    """A payment the device may take: the counter at its own shop, the demo anywhere."""
    if want["role"] == "merchant-counter":
        return "res-002", "mer-bakker", 200
    return "res-001", "mer-groente", 150


def newest_frozen() -> Path:
    devices = [p for p in frozen_devices() if p.name == "demo"]
    assert devices, f"no frozen ledgers in {LEDGERS}"
    return max(devices, key=lambda p: p.parent.name)


def test_a_copy_opened_twice_migrates_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = copy_device(newest_frozen(), tmp_path)
    caplog.set_level(logging.INFO, logger="kiosk.db")
    device = open_device(data_dir)
    device.close()
    migrated = [r for r in caplog.records if "schema migrated" in r.getMessage()]
    assert len(migrated) == (0 if newest_frozen().parent.name == head_revision() else 1)
    caplog.clear()
    device = open_device(data_dir)
    try:
        assert not [r for r in caplog.records if "schema migrated" in r.getMessage()]
        assert not migrate(device.engine, MIGRATIONS)  # nothing left to do
        assert current_revision(device.engine) == head_revision()
        assert verify_ledger(device.engine).ok
    finally:
        device.close()


def newer_ledger(tmp_path: Path) -> Path:
    """A ledger upgraded to the head, then marked as written by a future revision."""
    data_dir = copy_device(newest_frozen(), tmp_path)
    open_device(data_dir).close()
    con = sqlite3.connect(data_dir / DB_FILENAME)
    try:
        con.execute("CREATE TABLE future_things (id INTEGER PRIMARY KEY)")
        con.execute("UPDATE alembic_version SET version_num = '9999'")
        con.commit()
    finally:
        con.close()
    return data_dir


def contents(db: Path) -> tuple[object, ...]:
    con = sqlite3.connect(db)
    try:
        return (
            con.execute("SELECT version_num FROM alembic_version").fetchall(),
            con.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall(),
            con.execute("SELECT * FROM ledger_entries ORDER BY device_id, seq").fetchall(),
            con.execute("SELECT * FROM balances ORDER BY account_id").fetchall(),
        )
    finally:
        con.close()


def test_a_ledger_of_a_newer_unknown_revision_is_refused_untouched(tmp_path: Path) -> None:
    data_dir = newer_ledger(tmp_path)
    before = contents(data_dir / DB_FILENAME)
    with pytest.raises(Exception) as exc:
        open_device(data_dir)
    assert "9999" in str(exc.value)
    assert contents(data_dir / DB_FILENAME) == before


def test_a_newer_ledger_is_refused_with_a_message_for_the_operator(tmp_path: Path) -> None:
    data_dir = newer_ledger(tmp_path)
    with pytest.raises(HeitjeError) as exc:
        open_device(data_dir)
    assert "9999" in exc.value.en and "newer" in exc.value.en
