"""The ledger store's operations and refusals, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.core.errors import HeitjeError
from kiosk.db.ledger_store import LedgerStore
from kiosk.db.verify import verify_ledger
from tests.db.conftest import rewarded


def refusal(excinfo: pytest.ExceptionInfo[HeitjeError]) -> str:
    err = excinfo.value
    assert err.message("nl") and err.message("en") and err.message("nl") != err.message("en")
    return err.code


def test_claim_workflow_rewards_once(store: LedgerStore) -> None:
    claim = rewarded(store, "r1")
    assert store.balance(acc.wallet("r1")) == 1000
    assert store.balance(acc.ISSUANCE) == -1000
    assert store.claim(claim).status == "rewarded"
    with pytest.raises(HeitjeError) as exc:
        store.earn(claim)
    assert refusal(exc) == "claim_already_rewarded"
    history = store.history(acc.wallet("r1"))
    assert [e.kind for e in history] == [Kind.EARN]
    assert history[0].refs["claim"] == claim


def test_earn_needs_inspector_approval(store: LedgerStore) -> None:
    claim = store.sign_up("ch", "r1")
    store.check_in(claim)
    with pytest.raises(HeitjeError) as exc:
        store.earn(claim)
    assert refusal(exc) == "claim_not_approved"
    with pytest.raises(HeitjeError) as exc:
        store.approve(claim, "insp")  # not checked out yet
    assert refusal(exc) == "claim_wrong_state"
    with pytest.raises(HeitjeError) as exc:
        store.reject(claim, "insp", "   ")
    assert refusal(exc) == "reason_missing"
    store.reject(claim, "insp", "Niet gedaan")
    assert store.claim(claim).reason == "Niet gedaan"
    with pytest.raises(HeitjeError) as exc:
        store.earn(claim)
    assert refusal(exc) == "claim_not_approved"


def test_spend_refund_settle(store: LedgerStore) -> None:
    rewarded(store, "r1")
    spend = store.spend("r1", "m1", 400, card_serial="R123")
    assert store.balance(acc.wallet("r1")) == 600
    assert store.balance(acc.till("m1")) == 400
    with pytest.raises(HeitjeError) as exc:
        store.spend("r1", "m1", 601)
    assert refusal(exc) == "insufficient_balance"
    store.refund(spend.tx_id, 150)
    with pytest.raises(HeitjeError) as exc:
        store.refund(spend.tx_id, 251)
    assert refusal(exc) == "refund_exceeds_spend"
    store.refund(spend.tx_id, 250)
    assert store.balance(acc.wallet("r1")) == 1000
    with pytest.raises(HeitjeError) as exc:
        store.refund(spend.tx_id, 1)
    assert refusal(exc) == "refund_exceeds_spend"
    store.spend("r1", "m2", 300)
    with pytest.raises(HeitjeError) as exc:
        store.settle("m2", 301, reference="batch-1")
    assert refusal(exc) == "settle_exceeds_till"
    store.settle("m2", 300, reference="batch-1")
    assert store.balance(acc.REDEMPTION) == 300
    assert verify_ledger(store.engine).ok


@pytest.mark.parametrize(
    ("amount", "code"),
    [(0, "amount_not_positive"), (-5, "amount_not_positive"), (1.5, "amount_not_integer")],
)
def test_bad_amounts_are_refused(store: LedgerStore, amount: object, code: str) -> None:
    rewarded(store, "r1")
    with pytest.raises(HeitjeError) as exc:
        store.spend("r1", "m1", amount)  # type: ignore[arg-type]
    assert refusal(exc) == code
    assert store.head()[0] == 5  # nothing written beyond the claim's five entries


def test_unknown_parties_and_adjust_rules(store: LedgerStore) -> None:
    with pytest.raises(HeitjeError) as exc:
        store.spend("nobody", "m1", 1)
    assert refusal(exc) == "unknown_resident"
    with pytest.raises(HeitjeError) as exc:
        store.spend("r1", "nowhere", 1)
    assert refusal(exc) == "unknown_merchant"
    with pytest.raises(HeitjeError) as exc:
        store.adjust(acc.ISSUANCE, acc.wallet("r1"), 100, reason=" ", staff_id="s")
    assert refusal(exc) == "reason_missing"
    with pytest.raises(HeitjeError) as exc:
        store.adjust(acc.ISSUANCE, acc.wallet("ghost"), 100, reason="fix", staff_id="s")
    assert refusal(exc) == "unknown_account"
    store.adjust(acc.ISSUANCE, acc.wallet("r1"), 100, reason="correctie", staff_id="s")
    assert store.balance(acc.wallet("r1")) == 100
    store.expire("r1", 40, policy="test")
    assert store.balance(acc.WRITEOFF) == 40
    report = verify_ledger(store.engine)
    assert report.ok, report.faults
    assert report.entries == 2


def test_full_chore_and_double_signup(store: LedgerStore) -> None:
    from kiosk.db import registry as reg

    with store.transaction() as conn:
        reg.add_chore(conn, "tiny", "Klein", "nb", reward=5, capacity=1, starts_at=0, ends_at=1)
    store.sign_up("tiny", "r1")
    with pytest.raises(HeitjeError) as exc:
        store.sign_up("tiny", "r1")
    assert refusal(exc) in {"chore_full", "already_signed_up"}
    with pytest.raises(HeitjeError) as exc:
        store.sign_up("tiny", "r2")
    assert refusal(exc) == "chore_full"
