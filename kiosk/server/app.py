"""The HTTP API (FastAPI). Thin: parse, call kiosk.server.service.Server, answer or refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.server.config import Settings
from kiosk.server.errors import MESSAGES, Refusal
from kiosk.server.service import Server
from kiosk.sync import protocol as p
from kiosk.sync.protocol import (
    Ack,
    Batch,
    DeviceCertificate,
    EnrolRequest,
    ErrorBody,
    ServerInfo,
    Snapshot,
)


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

    @app.get("/v1/snapshot", tags=["sync"], responses=_errors(409, 422))
    def snapshot(
        since: Annotated[int | None, Query(ge=0, le=p.MAX_INT)] = None,
    ) -> Snapshot:
        """The signed snapshot: full, or only what changed after version `since`."""
        return srv.snapshot(since)

    @app.get("/v1/devices/{device_id}/head", tags=["sync"], responses=_errors(404, 422))
    def device_head(
        device_id: Annotated[
            str, Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:@-]+$")
        ],
    ) -> Ack:
        """What the server holds of a device's chain, as a signed ack (status 'head')."""
        return srv.head(device_id)

    return app


ENV_DATA_DIR = "KIOSK_SERVER_DATA_DIR"
ENV_DATABASE_URL = "KIOSK_SERVER_DATABASE_URL"
ENV_CONFIG = "KIOSK_SERVER_CONFIG"


def app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes (``--workers N``): settings from the
    environment, set by ``python -m kiosk.server`` after it migrated the database once."""
    import os
    from pathlib import Path as FsPath

    config = os.environ.get(ENV_CONFIG)
    return create_app(
        Settings(
            data_dir=FsPath(os.environ[ENV_DATA_DIR]),
            database_url=os.environ.get(ENV_DATABASE_URL) or None,
            config_file=FsPath(config) if config else None,
        )
    )
