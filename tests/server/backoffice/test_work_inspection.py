"""The inspection queue, over real HTTP on both databases: a kiosk's checked-out claims wait
in the queue of the inspectors of their neighbourhood (set on the Inspectors page), with
their check-in and check-out times; an approval from the queue puts exactly the chore's
reward in the resident's wallet, as an approval and an earn in the server's chain naming the
inspector; a rejection (with a reason) leaves the balance as it was; what the ledger's rules
refuse is shown in their words and changes nothing."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import update

from kiosk.core import accounts as acc
from kiosk.core.entries import Kind
from kiosk.server import admin
from kiosk.server import tables as t
from kiosk.server.backoffice import i18n
from kiosk.server.errors import MESSAGES
from kiosk.sync import protocol as p
from tests.server.backoffice.kit import Office
from tests.server.backoffice.work_kit import (
    HOUR,
    MINUTE,
    Kiosk,
    audit_rows,
    claim_status,
    post,
    seeded,
    server_entries,
    text_of,
)
from tests.server.conftest import NOW, LiveServer


def inspector_of(office: Office, *areas: str) -> tuple[int, httpx.Client]:
    """An inspector account given `areas` by an admin on the Inspectors page."""
    uid = office.add_user(f"inspecteur-{len(office.clients)}", "inspector")
    admin = office.as_role("admin")
    r = post(
        admin,
        f"/office/inspectors/{uid}",
        f"/office/inspectors/{uid}",
        {"neighbourhood": list(areas)},
    )
    assert r.status_code == 303, text_of(r.text)
    return uid, office.session_for(uid)


@pytest.fixture
def town(office: Office) -> LiveServer:
    """r-1 and r-2 did ch-1 (15,00) in nb-1; r-3 did ch-2 in nb-2; all checked out."""
    live = seeded(office)
    nb1, nb2 = Kiosk.enrol(live, "nb-1"), Kiosk.enrol(live, "nb-2")
    live.clock.advance(3 * HOUR)
    nb1.did_chore("cl-1", "ch-1", "r-1", check_in=NOW + 30 * MINUTE, check_out=NOW + 90 * MINUTE)
    nb1.did_chore("cl-2", "ch-1", "r-2", check_in=NOW + 40 * MINUTE, check_out=NOW + 70 * MINUTE)
    nb2.did_chore("cl-3", "ch-2", "r-3", check_in=NOW + 10 * MINUTE, check_out=NOW + 20 * MINUTE)
    nb1.did_chore("cl-4", "ch-1", "r-4", check_in=NOW + 50 * MINUTE, check_out=None)  # not done
    return live


def test_the_queue_holds_done_claims_of_the_inspectors_neighbourhoods(
    office: Office, town: LiveServer
) -> None:
    _, inspector = inspector_of(office, "nb-1")
    r = inspector.get("/office/inspection")
    assert r.status_code == 200
    shown = text_of(r.text)
    assert "Uw buurten: Oost." in shown
    assert "Anna" in shown and "Bram" in shown
    assert "Cor" not in shown  # nb-2
    assert "Dirk" not in shown  # checked in, not out: not done yet
    assert "1,0 uur" in shown and "0,5 uur" in shown  # 60 and 30 minutes
    assert 'data-claim="cl-1"' in r.text and "/office/inspection/cl-1/approve" in r.text
    # an admin sees every neighbourhood
    everyone = text_of(office.as_role("admin").get("/office/inspection").text)
    assert "Cor" in everyone and "alle buurten" in everyone
    # an inspector without neighbourhoods is told what to do
    _, lost = inspector_of(office)
    shown = text_of(lost.get("/office/inspection").text)
    assert "Vraag een beheerder" in shown and "Anna" not in shown


def test_approving_rewards_exactly_the_chores_reward(office: Office, town: LiveServer) -> None:
    uid, inspector = inspector_of(office, "nb-1")
    before = admin.balance(town.server, acc.wallet("r-1"))
    r = post(inspector, "/office/inspection", "/office/inspection/cl-1/approve", {})
    assert r.status_code == 303 and r.headers["location"].endswith("done=done.claim_approved")
    assert admin.balance(town.server, acc.wallet("r-1")) - before == 1500  # ch-1 pays 15,00
    assert claim_status(town, "cl-1") == "rewarded"
    (approval,) = server_entries(town, Kind.APPROVAL)
    assert approval["refs"]["inspector"] == f"user:{uid}"
    assert approval["refs"]["claim"] == "cl-1" and approval["status"] == "applied"
    (earn,) = server_entries(town, Kind.EARN)
    assert (earn["debit"], earn["credit"], earn["amount"]) == (
        acc.ISSUANCE,
        acc.wallet("r-1"),
        1500,
    )
    assert earn["refs"]["approval"] == approval["tx_id"]
    (row,) = audit_rows(town, "claim.approve")
    assert row["user_id"] == uid and json.loads(row["after_json"])["amount"] == 1500
    # gone from the queue; the chore's page names the inspector's account
    assert 'data-claim="cl-1"' not in inspector.get("/office/inspection").text
    chore = text_of(office.as_role("admin").get("/office/chores/ch-1").text)
    assert "Goedgekeurd en beloond" in chore and "inspecteur-" in chore
    # a second approval of the same claim is refused and pays nothing more
    again = post(inspector, "/office/inspection", "/office/inspection/cl-1/approve", {})
    assert again.status_code == 409 and "wacht niet (meer) op keuring" in text_of(again.text)
    assert admin.balance(town.server, acc.wallet("r-1")) - before == 1500


def test_rejecting_leaves_the_balance(office: Office, town: LiveServer) -> None:
    _, inspector = inspector_of(office, "nb-1")
    before = admin.balance(town.server, acc.wallet("r-2"))
    form = "/office/inspection/cl-2/reject"
    page = inspector.get(form)
    assert page.status_code == 200 and 'id="f-reason-poor_quality"' in page.text
    # "another reason" needs the note
    r = post(inspector, form, form, {"reason": "other", "note": " "})
    assert r.status_code == 400 and "Geef een reden." in text_of(r.text)
    r = post(inspector, form, form, {"reason": "nonsense"})
    assert r.status_code == 400 and "Kies een reden." in text_of(r.text)
    assert claim_status(town, "cl-2") == "done"
    r = post(inspector, form, form, {"reason": "poor_quality", "note": "Veel blad laten liggen"})
    assert r.status_code == 303
    assert claim_status(town, "cl-2") == "rejected"
    assert admin.balance(town.server, acc.wallet("r-2")) == before
    (rejection,) = server_entries(town, Kind.REJECTION)
    assert rejection["refs"]["reason"] == "De klus is niet goed gedaan: Veel blad laten liggen"
    assert server_entries(town, Kind.EARN) == []
    (row,) = audit_rows(town, "claim.reject")
    assert json.loads(row["after_json"])["status"] == "rejected"


def test_a_claim_outside_the_inspectors_neighbourhoods_is_refused(
    office: Office, town: LiveServer
) -> None:
    _, inspector = inspector_of(office, "nb-1")
    r = post(inspector, "/office/inspection", "/office/inspection/cl-3/approve", {})
    assert r.status_code == 409
    assert "buurt die niet aan u is gekoppeld" in text_of(r.text)
    assert claim_status(town, "cl-3") == "done"
    assert server_entries(town, Kind.APPROVAL) == []
    assert inspector.get("/office/inspection/cl-3/reject").status_code == 409
    assert (
        post(inspector, "/office/inspection", "/office/inspection/nope/approve", {}).status_code
        == 404
    )


def test_what_the_rules_refuse_shows_in_their_words(office: Office, town: LiveServer) -> None:
    # ch-1 may be approved once more only
    with town.server.write() as conn:
        conn.execute(update(t.chores).where(t.chores.c.id == "ch-1").values(capacity=1))
    _, inspector = inspector_of(office, "nb-1")
    approve = "/office/inspection/cl-1/approve"
    assert post(inspector, "/office/inspection", approve, {}).status_code == 303
    before = admin.balance(town.server, acc.wallet("r-2"))
    _, nl, en = MESSAGES[p.CHORE_FULL]
    for lang, words in (("nl", nl), ("en", en)):
        inspector.cookies.set(i18n.COOKIE, lang, domain="127.0.0.1", path="/office")
        r = post(inspector, "/office/inspection", "/office/inspection/cl-2/approve", {})
        assert r.status_code == 409 and words in text_of(r.text)
    assert admin.balance(town.server, acc.wallet("r-2")) == before
    assert claim_status(town, "cl-2") == "done"  # still waiting: nothing was recorded
    assert len(server_entries(town, Kind.APPROVAL)) == 1


def test_the_inspectors_page_is_the_admins(office: Office, town: LiveServer) -> None:
    uid, inspector = inspector_of(office, "nb-1", "nb-2")
    admin_client = office.as_role("admin")
    shown = text_of(admin_client.get("/office/inspectors").text)
    assert "Oost, West" in shown
    page = admin_client.get(f"/office/inspectors/{uid}").text
    assert 'id="f-neighbourhood-nb-1" name="neighbourhood" value="nb-1" checked' in page
    assert inspector.get("/office/inspectors").status_code == 403
    # an unknown neighbourhood is refused and nothing changes
    r = post(
        admin_client,
        f"/office/inspectors/{uid}",
        f"/office/inspectors/{uid}",
        {"neighbourhood": ["nb-9"]},
    )
    assert r.status_code == 400
    assert "Oost, West" in text_of(admin_client.get("/office/inspectors").text)
    (first, *_rest) = audit_rows(town, "inspector.areas")
    assert json.loads(first["after_json"]) == {"neighbourhoods": ["nb-1", "nb-2"]}
