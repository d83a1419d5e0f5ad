"""Failures → the TRACE ERROR the protocol expects: a message for people, a failure_type for the
platform (config_error stops retries, transient_error asks for a later retry), nothing secret."""

from __future__ import annotations

from dataclasses import dataclass

from .. import redact as redacting
from ..client.errors import (
    AuthenticationError,
    ChartMogulError,
    ForbiddenError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
)
from .catalog import CatalogError
from .config import ConfigError


class ReadFailed(Exception):
    """Raised by `read()` after it yielded the TRACE ERROR(s): at least one stream did not complete."""

    def __init__(self, message: str, failure_type: str) -> None:
        super().__init__(message)
        self.failure_type = failure_type


@dataclass(frozen=True)
class Failure:
    failure_type: str
    message: str
    internal_message: str
    stack_trace: str | None = None


def classify(exc: BaseException, base_url: str = "", secret: str | None = None) -> Failure:
    """401/403 and bad input → config_error; exhausted retries → transient_error; the rest → system_error."""
    internal = redact(f"{type(exc).__name__}: {exc}", secret)
    base_url = redact(base_url, secret)
    if isinstance(exc, AuthenticationError):
        return Failure("config_error", "ChartMogul rejected the API key (HTTP 401): check api_key.", internal)
    if isinstance(exc, ForbiddenError):
        return Failure(
            "config_error",
            "ChartMogul refused access (HTTP 403): the key lacks access or the account's trial has expired.",
            internal,
        )
    if isinstance(exc, ConfigError | CatalogError):
        return Failure("config_error", redact(str(exc), secret), internal)
    if isinstance(exc, RateLimitError):
        return Failure("transient_error", "ChartMogul kept rate-limiting the requests; retries exhausted.", internal)
    if isinstance(exc, ServerError):
        return Failure("transient_error", f"ChartMogul kept failing (HTTP {exc.status}); retries exhausted.", internal)
    if isinstance(exc, TransportError):
        detail = redact(exc.message, secret)[:200]
        return Failure(
            "transient_error", f"Could not reach {base_url or 'the API'} ({detail}): check base_url.", internal
        )
    if isinstance(exc, NotFoundError):
        return Failure(
            "system_error", f"HTTP 404 from {base_url or 'the API'}: is base_url the ChartMogul API?", internal
        )
    if isinstance(exc, ChartMogulError):
        return Failure("system_error", redact(f"ChartMogul answered: {exc}", secret), internal)
    import traceback  # only for the unexpected: not worth importing at every start

    stack = redact("".join(traceback.format_exception(exc)), secret)
    return Failure("system_error", f"Unexpected error: {type(exc).__name__}", internal, stack)


def redact(text: str, secret: str | None) -> str:
    """The key, URL credentials and emails must never reach a log or a trace, whatever an exception happened to
    include."""
    return redacting.text(text, secret)
