"""Exceptions raised by the client: one class per meaning, each carrying status, message and body."""

from __future__ import annotations

from typing import Any


class ChartMogulError(Exception):
    """Base class. `status` is the HTTP status (None for transport failures)."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body

    def __str__(self) -> str:
        return f"{self.status} {self.message}" if self.status else self.message


class AuthenticationError(ChartMogulError):
    """401: the API key is missing, wrong or revoked."""


class ForbiddenError(ChartMogulError):
    """403: the key may not do this (a read-only key writing, an expired account)."""


class NotFoundError(ChartMogulError):
    """404: no such object or route."""


class ValidationError(ChartMogulError):
    """400 or 422: the request was refused as invalid. `errors` maps fields to messages when the API says."""

    @property
    def errors(self) -> dict[str, Any]:
        if isinstance(self.body, dict):
            errors = self.body.get("errors")
            if isinstance(errors, dict):
                return errors
            param = self.body.get("param")
            if param:
                return {param: self.body.get("message")}
        return {}


class RateLimitError(ChartMogulError):
    """429 (too many requests) or 503 (too many parallel connections), after retries were exhausted."""

    def __init__(
        self, message: str, *, status: int | None = None, body: Any = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class ServerError(ChartMogulError):
    """5xx after retries were exhausted."""


class TransportError(ChartMogulError):
    """The server could not be reached or stopped answering (connect/read timeout, reset), after retries."""


def message_of(body: Any, fallback: str) -> str:
    """ChartMogul's message from any of its error body generations (`message`, `error`, `errors`, ...)."""
    if isinstance(body, dict):
        for key in ("message", "error"):
            if isinstance(text := body.get(key), str):
                return text
        errors = body.get("errors")
        if isinstance(errors, dict) and errors:
            return "; ".join(f"{k}: {_flat(v)}" for k, v in errors.items())
        invoices = body.get("invoices")
        if isinstance(invoices, list):
            failed = [
                f"invoice {inv.get('external_id')}: {_flat_map(inv['errors'])}"
                for inv in invoices
                if isinstance(inv, dict) and isinstance(inv.get("errors"), dict) and inv["errors"]
            ]
            if failed:
                return "; ".join(failed)
        details = body.get("error_details")
        if isinstance(details, list) and details:
            return "; ".join(str(d.get("message", d)) for d in details if isinstance(d, dict))
    if isinstance(body, str) and body.strip():
        return body.strip()[:200]
    return fallback


def _flat_map(errors: dict[str, Any]) -> str:
    return ", ".join(f"{k} {_flat(v)}" for k, v in errors.items())


def _flat(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def error_for(status: int, body: Any, *, reason: str = "", retry_after: float | None = None) -> ChartMogulError:
    message = message_of(body, reason or f"HTTP {status}")
    if status == 401:
        return AuthenticationError(message, status=status, body=body)
    if status == 403:
        return ForbiddenError(message, status=status, body=body)
    if status == 404:
        return NotFoundError(message, status=status, body=body)
    if status in (400, 422):
        return ValidationError(message, status=status, body=body)
    if status in (429, 503):
        return RateLimitError(message, status=status, body=body, retry_after=retry_after)
    if status >= 500:
        return ServerError(message, status=status, body=body)
    return ChartMogulError(message, status=status, body=body)
