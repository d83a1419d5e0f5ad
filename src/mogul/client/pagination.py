"""Cursor pagination: follow `cursor` while `has_more`, lazily, one request per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
import msgspec

from .requester import Requester, not_json

T = TypeVar("T")
DEFAULT_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its items, whether more follow, and the cursor that fetches them. `raw` is the decoded
    response body, for the keys a list sends besides its items (`total_pages` on a first page, say); in a page
    from `json_pages` it holds those other keys only."""

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
        body: dict[str, Any] = self._requester.request("GET", self.path, params=self._query(cursor, per_page)) or {}
        items = body.get(self.key) or []
        if self._wrap is not as_dict:  # plain JSON objects are the decoded list itself, not a copy
            items = [self._wrap(item) for item in items]
        return _page(items, body)

    def json_page(self, cursor: str | None = None, *, per_page: int | None = None) -> Page[bytes]:
        """`page`, with each item the JSON text the API sent, not decoded: for a caller that passes records on as
        JSON and reads few of their keys (a source writing Airbyte messages)."""
        response = self._requester.send("GET", self.path, params=self._query(cursor, per_page))
        items, rest = split_items(response, self.key, self.path)
        return _page(items, rest)

    def pages(self, cursor: str | None = None) -> Iterator[Page[T]]:
        """The page at `cursor` (None: the first), then the one its cursor fetches, until the server says no more."""
        return _follow(self.page, cursor)

    def json_pages(self, cursor: str | None = None) -> Iterator[Page[bytes]]:
        """`pages` of `json_page`s."""
        return _follow(self.json_page, cursor)

    def _query(self, cursor: str | None, per_page: int | None) -> dict[str, Any]:
        query = dict(self.params)
        size = per_page or self.per_page
        if size is not None:
            query["per_page"] = size
        if cursor:
            query["cursor"] = cursor
        return query

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def all(self) -> list[T]:
        return list(self)


def as_dict(item: dict[str, Any]) -> dict[str, Any]:
    """The `wrap` of a listing of plain JSON objects: each as decoded, not copied."""
    return item


U = TypeVar("U")
_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ITEMS = msgspec.json.Decoder(list[msgspec.Raw] | None)


def split_items(response: httpx.Response, key: str, path: str) -> tuple[list[bytes], dict[str, Any]]:
    """A list page's items under `key`, each as the JSON text the API sent, and the page's other keys decoded.
    Only the page's outline is parsed; a body that is not a JSON object is a `TransportError`."""
    if not response.content:
        return [], {}
    try:
        top = _OBJECT.decode(response.content)
        found = top.pop(key, None)
        items = [bytes(item) for item in _ITEMS.decode(found) or ()] if found is not None else []
        return items, {name: msgspec.json.decode(value) for name, value in top.items()}
    except msgspec.MsgspecError as exc:
        raise not_json(response, path) from exc


def _page(items: list[U], body: dict[str, Any]) -> Page[U]:
    cursor = body.get("cursor")
    return Page(items, bool(body.get("has_more")) and bool(cursor), cursor, body)


def _follow(fetch: Callable[[str | None], Page[U]], cursor: str | None) -> Iterator[Page[U]]:
    while True:
        page = fetch(cursor)
        yield page
        if not page.has_more:
            return
        cursor = page.cursor
