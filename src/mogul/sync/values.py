"""Record values made to fit their column's type.

A sync never fails on a value that does not match the schema: a lossless conversion is applied
when there is one (12 → 12.0, "12" → 12, 3.0 → 3), anything else becomes NULL, except in text and
JSON columns, which hold every value (as its JSON text where it is not a string).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson

from .columns import ColumnType

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def json_bytes(value: Any) -> bytes:
    """The JSON text of any value; what JSON cannot hold (dates, decimals) becomes a string."""
    try:
        return orjson.dumps(value, default=str)
    except TypeError:  # orjson refuses integers beyond 64 bits; the standard library does not
        # NaN and infinities become null, as orjson makes them: DuckDB stores these texts unparsed.
        return json.dumps(_finite(value), default=str, separators=(",", ":")).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def json_text(value: Any) -> str:
    return json_bytes(value).decode()


def json_column(values: Sequence[Any]) -> list[str | None]:
    """JSON texts for a column; the common case stays in one tight loop. (Arrow takes `str` far
    faster than UTF-8 `bytes`, which it validates again.)"""
    dumps = orjson.dumps
    try:
        return [None if v is None else dumps(v, default=str).decode() for v in values]
    except TypeError:
        return [None if v is None else json_bytes(v).decode() for v in values]


def to_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json_text(value)


def to_integer(value: Any) -> int | None:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if INT64_MIN <= number <= INT64_MAX else None


def to_number(value: Any) -> float | None:
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def to_boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def to_timestamp_text(value: Any) -> str | None:
    """Timestamps stay text on the way into DuckDB, which parses them itself (TRY_CAST)."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return None


def to_datetime(value: Any) -> datetime | None:
    """A timezone-aware datetime; a timestamp without an offset is read as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            parsed = to_datetime(value)
            return parsed.date() if parsed is not None else None
    return None


def to_json(value: Any) -> str | None:
    return None if value is None else json_text(value)


# Python values for each column type, as the PostgreSQL COPY wants them.
PYTHON_CONVERTERS: dict[ColumnType, Callable[[Any], Any]] = {
    ColumnType.STRING: to_string,
    ColumnType.INTEGER: to_integer,
    ColumnType.NUMBER: to_number,
    ColumnType.BOOLEAN: to_boolean,
    ColumnType.TIMESTAMP: to_datetime,
    ColumnType.DATE: to_date,
    ColumnType.JSON: to_json,
}

# Values for DuckDB's Arrow path: timestamps and dates travel as text and are cast in SQL.
TEXT_TEMPORAL_CONVERTERS: dict[ColumnType, Callable[[Any], Any]] = {
    **PYTHON_CONVERTERS,
    ColumnType.TIMESTAMP: to_timestamp_text,
    ColumnType.DATE: to_timestamp_text,
}
