"""Responses from the declarations: `render(DataSource, values)` writes an object's JSON from its values.

`values` maps each field's attribute name (`customer_since`, not `customer-since`) to its Python value: a nested
object's values as a mapping, instants as UTC microseconds (the store's form) or datetimes, or as strings already
written (an activity's date, in the account's time zone). Fields are written in
declared order under their JSON keys, each instant in its declared format. A field the declaration marks
`Out.OPTIONAL` is left out when `values` has no entry for it; any other missing value is a bug (KeyError).

Each class's plan (keys, converters) is worked out once; a list page renders 200 objects through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from ..objects.base import ApiObject, Format, Out, TypeInfo, fields, variant
from .timefmt import iso_millis, iso_offset, iso_seconds, to_us

Values = Mapping[str, Any]
Convert = Callable[[Any], Any]


def render(cls: type[ApiObject], values: Values) -> dict[str, Any]:
    """The JSON object of `cls` from `values` (see the module's docstring)."""
    out: dict[str, Any] = {}
    for key, attr, optional, convert in _plan(cls):
        if optional and attr not in values:
            continue
        value = values[attr]
        out[key] = value if convert is None or value is None else convert(value)
    return out


def renderer(cls: type[ApiObject]) -> Callable[[Values], dict[str, Any]]:
    """`render` bound to `cls`, for `map()` over a page."""
    return lambda values: render(cls, values)


@cache
def _plan(cls: type[ApiObject]) -> tuple[tuple[str, str, bool, Convert | None], ...]:
    return tuple((f.name, f.attr, f.out is Out.OPTIONAL, _converter(f.type, f.fmt)) for f in fields(cls))


def _instant(format_us: Callable[[int], str | None]) -> Convert:
    def convert(value: int | datetime | str) -> str | None:
        if isinstance(value, str):  # already written, in a zone of its own (an activity's, the account's)
            return value
        return format_us(value if isinstance(value, int) else to_us(value))

    return convert


def _day(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


_INSTANTS = {Format.TIMESTAMP: iso_millis, Format.OFFSET: iso_offset, Format.SECONDS: iso_seconds}


def _converter(info: TypeInfo, fmt: Format | None) -> Convert | None:
    if info.kind == "datetime":
        if fmt not in _INSTANTS:
            raise TypeError(f"an instant needs a wire format, not {fmt}")
        return _instant(_INSTANTS[fmt])  # type: ignore[index]  # checked just above
    if info.kind == "date":
        return _day
    if info.kind == "object":
        nested = info.obj
        assert nested is not None
        return lambda value: render(nested, value)
    if info.kind == "union":
        return lambda value: _render_variant(info, value)
    if info.kind == "array" and info.items is not None:
        item = _converter(info.items, fmt)
        if item is not None:
            return lambda value: [None if v is None else item(v) for v in value]
    return None


def _render_variant(info: TypeInfo, value: Values) -> dict[str, Any]:
    cls = variant(info, value)
    if cls is None:
        raise ValueError(f"no variant of {[c.__name__ for c in info.variants]} is tagged as {dict(value)}")
    return render(cls, value)
