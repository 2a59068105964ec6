"""The HTTP API (FastAPI). Thin: parse, call kiosk.server.service.Server, answer or refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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

    @app.post("/v1/batches", tags=["sync"], responses=_errors(401, 403, 409, 413, 422))
    def upload(batch: Batch) -> Ack:
        """Upload a signed batch of a device's entries; answered with a signed ack."""
        return srv.ingest(batch)

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
