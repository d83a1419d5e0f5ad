"""The connector's spec (what Airbyte shows in its form) and the validated `Config` read from it.

Validation errors are `ConfigError`s with one line naming the field, never a traceback: the
entrypoint turns them into CONNECTION_STATUS FAILED (check) or a config_error TRACE (read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from .. import redact
from ..client import DEFAULT_BASE_URL, normalise_base_url

DOCS_URL = "https://github.com/mogul-dev/mogul/blob/main/docs/source.md"
INTERVALS = ("day", "week", "month", "quarter")
START_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"

SPEC: dict[str, Any] = {
    "documentationUrl": DOCS_URL,
    "connectionSpecification": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "ChartMogul Spec (mogul)",
        "type": "object",
        "required": ["api_key", "start_date"],
        "additionalProperties": True,
        "properties": {
            "api_key": {
                "type": "string",
                "title": "API key",
                "description": "A ChartMogul API key; a read-only key is enough. See "
                "https://help.chartmogul.com/hc/en-us/articles/4407796325906 for how to create one.",
                "airbyte_secret": True,
                "order": 0,
            },
            "start_date": {
                "type": "string",
                "title": "Start date",
                "description": "UTC date and time in the format 2017-01-25T00:00:00Z. Activities and metric "
                "series before it are not replicated.",
                "pattern": START_DATE_PATTERN,
                "examples": ["2017-01-25T00:00:00Z"],
                "format": "date-time",
                "order": 1,
            },
            "interval": {
                "type": "string",
                "title": "Interval",
                "description": "Period of the customer_count and metrics streams.",
                "enum": list(INTERVALS),
                "default": "month",
                "order": 2,
            },
            "end_date": {
                "type": "string",
                "title": "End date",
                "description": "Optional UTC end (format 2017-01-25T00:00:00Z) for activities and metric series; "
                "default: now.",
                "pattern": START_DATE_PATTERN,
                "format": "date-time",
                "order": 3,
            },
            "lookback_window_days": {
                "type": "integer",
                "title": "Lookback window (days)",
                "description": "Incremental reads re-read this many days before the saved cursor, because "
                "ChartMogul recomputes activities and metrics retroactively.",
                "minimum": 0,
                "maximum": 3650,
                "default": 7,
                "order": 4,
            },
            "base_url": {
                "type": "string",
                "title": "API base URL",
                "description": "The ChartMogul API origin; point it at a `mogul serve` to test.",
                "default": DEFAULT_BASE_URL,
                "order": 5,
            },
            "window_days": {
                "type": "integer",
                "title": "Date window (days)",
                "description": "Activities are read in date windows of this many days, several in parallel.",
                "minimum": 1,
                "maximum": 3650,
                "default": 30,
                "order": 6,
            },
            "page_size": {
                "type": "integer",
                "title": "Page size",
                "description": "Records per request on paginated endpoints (ChartMogul's maximum is 200).",
                "minimum": 1,
                "maximum": 200,
                "default": 200,
                "order": 7,
            },
            "requests_per_second": {
                "type": "number",
                "title": "Requests per second",
                "description": "Client-side rate limit; ChartMogul allows 40 per second per account.",
                "exclusiveMinimum": 0,
                "default": 40,
                "order": 8,
            },
            "max_connections": {
                "type": "integer",
                "title": "Parallel connections",
                "description": "Requests in flight at once; ChartMogul allows 20 per account.",
                "minimum": 1,
                "maximum": 64,
                "default": 20,
                "order": 9,
            },
            "max_attempts": {
                "type": "integer",
                "title": "Attempts per request",
                "description": "Tries per request before a stream fails (429, 5xx and network errors are retried "
                "with backoff, honouring Retry-After).",
                "minimum": 1,
                "maximum": 20,
                "default": 8,
                "order": 10,
            },
            "max_retry_seconds": {
                "type": "number",
                "title": "Retry time per request (seconds)",
                "description": "A request that keeps failing is retried for at most this long (sleeps included), "
                "then the stream fails with a transient_error.",
                "exclusiveMinimum": 0,
                "maximum": 3600,
                "default": 600,
                "order": 11,
            },
            "connect_timeout_seconds": {
                "type": "number",
                "title": "Connect timeout (seconds)",
                "description": "How long to wait for a connection to the API before retrying.",
                "exclusiveMinimum": 0,
                "maximum": 600,
                "default": 10,
                "order": 12,
            },
            "read_timeout_seconds": {
                "type": "number",
                "title": "Read timeout (seconds)",
                "description": "How long a response may stall (before it starts, or mid-page) before the request is "
                "retried.",
                "exclusiveMinimum": 0,
                "maximum": 600,
                "default": 60,
                "order": 13,
            },
        },
    },
}


class ConfigError(ValueError):
    """The config is unusable; the message is one line naming the field."""


@dataclass(frozen=True)
class Config:
    api_key: str
    start_date: datetime
    end_date: datetime | None = None
    interval: str = "month"
    base_url: str = DEFAULT_BASE_URL
    lookback_window_days: int = 7
    window_days: int = 30
    page_size: int = 200
    requests_per_second: float = 40.0
    max_connections: int = 20
    max_attempts: int = 8
    max_retry_seconds: float = 600.0
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 60.0

    def __repr__(self) -> str:  # never the key
        return f"Config(base_url={redact.text(self.base_url)!r}, start_date={self.start_date.isoformat()})"

    @property
    def timeout(self) -> httpx.Timeout:
        """Connect, then read (a response that stalls before or during a page); writes and pool waits as reads."""
        read = self.read_timeout_seconds
        return httpx.Timeout(connect=self.connect_timeout_seconds, read=read, write=read, pool=read)

    @property
    def lookback(self) -> timedelta:
        return timedelta(days=self.lookback_window_days)

    def end(self, now: datetime | None = None) -> datetime:
        """Where reads stop: `end_date`, else now."""
        return self.end_date or (now or datetime.now(UTC))

    def end_day(self) -> date:
        return self.end().date()


def parse_datetime(value: str, field: str) -> datetime:
    """`YYYY-MM-DDTHH:MM:SSZ` (the spec's pattern); also a plain date, or any ISO-8601 offset, for tolerance."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{field} must be a date-time string like 2017-01-25T00:00:00Z")
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            parsed = datetime.fromisoformat(text + "T00:00:00+00:00")
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{field} must be a date-time like 2017-01-25T00:00:00Z, got {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _int(raw: dict[str, Any], field: str, default: int, low: int, high: int) -> int:
    value = raw.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"{field} must be an integer between {low} and {high}")
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{field} must be an integer between {low} and {high}, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{field} must be between {low} and {high}, got {number}")
    return number


def _seconds(raw: dict[str, Any], field: str, default: float, high: float) -> float:
    value = raw.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high:
        raise ConfigError(f"{field} must be a number of seconds greater than 0 and at most {high:g}")
    return float(value)


def parse_config(raw: Any) -> Config:
    """Validate a config dict into `Config`; unknown keys are ignored (the spec allows them)."""
    if not isinstance(raw, dict):
        raise ConfigError("config must be a JSON object")
    api_key = raw.get("api_key")
    if not isinstance(api_key, str) or not api_key.strip():
        raise ConfigError("api_key is required: a ChartMogul API key")
    if not raw.get("start_date"):
        raise ConfigError("start_date is required: a UTC date-time like 2017-01-25T00:00:00Z")
    start = parse_datetime(raw["start_date"], "start_date")
    end = parse_datetime(raw["end_date"], "end_date") if raw.get("end_date") else None
    if end is not None and end < start:
        raise ConfigError("end_date must not be before start_date")
    interval = raw.get("interval") or "month"
    if interval not in INTERVALS:
        raise ConfigError(f"interval must be one of {', '.join(INTERVALS)}, got {str(interval)[:20]!r}")
    base_url = raw.get("base_url") or DEFAULT_BASE_URL
    if not isinstance(base_url, str):
        raise ConfigError("base_url must be a URL string such as https://api.chartmogul.com")
    try:
        base_url = normalise_base_url(base_url)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None  # names base_url, without its credentials
    rps = raw.get("requests_per_second", 40)
    if isinstance(rps, bool) or not isinstance(rps, int | float) or rps <= 0:
        raise ConfigError("requests_per_second must be a number greater than 0")
    return Config(
        api_key=api_key.strip(),
        start_date=start,
        end_date=end,
        interval=interval,
        base_url=base_url,
        lookback_window_days=_int(raw, "lookback_window_days", 7, 0, 3650),
        window_days=_int(raw, "window_days", 30, 1, 3650),
        page_size=_int(raw, "page_size", 200, 1, 200),
        requests_per_second=float(rps),
        max_connections=_int(raw, "max_connections", 20, 1, 64),
        max_attempts=_int(raw, "max_attempts", 8, 1, 20),
        max_retry_seconds=_seconds(raw, "max_retry_seconds", 600.0, 3600),
        connect_timeout_seconds=_seconds(raw, "connect_timeout_seconds", 10.0, 600),
        read_timeout_seconds=_seconds(raw, "read_timeout_seconds", 60.0, 600),
    )
