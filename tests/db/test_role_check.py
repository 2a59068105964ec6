"""The device refuses, before it signs, what its certificate's role may not sign (DESIGN.md §5,
*Who may sign what*), on real ledger files: nothing is written. An unenrolled device (the
demo's local ledger) writes as before."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from kiosk.core import accounts as acc
from kiosk.core.canonical import canonical_json
from kiosk.core.crypto import SigningKey
from kiosk.core.roles import (
    BINDING_MISSING,
    DEVICE_ROLES,
    INSPECTOR,
    KLUSBOX_DESK,
    MERCHANT_COUNTER,
    NOT_OWN_TILL,
    RESIDENT_KIOSK,
    ROLE_NOT_ALLOWED,
    RoleError,
)
from kiosk.db import sync_queries as q
from kiosk.db.engine import open_engine
from kiosk.db.ledger_store import LedgerStore
from kiosk.sync import protocol as p
from kiosk.sync.client import UNREACHABLE, SyncClient, SyncError

SERVER_KEY = SigningKey(bytes(range(32)))
FUNDS = 10_000
LEDGER_TABLES = ("ledger_entries", "balances", "chain_heads", "chore_claims")


def bindings_for(role: str) -> p.Bindings:
    if role == MERCHANT_COUNTER:
        return p.Bindings(merchant_id="m1")
    return p.Bindings(neighbourhoods=["nb"])


def enrol_as(
    store: LedgerStore, role: str, bindings: p.Bindings | None = None, *, via: Engine | None = None
) -> None:
    """Keep a server-signed certificate exactly as SyncClient.enrol keeps it (through `via`:
    another engine on the same database, as another process would)."""
    cert = p.sign_certificate(
        SERVER_KEY,
        p.DeviceCertificate(
            device_id=store.device_id,
            role=role,  # type: ignore[arg-type]
            public_key=bytes(store.key.verify_key).hex(),
            limits=p.Limits(
                per_tx_cap=5_000,
                offline_daily_cap_per_resident=5_000,
                offline_exposure_cap=50_000,
                snapshot_max_age_s=86_400,
            ),
            valid_until=10**13,
            issued_at=0,
            name="test",
            bindings=bindings_for(role) if bindings is None else bindings,
        ),
    )
    with (via or store.engine).begin() as conn:
        q.store_enrolment(
            conn,
            store.device_id,
            url="http://127.0.0.1:9",
            server_public_key=bytes(SERVER_KEY.verify_key).hex(),
            role=role,
            name="test",
            certificate_json=canonical_json(cert.model_dump(mode="json")).decode(),
            now_ms=0,
        )


def ledger_state(store: LedgerStore) -> dict[str, list[tuple[object, ...]]]:
    with store.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
            for t in LEDGER_TABLES
        }


@pytest.fixture
def funded(store: LedgerStore) -> LedgerStore:
    """The seeded store with money in r1's wallet and m1's till, written while unenrolled."""
    store.adjust(acc.ISSUANCE, acc.wallet("r1"), FUNDS, reason="test", staff_id="s")
    store.adjust(acc.ISSUANCE, acc.till("m1"), FUNDS, reason="test", staff_id="s")
    return store


def test_an_unenrolled_device_writes_as_before(funded: LedgerStore) -> None:
    funded.spend("r1", "m2", 100)
    funded.sign_up("ch", "r2")
    assert funded.balance(acc.till("m2")) == 100


def test_a_kiosk_cannot_write_a_spend(funded: LedgerStore) -> None:
    enrol_as(funded, RESIDENT_KIOSK)
    before = ledger_state(funded)
    with pytest.raises(RoleError) as exc:
        funded.spend("r1", "m1", 100)
    assert exc.value.code == ROLE_NOT_ALLOWED
    assert exc.value.nl and exc.value.en and "bewonerskiosk" in exc.value.nl
    assert ledger_state(funded) == before


def test_the_role_is_checked_before_the_balance(funded: LedgerStore) -> None:
    """A kiosk asked for a payment larger than the wallet hears about its role."""
    enrol_as(funded, RESIDENT_KIOSK)
    with pytest.raises(RoleError) as exc:
        funded.spend("r1", "m1", FUNDS * 10)
    assert exc.value.code == ROLE_NOT_ALLOWED


def test_a_counter_cannot_spend_into_another_shops_till(funded: LedgerStore) -> None:
    enrol_as(funded, MERCHANT_COUNTER, p.Bindings(merchant_id="m1"))
    before = ledger_state(funded)
    with pytest.raises(RoleError) as exc:
        funded.spend("r1", "m2", 100)
    assert exc.value.code == NOT_OWN_TILL
    assert ledger_state(funded) == before


def test_a_counter_spends_into_its_own_till_and_refunds_from_it(funded: LedgerStore) -> None:
    enrol_as(funded, MERCHANT_COUNTER, p.Bindings(merchant_id="m1"))
    spend = funded.spend("r1", "m1", 300)
    funded.refund(spend.tx_id, 100)
    assert funded.balance(acc.till("m1")) == FUNDS + 200
    assert funded.balance(acc.wallet("r1")) == FUNDS - 200


def test_a_counter_without_a_merchant_writes_nothing(funded: LedgerStore) -> None:
    """A certificate from before bindings existed binds a counter to no shop."""
    enrol_as(funded, MERCHANT_COUNTER, p.Bindings())
    before = ledger_state(funded)
    with pytest.raises(RoleError) as exc:
        funded.spend("r1", "m1", 100)
    assert exc.value.code == BINDING_MISSING
    assert ledger_state(funded) == before


def test_a_counter_cannot_sign_up_for_a_chore(funded: LedgerStore) -> None:
    """Event entries pass the same check; the claim row of the refused sign-up is not kept."""
    enrol_as(funded, MERCHANT_COUNTER)
    before = ledger_state(funded)
    with pytest.raises(RoleError) as exc:
        funded.sign_up("ch", "r2")
    assert exc.value.code == ROLE_NOT_ALLOWED
    assert ledger_state(funded) == before


# What each device role may do with the store's operations (DESIGN.md §5): spend only the
# counter, sign-up only the kiosk, server kinds (adjust, settle) nobody.
MAY: dict[str, set[str]] = {
    MERCHANT_COUNTER: {"spend"},
    RESIDENT_KIOSK: {"sign_up"},
    KLUSBOX_DESK: set(),
    INSPECTOR: set(),
}


@pytest.mark.parametrize("role", DEVICE_ROLES)
@pytest.mark.parametrize("operation", ["spend", "sign_up", "adjust", "settle"])
def test_role_by_operation(funded: LedgerStore, role: str, operation: str) -> None:
    enrol_as(funded, role)
    before = ledger_state(funded)
    calls = {
        "spend": lambda: funded.spend("r1", "m1", 100),
        "sign_up": lambda: funded.sign_up("ch", "r2"),
        "adjust": lambda: funded.adjust(
            acc.ISSUANCE, acc.wallet("r2"), 5, reason="x", staff_id="s"
        ),
        "settle": lambda: funded.settle("m1", 1, reference="x"),
    }
    if operation in MAY[role]:
        calls[operation]()
        assert ledger_state(funded) != before
    else:
        with pytest.raises(RoleError) as exc:
            calls[operation]()
        assert exc.value.code == ROLE_NOT_ALLOWED
        assert ledger_state(funded) == before


def test_an_enrolment_reaches_a_store_that_is_already_open(funded: LedgerStore) -> None:
    """The role is cached per engine; storing a certificate replaces what was cached."""
    funded.spend("r1", "m1", 100)  # unenrolled: cached as "no certificate"
    enrol_as(funded, RESIDENT_KIOSK)
    with pytest.raises(RoleError):
        funded.spend("r1", "m1", 100)
    enrol_as(funded, MERCHANT_COUNTER)
    funded.spend("r1", "m1", 100)
    # A second store on the same engine (another window of the app) sees the same role.
    other = LedgerStore(funded.engine, funded.key, funded.clock)
    try:
        with pytest.raises(RoleError) as exc:
            other.spend("r1", "m2", 100)
        assert exc.value.code == NOT_OWN_TILL
    finally:
        other.close()


def test_an_enrolment_by_another_process_holds_from_the_next_sync_round(
    funded: LedgerStore,
) -> None:
    """`kiosk enrol` run while the app is open: the app's next sync round (even one that
    cannot reach the server) makes its store read the new certificate."""
    funded.spend("r1", "m1", 100)
    other = open_engine(funded.engine.url.render_as_string(hide_password=False))
    try:
        enrol_as(funded, RESIDENT_KIOSK, via=other)
    finally:
        other.dispose()
    with SyncClient(funded.engine, funded.key, funded.clock) as client:
        with pytest.raises(SyncError) as exc:
            client.sync_once()
        assert exc.value.code == UNREACHABLE
    with pytest.raises(RoleError) as refused:
        funded.spend("r1", "m1", 100)
    assert refused.value.code == ROLE_NOT_ALLOWED
