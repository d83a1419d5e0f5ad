"""HTTP to ChartMogul: Basic auth, JSON, timeouts, and the retry loop. Every resource call goes through here."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from .. import __version__
from .errors import ChartMogulError, TransportError, error_for
from .http import HTTPError, Pool, Response, Timeout, as_timeout, proxies_configured
from .retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://api.chartmogul.com"
DEFAULT_TIMEOUT = Timeout(connect=10.0, read=60.0, write=60.0, pool=60.0)
# Requests a server may have applied before failing are retried only when repeating them is harmless.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RetryEvent:
    """Passed to `on_retry` before each sleep: what failed, and how long the client will wait."""

    method: str
    path: str
    attempt: int
    wait: float
    status: int | None
    error: ChartMogulError

    @property
    def rate_limited(self) -> bool:
        return self.status in (429, 503)


def normalise_base_url(url: str) -> str:
    """`https://api.chartmogul.com`, with or without a trailing `/` or `/v1`, becomes the origin."""
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[:-3]
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, got {url!r}")
    return url


def clean_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Drop None values; booleans as ChartMogul expects them (`true`/`false`)."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            out[key] = ",".join(map(str, value))
        else:
            out[key] = str(value)
    return out


class Transport:
    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        retry: RetryPolicy | None = None,
        timeout: Timeout | httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        on_retry: Callable[[RetryEvent], None] | None = None,
        before_request: Callable[[], None] | None = None,
        max_connections: int = 20,
        http: httpx.Client | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("an API key is required")
        self.base_url = normalise_base_url(base_url)
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.before_request = before_request
        self.sleep: Callable[[float], None] = time.sleep
        self._pool = Pool(self.base_url, as_timeout(timeout), max_connections)
        # httpx only when given one, or when a proxy is configured (httpx honours HTTP(S)_PROXY and NO_PROXY).
        self._http = http if http is not None else _httpx_client(self.base_url, timeout, max_connections)
        self._headers = {
            "Authorization": "Basic " + base64.b64encode(f"{api_key}:".encode()).decode(),
            "User-Agent": f"mogul/{__version__}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
        }

    def __repr__(self) -> str:  # never the key
        return f"Transport(base_url={self.base_url!r})"

    def close(self) -> None:
        self._pool.close()
        if self._http is not None:
            self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one API call, retrying per the policy; returns the decoded JSON body (None when empty)."""
        return decode_body(self.send(method, path, params=params, json=json), path)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Response:
        """`request()` without the decoding: the successful response, for callers that decode the body
        their own way (`decode_body` is the usual one)."""
        method = method.upper()
        headers = dict(self._headers)
        content = None
        if json is not None:
            content = orjson.dumps(json)
            headers["Content-Type"] = "application/json"
        query = clean_params(params)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            if self.before_request:
                self.before_request()
            retry_after = None
            try:
                if self._http is None:
                    response = self._pool.request(method, self._pool.target(path, query), headers, content)
                else:
                    response = _httpx_send(self._http, method, path, query, content, headers)
            except HTTPError as exc:
                status = None
                failure: ChartMogulError = TransportError(f"{exc.name} talking to {self.base_url}: {exc}")
                # A connect failure never reached the server; anything later might have been applied.
                retryable = method in IDEMPOTENT or exc.connect_failure
            else:
                status = response.status
                if status < 400:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                failure = error_for(status, _decode_error(response), reason=response.reason, retry_after=retry_after)
                # 429 and 503 are refused before any work is done, so even a POST may be repeated.
                retryable = status in RETRY_STATUSES and (method in IDEMPOTENT or status in (429, 503))
            if not retryable or attempt >= self.retry.max_attempts:
                raise failure
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                raise failure
            wait = self.retry.delay(attempt, retry_after)
            if time.monotonic() - started + wait > self.retry.max_elapsed:
                failure.message += f" (gave up after {attempt} attempts in {time.monotonic() - started:.1f}s)"
                raise failure
            if self.on_retry:
                self.on_retry(RetryEvent(method, path, attempt, wait, status, failure))
            self.sleep(wait)


def _httpx_client(base_url: str, timeout: Any, max_connections: int) -> httpx.Client | None:
    if not proxies_configured():
        return None
    import httpx

    limit = as_timeout(timeout)
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(connect=limit.connect, read=limit.read, write=limit.write, pool=limit.pool),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
    )


def _httpx_send(
    http: httpx.Client, method: str, path: str, query: dict[str, str] | None, content: bytes | None, headers: Any
) -> Response:
    import httpx

    try:
        response = http.request(method, path, params=query, content=content, headers=headers)
    except httpx.TransportError as exc:
        connect = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
        raise HTTPError(type(exc).__name__, str(exc), connect_failure=connect) from exc
    return Response(response.status_code, response.reason_phrase, response.headers, response.content)


def _text(response: Response) -> str:
    return response.content[:2000].decode("utf-8", "replace")[:500]


def decode_body(response: Response, path: str) -> Any:
    """The JSON body (None when empty); a body that is not JSON is a `TransportError`."""
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise TransportError(
            f"expected JSON from {path}, got {response.headers.get('content-type')!r}",
            status=response.status,
            body=_text(response),
        ) from exc


def _decode_error(response: Response) -> Any:
    # Edge 5xx pages are plain text (reference §0.1); keep them as text.
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return _text(response)
