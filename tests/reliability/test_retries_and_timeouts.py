"""Issue 7, the client's and the source's side: retries under faults, giving up after the configured total
time with a transient_error, timeouts on connect and on a response that stalls (before it starts or mid-page)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.client import Client, RetryEvent, RetryPolicy, TransportError
from mogul.source import ReadFailed, check, discover, read

from ..client.scripted import Reply, ScriptedServer
from ..conftest import subprocess_env
from .conftest import History, write_config

CATALOG = discover()["catalog"]


def configured(*names: str) -> dict[str, object]:
    streams = [s for s in CATALOG["streams"] if not names or s["name"] in names]
    return {
        "streams": [{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in streams]
    }


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    with ScriptedServer().running() as srv:
        yield srv


# ---- giving up ----------------------------------------------------------------------------------


def test_source_gives_up_after_max_retry_seconds_with_a_transient_error(history: History) -> None:
    """Every request fails: each stream is retried until its 3 s budget is spent (not the 20 attempts), then
    ends with TRACE ERROR transient_error; the read raises ReadFailed and the executable exits 1."""
    with history.serve("500=1.0", seed=1) as server:
        config = history.config(server.base_url, max_attempts=20, max_retry_seconds=3)
        messages: list[dict] = []
        started = time.monotonic()
        with pytest.raises(ReadFailed) as failed:
            for message in read(config, configured("plans", "data_sources")):
                messages.append(message)
        took = time.monotonic() - started
    assert failed.value.failure_type == "transient_error"
    errors = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert sorted(e["stream_descriptor"]["name"] for e in errors) == ["data_sources", "plans"]
    for error in errors:
        assert error["failure_type"] == "transient_error"
        assert "HTTP 500" in error["message"] and "retries exhausted" in error["message"]
        # It gave up on time, not on attempts: the 3 s budget allows about four tries with backoff, not 20.
        assert "gave up after" in error["internal_message"], error["internal_message"]
        attempts = int(error["internal_message"].split("gave up after ")[1].split()[0])
        assert 2 <= attempts < 20
    assert not [m for m in messages if m["type"] == "RECORD"]
    ended = {
        m["trace"]["stream_status"]["stream_descriptor"]["name"]: m["trace"]["stream_status"]["status"]
        for m in messages
        if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS"
    }
    assert ended == {"data_sources": "INCOMPLETE", "plans": "INCOMPLETE"}
    assert took < 60  # a bound against hanging, far above the 3 s budget


def test_source_executable_exits_1_after_giving_up(history: History, tmp_path: Path) -> None:
    with history.serve("500=1.0", seed=2) as server:
        config = write_config(tmp_path / "config.json", history.config(server.base_url, max_retry_seconds=2))
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(configured("plans")))
        result = subprocess.run(
            [sys.executable, "-m", "mogul.source", "read", "--config", str(config), "--catalog", str(catalog)],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=120,
        )
    assert result.returncode == 1, result.stderr
    traces = [json.loads(line)["trace"] for line in result.stdout.splitlines() if '"TRACE"' in line]
    [error] = [t["error"] for t in traces if t["type"] == "ERROR"]
    assert error["failure_type"] == "transient_error"
    assert "Traceback" not in result.stderr


def test_sync_cli_gives_up_with_one_line(history: History, tmp_path: Path) -> None:
    with history.serve("500=1.0", seed=3) as server:
        config = write_config(tmp_path / "config.json", history.config(server.base_url, max_retry_seconds=2))
        result = CliRunner().invoke(
            main, ["sync", "--config", str(config), "-d", f"duckdb:///{tmp_path / 'x.duckdb'}", "-q"]
        )
    assert result.exit_code == 1
    assert result.stderr == "error: ChartMogul kept failing (HTTP 500); retries exhausted.\n", result.stderr


def test_sync_gives_up_mid_read_with_a_transient_error(history: History, tmp_path: Path) -> None:
    """The ping passes, then every request fails: the read (not the preflight) gives up and says so."""
    from mogul.sync.source_sync import plan_sync, sync_source

    with history.serve("500=1.0", seed=4) as server:
        config = history.config(server.base_url, max_retry_seconds=2)
        plan = plan_sync(config, streams=["plans", "customers"])
        with pytest.raises(ReadFailed) as failed:
            sync_source(config, f"duckdb:///{tmp_path / 'x.duckdb'}", plan)
    assert failed.value.failure_type == "transient_error"
    assert "plans" in str(failed.value) and "customers" in str(failed.value)


# ---- retrying ------------------------------------------------------------------------------------


def test_check_rides_out_a_few_transient_failures(scripted: ScriptedServer) -> None:
    """`check` (and so `mogul sync`'s preflight) used to give up after 2 tries: one 500 and one reset in a
    row failed a sync before it started."""
    scripted.script(
        Reply(500), Reply(503, headers={"Retry-After": "0"}), Reply(502, b"Bad Gateway", content_type="text/plain")
    )
    status = check({"api_key": "k", "start_date": "2024-01-01T00:00:00Z", "base_url": scripted.base_url})
    assert status["connectionStatus"]["status"] == "SUCCEEDED", status
    assert len(scripted.requests) == 4


def test_retry_after_is_honoured_and_backoff_is_jittered(scripted: ScriptedServer) -> None:
    scripted.script(Reply(429, headers={"Retry-After": "1"}), Reply(500), Reply(500), Reply())
    events: list[RetryEvent] = []
    jitter_calls: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        jitter_calls.append((low, high))
        return low

    policy = RetryPolicy(max_attempts=5, initial_delay=0.05, jitter=jitter)
    with Client("k", scripted.base_url, retry=policy, on_retry=events.append) as client:
        assert client.ping() == "pong!"
    assert [e.status for e in events] == [429, 500, 500]
    assert events[0].wait == 1.0  # Retry-After beats the 0.025 s backoff
    gap = scripted.requests[1][4] - scripted.requests[0][4]
    assert gap >= 1.0  # the client really slept the Retry-After before the next try
    # Full jitter: each backoff is drawn from [d/2, d], d doubling.
    assert jitter_calls == [(0.025, 0.05), (0.05, 0.1), (0.1, 0.2)]
    assert [e.wait for e in events[1:]] == [0.05, 0.1]


# ---- timeouts ------------------------------------------------------------------------------------


class StallingServer:
    """Raw HTTP on a loopback port: the first `stalls` connections get the headers and half the body, then
    nothing (the server stops answering mid-page); later ones get the whole page."""

    BODY = b'{"data":"pong!","padding":"' + b"x" * 4000 + b'"}'

    def __init__(self, stalls: int) -> None:
        self.stalls = stalls
        self.requests = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            self.requests += 1
            head = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(self.BODY)}\r\nConnection: close\r\n\r\n".encode()
            )
            if self.requests <= self.stalls:
                conn.sendall(head + self.BODY[: len(self.BODY) // 2])
                self.held.append(conn)  # never finished, never closed
            else:
                conn.sendall(head + self.BODY)
                conn.close()

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_a_page_that_stalls_midway_is_retried_not_waited_on() -> None:
    server = StallingServer(stalls=2)
    try:
        policy = RetryPolicy(max_attempts=4, initial_delay=0.05)
        with Client("k", server.base_url, retry=policy, timeout=httpx.Timeout(5.0, read=0.5)) as client:
            assert client.ping() == "pong!"
        assert server.requests == 3
    finally:
        server.close()


def test_slow_responses_past_the_read_timeout_are_retried_and_the_read_completes(history: History) -> None:
    """Most requests wait 3 s at the server, past the source's 0.5 s read timeout: each is retried until
    a quick one gets through, and every record arrives."""
    with history.serve() as server:
        clean = [
            m
            for m in read(history.config(server.base_url), configured("plans", "data_sources"))
            if m["type"] == "RECORD"
        ]
    with history.serve("slow=0.5:3s", seed=5) as server:
        config = history.config(server.base_url, read_timeout_seconds=0.5, max_attempts=20, max_retry_seconds=60)
        slow = [m for m in read(config, configured("plans", "data_sources")) if m["type"] == "RECORD"]
    assert sorted(json.dumps(m["record"]["data"], sort_keys=True) for m in slow) == sorted(
        json.dumps(m["record"]["data"], sort_keys=True) for m in clean
    )
    assert len(clean) > 2


def test_connect_to_a_closed_port_fails_fast_with_a_clear_error(unused_port: int) -> None:
    policy = RetryPolicy(max_attempts=3, initial_delay=0.05)
    with (
        Client("secret-key", f"http://127.0.0.1:{unused_port}", retry=policy) as client,
        pytest.raises(TransportError) as err,
    ):
        client.ping()
    assert f"127.0.0.1:{unused_port}" in str(err.value) and "ConnectError" in str(err.value)
    assert "secret-key" not in str(err.value)


def test_connect_and_read_timeouts_come_from_the_config() -> None:
    """The source's client gets both timeouts from the config (the read one is proven on the wire above)."""
    from mogul.source.config import parse_config

    raw = {"api_key": "k", "start_date": "2024-01-01T00:00:00Z"}
    default = parse_config(raw).timeout
    assert (default.connect, default.read) == (10.0, 60.0)
    config = parse_config({**raw, "connect_timeout_seconds": 0.2, "read_timeout_seconds": 30})
    assert (config.timeout.connect, config.timeout.read) == (0.2, 30.0)


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
