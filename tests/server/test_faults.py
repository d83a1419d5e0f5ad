"""Fault injection: the spec, the seeded draws, the header override, latency; and a faulted write stores nothing."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer
from mogul.server.faults import Fault, FaultPlan
from mogul.server.settings import ServerSettings, parse_duration

from .conftest import StartServer

SPEC = "429=0.05,500=0.02,503=0.01,reset=0.01,slow=0.02:2s"
# A reset closes the socket unanswered: the client sees the end of the stream, or ECONNRESET when request
# bytes were still unread in the server's buffer (the kernel then answers the close with RST).
RESET = (httpx.RemoteProtocolError, httpx.ReadError)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # SQLite only: faults act before any route or store runs, so the backend cannot change the outcome.
    return f"sqlite:///{tmp_path / 'mogul.db'}"


def test_the_issue_spec_parses() -> None:
    plan = FaultPlan.parse(SPEC)
    assert plan.entries == (
        (0.05, Fault("status", status=429)),
        (0.02, Fault("status", status=500)),
        (0.01, Fault("status", status=503)),
        (0.01, Fault("reset")),
        (0.02, Fault("slow", delay=2.0)),
    )
    assert FaultPlan.parse("") == FaultPlan()
    assert FaultPlan.parse("slow=0.5").entries == ((0.5, Fault("slow", delay=1.0)),)
    assert FaultPlan.parse("502=0.1, slow=0.1:150ms").entries[1] == (0.1, Fault("slow", delay=0.15))


@pytest.mark.parametrize(
    "spec",
    ["500", "500=2", "500=-0.1", "500=x", "teapot=0.1", "200=0.1", "reset=0.1:2s", "500=0.6,503=0.6", "slow=0.1:2h"],
)
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        FaultPlan.parse(spec)
    with pytest.raises(ValueError):
        ServerSettings(faults=spec)


def test_durations() -> None:
    assert parse_duration("150ms") == pytest.approx(0.15)
    assert parse_duration("2s") == 2.0
    assert parse_duration("0.5") == 0.5
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_draws_follow_the_probabilities_and_replay_with_a_seed() -> None:
    plan = FaultPlan.parse(SPEC)
    rng = random.Random(7)
    draws = [plan.draw(rng) for _ in range(20_000)]
    rng = random.Random(7)
    assert [plan.draw(rng) for _ in range(20_000)] == draws
    counts = Counter(d.kind if d is None or d.kind != "status" else d.status for d in draws if d is not None)
    # Generous bounds: 20,000 draws put each observed rate well within these.
    assert 800 < counts[429] < 1200
    assert 300 < counts[500] < 500
    assert 120 < counts[503] < 280
    assert 120 < counts["reset"] < 280
    assert 300 < counts["slow"] < 500
    assert 17_800 < draws.count(None) < 18_400


def _fault(srv: EmbeddedServer, key: str, fault: str, method: str = "GET", **kwargs: object) -> httpx.Response:
    with httpx.Client(base_url=srv.base_url, auth=(key, ""), timeout=30) as http:
        return http.request(method, "/v1/data_sources", headers={"X-Mogul-Fault": fault}, **kwargs)  # type: ignore[arg-type]


def test_header_faults_answer_like_chartmogul(start_server: StartServer, rw_key: str) -> None:
    srv = start_server(ServerSettings(fault_header=True))
    r = _fault(srv, rw_key, "429")
    assert (r.status_code, r.headers["retry-after"]) == (429, "1")
    assert r.json() == {"code": 429, "message": "Your request rate has exceeded our rate limit.", "param": None}
    r = _fault(srv, rw_key, "503")
    assert (r.status_code, r.headers["retry-after"], r.json()["code"]) == (503, "1", 503)
    r = _fault(srv, rw_key, "500")
    assert (r.status_code, r.json()) == (500, {"code": 500, "message": "Internal server error", "param": None})
    # ChartMogul's edge answers 502/504 in plain text.
    r = _fault(srv, rw_key, "502")
    assert (r.status_code, r.text) == (502, "502 Bad Gateway")
    assert r.headers["content-type"].startswith("text/plain")
    assert _fault(srv, rw_key, "none").status_code == 200
    assert _fault(srv, rw_key, "slow:10ms").status_code == 200


def test_reset_closes_the_connection_without_a_response(
    start_server: StartServer, rw_key: str, capfd: pytest.CaptureFixture[str]
) -> None:
    srv = start_server(ServerSettings(fault_header=True))
    with pytest.raises(RESET):
        _fault(srv, rw_key, "reset")
    # The server carries on, and uvicorn did not try to answer for the app.
    assert _fault(srv, rw_key, "none").status_code == 200
    _out, err = capfd.readouterr()
    assert "without starting response" not in err and "500" not in err


def test_slow_waits_then_serves(start_server: StartServer, rw_key: str) -> None:
    srv = start_server(ServerSettings(fault_header=True))
    started = time.monotonic()
    assert _fault(srv, rw_key, "slow:300ms").status_code == 200
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("fault", ["teapot", "200", "slow:31s", "slow:x", "reset:1s"])
def test_bad_header_is_400(start_server: StartServer, rw_key: str, fault: str) -> None:
    srv = start_server(ServerSettings(fault_header=True))
    r = _fault(srv, rw_key, fault)
    assert r.status_code == 400
    assert r.json()["param"] == "X-Mogul-Fault"


def test_header_is_ignored_unless_enabled(server: EmbeddedServer, rw_key: str) -> None:
    assert _fault(server, rw_key, "500").status_code == 200


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "reset"])
def test_a_faulted_write_stores_nothing(start_server: StartServer, rw_key: str, fault: str) -> None:
    srv = start_server(ServerSettings(fault_header=True))
    try:
        r = _fault(srv, rw_key, fault, "POST", json={"name": "Faulted"})
        assert r.status_code == int(fault)
    except RESET:
        assert fault == "reset"
    with httpx.Client(base_url=srv.base_url, auth=(rw_key, "")) as http:
        assert http.get("/v1/data_sources").json() == {"data_sources": []}
        # The same write, unfaulted, is the first to be stored: nothing half-done blocks the name.
        assert http.post("/v1/data_sources", json={"name": "Faulted"}).status_code == 201


def test_random_faults_replay_with_the_same_seed(start_server: StartServer, rw_key: str) -> None:
    def run() -> list[int | str]:
        srv = start_server(ServerSettings(faults="500=0.3,429=0.2,reset=0.1", fault_seed=42))
        outcomes: list[int | str] = []
        for _ in range(30):
            try:
                with httpx.Client(base_url=srv.base_url, auth=(rw_key, "")) as http:
                    outcomes.append(http.get("/v1/ping").status_code)
            except RESET:
                outcomes.append("reset")
        srv.stop()
        return outcomes

    first = run()
    assert set(first) == {200, 429, 500, "reset"}
    assert run() == first


def test_faulted_writes_under_random_faults_store_exactly_the_201s(start_server: StartServer, rw_key: str) -> None:
    srv = start_server(ServerSettings(faults="500=0.2,503=0.1,429=0.1,reset=0.1", fault_seed=3))
    created = set()
    for i in range(40):
        try:
            with httpx.Client(base_url=srv.base_url, auth=(rw_key, "")) as http:
                if http.post("/v1/data_sources", json={"name": f"s{i}"}).status_code == 201:
                    created.add(f"s{i}")
        except RESET:
            pass
    assert 0 < len(created) < 40
    listed: list[dict] = []
    while not listed:  # the list itself may be faulted
        try:
            r = httpx.get(srv.base_url + "/v1/data_sources", auth=(rw_key, ""))
            listed = r.json()["data_sources"] if r.status_code == 200 else []
        except RESET:
            pass
    assert {s["name"] for s in listed} == created


def test_latency_delays_every_api_response(start_server: StartServer, rw_key: str) -> None:
    srv = start_server(ServerSettings(latency=0.25))
    with httpx.Client(base_url=srv.base_url, auth=(rw_key, "")) as http:
        for path in ("/v1/ping", "/v1/nope"):
            started = time.monotonic()
            http.get(path)
            assert time.monotonic() - started >= 0.25
