"""Cursor pagination: follow `cursor` while `has_more`, lazily, one request per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .requester import Requester

T = TypeVar("T")
DEFAULT_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its items, whether more follow, and the cursor that fetches them. `raw` is the decoded
    response body, for the keys a list sends besides its items (`total_pages` on a first page, say)."""

    items: list[T]
    has_more: bool
    cursor: str | None
    raw: dict[str, Any]


class Listing(Generic[T]):
    """A list endpoint with its filters. Iterating fetches pages lazily, following cursors until the last one;
    `page()` fetches a single page (from `cursor`, or the first).

    >>> for customer in client.customers.list(data_source_uuid="ds_..."):
    ...     print(customer.name)
    """

    def __init__(
        self,
        requester: Requester,
        path: str,
        wrap: Callable[[dict[str, Any]], T],
        *,
        key: str = "entries",
        params: Mapping[str, Any] | None = None,
        per_page: int | None = DEFAULT_PER_PAGE,
    ) -> None:
        self._requester = requester
        self.path = path
        self.key = key
        self.params = dict(params or {})
        self.per_page = per_page
        self._wrap = wrap

    def page(self, cursor: str | None = None, *, per_page: int | None = None) -> Page[T]:
        query = dict(self.params)
        size = per_page or self.per_page
        if size is not None:
            query["per_page"] = size
        if cursor:
            query["cursor"] = cursor
        body: dict[str, Any] = self._requester.request("GET", self.path, params=query) or {}
        items = body.get(self.key) or []
        if self._wrap is not as_dict:  # plain JSON objects are the decoded list itself, not a copy
            items = [self._wrap(item) for item in items]
        next_cursor = body.get("cursor")
        return Page(items, bool(body.get("has_more")) and bool(next_cursor), next_cursor, body)

    def pages(self, cursor: str | None = None) -> Iterator[Page[T]]:
        """The page at `cursor` (None: the first), then the one its cursor fetches, until the server says no more."""
        while True:
            page = self.page(cursor)
            yield page
            if not page.has_more:
                return
            cursor = page.cursor

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def all(self) -> list[T]:
        return list(self)


def as_dict(item: dict[str, Any]) -> dict[str, Any]:
    """The `wrap` of a listing of plain JSON objects: each as decoded, not copied."""
    return item
