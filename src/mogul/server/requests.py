"""Parsing what clients send: JSON bodies and query parameters, with ChartMogul's 400 on bad input."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from .errors import bad_request
from .limits import check_json
from .settings import RequestLimits

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


async def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 for anything else (malformed, an array, a string...) and for
    strings or arrays past the server's `RequestLimits` (413 for too many bytes comes from `RequestGuard`)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    settings = getattr(request.app.state, "settings", None)
    check_json(body, settings.limits if settings is not None else RequestLimits())
    return body


def query_bool(request: Request, name: str) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise bad_request(f"{name} must be true or false", name)


def query_str(request: Request, name: str) -> str | None:
    return request.query_params.get(name)
