"""`python -m kiosk.server users ...` as an operator runs it, and the sign-in limit across
the worker processes of `python -m kiosk.server --workers 2` (both databases)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kiosk.server import tables as t
from kiosk.server.backoffice import passwords
from kiosk.server.db import open_engine
from tests.server.backoffice.kit import csrf_of

PASSWORD = "een lang genoeg wachtwoord"


def users(data: Path, db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.server", "--data-dir", str(data),
         "--database-url", db_url, "users", *args],
        capture_output=True, text=True, timeout=60, input=stdin,
    )  # fmt: skip


@pytest.mark.slow
def test_users_from_the_command_line(tmp_path: Path, db_url: str) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    made = users(tmp_path, db_url, "create", "--role", "admin", "--username", "Eva",
                 "--display-name", "Eva de Vries", "--password-file", str(pw))  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "created eva (admin)" in made.stdout
    again = users(tmp_path, db_url, "create", "--role", "finance", "--username", "eva",
                  "--password-file", str(pw))  # fmt: skip
    assert again.returncode == 1 and "already exists" in again.stderr
    # asked on the terminal, twice: two different answers create nothing
    differ = users(tmp_path, db_url, "create", "--role", "finance", "--username", "fien",
                   stdin="een lang wachtwoord\neen ander wachtwoord\n")  # fmt: skip
    assert differ.returncode == 2 and "differ" in differ.stderr
    short = users(tmp_path, db_url, "create", "--role", "finance", "--username", "fien",
                  stdin="kort\nkort\n")  # fmt: skip
    assert short.returncode == 1 and "at least 12" in short.stderr
    listed = users(tmp_path, db_url, "list")
    assert re.search(r"^1\teva\tadmin\tactive\t'Eva de Vries'$", listed.stdout, re.M)
    assert "fien" not in listed.stdout
    last = users(tmp_path, db_url, "disable", "eva")
    assert last.returncode == 1 and "last active administrator" in last.stderr
    unknown = users(tmp_path, db_url, "disable", "nobody")
    assert unknown.returncode == 1 and "no account" in unknown.stderr
    # a forgotten password: IT sets a new one (asked twice)
    new = "een nieuw lang wachtwoord"
    reset = users(tmp_path, db_url, "set-password", "EVA", stdin=f"{new}\n{new}\n")
    assert reset.returncode == 0, reset.stderr
    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(t.users.c.password_hash)).scalar_one()
            events = list(conn.execute(select(t.audit_log.c.event, t.audit_log.c.actor)))
    finally:
        engine.dispose()
    assert passwords.verify(stored, new) and not passwords.verify(stored, PASSWORD)
    assert [tuple(e) for e in events] == [("user.create", "system"), ("user.password", "system")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server_process(data: Path, db_url: str, config: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.server", "--data-dir", str(data), "--database-url",
         db_url, "--config", str(config), "--port", str(port), "--workers", "2",
         "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=10) as c:
            for _ in range(600):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_the_limit_holds_across_worker_processes(tmp_path: Path, db_url: str) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD, encoding="utf-8")
    made = users(tmp_path, db_url, "create", "--role", "finance", "--username", "fien",
                 "--password-file", str(pw))  # fmt: skip
    assert made.returncode == 0, made.stderr
    config = tmp_path / "server.toml"
    # a long window: the real clock runs while the guesses go in
    config.write_text("[backoffice]\nsignin_window_s = 3600\n", encoding="utf-8")
    with server_process(tmp_path, db_url, config) as url:

        def attempt(password: str, i: int) -> int:
            headers = {"X-Forwarded-For": f"10.9.0.{i}"}
            with httpx.Client(base_url=url, timeout=60, headers=headers) as c:
                token = csrf_of(c.get("/office/sign-in").text)
                r = c.post(
                    "/office/sign-in",
                    data={"username": "fien", "password": password, "csrf_token": token},
                )
                return r.status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda i: attempt(f"gok {i}", i), range(16)))
        # 401: checked and wrong; 429: refused unchecked. At most 10 were checked.
        assert set(statuses) <= {401, 429}
        assert 1 <= statuses.count(401) <= 10 and statuses.count(429) >= 6
        assert attempt(PASSWORD, 200) == 429
