"""Cursor pagination (reference §0.6): follow `cursor` while `has_more`, lazily, one request per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .transport import Transport

T = TypeVar("T")
DEFAULT_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its items, whether more follow, and the cursor that fetches them."""

    items: list[T]
    has_more: bool
    cursor: str | None
    raw: dict[str, Any]


def page_query(params: Mapping[str, Any] | None, cursor: str | None, per_page: int | None) -> dict[str, Any]:
    """A list request's query: its filters, `per_page` and the cursor of the page to fetch."""
    query = dict(params or {})
    if per_page is not None:
        query["per_page"] = per_page
    if cursor:
        query["cursor"] = cursor
    return query


def page_of(body: Any, key: str = "entries", wrap: Callable[[dict[str, Any]], T] | None = None) -> Page[Any]:
    """The page in a decoded list response: its items under `key`, `has_more` and `cursor`."""
    items = body.get(key) or []
    if wrap is not None:
        items = [wrap(item) for item in items]
    has_more = bool(body.get("has_more"))
    next_cursor = body.get("cursor")
    return Page(items, has_more and bool(next_cursor), next_cursor, body)


def fetch_page(
    transport: Transport,
    path: str,
    *,
    key: str = "entries",
    params: Mapping[str, Any] | None = None,
    cursor: str | None = None,
    per_page: int | None = DEFAULT_PER_PAGE,
    wrap: Callable[[dict[str, Any]], T] | None = None,
) -> Page[Any]:
    body = transport.request("GET", path, params=page_query(params, cursor, per_page))
    return page_of(body, key, wrap)


def follow_cursors(fetch: Callable[[str | None], Page[T]], cursor: str | None = None) -> Iterator[Page[T]]:
    """Yield `fetch(cursor)`, then the page its cursor fetches, and so on until the server says there are no more."""
    while True:
        page = fetch(cursor)
        yield page
        if not page.has_more:
            return
        cursor = page.cursor


def iter_pages(
    transport: Transport,
    path: str,
    *,
    key: str = "entries",
    params: Mapping[str, Any] | None = None,
    cursor: str | None = None,
    per_page: int | None = DEFAULT_PER_PAGE,
    wrap: Callable[[dict[str, Any]], T] | None = None,
) -> Iterator[Page[Any]]:
    """Yield pages from `cursor` (None: the first page) until the server says there are no more."""

    def fetch(at: str | None) -> Page[Any]:
        return fetch_page(transport, path, key=key, params=params, cursor=at, per_page=per_page, wrap=wrap)

    yield from follow_cursors(fetch, cursor)


def iter_items(
    transport: Transport,
    path: str,
    *,
    key: str = "entries",
    params: Mapping[str, Any] | None = None,
    per_page: int | None = DEFAULT_PER_PAGE,
    wrap: Callable[[dict[str, Any]], T] | None = None,
) -> Iterator[Any]:
    """Every item of every page, fetched lazily: `for c in iter_items(t, "/v1/customers"): ...`."""
    for page in iter_pages(transport, path, key=key, params=params, per_page=per_page, wrap=wrap):
        yield from page.items


class Listing(Generic[T]):
    """A list endpoint with its filters. Iterating fetches pages lazily, following cursors until the last one;
    `page()` fetches a single page (from `cursor`, or the first).

    >>> for customer in client.customers.list(data_source_uuid="ds_..."):
    ...     print(customer.name)
    """

    def __init__(
        self,
        transport: Transport,
        path: str,
        wrap: Callable[[dict[str, Any]], T],
        *,
        key: str = "entries",
        params: Mapping[str, Any] | None = None,
        per_page: int | None = DEFAULT_PER_PAGE,
    ) -> None:
        self._transport = transport
        self.path = path
        self.key = key
        self.params = dict(params or {})
        self.per_page = per_page
        self._wrap = wrap

    def page(self, cursor: str | None = None, *, per_page: int | None = None) -> Page[T]:
        return fetch_page(
            self._transport,
            self.path,
            key=self.key,
            params=self.params,
            cursor=cursor,
            per_page=per_page or self.per_page,
            wrap=self._wrap,
        )

    def pages(self, cursor: str | None = None) -> Iterator[Page[T]]:
        yield from follow_cursors(self.page, cursor)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def all(self) -> list[T]:
        return list(self)
