"""ChartMogul's error bodies. Several generations coexist in the real API; each helper makes one of them.

Legacy `{"error": msg}`, legacy validation `{"errors": {field: msg}}` and the newer
`{"code", "message", "param"}`, each declared in `objects.errors`.
"""

from __future__ import annotations

from typing import Any

from ..objects import CodedError, LegacyError, ValidationErrors
from .render import render


class ApiError(Exception):
    """Raised anywhere below the routes; the app turns it into a JSON response with this status and body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def coded(status: int, message: str, param: str | None = None) -> ApiError:
    """`{"code": 401, "message": "...", "param": null}`: auth, rate limits, bad parameters."""
    return ApiError(status, render(CodedError, {"code": status, "message": message, "param": param}))


def not_found(message: str) -> ApiError:
    """Legacy `{"error": "Data source not found"}`, as recorded for unknown uuids."""
    return ApiError(404, render(LegacyError, {"error": message}))


def invalid(errors: dict[str, str]) -> ApiError:
    """Legacy validation map, 422 `{"errors": {"name": "A name is required for each data source."}}`."""
    return ApiError(422, render(ValidationErrors, {"errors": errors}))


def bad_request(message: str, param: str | None = None) -> ApiError:
    return coded(400, message, param)


UNAUTHORIZED_MESSAGE = "No valid API key provided"
FORBIDDEN_MESSAGE = "This API key is read-only; write requests need a read & write key."
RATE_LIMIT_MESSAGE = "Your request rate has exceeded our rate limit."
# ChartMogul documents the 503 for "too many parallel connections" but no body; this one is ours.
PARALLEL_LIMIT_MESSAGE = "Too many parallel connections for this API key."
