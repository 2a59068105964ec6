from __future__ import annotations

from kiosk.server import admin
from kiosk.sync import protocol as p
from tests.server.conftest import LiveServer


def test_health_and_upload(live: LiveServer) -> None:
    live.seed()
    admin.grant(live.server, "r-1", 5000, "start")
    assert live.http.get("/healthz").json() == {"status": "ok"}
    dev = live.enrol()
    dev.spend("r-1", 1000)
    dev.spend("r-1", 500)
    r = live.upload(dev.batch())
    assert r.status_code == 200, r.text
    ack = p.Ack.model_validate(r.json())
    assert p.verify_ack(live.server.verify_key, ack)
    assert ack.acked_seq == 2 and ack.next_seq == 3 and ack.status == "applied"
    assert admin.balance(live.server, "wallet:r-1") == 3500
    assert admin.balance(live.server, "till:m-1") == 1500
