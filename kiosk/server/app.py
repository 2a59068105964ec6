"""The HTTP API (FastAPI). Thin: parse, call kiosk.server.service.Server, answer or refuse."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.server.backoffice.site import mount as mount_backoffice
from kiosk.server.config import Settings
from kiosk.server.errors import MESSAGES, Refusal
from kiosk.server.service import Server
from kiosk.sync import protocol as p
from kiosk.sync.protocol import (
    Ack,
    Batch,
    ChainCopy,
    DeviceCertificate,
    EnrolRequest,
    ErrorBody,
    ServerInfo,
    Snapshot,
)

log = logging.getLogger("kiosk.server.app")


def _error_json(code: str, status: int | None = None) -> tuple[int, bytes]:
    default, nl, en = MESSAGES[code]
    body = ErrorBody(code=code, message_nl=nl, message_en=en)
    return status or default, body.model_dump_json().encode()


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a request body over `max_bytes`, before anything parses it: by its
    Content-Length, or while it streams in (chunked uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    @staticmethod
    async def _refuse(send: Send) -> None:
        status, body = _error_json(p.BODY_TOO_LARGE)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {"model": ErrorBody, "description": "Refused (see ErrorBody.code)"} for s in statuses
    }


def create_app(settings: Settings | None = None, server: Server | None = None) -> FastAPI:
    """The app over `server` (or a new Server on `settings`; the app then owns and closes it)."""
    owned = server is None
    srv = server or Server(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            srv.close()

    app = FastAPI(
        title="Heitje server",
        version="1",
        description="Central ledger of the Heitje neighbourhood coin: enrolment, signed batch "
        "upload, signed acks and snapshots. Every refusal carries a stable code.",
        lifespan=lifespan,
    )
    app.state.server = srv
    app.add_middleware(BodyLimit, max_bytes=srv.settings.get("http", "max_body_bytes"))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # Never plain text, never a stack trace to the caller; the log has the details.
        log.error("unexpected error", exc_info=exc)
        status, body = _error_json(p.INTERNAL_ERROR)
        # uvicorn drops the connection after an unhandled error: say so, so a keep-alive
        # client opens a new one instead of finding this one reset.
        return JSONResponse(
            status_code=status, content=json.loads(body), headers={"connection": "close"}
        )

    @app.exception_handler(Refusal)
    async def _refusal(_request: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content=exc.body().model_dump())

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        status, nl, en = MESSAGES[p.REQUEST_INVALID]
        where = "; ".join(
            f"{'.'.join(str(x) for x in err.get('loc', ()))}: {err.get('msg', '')}"
            for err in exc.errors()[:3]
        )
        body = ErrorBody(
            code=p.REQUEST_INVALID, message_nl=f"{nl} ({where})", message_en=f"{en} ({where})"
        )
        return JSONResponse(status_code=status, content=body.model_dump())

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own refusals (unparseable JSON, unknown path, wrong method) get the same
        # ErrorBody as ours; a body that is not JSON at all is request_invalid (422) too.
        if exc.status_code == 400:
            status, nl, en = MESSAGES[p.REQUEST_INVALID]
            code = p.REQUEST_INVALID
        else:
            status, code = exc.status_code, p.NOT_FOUND if exc.status_code == 404 else "http_error"
            nl = en = str(exc.detail)
        body = ErrorBody(code=code, message_nl=nl, message_en=en)
        return JSONResponse(status_code=status, content=body.model_dump(), headers=exc.headers)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/info", tags=["sync"])
    def info() -> ServerInfo:
        return ServerInfo(
            protocol_version=p.PROTOCOL_VERSION,
            public_key=srv.public_key_hex,
            server_device_id=srv.device_id,
            server_time=srv.now(),
        )

    @app.post("/v1/enrol", tags=["sync"], responses=_errors(403, 422))
    def enrol(req: EnrolRequest) -> DeviceCertificate:
        """Trade a one-time enrolment code and a device public key for a signed certificate."""
        return srv.enrol(req)

    @app.post(
        "/v1/batches",
        tags=["sync"],
        responses=_errors(401, 403, 409, 413, 422),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}},
            }
        },
    )
    async def upload(request: Request) -> Ack:
        """Upload a signed batch of a device's entries; answered with a signed ack."""
        # Parsed straight from the bytes by pydantic (no intermediate Python dicts): a batch
        # holds thousands of entries and this is the server's hot path.
        raw = await request.body()
        try:
            batch = Batch.model_validate_json(raw)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc
        return await run_in_threadpool(srv.ingest, batch)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            extra = Batch.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(extra.pop("$defs", {}))
            components["Batch"] = extra
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/v1/snapshot", tags=["sync"], responses=_errors(401, 403, 409, 422))
    def snapshot(
        request: Request,
        since: Annotated[int | None, Query(ge=0, le=p.MAX_INT)] = None,
        x_heitje_device: Annotated[str | None, Header(alias=p.AUTH_DEVICE_HEADER)] = None,
        x_heitje_time: Annotated[str | None, Header(alias=p.AUTH_TIME_HEADER)] = None,
        x_heitje_nonce: Annotated[str | None, Header(alias=p.AUTH_NONCE_HEADER)] = None,
        x_heitje_signature: Annotated[str | None, Header(alias=p.AUTH_SIGNATURE_HEADER)] = None,
    ) -> Snapshot:
        """The signed snapshot of the asking device's view (only what its role needs): full,
        or only what changed after version `since`. The device signs the request
        (kiosk.sync.protocol.snapshot_request_headers)."""
        device = srv.authenticate_snapshot_request(request.headers, since)
        return srv.snapshot_for(device, since)

    @app.get("/v1/devices/{device_id}/head", tags=["sync"], responses=_errors(404, 422))
    def device_head(
        device_id: Annotated[
            str, Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:@-]+$")
        ],
    ) -> Ack:
        """What the server holds of a device's chain, as a signed ack (status 'head')."""
        return srv.head(device_id)

    @app.get(
        "/v1/devices/{device_id}/entries", tags=["sync"], responses=_errors(401, 403, 404, 422)
    )
    def device_entries(
        request: Request,
        device_id: Annotated[
            str, Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:@-]+$")
        ],
        after: Annotated[int, Query(ge=0, le=p.MAX_INT)],
        x_heitje_device: Annotated[str | None, Header(alias=p.AUTH_DEVICE_HEADER)] = None,
        x_heitje_time: Annotated[str | None, Header(alias=p.AUTH_TIME_HEADER)] = None,
        x_heitje_nonce: Annotated[str | None, Header(alias=p.AUTH_NONCE_HEADER)] = None,
        x_heitje_signature: Annotated[str | None, Header(alias=p.AUTH_SIGNATURE_HEADER)] = None,
    ) -> ChainCopy:
        """The server's copy of the asking device's own chain after seq `after` (at most
        MAX_CHAIN_PAGE entries), for a device restored from a backup. The device signs the
        request (kiosk.sync.protocol.chain_request_message)."""
        return srv.own_chain(device_id, after, request.headers)

    mount_backoffice(app, srv)  # the back office's pages below /office
    return app


ENV_DATA_DIR = "KIOSK_SERVER_DATA_DIR"
ENV_DATABASE_URL = "KIOSK_SERVER_DATABASE_URL"
ENV_CONFIG = "KIOSK_SERVER_CONFIG"


def app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes (``--workers N``): settings from the
    environment, set by ``python -m kiosk.server`` after it migrated the database once."""
    import gc
    import os
    from pathlib import Path as FsPath

    config = os.environ.get(ENV_CONFIG)
    app = create_app(
        Settings(
            data_dir=FsPath(os.environ[ENV_DATA_DIR]),
            database_url=os.environ.get(ENV_DATABASE_URL) or None,
            config_file=FsPath(config) if config else None,
        )
    )
    # What the worker holds from now on (modules, schemas, the app) is never garbage: keep
    # it out of the collector's full passes, which otherwise cost ingest ~15% of its CPU;
    # and collect the young generation less often (a batch makes tens of thousands of
    # short-lived objects, nearly all freed by reference counting). docs/server.md,
    # Benchmarks.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    return app
