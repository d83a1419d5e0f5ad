"""`Requester`: one API call over httpx, with Basic auth, JSON, timeouts and mogul's retry rules.

Every resource call goes through `Requester.request`. httpx does the HTTP (connections, TLS, proxies from
HTTP(S)_PROXY/NO_PROXY, gzip); this module decides what a failure means and whether repeating the call is safe.
"""

from __future__ import annotations

import base64
import http.cookiejar
import ssl
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from .. import __version__, redact
from .errors import ChartMogulError, TransportError, error_for
from .retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

DEFAULT_BASE_URL = "https://api.chartmogul.com"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=60.0)
# Requests a server may have applied before failing are retried only when repeating them is harmless.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
# Failures before the request left this process: repeating even a POST cannot apply it twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


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
        raise ValueError(f"base_url must start with http:// or https://, got {redact.text(url)[:60]!r}")
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL as exc:
        raise ValueError(f"base_url is not a valid URL ({redact.text(str(exc))}): {redact.text(url)[:60]!r}") from None
    if not host:
        raise ValueError(f"base_url names no host: {redact.text(url)[:60]!r}")
    return url


def clean_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Drop None values; booleans as ChartMogul expects them (`true`/`false`), sequences comma-separated."""
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


class Requester:
    """Sends API calls through one `httpx.Client` and retries them per a `RetryPolicy`.

    `transport` is any httpx transport (`httpx.MockTransport`, `httpx.ASGITransport`, an `httpx.HTTPTransport`
    with its own TLS or proxy settings); without one, the transports are httpx's, from `max_connections` and the
    environment (HTTP(S)_PROXY, NO_PROXY, SSL_CERT_FILE), as `httpx.Client` would build them.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        on_retry: Callable[[RetryEvent], None] | None = None,
        before_request: Callable[[], None] | None = None,
        max_connections: int = 20,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("an API key is required")
        self.base_url = normalise_base_url(base_url)
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.before_request = before_request
        verify: ssl.SSLContext | bool = True if self.base_url.startswith("https://") else _plain_http_context()
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        if transport is None and not urllib.request.getproxies():
            transport = httpx.HTTPTransport(verify=verify, limits=limits, trust_env=True)
        # Given a transport, or with no proxy in the environment, httpx.Client would send every call through that
        # one transport, so it is called directly: the client's layers in between (auth flow, redirects, cookies,
        # event hooks) do nothing for these calls. With a proxy anywhere in the environment, httpx.Client chooses
        # the transport per URL, as HTTP(S)_PROXY, ALL_PROXY and NO_PROXY say.
        self._transport = transport
        self.http = httpx.Client(
            base_url=self.base_url,
            verify=verify,
            headers={
                # The header itself rather than httpx.BasicAuth, whose auth flow runs on every request.
                "Authorization": "Basic " + base64.b64encode(f"{api_key}:".encode()).decode(),
                "User-Agent": f"mogul/{__version__}",
                "Accept": "application/json",
            },
            timeout=timeout,
            limits=limits,
            transport=transport,
            cookies=_NoCookies(),
        )
        # What `build_request` merges on every call (the client's headers, timeout and cookies), merged once:
        # every URL has the same origin, so the same headers (Host included) serve every request.
        template = self.http.build_request("GET", self.base_url)
        self._headers, self._extensions = template.headers, template.extensions
        self._json_headers = httpx.Headers(template.headers)
        self._json_headers["Content-Type"] = "application/json"

    def __repr__(self) -> str:  # never the key
        return f"Requester(base_url={redact.text(self.base_url)!r})"

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one API call, retrying per the policy; returns the decoded JSON body (None when empty)."""
        return _decode(self.send(method, path, params=params, json=json), path)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send one API call, retrying per the policy; returns the successful response, its body read."""
        method = method.upper()
        content = None if json is None else orjson.dumps(json)
        headers = self._headers if json is None else self._json_headers
        query = clean_params(params)
        # One absolute URL: given a relative path and params, httpx parses (and checks character by character)
        # the URL three times over, about 0.3 ms of CPU a request.
        url = httpx.URL(self.base_url + path + ("?" + urlencode(query) if query else ""))
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            if self.before_request:
                self.before_request()
            retry_after = None
            try:
                request = httpx.Request(method, url, headers=headers, content=content, extensions=self._extensions)
                response = self._send_once(request)
            except httpx.RequestError as exc:
                status = None
                failure: ChartMogulError = self._transport_error(exc)
                # A request that never left may be repeated; anything later might have been applied.
                retryable = not _certificate_error(exc) and (method in IDEMPOTENT or isinstance(exc, NOT_SENT))
            else:
                status = response.status_code
                if status < 400:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                body = _error_body(response)
                failure = error_for(status, body, reason=response.reason_phrase, retry_after=retry_after)
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
            self.retry.sleep(wait)

    def _send_once(self, request: httpx.Request) -> httpx.Response:
        if self._transport is None:
            return self.http.send(request)
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response

    def _transport_error(self, exc: httpx.RequestError) -> TransportError:
        certificate = _certificate_error(exc)
        if certificate is not None:
            return TransportError(
                f"the TLS certificate of {redact.text(self.base_url)} was rejected ({certificate.verify_message}): "
                "the host is not the one base_url names, or its certificate authority is not trusted here"
            )
        return TransportError(redact.text(f"{type(exc).__name__} talking to {self.base_url}: {exc}"))


class _NoCookies(http.cookiejar.CookieJar):
    """The client's cookie jar, which keeps nothing: every call carries its key, so no cookie is needed, and
    parsing each response's `Set-Cookie` headers into a jar is work no call needs (httpx still wraps each response)."""

    def extract_cookies(self, response: object, request: object) -> None:
        return None


def _plain_http_context() -> ssl.SSLContext:
    """For an `http://` origin: no certificate authorities, so none are loaded (certifi's bundle costs 0.2 s of
    CPU at every start). Verification stays on, so a TLS connection (an HTTPS proxy) fails rather than goes
    unchecked; give the client a transport with `verify=` for that."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure under an httpx error, if that is what it is: never worth a retry."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _text(response: httpx.Response) -> str:
    return response.content[:2000].decode("utf-8", "replace")[:500]


def _decode(response: httpx.Response, path: str) -> Any:
    """The JSON body (None when empty); a body that is not JSON is a `TransportError`."""
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise not_json(response, path) from exc


def not_json(response: httpx.Response, path: str) -> TransportError:
    """The error for a successful response whose body is not the JSON the API sends."""
    return TransportError(
        f"expected JSON from {path}, got {response.headers.get('content-type')!r}",
        status=response.status_code,
        body=_text(response),
    )


def _error_body(response: httpx.Response) -> Any:
    # The edge's 5xx pages are plain text; keep them as text.
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return _text(response)
