"""Helpers shared by the routes: paging parameters and filters from the query string, and their OpenAPI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.requests import Request

from ..openapi import BOOLEAN, NULLABLE_STRING, PAGING, JsonSchema, obj
from ..pagination import LEGACY_KEYS, MAX_PER_PAGE, PageParams, page_params

PER_PAGE, CURSOR, PAGE = PAGING
_COUNT = {"type": "integer", "minimum": 1}
_ENVELOPE_KEYS: Mapping[str, JsonSchema] = {
    "current_page": _COUNT,
    "total_pages": {"type": "integer", "minimum": 0},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    "page": _COUNT,
    "has_more": BOOLEAN,
    "cursor": NULLABLE_STRING,
}


def paging(request: Request, *, allow_page: bool = True) -> PageParams:
    return page_params(request.query_params, allow_page=allow_page)


def filters(request: Request, *names: str) -> dict[str, str | None]:
    return {name: request.query_params.get(name) for name in names}


def envelope(
    key: str,
    item: JsonSchema,
    layout: Sequence[str],
    *,
    head: Mapping[str, JsonSchema] | None = None,
    null_total_pages: bool = False,
) -> JsonSchema:
    """The schema of `Page.envelope(key, ..., layout)`: `has_more` and `cursor` always, the legacy keys only on
    a page asked for without a cursor (so they are not required)."""
    properties: dict[str, JsonSchema] = {**(head or {}), key: {"type": "array", "items": item}}
    for name in layout:
        properties[name] = _ENVELOPE_KEYS[name]
    if null_total_pages and "total_pages" in properties:
        properties["total_pages"] = {"type": "null"}
    required = [*(head or {}), key, *(name for name in layout if name not in LEGACY_KEYS)]
    return obj(properties, required)
