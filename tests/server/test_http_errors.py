"""Every error the server answers is JSON in the ErrorBody shape (issue 7, *Bounds and bad
input*): its own refusals, FastAPI's (unknown path, wrong method, unparseable body), a body
over [http] max_body_bytes (413 before anything parses it, by its Content-Length or while a
chunked upload streams in), and an unexpected failure (500 internal_error, no stack trace).
Real server over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from kiosk.server import admin
from kiosk.sync import protocol as p
from tests.server.conftest import LiveServer

CHUNK = 64 * 1024


def error_of(r: httpx.Response, status: int, code: str) -> p.ErrorBody:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/json"
    body = p.ErrorBody.model_validate(r.json())
    assert body.code == code, body
    assert body.message_nl and body.message_en
    assert "Traceback" not in r.text
    return body


def raw_exchange(live: LiveServer, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request over a plain socket, exactly as written (so the Content-Length may lie,
    and the body may never come); the answer's status and body, read until the server closes
    the connection. The socket timeout only keeps a broken server from hanging the test."""
    url = urlsplit(live.url)
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=60) as s:
        s.sendall(head.encode() + body)
        data = b""
        while got := s.recv(65536):
            data += got
    header, _, rest = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert fields["content-type"] == "application/json"
    if fields.get("transfer-encoding") == "chunked":
        out = b""
        while True:
            size, _, rest = rest.partition(b"\r\n")
            if int(size, 16) == 0:
                break
            out, rest = out + rest[: int(size, 16)], rest[int(size, 16) + 2 :]
        rest = out
    else:
        assert len(rest) == int(fields["content-length"])
    return int(lines[0].split()[1]), rest


def test_every_refusal_answers_an_error_body(live: LiveServer) -> None:
    live.seed()
    dev = live.enrol()
    dev.spend("r-1", 1)
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("GET", "/v1/nothing-here", {}, 404, p.NOT_FOUND),
        ("GET", "/v1/batches", {}, 405, "http_error"),
        ("POST", "/v1/batches", {"content": b"{not json"}, 422, p.REQUEST_INVALID),
        ("POST", "/v1/batches", {"content": b"\xff\xfe"}, 422, p.REQUEST_INVALID),
        ("POST", "/v1/batches", {"json": {"entries": []}}, 422, p.REQUEST_INVALID),
        ("POST", "/v1/enrol", {"json": {"code": "x"}}, 422, p.REQUEST_INVALID),
        (
            "POST",
            "/v1/enrol",
            {"json": {"code": "AAAA-BBBB-CCCC", "public_key": "ab" * 32, "name": "x"}},
            403,
            p.ENROL_CODE_INVALID,
        ),
        ("GET", "/v1/snapshot", {}, 401, p.AUTH_MISSING),
        ("GET", "/v1/snapshot", {"params": {"since": -1}}, 422, p.REQUEST_INVALID),
        ("GET", "/v1/devices/dev-nobody/head", {}, 404, p.UNKNOWN_DEVICE),
        ("GET", "/v1/devices/%E2%80%91/head", {}, 422, p.REQUEST_INVALID),
    ]
    for method, path, kw, status, code in cases:
        error_of(live.http.request(method, path, **kw), status, code)
    body = dev.batch().model_dump(mode="json")
    body["signature"] = "00" * 64
    error_of(live.upload(body), 401, p.BAD_BATCH_SIGNATURE)


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(live: LiveServer) -> None:
    limit = live.server.settings.get("http", "max_body_bytes")
    head = (
        "POST /v1/batches HTTP/1.1\r\nHost: heitje\r\nContent-Type: application/json\r\n"
        "Content-Length: {}\r\nConnection: close\r\n\r\n"
    )
    # Announced too large: answered at once, without a byte of the body ever sent (a server
    # that waited for it would never answer).
    status, body = raw_exchange(live, head.format(limit + 1))
    assert status == 413
    assert p.ErrorBody.model_validate_json(body).code == p.BODY_TOO_LARGE
    status, body = raw_exchange(live, head.format(10**15).replace("batches", "enrol"))
    assert status == 413
    # Exactly at the limit it is read and parsed (and is no batch).
    status, body = raw_exchange(live, head.format(limit), b" " * limit)
    assert status == 422
    assert p.ErrorBody.model_validate_json(body).code == p.REQUEST_INVALID

    def chunks(total: int) -> Iterator[bytes]:
        sent = 0
        while sent < total:
            piece = min(CHUNK, total - sent)
            sent += piece
            yield b" " * piece

    # Chunked, without a Content-Length: refused once more than the limit has streamed in.
    r = live.http.post("/v1/batches", content=chunks(limit + 1))
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    error_of(r, 413, p.BODY_TOO_LARGE)
    r = live.http.post("/v1/batches", content=chunks(limit))
    error_of(r, 422, p.REQUEST_INVALID)
    assert live.ledger_count() == 0
    assert live.http.get("/healthz").status_code == 200


@pytest.mark.parametrize("table", ["batches", "request_nonces"])
def test_an_unexpected_failure_answers_internal_error(live: LiveServer, table: str) -> None:
    """Provoked for real: a table the request needs is gone from this test's own database."""
    live.seed()
    admin.grant(live.server, "r-1", 1000, "start")
    dev = live.enrol()
    dev.spend("r-1", 100)
    with live.server.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {table}"))
    r = live.upload(dev.batch()) if table == "batches" else live.snapshot(dev)
    body = error_of(r, 500, p.INTERNAL_ERROR)
    # (uvicorn drops the connection after an unhandled exception: ask on a new one)
    live.http.close()
    live.http = httpx.Client(base_url=live.url, timeout=60)
    assert table not in body.message_en and "sql" not in r.text.lower()
    # nothing half-done: the failed transaction left no trace
    assert live.ledger_count() == 0
    assert admin.balance(live.server, "wallet:r-1") == 1000
    assert live.http.get("/healthz").status_code == 200
