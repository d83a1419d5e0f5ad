"""The socket-level HTTP/1.1 layer (mogul/client/http.py) against a real server that sends exact bytes:
framing (Content-Length, chunked, read-to-close, 1xx), keep-alive and its failures, gzip, and the fallback to
httpx when a proxy is configured."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mogul.client import Client, RetryPolicy, Timeout, TransportError
from mogul.client.http import HTTPError, Pool, as_timeout, proxies_configured

from .scripted import ScriptedServer

CLOSE = b"<close>"
"""Instead of a reply: close the connection without answering (also what happens when the script runs out)."""
SILENT = b"<silent>"
"""Instead of a reply: never answer."""
HANG_UP = b"<hang up>"
"""After a reply: close the connection at once, as a server does when a kept-alive connection idles too long."""


def reply(body: bytes = b'{"data":"pong!"}', *, status: str = "200 OK", headers: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


class RawServer:
    """Answers each request with the next scripted bytes; counts connections and records request heads."""

    def __init__(self, *replies: bytes) -> None:
        self.replies = list(replies)
        self.heads: list[bytes] = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                self.heads.append(head)
                answer = self.replies.pop(0) if self.replies else CLOSE
                if answer == CLOSE:
                    return
                if answer == SILENT:
                    while conn.recv(65536):
                        pass
                    return
                conn.sendall(answer.removesuffix(HANG_UP))
                if b"Connection: close" in answer or answer.endswith(HANG_UP):
                    return

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw() -> Iterator[type[RawServer]]:
    servers: list[RawServer] = []

    def make(*replies: bytes) -> RawServer:
        servers.append(RawServer(*replies))
        return servers[-1]

    yield make  # type: ignore[misc]
    for server in servers:
        server.close()


FAST = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.02)


def test_keeps_the_connection_alive_and_sends_one_clean_request(raw: type[RawServer]) -> None:
    server = raw(reply(), reply(b'{"data":"again"}'))
    with Client("KEY", server.base_url, retry=FAST) as client:
        assert client.ping() == "pong!"
        assert client.transport.request("GET", "/v1/x", params={"a": "b c", "n": None, "t": True}) == {"data": "again"}
    assert server.connections == 1
    lines = server.heads[1].split(b"\r\n")
    assert lines[0] == b"GET /v1/x?a=b+c&t=true HTTP/1.1"
    assert f"Host: {server.base_url[7:]}".encode() in lines
    assert b"Accept-Encoding: gzip" in lines and b"Authorization: Basic S0VZOg==" in lines


def test_chunked_gzip_and_informational_responses_are_decoded(raw: type[RawServer]) -> None:
    packed = gzip.compress(b'{"data":"zipped"}')
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
    chunked += b"%x;ext=1\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (5, packed[:5], len(packed) - 5, packed[5:])
    server = raw(b"HTTP/1.1 100 Continue\r\n\r\n" + reply(), chunked, reply(b'{"data":"after"}'))
    with Client("KEY", server.base_url, retry=FAST) as client:
        assert client.ping() == "pong!"
        assert client.ping() == "zipped"
        assert client.ping() == "after"  # the chunked body was consumed exactly: the connection is still usable
    assert server.connections == 1


def test_connection_close_and_read_to_close_bodies(raw: type[RawServer]) -> None:
    server = raw(
        reply(headers="Connection: close\r\n"),
        b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"data":"until close"}',
        reply(),
    )
    with Client("KEY", server.base_url, retry=FAST) as client:
        assert client.ping() == "pong!"
        assert client.ping() == "until close"
        assert client.ping() == "pong!"
    assert server.connections == 3


def test_a_kept_alive_connection_the_server_closed_is_not_reused(raw: type[RawServer]) -> None:
    headers = {"Accept": "application/json"}
    # The server hangs up on the idle connection (its keep-alive timeout): seen before sending, a new one is used.
    idle = raw(reply() + HANG_UP, reply())
    pool = Pool(idle.base_url, Timeout())
    assert pool.request("GET", "/a", headers).status == 200
    time.sleep(0.1)
    assert pool.request("GET", "/b", headers).status == 200
    assert idle.connections == 2

    # Dropped while a request is on it: the request fails, and the connection is never offered again.
    server = raw(reply(), CLOSE, reply())
    pool = Pool(server.base_url, Timeout())
    assert pool.request("GET", "/a", headers).status == 200
    with pytest.raises(HTTPError) as err:
        pool.request("GET", "/b", headers)
    assert err.value.name == "RemoteProtocolError" and not err.value.connect_failure
    assert pool.request("GET", "/c", headers).content == b'{"data":"pong!"}'
    assert server.connections == 2


def test_broken_responses_are_transport_errors_and_get_retried(raw: type[RawServer]) -> None:
    truncated = b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"data"'
    server = raw(b"SSH-2.0-OpenSSH\r\n\r\n", truncated, reply())
    events = []
    with Client("KEY", server.base_url, retry=FAST, on_retry=events.append) as client:
        assert client.ping() == "pong!"
    assert [e.error.message.split(" talking")[0] for e in events] == ["RemoteProtocolError", "RemoteProtocolError"]

    headers = "".join(f"X-{n}: {n}\r\n" for n in range(200))
    server = raw(reply(headers=headers))
    with Client("KEY", server.base_url, retry=RetryPolicy(max_attempts=1)) as client, pytest.raises(TransportError):
        client.ping()


def test_a_post_is_not_repeated_after_the_server_hangs_up(raw: type[RawServer]) -> None:
    server = raw(CLOSE, reply())
    with Client("KEY", server.base_url, retry=FAST) as client, pytest.raises(TransportError) as err:
        client.transport.request("POST", "/v1/data_sources", json={"name": "x"})
    assert "RemoteProtocolError" in str(err.value)
    assert len(server.heads) == 1 and b"Content-Length: 12" in server.heads[0]


def test_line_breaks_in_a_header_are_refused_before_sending(raw: type[RawServer]) -> None:
    server = raw(reply())
    pool = Pool(server.base_url, Timeout())
    with pytest.raises(ValueError):
        pool.request("GET", "/v1/ping", {"X-Evil": "a\r\nHost: elsewhere"})
    assert server.heads == [] and server.connections == 0


def test_close_fails_a_request_in_flight_at_once(raw: type[RawServer]) -> None:
    server = raw(SILENT)
    pool = Pool(server.base_url, Timeout(read=30))
    failures: list[BaseException] = []

    def call() -> None:
        try:
            pool.request("GET", "/v1/ping", {})
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    while not server.heads:
        time.sleep(0.01)
    started = time.monotonic()
    pool.close()
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - started < 2
    assert isinstance(failures[0], HTTPError)


def test_timeouts_from_numbers_and_httpx_objects() -> None:
    assert as_timeout(3) == Timeout(3, 3, 3, 3)
    assert as_timeout(None) == Timeout(None, None, None, None)
    assert as_timeout(httpx.Timeout(5.0, read=0.5)) == Timeout(5.0, 0.5, 5.0, 5.0)
    with pytest.raises(AttributeError):
        as_timeout("soon")


def test_a_configured_proxy_is_honoured_through_httpx(
    scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert not proxies_configured()
    monkeypatch.setenv("HTTP_PROXY", scripted.base_url)
    assert proxies_configured()
    # The API's host does not resolve: the request only succeeds by going through the proxy.
    with Client("KEY", "http://api.chartmogul.invalid", retry=FAST) as client:
        assert client.ping() == "pong!"
    method, path, headers, _, _ = scripted.requests[0]
    assert (method, path, headers["host"]) == ("GET", "/v1/ping", "api.chartmogul.invalid")
