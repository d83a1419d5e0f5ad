"""A small HTTP/1.1 client on plain sockets: kept-alive connections, one request at a time each.

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

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
PATH_SAFE = "/%:@-._~!$&'()*+,;="
MAX_LINE = 65536
MAX_HEADERS = 100
BUFFER = 1 << 16
NO_BODY_STATUSES = frozenset({204, 304})


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


def _read_response(reader: IO[bytes], method: str) -> tuple[Response, bool]:
    """The response and whether the connection may carry another request."""
    try:
        while True:
            line = reader.readline(MAX_LINE + 1)
            if not line:
                raise HTTPError("RemoteProtocolError", "Server disconnected without sending a response.")
            version, _, rest = line.rstrip(b"\r\n").partition(b" ")
            code, _, reason = rest.partition(b" ")
            if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
                raise HTTPError("RemoteProtocolError", f"not an HTTP/1.x status line: {line[:100]!r}")
            status = int(code)
            headers = _read_headers(reader)
            if not 100 <= status < 200:
                break  # 1xx: informational, the real response follows
        connection = headers.get("connection", "").lower()
        keep = "close" not in connection if version == b"HTTP/1.1" else "keep-alive" in connection
        if method == "HEAD" or status in NO_BODY_STATUSES:
            content = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            content = _read_chunked(reader)
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise HTTPError("RemoteProtocolError", "bad Content-Length") from None
            content = reader.read(length)
            if len(content) < length:
                raise HTTPError("RemoteProtocolError", f"peer closed connection ({len(content)} of {length} bytes)")
        else:
            content, keep = reader.read(), False  # the body ends when the server closes
    except TimeoutError:
        raise HTTPError("ReadTimeout", "timed out") from None
    except OSError as exc:
        raise HTTPError("ReadError", str(exc)) from None
    if content and headers.get("content-encoding", "").lower() == "gzip":
        try:
            content = zlib.decompress(content, 16 + zlib.MAX_WBITS)
        except zlib.error as exc:
            raise HTTPError("DecodingError", f"bad gzip body: {exc}") from None
    return Response(status, reason.decode("latin-1"), headers, content), keep


def _read_headers(reader: IO[bytes]) -> Headers:
    headers = Headers()
    for _ in range(MAX_HEADERS + 1):
        line = reader.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line or len(line) > MAX_LINE:
            raise HTTPError("RemoteProtocolError", "truncated or oversized response headers")
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise HTTPError("RemoteProtocolError", f"bad header line: {line[:100]!r}")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raise HTTPError("RemoteProtocolError", f"more than {MAX_HEADERS} response headers")


def _read_chunked(reader: IO[bytes]) -> bytes:
    parts = []
    while True:
        line = reader.readline(MAX_LINE + 1)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise HTTPError("RemoteProtocolError", f"bad chunk size line: {line[:100]!r}") from None
        if size == 0:
            _read_headers(reader)  # trailers, dropped
            return b"".join(parts)
        chunk = reader.read(size)
        if len(chunk) < size or reader.readline(MAX_LINE + 1) not in (b"\r\n", b"\n"):
            raise HTTPError("RemoteProtocolError", "peer closed connection in the middle of a chunk")
        parts.append(chunk)
