"""HTTP/1.1 connections kept alive on plain sockets, one request at a time each; responses are framed by
httptools (llhttp, the parser uvicorn uses).

Why not httpx: a page cost httpx about 0.9 ms of CPU (URL parsing three times, its model objects, httpcore's
pool scan), and importing it and building its client (an SSL context loaded from certifi's bundle, even for
http://) cost a fresh `source-chartmogul` about 0.2 CPU-s before its first request. The stdlib's `http.client`
was tried too: 0.4-0.5 ms a page, most of it parsing headers through the `email` package and a new buffered
reader per response. Here a page costs about 0.15 ms, most of it copying the body out of the socket.

What it speaks: HTTP/1.1 over TCP or TLS, Content-Length, chunked or read-to-close bodies, gzip, keep-alive.
Failures are `HTTPError`s named like httpx's (`ConnectError`, `ReadTimeout`, ...), so messages read the same;
`connect_failure` says the request never reached the server (safe to repeat, even a POST).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, urlencode, urlsplit

import httptools

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
PATH_SAFE = "/%:@-._~!$&'()*+,;="
MAX_LINE = 65536
MAX_HEADERS = 100
BUFFER = 1 << 16


@dataclass(frozen=True)
class Timeout:
    """Seconds, None for no limit: to connect, per socket read and write, and waiting for a free connection."""

    connect: float | None = 10.0
    read: float | None = 60.0
    write: float | None = 60.0
    pool: float | None = 60.0


def as_timeout(value: Any) -> Timeout:
    """A number (every timeout), None (no timeouts), a `Timeout`, or anything with the same attributes
    (an `httpx.Timeout`)."""
    if isinstance(value, Timeout):
        return value
    if value is None or isinstance(value, int | float):
        return Timeout(value, value, value, value)
    return Timeout(value.connect, value.read, value.write, value.pool)


def proxies_configured(environ: Mapping[str, str] = os.environ) -> bool:
    """HTTP(S)_PROXY or ALL_PROXY set, in either case: httpx honours them (and NO_PROXY), this module does not."""
    return any(environ.get(name) or environ.get(name.upper()) for name in PROXY_VARIABLES)


class HTTPError(Exception):
    """The request failed below HTTP: no status to report. `name` is httpx's name for the same failure."""

    def __init__(self, name: str, detail: str, *, connect_failure: bool = False) -> None:
        super().__init__(detail)
        self.name = name
        self.connect_failure = connect_failure


class Headers(dict[str, str]):
    """Response headers by lower-case name; `get` takes any case. Repeated headers are joined with ", "."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, key.lower(), default)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    reason: str
    headers: Mapping[str, str]
    """Case-insensitive `get` (`Headers`, or httpx's)."""
    content: bytes


class _Connection:
    __slots__ = ("poller", "reader", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader: IO[bytes] = sock.makefile("rb", buffering=BUFFER)
        self.poller = select.poll() if hasattr(select, "poll") else None
        if self.poller is not None:
            self.poller.register(sock, select.POLLIN)

    def idle_and_open(self) -> bool:
        """An idle kept-alive connection is readable only when the server closed it (or sent bytes nobody asked
        for): either way it must not carry the next request."""
        try:
            if self.poller is not None:
                return not self.poller.poll(0)
            return not select.select([self.sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def close(self, *, abort: bool = False) -> None:
        if abort:  # wakes a thread blocked reading this socket
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.reader.close()
        with contextlib.suppress(OSError):
            self.sock.close()


class Pool:
    """Up to `max_connections` kept-alive connections to one origin, shared by threads."""

    def __init__(self, base_url: str, timeout: Timeout, max_connections: int = 20) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.host_header = parts.netloc.rpartition("@")[2]
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(max(1, max_connections))
        self._lock = threading.Lock()
        self._idle: list[_Connection] = []
        self._busy: set[_Connection] = set()
        self._ssl: Any = None
        self._closed = False

    def target(self, path: str, query: Mapping[str, str] | None) -> str:
        target = self.prefix + quote(path, safe=PATH_SAFE)
        return target + "?" + urlencode(query) if query else target

    def request(self, method: str, target: str, headers: Mapping[str, str], body: bytes | None = None) -> Response:
        """One exchange. Headers are the caller's (Host and Content-Length are added); values must be ASCII."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if "\r" in target or "\n" in target or head.count(b"\n") != len(lines) + 1:
            raise ValueError("a request line or header holds a line break")
        if not self._slots.acquire(timeout=self.timeout.pool if self.timeout.pool is not None else -1):
            raise HTTPError("PoolTimeout", "no connection became free in time")
        try:
            conn = self._checkout()
            try:
                self._send(conn, head + body if body else head)
                response, keep = _read_response(conn.reader, method)
            except BaseException:
                self._discard(conn)
                raise
            if keep:
                self._release(conn)
            else:
                self._discard(conn)
            return response
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close every connection; requests in flight on other threads fail at once."""
        with self._lock:
            self._closed = True
            conns = self._idle + list(self._busy)
            self._idle.clear()
            self._busy.clear()
        for conn in conns:
            conn.close(abort=True)

    # ---- internals -------------------------------------------------------------------------------

    def _checkout(self) -> _Connection:
        while True:
            with self._lock:
                if self._closed:
                    raise HTTPError("ConnectError", "the client was closed", connect_failure=True)
                conn = self._idle.pop() if self._idle else None
                if conn is not None:
                    self._busy.add(conn)
            if conn is None:
                return self._connect()
            if conn.idle_and_open():
                return conn
            self._discard(conn)

    def _connect(self) -> _Connection:
        timeout = self.timeout
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout.connect)
        except TimeoutError as exc:
            raise HTTPError("ConnectTimeout", str(exc) or "timed out", connect_failure=True) from None
        except OSError as exc:  # refused, unreachable, DNS
            raise HTTPError("ConnectError", str(exc), connect_failure=True) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.https:
                sock = self._context().wrap_socket(sock, server_hostname=self.host)
        except TimeoutError as exc:
            sock.close()
            raise HTTPError("ConnectTimeout", str(exc) or "timed out", connect_failure=True) from None
        except OSError as exc:  # the TLS handshake, a certificate
            sock.close()
            raise HTTPError("ConnectError", str(exc), connect_failure=True) from None
        sock.settimeout(timeout.read)
        conn = _Connection(sock)
        with self._lock:
            self._busy.add(conn)
        return conn

    def _context(self) -> Any:
        """The SSL context, built on first use only (loading a CA bundle costs tens of ms); httpx's choice of
        CA certificates: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's bundle."""
        with self._lock:
            if self._ssl is None:
                import ssl

                if os.environ.get("SSL_CERT_FILE"):
                    self._ssl = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
                elif os.environ.get("SSL_CERT_DIR"):
                    self._ssl = ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
                else:
                    import certifi

                    self._ssl = ssl.create_default_context(cafile=certifi.where())
            return self._ssl

    def _send(self, conn: _Connection, data: bytes) -> None:
        write, read = self.timeout.write, self.timeout.read
        try:
            if write != read:
                conn.sock.settimeout(write)
            conn.sock.sendall(data)
            if write != read:
                conn.sock.settimeout(read)
        except TimeoutError:
            raise HTTPError("WriteTimeout", "timed out") from None
        except OSError as exc:
            raise HTTPError("WriteError", str(exc)) from None

    def _release(self, conn: _Connection) -> None:
        with self._lock:
            self._busy.discard(conn)
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def _discard(self, conn: _Connection) -> None:
        with self._lock:
            self._busy.discard(conn)
        conn.close()


class _Gather:
    """httptools callbacks gathering one response: informational (1xx) ones are skipped, as they precede it."""

    __slots__ = ("body", "done", "headers", "headers_done", "keep", "parser", "reason", "status")

    def __init__(self) -> None:
        self.parser: Any = httptools.HttpResponseParser(self)
        self.headers = Headers()
        self.body: list[bytes] = []
        self.status, self.reason = 0, ""
        self.headers_done = self.done = self.keep = False

    def on_status(self, reason: bytes) -> None:
        self.reason = reason.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self.headers) >= MAX_HEADERS:
            raise ValueError(f"more than {MAX_HEADERS} response headers")
        key, text = name.decode("latin-1").lower(), value.decode("latin-1").strip()
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:
            self.headers, self.body, self.headers_done = Headers(), [], False
            return
        self.done, self.keep = True, self.parser.should_keep_alive()


def _read_response(reader: IO[bytes], method: str) -> tuple[Response, bool]:
    """The response and whether the connection may carry another request. Framing (status line, headers,
    chunked and read-to-close bodies, 1xx, keep-alive) is llhttp's, through httptools, the parser uvicorn uses;
    a Content-Length body is read in one call into one buffer (in the parser's socket-sized pieces, joined
    again, a 200-record page cost twice the CPU)."""
    gather = _Gather()
    try:
        while not gather.headers_done:
            line = reader.readline(MAX_LINE + 1)
            if not line:
                raise HTTPError("RemoteProtocolError", "Server disconnected without sending a response.")
            if len(line) > MAX_LINE:
                raise HTTPError("RemoteProtocolError", "oversized response header line")
            _feed(gather, line)
        length = gather.headers.get("content-length", "")
        if gather.done:
            pass  # no body: 204, 304, Content-Length: 0
        elif method == "HEAD":
            gather.done, gather.keep = True, False  # the parser would wait for the body a GET would get
        elif length.isdigit() and "transfer-encoding" not in gather.headers:
            body = reader.read(int(length))
            if len(body) < int(length):
                raise HTTPError("RemoteProtocolError", f"peer closed connection ({len(body)} of {length} bytes)")
            gather.body, gather.done, gather.keep = [body], True, gather.parser.should_keep_alive()
        while not gather.done:
            data = reader.read1(BUFFER)  # type: ignore[attr-defined]
            if not data:
                if _framed(gather.headers):
                    raise HTTPError("RemoteProtocolError", "peer closed connection in the middle of the body")
                gather.done, gather.keep = True, False  # the body ends when the server closes
                break
            _feed(gather, data)
    except TimeoutError:
        raise HTTPError("ReadTimeout", "timed out") from None
    except OSError as exc:
        raise HTTPError("ReadError", str(exc)) from None
    finally:
        # The parser and its protocol point at each other: without this, every body would wait for the cyclic
        # GC, and the allocator would hand out fresh (page-faulting) memory for the next one.
        gather.parser = None
    headers, content = gather.headers, b"".join(gather.body)
    if content and headers.get("content-encoding", "").lower() == "gzip":
        try:
            content = zlib.decompress(content, 16 + zlib.MAX_WBITS)
        except zlib.error as exc:
            raise HTTPError("DecodingError", f"bad gzip body: {exc}") from None
    return Response(gather.status, gather.reason, headers, content), gather.keep


def _feed(gather: _Gather, data: bytes) -> None:
    try:
        gather.parser.feed_data(data)
    except httptools.HttpParserError as exc:
        if not gather.done:  # bytes after a complete response only cost the connection
            detail = exc.__context__ or exc  # a callback's own error, else llhttp's
            raise HTTPError("RemoteProtocolError", f"malformed response: {detail}") from None
        gather.keep = False


def _framed(headers: Headers) -> bool:
    return "content-length" in headers or "chunked" in headers.get("transfer-encoding", "").lower()
