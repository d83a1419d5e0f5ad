"""Helpers shared by the routes: paging parameters and filters from the query string, and their OpenAPI; the
handlers that only hand a path uuid or a JSON body to a store method.

No store code runs on the event loop: list reads run through `read` (the app's read threads on SQLite), other
reads in Starlette's thread pool, writes through `write` (the app's write thread on SQLite; the thread pool
elsewhere)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from ..openapi import BOOLEAN, NOT_FOUND, NULLABLE_STRING, PAGING, JsonSchema, Reply, obj
from ..pagination import LEGACY_KEYS, MAX_PER_PAGE, Page, PageParams, RowKey, page_params
from ..readers import run_read
from ..requests import json_body
from ..responses import json, no_content
from ..writer import run_write

PER_PAGE, CURSOR, PAGE = PAGING
T = TypeVar("T")
_COUNT = {"type": "integer", "minimum": 1}
# The replies of a delete by uuid.
DELETED = {204: Reply("Deleted."), 404: NOT_FOUND}
EMPTY_OBJECT: JsonSchema = {"type": "object", "properties": {}, "additionalProperties": False}
_ENVELOPE_KEYS: Mapping[str, JsonSchema] = {
    "current_page": _COUNT,
    "total_pages": {"type": "integer", "minimum": 0},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    "page": _COUNT,
    "has_more": BOOLEAN,
    "cursor": NULLABLE_STRING,
}


async def read(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, a store call that reads a list page, on the app's readers."""
    return await run_read(request.app.state.readers, fn, *args)


def paging(request: Request, *, allow_page: bool = True, key: type[RowKey] = int) -> PageParams:
    return page_params(request.query_params, allow_page=allow_page, key=key)


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


async def list_page(
    request: Request,
    list_: Callable[[dict[str, str | None], PageParams], tuple[Page, list[Any]]],
    key: str,
    layout: Sequence[str],
    *filter_names: str,
    allow_page: bool = True,
    row_key: type[RowKey] = int,
) -> Response:
    """A page of `list_(filters, paging)` under `key`, filtered by the query parameters `filter_names`. The newer
    lists ignore `page` and page by the object's uuid (`allow_page=False, row_key=str`)."""
    wanted = filters(request, *filter_names)
    params = paging(request, allow_page=allow_page, key=row_key)
    page, items = await read(request, list_, wanted, params)
    return json(page.envelope(key, items, layout))


# The handlers below write: on SQLite their store calls run on the app's one write thread (see writer.py).


async def write(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, a store call that writes, on the app's writer."""
    return await run_write(request.app.state.writer, fn, *args)


async def create_from_body(request: Request, create: Callable[[dict[str, Any]], Any], *, status: int = 201) -> Response:
    """`status` (201) with what `create(body)` returns."""
    body = await json_body(request)
    return json(await run_write(request.app.state.writer, create, body), status=status)


async def apply_body(request: Request, apply: Callable[[str, dict[str, Any]], Any], *, status: int) -> Response:
    """`status` with what `apply(uuid, body)` returns, `uuid` from the path."""
    body = await json_body(request)
    return json(await run_write(request.app.state.writer, apply, request.path_params["uuid"], body), status=status)


async def delete_by_uuid(request: Request, delete: Callable[[str], object], *, status: int = 204) -> Response:
    """204 once `delete(uuid)` has run, `uuid` from the path; or `status` with `{}` (the newer resources answer
    200 `{}`)."""
    await run_write(request.app.state.writer, delete, request.path_params["uuid"])
    return no_content() if status == 204 else json({}, status=status)
