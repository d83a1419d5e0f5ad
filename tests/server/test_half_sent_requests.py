"""Half-sent requests are not held: `mogul serve --request-timeout` closes a connection whose request (headers
or body) has not arrived whole in time, and `--connection-limit` caps the connections a worker keeps open."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mogul.server.store import Database
from mogul.server.store.keys import create_key

from .processes import ServeProcess, serving


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServeProcess, str]]:
    url = f"sqlite:///{tmp_path / 'mogul.db'}"
    db = Database(url)
    db.migrate()
    key = create_key(db, "tests", "read-write")[0]
    db.dispose()
    limits = ("--request-timeout", "1s", "--connection-limit", "20")
    args = (*limits, "--rate-limit", "0", "--max-connections", "0", "--fault-header")
    with serving(url, tmp_path / "serve.log", *args) as server:
        yield server, key


def _connect(server: ServeProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.settimeout(10)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed the connection (without an answer); fails past `seconds`."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        data = sock.recv(1024)
    except ConnectionResetError:
        data = b""
    elapsed = time.monotonic() - started
    assert data == b"", data
    return elapsed


def _auth(key: str) -> bytes:
    return b"Authorization: Basic " + base64.b64encode(f"{key}:".encode()) + b"\r\n"


def test_half_sent_headers_are_closed_after_the_request_timeout(served: tuple[ServeProcess, str]) -> None:
    server, _key = served
    socks = [_connect(server) for _ in range(10)]
    for sock in socks:
        sock.sendall(b"GET /v1/ping HTTP/1.1\r\nHost: x\r\n")  # no blank line: the headers never end
    for sock in socks:
        assert _closed_within(sock, 5) < 5
        sock.close()


def test_a_half_sent_body_is_closed_after_the_request_timeout(served: tuple[ServeProcess, str]) -> None:
    server, key = served
    sock = _connect(server)
    head = b"POST /v1/data_sources HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
    sock.sendall(head + _auth(key) + b"\r\n" + b'{"name": "ha')
    assert _closed_within(sock, 5) < 5
    sock.close()
    with httpx.Client(base_url=server.base_url, auth=(key, "")) as http:
        assert http.get("/v1/data_sources").json()["data_sources"] == []  # nothing was stored


def test_a_connection_opened_and_never_used_is_closed(served: tuple[ServeProcess, str]) -> None:
    server, _key = served
    sock = _connect(server)
    assert _closed_within(sock, 5) < 5
    sock.close()


def test_complete_requests_and_slow_responses_are_not_cut(served: tuple[ServeProcess, str]) -> None:
    server, key = served
    sock = _connect(server)
    # Byte by byte over 0.6 s: slow, but whole within the timeout.
    request = b"GET /v1/ping HTTP/1.1\r\nHost: x\r\n" + _auth(key) + b"\r\n"
    for i in range(0, len(request), len(request) // 6 + 1):
        sock.sendall(request[i : i + len(request) // 6 + 1])
        time.sleep(0.1)
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    sock.close()
    # A kept-alive connection serves a second request after a pause shorter than the keep-alive timeout.
    with httpx.Client(base_url=server.base_url, auth=(key, "")) as http:
        assert http.get("/v1/ping").status_code == 200
        time.sleep(1.5)
        assert http.get("/v1/ping").status_code == 200
        # A response slower than the request timeout (the request itself was whole) is delivered.
        started = time.monotonic()
        assert http.get("/v1/ping", headers={"X-Mogul-Fault": "slow:2s"}).status_code == 200
        assert time.monotonic() - started >= 2


def test_connections_past_the_limit_are_refused_and_half_sent_ones_free_their_slots(
    served: tuple[ServeProcess, str],
) -> None:
    server, key = served
    socks = [_connect(server) for _ in range(20)]
    for sock in socks:
        sock.sendall(b"GET /v1/ping HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.3)
    with httpx.Client(base_url=server.base_url, auth=(key, "")) as http:
        assert http.get("/v1/ping").status_code == 503
        time.sleep(2)  # the half-sent requests timed out and their connections were closed
        assert http.get("/v1/ping").status_code == 200
    for sock in socks:
        sock.close()
