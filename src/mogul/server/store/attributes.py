"""Customer tags and custom attributes: parsing and merging, no SQL."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import orjson

from ..errors import bad_request, invalid
from ..timefmt import iso_millis, parse_timestamp

TYPES = ("String", "Integer", "Decimal", "Timestamp", "Boolean")
_KEY = re.compile(r"^[A-Za-z0-9_]{1,255}$")
# What one object may hold, summed over every request that added to it (each request is bounded on its own by
# `RequestLimits`): so a customer row, and a page of 200 of them, stays a bounded read.
MAX_CUSTOM_KEYS = 1000
MAX_TAGS = 1000
MAX_FREE_FORM_BYTES = 100_000  # custom attributes (or tags) of one object, encoded as JSON


def custom_problem(custom: dict[str, Any]) -> str | None:
    """Why `custom` cannot be stored (it has grown past the limits), or None."""
    if len(custom) > MAX_CUSTOM_KEYS:
        return f"has more than {MAX_CUSTOM_KEYS} keys"
    if len(orjson.dumps(custom)) > MAX_FREE_FORM_BYTES:
        return f"is larger than {MAX_FREE_FORM_BYTES} bytes as JSON"
    return None


def bounded_custom(custom: dict[str, Any], label: str = "custom") -> dict[str, Any]:
    """`custom` as it will be stored, or a 422 when it has grown past the limits."""
    problem = custom_problem(custom)
    if problem:
        raise invalid({label: problem})
    return custom


def bounded_tags(tags: list[str], label: str = "tags") -> list[str]:
    """`tags` as they will be stored, or a 422 when they have grown past the limits."""
    if len(tags) > MAX_TAGS:
        raise invalid({label: f"has more than {MAX_TAGS} tags"})
    if len(orjson.dumps(tags)) > MAX_FREE_FORM_BYTES:
        raise invalid({label: f"is larger than {MAX_FREE_FORM_BYTES} bytes as JSON"})
    return tags


def tags_of(value: Any, label: str = "tags") -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise bad_request(f"{label} must be a list of strings", label)
    return add_tags([], [t.strip() for t in value if t.strip()])


def add_tags(current: list[str], new: list[str]) -> list[str]:
    out = list(current)
    for tag in new:
        if tag not in out:
            out.append(tag)
    return out


def remove_tags(current: list[str], gone: list[str]) -> list[str]:
    drop = set(gone)
    return [t for t in current if t not in drop]


def typed_custom(value: Any, label: str = "custom") -> dict[str, Any]:
    """`[{"type": "Integer", "key": "seats", "value": 4}]` -> `{"seats": 4}`, each value checked by its type."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bad_request(f"{label} must be a list of objects with type, key and value", label)
    out: dict[str, Any] = {}
    for item in value:
        kind, key = item.get("type", "String"), item.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise invalid({label: f"key {key!r} must be letters, digits or underscores"})
        if kind not in TYPES:
            raise invalid({label: f"type of {key} must be one of {', '.join(TYPES)}"})
        out[key] = _coerce(kind, key, item.get("value"), label)
    return out


# Digits are ASCII (re's `\d` and int() take any script's); an Integer fits in 64 bits, a Decimal is finite.
_INTEGER = re.compile(r"^\s*-?[0-9]{1,18}\s*$")
DECIMAL_LIMIT = 2**63  # what JSON parsers read as a number; larger is no plausible attribute
_DECIMAL = re.compile(r"^\s*-?[0-9]{1,30}(?:\.[0-9]{1,30})?\s*$")


def _coerce(kind: str, key: str, value: Any, label: str) -> Any:
    if value is None:
        return None
    if kind == "String" and isinstance(value, str):
        return value
    if kind == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.match(value):
            return int(value.strip())  # int() strips less than str.strip() (not \x1c-\x1f)
    elif kind == "Decimal":
        # Strings are checked by pattern: Decimal() would also take "NaN", "1_0" and "1e999" (infinite).
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < DECIMAL_LIMIT:
            return float(value)
        if isinstance(value, str) and _DECIMAL.match(value):
            return float(Decimal(value.strip()))
    elif kind == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif kind == "Timestamp" and isinstance(value, str):
        try:
            return iso_millis(parse_timestamp(value))
        except ValueError:
            pass
    return _fail(label, key, kind)


def _fail(label: str, key: str, kind: str) -> Any:
    raise invalid({label: f"value of {key} is not a valid {kind}"})


def plain_custom(value: Any, label: str = "custom") -> dict[str, Any]:
    """`{"key": value}` as PATCH and PUT send it: keys checked, values kept as JSON sent them."""
    if not isinstance(value, dict):
        raise bad_request(f"{label} must be an object", label)
    for key in value:
        if not _KEY.match(key):
            raise invalid({label: f"key {key!r} must be letters, digits or underscores"})
    return dict(value)
