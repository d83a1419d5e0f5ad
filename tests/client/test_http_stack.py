"""The client on httpx: injected transports (mock, in-process ASGI), proxies and NO_PROXY from the environment, and
HTTPS against a local TLS server whose certificate comes from a CA made in the test."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import trustme

import mogul.client
from mogul.client import ASGIAppTransport, Client, RetryEvent, RetryPolicy, TransportError
from mogul.server.app import create_app
from mogul.server.store import Database
from mogul.server.store.keys import create_key

from .scripted import Reply, ScriptedServer

FAST = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.02)


def test_any_httpx_transport_carries_the_calls() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"entries": [{"uuid": "cus_1"}], "has_more": False, "cursor": None})

    with Client("KEY", "https://api.example.test/v1/", transport=httpx.MockTransport(handler)) as client:
        page = client.listing("/v1/customers", params={"status": "Active", "flag": True, "gone": None}).page()
    assert [item["uuid"] for item in page.items] == ["cus_1"] and not page.has_more
    [request] = seen
    assert str(request.url) == "https://api.example.test/v1/customers?status=Active&flag=true&per_page=200"
    assert request.headers["authorization"] == "Basic S0VZOg=="
    assert request.headers["user-agent"].startswith("mogul/")


def test_json_pages_give_each_item_as_the_api_sent_it_and_follow_the_cursor() -> None:
    bodies = {
        None: b'{"entries": [{"uuid": "cus_1", "name": "A\\u00e9"},\n {"uuid": "cus_2"}], "has_more": true, '
        b'"cursor": "c2", "total_pages": 2}',
        "c2": b'{"entries": [], "has_more": false, "cursor": null}',
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bodies[request.url.params.get("cursor")])

    with Client("KEY", "http://x.test", transport=httpx.MockTransport(handler)) as client:
        first, last = client.listing("/v1/customers").json_pages()
    assert first.items == [b'{"uuid": "cus_1", "name": "A\\u00e9"}', b'{"uuid": "cus_2"}']
    assert (first.has_more, first.cursor, first.raw) == (
        True,
        "c2",
        {"has_more": True, "cursor": "c2", "total_pages": 2},
    )
    assert (last.items, last.has_more) == ([], False)


@pytest.mark.parametrize(
    ("body", "items"),
    [(b"", []), (b'{"entries": null, "has_more": false}', []), (b'{"has_more": false}', [])],
)
def test_json_page_without_items(body: bytes, items: list[bytes]) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with Client("KEY", "http://x.test", transport=transport) as client:
        assert client.listing("/v1/customers").json_page().items == items


@pytest.mark.parametrize("body", [b"<html>edge error</html>", b'["a", "list"]', b'{"entries": {"not": "a list"}}'])
def test_json_page_refuses_what_is_not_a_list_page(body: bytes) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with Client("KEY", "http://x.test", transport=transport) as client, pytest.raises(TransportError) as failure:
        client.listing("/v1/customers").json_page()
    assert "expected JSON from /v1/customers" in str(failure.value)


def test_retries_stay_the_clients_own_over_an_injected_transport() -> None:
    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(200, json={"data": "pong!"})])
    events: list[RetryEvent] = []
    transport = httpx.MockTransport(lambda request: next(answers))
    with Client("KEY", "http://x.test", retry=FAST, transport=transport, on_retry=events.append) as client:
        assert client.ping() == "pong!"
    assert [(e.status, e.rate_limited) for e in events] == [(503, True)]


def test_in_process_against_the_server_app(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'mogul.db'}")
    db.migrate()
    key = create_key(db, "tests", "read-write")[0]
    try:
        with Client(key, "http://mogul.test", transport=ASGIAppTransport(create_app(db))) as client:
            assert client.ping() == "pong!"
            source = client.data_sources.create("In process")
            customer = client.customers.create(source.uuid, "c1", name="Ada")
            assert [c.uuid for c in client.customers.list()] == [customer.uuid]
            assert client.metrics.customer_count("2024-01-01", "2024-03-31", interval="month").entries
    finally:
        db.dispose()


class Proxy:
    """A forward proxy stub: records each request line it gets and answers pong."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                self.lines.append(head.split(b"\r\n", 1)[0].decode())
                body = b'{"data":"pong!"}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n")
                conn.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    stub = Proxy()
    yield stub
    stub.sock.close()


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_http_proxy_from_the_environment(proxy: Proxy, monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, proxy.url)
    with Client("KEY", "http://chartmogul.invalid:8080", retry=FAST) as client:
        assert client.ping() == "pong!"  # the host does not resolve: only the proxy could answer
    assert proxy.lines == ["GET http://chartmogul.invalid:8080/v1/ping HTTP/1.1"]


def test_no_proxy_goes_direct(proxy: Proxy, scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    scripted.script(Reply(body=b'{"data":"direct"}'))
    with Client("KEY", scripted.base_url, retry=FAST) as client:
        assert client.ping() == "direct"
    assert proxy.lines == []


# ---- HTTPS -------------------------------------------------------------------------------------


class TLSServer:
    """HTTPS on 127.0.0.1 with a certificate for `localhost` from `ca`; counts the requests it answers."""

    def __init__(self, ca: trustme.CA) -> None:
        served = self
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                served.requests += 1
                body = json.dumps({"data": "pong!"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(context)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls(ca: trustme.CA) -> Iterator[TLSServer]:
    server = TLSServer(ca)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_with_a_trusted_certificate(tls: TLSServer, ca: trustme.CA) -> None:
    transport = httpx.HTTPTransport(verify=trusting(ca))
    with Client("KEY", f"https://localhost:{tls.port}", transport=transport) as client:
        assert client.ping() == "pong!"
    assert tls.requests == 1


def test_https_trusts_the_ca_named_by_ssl_cert_file(
    tls: TLSServer, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    with Client("KEY", f"https://localhost:{tls.port}") as client:
        assert client.ping() == "pong!"


@pytest.mark.parametrize(
    ("host", "trust", "reason"),
    [
        ("127.0.0.1", True, "IP address mismatch"),  # the certificate names localhost only
        ("localhost", False, "unable to get local issuer certificate"),  # an unknown CA
    ],
)
def test_https_refuses_a_wrong_host_or_an_unknown_ca_at_once(
    tls: TLSServer, ca: trustme.CA, host: str, trust: bool, reason: str
) -> None:
    transport = httpx.HTTPTransport(verify=trusting(ca)) if trust else None
    retries: list[RetryEvent] = []
    started = time.monotonic()
    with (
        Client("KEY", f"https://{host}:{tls.port}", transport=transport, on_retry=retries.append) as client,
        pytest.raises(TransportError) as raised,
    ):
        client.ping()
    message = str(raised.value)
    assert f"TLS certificate of https://{host}:{tls.port} was rejected" in message and reason in message
    assert retries == [] and time.monotonic() - started < 5  # no retry can fix a certificate
    assert tls.requests == 0 and "KEY" not in message


def test_exported_names() -> None:
    assert sorted(mogul.client.__all__) == sorted(
        [
            "ASGIAppTransport", "Account", "ActivitiesExport", "Activity", "ApiObject", "AuthenticationError",
            "ChartMogulError", "Client", "Contact", "Customer", "CustomerActivity", "CustomerNote",
            "CustomerSubscription", "DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "DataSource", "ForbiddenError", "Invoice",
            "JsonImport",
            "LineItem", "Listing", "MetricEntry", "MetricSummary", "MetricsReport", "NO_RETRY", "Note",
            "NotFoundError", "Opportunity", "Page", "Plan", "RateLimitError", "Requester", "RetryEvent",
            "RetryPolicy", "ServerError", "PlanGroup", "Subscription", "SubscriptionEvent", "Task", "Transaction",
            "TransportError", "ValidationError", "normalise_base_url",
        ]
    )  # fmt: skip
    for name in mogul.client.__all__:
        assert getattr(mogul.client, name) is not None
    assert (Path(mogul.client.__file__).parents[1] / "py.typed").is_file()
