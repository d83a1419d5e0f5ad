"""Request bodies checked against the declarations: `parse(DataSource, body, "create")`.

A value of the wrong JSON type is a 400 at once (`name must be a string`), as ChartMogul answers malformed input.
Values of the right type that break a rule of the declaration (missing, blank, too long, not matching its
pattern, out of range, not a date) are collected as `Problem`s, which the resource answers as a 422 in its own
generation of error body (`legacy`, `coded`). The messages are the declaration's own where it has them (the
API's recorded wording), else generic ones.

`parse` returns the values of the fields the body sent, by attribute name: strings as sent, instants as UTC
microseconds, days as `date`s, nested objects as mappings of their own values. Keys the declaration does not
accept are ignored, as the real API ignores them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal

from ..objects.base import ApiObject, Field, Format, TypeInfo, View, fields
from ..objects.errors import DetailedError
from .errors import ApiError, bad_request, coded, invalid
from .render import render
from .store.fields import as_integer
from .timefmt import parse_timestamp

Values = dict[str, Any]
RequestView = Literal["create", "update"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "datetime": "a string",
    "date": "a string",
    "object": "an object",
    "union": "an object",
    "map": "an object",
    "array": "a list",
}


@dataclass(frozen=True)
class Problem:
    param: str
    """The field's JSON path, dotted: `attributes.tags`."""
    kind: str
    """`missing`, `too_long`, `invalid`, or a rule the store checks itself (`taken`)."""
    message: str


def parse(cls: type[ApiObject], body: Mapping[str, Any], view: RequestView) -> tuple[Values, list[Problem]]:
    """The values `body` sends for the fields `view` accepts, and what is wrong with them (see the module)."""
    problems: list[Problem] = []
    return _object(cls, body, view, "", problems), problems


def checked(
    cls: type[ApiObject], body: Mapping[str, Any], view: RequestView, answer: Callable[[list[Problem]], ApiError]
) -> Values:
    """`parse`, raising `answer(problems)` (`legacy` or `coded`) when there are any."""
    values, problems = parse(cls, body, view)
    if problems:
        raise answer(problems)
    return values


def legacy(problems: list[Problem]) -> ApiError:
    """422 `{"errors": {"name": "A name is required for each data source."}}`: data sources, customers, plans."""
    return invalid({p.param: p.message for p in problems})


def coded_first(problems: list[Problem]) -> ApiError:
    """422 `{"code": 422, "message": ..., "param": ...}` for the first problem: newer resources."""
    first = problems[0]
    return coded(422, first.message, first.param)


# Rails' error codes (`error_details[].code`) for the kinds of problem.
_CODES = {
    "missing": "blank",
    "date": "invalid",
    "too_many": "too_long",
    "below": "greater_than_or_equal_to",
    "above": "less_than_or_equal_to",
}


def full_message(problem: Problem) -> str:
    """Rails' full message: the attribute's name, humanized, before a message that does not name it itself
    (`can't be blank` -> `Plan ids can't be blank`)."""
    text = problem.message
    if not text[:1].islower():
        return text
    name = problem.param.rsplit(".", 1)[-1].replace("_", " ")
    return f"{name[:1].upper()}{name[1:]} {text}"


def _details(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"param": p.param, "code": _CODES.get(p.kind, p.kind), "message": full_message(p)} for p in problems]


def detailed(problems: list[Problem]) -> ApiError:
    """422 `{"error": "...", "error_details": [{"param", "code", "message"}]}`: the newest generation
    (invoices since 2023, subscription events); `error` joins the full messages."""
    body = {"error": ", ".join(full_message(p) for p in problems), "error_details": _details(problems)}
    return ApiError(422, render(DetailedError, body))


def rails(problems: list[Problem]) -> ApiError:
    """422 `{"name": ["Name can't be blank"], ..., "error_details": [...]}`: plan groups (recorded 2023)."""
    body: dict[str, Any] = {}
    for p in problems:
        body.setdefault(p.param, []).append(full_message(p))
    body["error_details"] = _details(problems)
    return ApiError(422, body)


def message(f: Field, kind: str) -> str:
    """The declaration's wording for a problem, or the generic one."""
    generic = {
        "missing": "can't be blank",
        "too_long": f"is too long (maximum is {f.max_length} characters)",
        "too_short": f"is too short (minimum is {f.min_length} characters)",
        "invalid": "is invalid",
        "taken": "has already been taken",
        "date": "is not a valid date",
        "too_many": f"has more than {f.max_items} items",
        "below": f"must be at least {f.minimum}",
        "above": f"must be at most {f.maximum}",
    }
    return f.messages.get(kind) or generic[kind]


@cache
def _accepted(cls: type[ApiObject], view: View) -> tuple[Field, ...]:
    return fields(cls, view)


def _object(cls: type[ApiObject], body: Mapping[str, Any], view: RequestView, path: str, out: list[Problem]) -> Values:
    values: Values = {}
    for f in _accepted(cls, view):
        param = path + (f.param or f.name)
        present = f.name in body
        value = body.get(f.name)
        blank = f.not_blank and ((isinstance(value, str) and not value.strip()) or value == [])
        if value is None and not f.required(view):
            if present:
                values[f.attr] = None
            continue
        if value is None or blank:
            out.append(Problem(param, "missing", message(f, "missing")))
            continue
        values[f.attr] = _value(f, f.request_type, value, view, param, out)
    return values


def _value(f: Field, info: TypeInfo, value: Any, view: RequestView, param: str, out: list[Problem]) -> Any:
    kind = info.kind
    if kind == "anyof":
        for option in info.options:
            found: list[Problem] = []
            try:
                parsed = _value(f, option, value, view, param, found)
            except ApiError:
                continue
            out.extend(found)
            return parsed
        raise bad_request(f"{param} has an unexpected form", param)
    if kind in ("object", "union", "map") and not isinstance(value, Mapping):
        raise bad_request(f"{param} must be an object", param)
    if kind == "object":
        assert info.obj is not None
        return _object(info.obj, value, view, param + ".", out)
    if kind == "union":
        raise TypeError("a request cannot send a tagged union yet")
    if kind in ("map", "any"):
        return value
    if kind == "array":
        return _array(f, info, value, view, param, out)
    return _scalar(f, info, value, param, out)


def _array(f: Field, info: TypeInfo, value: Any, view: RequestView, param: str, out: list[Problem]) -> list[Any]:
    assert info.items is not None
    if not isinstance(value, list):
        raise bad_request(f"{param} must be a list", param)
    if f.max_items is not None and len(value) > f.max_items:
        out.append(Problem(param, "too_many", message(f, "too_many")))
    items = []
    for item in value:
        if item is None:
            raise bad_request(f"{param} must not hold null", param)
        items.append(_value(f, info.items, item, view, param, out))
    return items


def _scalar(f: Field, info: TypeInfo, value: Any, param: str, out: list[Problem]) -> Any:
    kind = info.kind
    if kind in ("string", "datetime", "date"):
        if not isinstance(value, str):
            raise bad_request(f"{param} must be {_TYPE_NAMES[kind]}", param)
        if kind == "datetime":
            return _instant(f, value, param, out)
        if kind == "date":
            return _day(f, value, param, out)
        _string(f, info, value, param, out)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise bad_request(f"{param} must be true or false", param)
        return value
    number = as_integer(value) if kind == "integer" else value
    if number is None or isinstance(number, bool) or not isinstance(number, (int, float)):
        raise bad_request(f"{param} must be {_TYPE_NAMES[kind]}", param)
    if info.enum is not None and number not in info.enum:
        out.append(Problem(param, "invalid", message(f, "invalid")))
    if f.minimum is not None and number < f.minimum:
        out.append(Problem(param, "below", message(f, "below")))
    if f.maximum is not None and number > f.maximum:
        out.append(Problem(param, "above", message(f, "above")))
    return number


def _string(f: Field, info: TypeInfo, value: str, param: str, out: list[Problem]) -> None:
    if info.enum is not None and value not in info.enum:
        out.append(Problem(param, "invalid", f.messages.get("invalid") or f"must be one of {', '.join(info.enum)}"))
    if f.max_length is not None and len(value) > f.max_length:
        out.append(Problem(param, "too_long", message(f, "too_long")))
    if f.min_length is not None and len(value) < f.min_length:
        out.append(Problem(param, "too_short", message(f, "too_short")))
    if f.pattern is not None and value and not re.search(f.pattern, value):
        out.append(Problem(param, "invalid", message(f, "invalid")))
    if f.fmt is Format.EMAIL and value and not _EMAIL.match(value):
        out.append(Problem(param, "invalid", message(f, "invalid")))


def _instant(f: Field, value: str, param: str, out: list[Problem]) -> int | None:
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError):
        out.append(Problem(param, "date", message(f, "date")))
        return None


def _day(f: Field, value: str, param: str, out: list[Problem]) -> date | None:
    # `YYYY-MM-DD` exactly, as the OpenAPI document says: Python also reads `20240301` and week dates.
    try:
        if not _DAY.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        out.append(Problem(param, "date", message(f, "date")))
        return None
