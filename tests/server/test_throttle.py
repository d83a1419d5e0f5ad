"""Per-key rate limits: 429 past N requests/s, 503 past N requests in flight, `Retry-After`."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mogul.server.responses import json
from mogul.server.settings import ServerSettings
from mogul.server.throttle import ParallelLimiter, RateLimiter

from .conftest import StartServer

RATE_LIMITED = {"code": 429, "message": "Your request rate has exceeded our rate limit.", "param": None}
TOO_PARALLEL = {"code": 503, "message": "Too many parallel connections for this API key.", "param": None}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # SQLite only: limits act before any route or store runs, so the backend cannot change the outcome.
    return f"sqlite:///{tmp_path / 'mogul.db'}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(40, clock)
    assert [limiter.acquire(1) for _ in range(40)] == [0.0] * 40
    wait = limiter.acquire(1)
    assert wait == pytest.approx(1 / 40)
    assert limiter.acquire(2) == 0.0  # another key has its own bucket
    clock.now += 0.5  # half a second refills 20 requests, not more
    assert [limiter.acquire(1) for _ in range(20)] == [0.0] * 20
    assert limiter.acquire(1) > 0
    clock.now += 60
    assert sum(limiter.acquire(1) == 0.0 for _ in range(100)) == 40  # the burst never exceeds the rate


def test_parallel_limiter_counts_in_flight_per_key() -> None:
    limiter = ParallelLimiter(2)
    assert limiter.enter(1) and limiter.enter(1)
    assert not limiter.enter(1)
    assert limiter.enter(2)
    limiter.leave(1)
    assert limiter.enter(1)
    for key in (1, 1, 2):
        limiter.leave(key)
    assert limiter.in_flight == {}


def test_chartmogul_defaults() -> None:
    assert ServerSettings() == ServerSettings(rate_limit=0, max_connections=0)
    cm = ServerSettings.chartmogul()
    assert (cm.rate_limit, cm.max_connections) == (40, 20)
    assert ServerSettings.chartmogul(rate_limit=0).rate_limit == 0
    with pytest.raises(ValueError):
        ServerSettings(rate_limit=-1)


def test_default_settings_do_not_limit(server, rw_key: str) -> None:
    with httpx.Client(base_url=server.base_url, auth=(rw_key, "")) as http:
        assert {http.get("/v1/ping").status_code for _ in range(120)} == {200}


def test_429_past_the_rate_with_retry_after_and_per_key(start_server: StartServer, rw_key: str, ro_key: str) -> None:
    srv = start_server(ServerSettings(rate_limit=3))
    with httpx.Client(base_url=srv.base_url, auth=(rw_key, "")) as http:
        responses = [http.get("/v1/data_sources") for _ in range(12)]
        limited = [r for r in responses if r.status_code == 429]
        assert limited, [r.status_code for r in responses]
        assert {r.status_code for r in responses} == {200, 429}
        for r in limited:
            assert r.json() == RATE_LIMITED
            assert r.headers["retry-after"] == "1"
        # A refused write stores nothing.
        refused = [http.post("/v1/data_sources", json={"name": f"n{i}"}) for i in range(8)]
    with httpx.Client(base_url=srv.base_url, auth=(ro_key, "")) as reader:
        # The other key is not affected by the first key's exhaustion...
        assert reader.get("/v1/ping").status_code == 200
        listed = {s["name"] for s in reader.get("/v1/data_sources").json()["data_sources"]}
    created = {f"n{i}" for i, r in enumerate(refused) if r.status_code == 201}
    assert any(r.status_code == 429 for r in refused)
    assert listed == created  # ...and only the 201s were stored.


def test_unauthenticated_requests_are_not_counted_against_a_key(start_server: StartServer, rw_key: str) -> None:
    srv = start_server(ServerSettings(rate_limit=2))
    for _ in range(10):
        assert httpx.get(srv.base_url + "/v1/ping", auth=("bad-key", "")).status_code == 401
    assert httpx.get(srv.base_url + "/v1/ping", auth=(rw_key, "")).status_code == 200


def _slow_route(seconds: float) -> Route:
    async def slow(_request: Request) -> Response:
        await asyncio.sleep(seconds)
        return json({"data": "slow"})

    return Route("/v1/slow", slow)


def _explode_route() -> Route:
    def explode(_request: Request) -> None:
        raise RuntimeError("boom")

    return Route("/v1/explode", explode)


def test_503_past_the_parallel_limit(start_server: StartServer, rw_key: str, ro_key: str) -> None:
    srv = start_server(ServerSettings(max_connections=2))
    srv.app.router.routes.insert(0, _slow_route(1.5))

    def call(key: str) -> httpx.Response:
        return httpx.get(srv.base_url + "/v1/slow", auth=(key, ""), timeout=30)

    with ThreadPoolExecutor(max_workers=7) as pool:
        slow = [pool.submit(call, rw_key) for _ in range(6)]
        other = pool.submit(call, ro_key)
        results = [f.result() for f in slow]
        assert other.result().status_code == 200  # the limit is per key
    statuses = sorted(r.status_code for r in results)
    assert set(statuses) == {200, 503}, statuses
    assert statuses.count(200) >= 2
    for r in results:
        if r.status_code == 503:
            assert r.json() == TOO_PARALLEL
            assert r.headers["retry-after"] == "1"


def test_a_failing_request_frees_its_slot(start_server: StartServer, rw_key: str) -> None:
    srv = start_server(ServerSettings(max_connections=1))
    srv.app.router.routes.insert(0, _explode_route())
    with httpx.Client(base_url=srv.base_url, auth=(rw_key, "")) as http:
        for _ in range(3):
            assert http.get("/v1/explode").status_code == 500
        assert http.get("/v1/ping").status_code == 200
