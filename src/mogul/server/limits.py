"""Hostile-input limits: body bytes (413, counted while the body streams in), query parameters, and the
strings and arrays inside a JSON body (400). Every refusal is ChartMogul's `{"code","message","param"}`.

Error bodies never echo a value the client sent (it could be a secret); at most a parameter's name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError, bad_request, coded
from .responses import json
from .settings import RequestLimits


def body_too_large(limit: int) -> ApiError:
    # `Connection: close`: the rest of the body is never read, so the connection cannot carry another request.
    error = coded(413, f"The request body is larger than the limit of {limit} bytes.")
    error.headers["Connection"] = "close"
    return error


class RequestGuard:
    """ASGI middleware enforcing `RequestLimits` on the URL and on the body's size."""

    def __init__(self, app: ASGIApp, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        error = self._check_url(scope) or self._check_declared_length(scope)
        if error is not None:
            await json(error.body, error.status, error.headers)(scope, receive, send)
            return
        limit = self.limits.max_body_bytes
        received = 0

        async def counting_receive() -> Message:
            # Chunked bodies declare no length: count as they arrive and stop at the limit, so a huge
            # body is never held in memory. The route's `await request.body()` raises, the app answers 413.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise body_too_large(limit)
            return message

        await self.app(scope, counting_receive, send)

    def _check_url(self, scope: Scope) -> ApiError | None:
        if "\x00" in scope["path"]:
            return bad_request("The request path contains a NUL character.")
        raw = scope.get("query_string", b"")
        if not raw:
            return None
        # Parsed exactly as Starlette's `request.query_params` will parse it.
        params = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        if len(params) > self.limits.max_query_params:
            return bad_request(f"Too many query parameters: at most {self.limits.max_query_params} are accepted.")
        most = self.limits.max_query_length
        for name, value in params:
            param = name if len(name) <= most and "\x00" not in name else None
            if len(name) > most or len(value) > most:
                return bad_request(f"A query parameter name or value is longer than {most} characters.", param)
            if "\x00" in name or "\x00" in value:
                return bad_request("A query parameter contains a NUL character.", param)
        return None

    def _check_declared_length(self, scope: Scope) -> ApiError | None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return bad_request("The Content-Length header is not a number.")
                if declared > self.limits.max_body_bytes:
                    return body_too_large(self.limits.max_body_bytes)
        return None


def check_json(value: Any, limits: RequestLimits) -> None:
    """Refuse overlong strings, arrays and objects, nesting past `max_depth`, NUL characters (PostgreSQL cannot
    store them) and integers beyond 64 bits (no database can), anywhere in a parsed body. Iterative, level by
    level: orjson accepts nesting deeper than Python's recursion limit."""
    # Every import body is walked, so first a walk that builds no paths (a third of the cost): only a body
    # that fails it is walked again to name the offending field.
    if not _within(value, limits):
        _check_with_paths(value, limits)


def _within(value: Any, limits: RequestLimits) -> bool:
    longest, items, keys = limits.max_string_length, limits.max_array_items, limits.max_object_keys
    level: list[Any] = [value]
    depth = 0
    while level:
        below: list[Any] = []
        push, extend = below.append, below.extend
        containers = False
        for item in level:
            kind = type(item)
            if kind is str:
                if len(item) > longest or "\x00" in item:
                    return False
            elif kind is dict:
                containers = True
                if len(item) > keys:
                    return False
                for key, child in item.items():
                    if len(key) > longest or "\x00" in key:
                        return False
                    push(child)
            elif kind is list:
                containers = True
                if len(item) > items:
                    return False
                extend(item)
            elif kind is int:
                if not -(2**63) <= item < 2**63:
                    return False
            elif item is not None and kind is not float and kind is not bool:  # not from orjson: the full check judges
                return False
        depth += containers
        if depth > limits.max_depth:
            return False
        level = below
    return True


def _check_with_paths(value: Any, limits: RequestLimits) -> None:
    level: list[tuple[Any, str]] = [(value, "")]
    depth = 0
    while level:
        below: list[tuple[Any, str]] = []
        if any(isinstance(item, dict | list) for item, _ in level):
            depth += 1
            if depth > limits.max_depth:
                # No path: it would be as long as the nesting.
                raise bad_request(f"The request body is nested deeper than {limits.max_depth} levels.")
        for item, path in level:
            if isinstance(item, str):
                _check_string(item, path, limits)
            elif isinstance(item, int) and not -(2**63) <= item < 2**63:
                # orjson keeps integers up to 2**64 - 1 exact; no column holds more than a signed 64-bit one.
                raise bad_request(f"{path or 'A number'} is out of range.", path or None)
            elif isinstance(item, dict):
                if len(item) > limits.max_object_keys:
                    raise bad_request(
                        f"{path or 'The body'} has more than {limits.max_object_keys} keys.", path or None
                    )
                for key, child in item.items():
                    _check_string(key, path, limits)
                    below.append((child, f"{path}.{key}" if path else key))
            elif isinstance(item, list):
                if len(item) > limits.max_array_items:
                    raise bad_request(
                        f"{path or 'The body'} has {len(item)} items; at most {limits.max_array_items} are accepted"
                        " per request.",
                        path or None,
                    )
                below.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
        level = below


def _check_string(text: str, path: str, limits: RequestLimits) -> None:
    if len(text) > limits.max_string_length:
        raise bad_request(f"{path or 'A string'} is longer than {limits.max_string_length} characters.", path or None)
    if "\x00" in text:
        raise bad_request(f"{path or 'A string'} contains a NUL character.", path or None)
