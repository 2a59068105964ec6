"""Schemathesis against the server's own /openapi.json over real HTTP, with every check it
has (schemathesis.checks.CHECKS: no 5xx, status codes, content types, headers and bodies as
documented, invalid input refused, valid input accepted, unsupported methods, required
headers, ...)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTRY
from schemathesis.checks import load_all_checks

from bench.common import scratch_postgres
from kiosk.core.clock import FixedClock
from kiosk.server.config import Settings
from kiosk.server.service import Server
from tests.conftest import postgres_url
from tests.server.conftest import NOW, LiveServer

load_all_checks()
CHECKS = REGISTRY.get_all()
assert len(CHECKS) >= 14, [c.__name__ for c in CHECKS]  # every check schemathesis has


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live_module(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+pysqlite:///{tmp / 's.sqlite3'}"
        else:
            url = stack.enter_context(module_postgres())
        clock = FixedClock(NOW)
        server = Server(Settings(data_dir=tmp, database_url=url, clock=clock))
        stack.callback(server.close)
        live = LiveServer(server, clock)
        stack.callback(live.stop)
        live.seed()
        live.enrol()  # so that some device ids exist
        yield live


@contextmanager
def module_postgres() -> Iterator[str]:
    """Like tests/conftest.py's fresh_postgres_url, for a module-scoped server."""
    base = postgres_url()
    if base is None:
        pytest.skip("KIOSK_TEST_POSTGRES_URL is not set")
    with scratch_postgres(base, "kiosk_st") as url:
        yield url


@pytest.fixture(scope="module")
def http_session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


OPERATIONS = [
    ("GET", "/healthz"),
    ("GET", "/v1/info"),
    ("POST", "/v1/enrol"),
    ("POST", "/v1/batches"),
    ("GET", "/v1/snapshot"),
    ("GET", "/v1/devices/{device_id}/head"),
    ("GET", "/v1/devices/{device_id}/entries"),
]


@pytest.fixture(scope="module")
def api_schema(live_module: LiveServer) -> Any:
    return schemathesis.openapi.from_url(live_module.url + "/openapi.json")


def test_every_operation_is_covered(api_schema: Any) -> None:
    found = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# Negative data only where there is input to break.
CASES = [(m, path, GenerationMode.POSITIVE) for m, path in OPERATIONS] + [
    (m, path, GenerationMode.NEGATIVE) for m, path in OPERATIONS[2:]
]


def _as_integers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _as_integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_integers(v) for v in value]
    return value


def _integers_as_integers(case: schemathesis.Case) -> schemathesis.Case:
    if isinstance(case.body, dict | list):
        case.body = _as_integers(case.body)
    return case


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_api_conforms(
    api_schema: Any,
    http_session: requests.Session,
    live_module: LiveServer,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        # JSON Schema counts 278.0 as an integer; the protocol refuses it on purpose (what a
        # device signs is canonical JSON, where an integer is written 278), so valid data
        # writes its integers as integers.
        strategy = strategy.map(_integers_as_integers)

    @given(case=strategy)
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=live_module.url, session=http_session, checks=CHECKS)

    run()
