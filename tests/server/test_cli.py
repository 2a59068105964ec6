"""`python -m kiosk.server` as operators use it: a real server process and the admin commands."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from nacl.signing import SigningKey

from kiosk.sync import protocol as p


def cli(data_dir: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "kiosk.server", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_commands_and_a_real_server_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pub = cli(data, "pubkey").strip()
    assert len(pub) == 64 and cli(data, "pubkey").strip() == pub  # made once, then kept
    assert (data / "municipality.key").stat().st_mode & 0o777 == 0o600
    out = cli(data, "devices", "enrol-code", "--role", "merchant-counter", "--name", "Bakker")
    code = out.splitlines()[0].strip()
    assert len(code) == 14 and "█" in out  # the code, then its QR in the terminal
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
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.server",
            "--data-dir",
            str(data),
            "registry",
            "add-merchant",
            "m-1",
            "Dubbel",
            "--neighbourhood",
            "nb-1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "already exists" in refused.stderr
    assert cli(data, "registry", "review").strip() == ""
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
            key = SigningKey.generate()
            r = c.post(
                "/v1/enrol",
                json={"code": code, "public_key": bytes(key.verify_key).hex(), "name": "Bakker"},
            )
            assert r.status_code == 200, r.text
            cert = p.DeviceCertificate.model_validate(r.json())
            assert cert.role == "merchant-counter"
            listed = cli(data, "devices", "list")
            assert cert.device_id in listed and "active" in listed
            assert "revoked" in cli(data, "devices", "revoke", cert.device_id)
            assert "revoked" in cli(data, "devices", "list")
            snap = p.Snapshot.model_validate(c.get("/v1/snapshot").json())
            assert cert.device_id in snap.revoked_devices
            assert snap.residents[0].id == "r-1" and snap.balances["wallet:r-1"] == 4000
            assert "cl-1" in snap.approved_claims
    finally:
        proc.terminate()
        proc.wait(timeout=30)
