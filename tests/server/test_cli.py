"""`python -m kiosk.server` as operators use it: a real server process and the admin commands."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import httpx
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import insert

from kiosk.core.crypto import device_id_for
from kiosk.server import tables as t
from kiosk.server.config import Settings
from kiosk.server.service import Server
from kiosk.sync import protocol as p


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.server", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def cli(data_dir: Path, *args: str) -> str:
    out = run(data_dir, *args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed_snapshot(c: httpx.Client, key: SigningKey) -> httpx.Response:
    """GET /v1/snapshot as a device asks for it (the server process runs on the real clock)."""
    headers = p.snapshot_request_headers(
        key, device_id_for(key.verify_key), None, time.time_ns() // 1_000_000, secrets.token_hex(16)
    )
    return c.get("/v1/snapshot", headers=headers)


def enrol(c: httpx.Client, code: str, name: str) -> tuple[SigningKey, p.DeviceCertificate]:
    key = SigningKey.generate()
    r = c.post(
        "/v1/enrol", json={"code": code, "public_key": bytes(key.verify_key).hex(), "name": name}
    )
    assert r.status_code == 200, r.text
    cert = p.DeviceCertificate.model_validate(r.json())
    return key, cert


def test_commands_and_a_real_server_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pub = cli(data, "pubkey").strip()
    assert len(pub) == 64 and cli(data, "pubkey").strip() == pub  # made once, then kept
    assert (data / "municipality.key").stat().st_mode & 0o777 == 0o600
    registry = [
        ("add-neighbourhood", "nb-1", "Oost"),
        ("add-resident", "r-1", "Anna", "--neighbourhood", "nb-1", "--card", "C-1"),
        ("add-merchant", "m-1", "Bakker", "--neighbourhood", "nb-1"),
        ("add-chore", "ch-1", "Vegen", "--neighbourhood", "nb-1", "--reward", "1500"),
        ("approve", "cl-1", "--inspector", "insp-1", "--chore", "ch-1", "--resident", "r-1"),
        ("grant", "r-1", "4000", "--reason", "welkom"),
    ]
    for args in registry:
        assert cli(data, "registry", *args).strip().splitlines()[-1] != ""
    refused = run(data, "registry", "add-merchant", "m-1", "Dubbel", "--neighbourhood", "nb-1")
    assert refused.returncode == 1 and "already exists" in refused.stderr
    assert cli(data, "registry", "review").strip() == ""
    # The admin fixes role, name and bindings on the code; they must fit the role and exist.
    for bad in (
        ("--role", "merchant-counter", "--name", "Bakker"),
        ("--role", "merchant-counter", "--name", "Bakker", "--merchant", "m-404"),
    ):
        failed = run(data, "devices", "enrol-code", *bad)
        assert failed.returncode == 2 and "enrol-code:" in failed.stderr, (bad, failed.stderr)
    out = cli(
        data, "devices", "enrol-code", "--role", "merchant-counter", "--name", "Bakker",
        "--merchant", "m-1",
    )  # fmt: skip
    code = out.splitlines()[0].strip()
    assert len(code) == 14 and "█" in out  # the code, then its QR in the terminal
    assert "bound to m-1" in out
    out = cli(
        data, "devices", "enrol-code", "--role", "resident-kiosk", "--name", "Buurthuis",
        "--neighbourhood", "nb-1",
    )  # fmt: skip
    kiosk_code = out.splitlines()[0].strip()
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.server",
            "--data-dir",
            str(data),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            for _ in range(300):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            assert c.get("/openapi.json").json()["info"]["title"] == "Heitje server"
            assert c.get("/v1/info").json()["public_key"] == pub
            # the name and role the device sends are not used: the code's are
            key, cert = enrol(c, code, "Iets anders")
            assert (cert.role, cert.name) == ("merchant-counter", "Bakker")
            assert cert.bindings == p.Bindings(merchant_id="m-1")
            kiosk_key, kiosk_cert = enrol(c, kiosk_code, "Buurthuis")
            assert kiosk_cert.bindings == p.Bindings(neighbourhoods=["nb-1"])
            listed = cli(data, "devices", "list")
            assert cert.device_id in listed and kiosk_cert.device_id in listed
            assert "active" in listed and "merchant-counter" in listed
            assert "revoked" in cli(data, "devices", "revoke", cert.device_id)
            assert "revoked" in cli(data, "devices", "list")
            # no snapshot without a device's signature, none for a revoked device
            anonymous = c.get("/v1/snapshot")
            assert anonymous.status_code == 401
            assert p.ErrorBody.model_validate(anonymous.json()).code == p.AUTH_MISSING
            assert "Anna" not in anonymous.text and "wallet:" not in anonymous.text
            gone = signed_snapshot(c, key)
            assert gone.status_code == 403 and gone.json()["code"] == p.DEVICE_REVOKED
            r = signed_snapshot(c, kiosk_key)
            assert r.status_code == 200, r.text
            snap = p.Snapshot.model_validate(r.json())
            assert p.verify_snapshot(VerifyKey(bytes.fromhex(pub)), snap)
            assert cert.device_id in snap.revoked_devices
            assert [(x.id, x.name) for x in snap.residents] == [("r-1", "Anna")]
            assert snap.balances == {"wallet:r-1": 4000}
            assert snap.approved_claims == [] and snap.role == "resident-kiosk"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# Text that would retitle the window, clear the screen, overwrite the line or turn the rest of
# the line around if it reached a terminal as it is.
HOSTILE = "\x1b]0;pwned\x07 \x1b[2J kassa\rOK \u202egnikat"
ESCAPED = ("\\x1b]0;pwned\\x07", "\\x1b[2J", "\\r", "\\u202e")


def raw_controls(out: str) -> list[str]:
    """The characters of `out` that a terminal would act on (tabs and newlines are ours)."""
    return [
        ch
        for ch in out
        if ch not in "\t\n" and unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")
    ]


def test_listings_print_chosen_text_escaped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli(data, "registry", "add-neighbourhood", "nb-1", "Oost")
    cli(data, "registry", "add-merchant", "m-1", "Bakker", "--neighbourhood", "nb-1")
    out = cli(
        data, "devices", "enrol-code", "--role", "merchant-counter", "--name", HOSTILE,
        "--merchant", "m-1",
    )  # fmt: skip
    assert raw_controls(out) == []
    code = out.splitlines()[0].strip()
    # Enrolled in-process against the same database (no HTTP needed for what the CLI prints).
    server = Server(Settings(data_dir=data))
    try:
        key = SigningKey.generate()
        cert = server.enrol(
            p.EnrolRequest(code=code, public_key=bytes(key.verify_key).hex(), name=HOSTILE)
        )
        assert cert.name == HOSTILE  # stored as given: only the printing escapes it
        # A review row holding such text in every field the listing prints: nothing on the
        # wire can put it there today (identifiers are ASCII), the listing must not rely on it.
        with server.engine.begin() as conn:
            conn.execute(
                insert(t.review_queue).values(
                    tx_id="tx-1",
                    device_id=cert.device_id,
                    seq=1,
                    reason="\x1b[2J\r",
                    detail=HOSTILE,
                    amount=1,
                    merchant_id="\x1b[2J",
                    resident_id="r\u202e1",
                    status="open",
                    created_at=0,
                    kind="spend",
                    effect="refused",
                )
            )
    finally:
        server.close()
    listed = cli(data, "devices", "list")
    review = cli(data, "registry", "review")
    for out in (listed, review):
        assert raw_controls(out) == [], out
        for text in ESCAPED:
            assert text in out, (text, out)
    assert cert.device_id in listed and "tx-1" not in listed
    assert "merchant=\\x1b[2J" in review and "resident=r\\u202e1" in review
