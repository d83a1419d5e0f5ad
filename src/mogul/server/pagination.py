"""List pagination as ChartMogul does it: `per_page` + opaque `cursor`, and the deprecated `page`.

Cursors are keyset positions, base64 of `<sort key, 9-digit fraction>Z&<row key>` like the real API's
(`MjAxNi0wMS0wMVQxMjowMDowMC4wMDAwMDAwMDBaJjExNDE2NzQ1MA==`). The row key is an internal integer id for the older
lists and the object's own uuid for the newer ones (contacts: `...Z&con_36399f04-...`, as recorded), which also
list newest first. A page holds the rows strictly after the position in (sort key, key) order (or before it,
newest first), so rows inserted or deleted between requests never shift a row already seen
or not yet seen: no skips, no repeats. The deprecated `page` parameter is a plain offset (Airbyte's connector pages
customers that way and stops at a short page).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Select, func, select, tuple_

from .errors import bad_request
from .timefmt import from_us, to_us

MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
_DIGITS = re.compile(r"0*[0-9]{1,12}")  # leading zeros are harmless; 12 digits fit any bound
_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{9})Z&([0-9A-Za-z_-]{1,64})$")
_ROW_ID = re.compile(r"\d{1,18}")
RowKey = int | str
LEGACY_KEYS = frozenset({"current_page", "total_pages", "per_page", "page"})

# Top-level key order of each list, as recorded. Legacy keys appear only without a cursor.
CUSTOMERS = ("current_page", "total_pages", "has_more", "per_page", "page", "cursor")
PLANS = ("current_page", "total_pages", "cursor", "has_more")
INVOICES = ("total_pages", "current_page", "cursor", "has_more")
CUSTOMER_INVOICES = ("current_page", "total_pages", "cursor", "has_more")
# A page asked for with the deprecated `page` carries the page keys only, as the real lists answered before cursors
# (and plan groups still do, recorded).
PAGE_KEYS = ("current_page", "total_pages")


def legacy_layout(params: PageParams, layout: Sequence[str]) -> Sequence[str]:
    """`layout`, or only its page keys for a page asked for with `page` (and no cursor, which wins)."""
    if params.page is None or params.cursor_mode:
        return layout
    return tuple(name for name in layout if name in PAGE_KEYS)


def encode_cursor(sort_us: int, row_key: RowKey) -> str:
    dt = from_us(sort_us)
    text = f"{dt.strftime('%Y-%m-%dT%H:%M:%S')}.{dt.microsecond * 1000:09d}Z&{row_key}"
    return base64.b64encode(text.encode()).decode()


def decode_cursor(cursor: str, key: type[RowKey] = int) -> tuple[int, RowKey]:
    """(sort key µs, row key) from a cursor; the key an integer id, or with `key=str` an object's uuid. 400 for
    anything this server did not make."""
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=False).decode()
        m = _CURSOR.match(text)
        if not m or (key is int and not _ROW_ID.fullmatch(m.group(3))):
            raise ValueError(text)
        stamp = datetime.fromisoformat(m.group(1)).replace(microsecond=int(m.group(2)) // 1000)
        return to_us(stamp), key(m.group(3))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise bad_request("The cursor is not valid.", "cursor") from exc


@dataclass(frozen=True)
class PageParams:
    per_page: int = MAX_PER_PAGE
    after: tuple[int, Any] | None = None
    page: int | None = None

    @property
    def cursor_mode(self) -> bool:
        return self.after is not None


def page_params(query: Mapping[str, str], *, allow_page: bool = True, key: type[RowKey] = int) -> PageParams:
    """Parse `per_page`, `cursor` (its row key of type `key`) and (where the list had it) `page`; a given cursor
    wins over `page`."""
    per_page = _positive_int(query, "per_page", MAX_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        raise bad_request(f"per_page must be an integer between 1 and {MAX_PER_PAGE}", "per_page")
    cursor = query.get("cursor") or None
    page = _positive_int(query, "page", 1) if allow_page and query.get("page") else None
    if cursor:
        return PageParams(per_page, decode_cursor(cursor, key))
    return PageParams(per_page, None, page)


def _positive_int(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only: int() also takes "1_0", "+5" and other scripts' digits, which no client means and
    # the OpenAPI document could not describe. `page` is bounded so its OFFSET fits a 64-bit integer.
    digits = raw.strip()
    value = int(digits) if _DIGITS.fullmatch(digits) else 0
    if value < 1 or (name == "page" and value > MAX_PAGE):
        hint = (
            f"an integer between 1 and {MAX_PER_PAGE}" if name == "per_page" else f"an integer between 1 and {MAX_PAGE}"
        )
        raise bad_request(f"{name} must be {hint}", name)
    return value


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    has_more: bool
    cursor: str | None
    params: PageParams
    total: int | None

    @property
    def number(self) -> int:
        return self.params.page or 1

    def total_pages(self, empty_is_one: bool = True) -> int:
        pages = math.ceil((self.total or 0) / self.params.per_page)
        return max(pages, 1) if empty_is_one else pages

    def envelope(
        self,
        key: str,
        items: list[Any],
        layout: Sequence[str],
        *,
        head: Mapping[str, Any] | None = None,
        total_pages: bool | None = True,
    ) -> dict[str, Any]:
        """The response body: `head` keys first, then `key`, then `layout` (legacy keys only without a cursor).
        `total_pages` True computes it, False gives 0 on empty (as import invoices record), None sends null."""
        pages: int | None = None if total_pages is None else self.total_pages(empty_is_one=total_pages is True)
        values = {
            "current_page": self.number,
            "total_pages": pages,
            "per_page": self.params.per_page,
            "page": self.number,
            "has_more": self.has_more,
            "cursor": self.cursor,
        }
        out: dict[str, Any] = dict(head or {})
        out[key] = items
        for name in layout:
            if name in LEGACY_KEYS and self.params.cursor_mode:
                continue
            out[name] = values[name]
        return out


def splice(envelope: dict[str, Any], key: str, items: bytes) -> bytes:
    """The JSON of `envelope` (from `Page.envelope`, with `key` first and empty) with `items`, the bytes of a JSON
    array rendered elsewhere, in its place: a page's entries are never decoded to be encoded again."""
    body = orjson.dumps(envelope)
    head = b'{"' + key.encode() + b'":[]'
    if not body.startswith(head):
        raise ValueError(f"{key} is not the envelope's first key, or not empty")
    return b'{"' + key.encode() + b'":' + items + body[len(head) :]


def fetch(
    conn: Connection,
    query: Select[Any],
    sort: Column[Any],
    ident: Column[Any],
    params: PageParams,
    *,
    count: bool = True,
    newest_first: bool = False,
) -> Page:
    """Run `query` (filters applied, no order) for one page, in (sort, id) order, or the reverse with
    `newest_first`. The total, for `total_pages`, is counted on a page asked for without a cursor (the only one
    that sends it), unless `count` is False."""
    total = None
    if count and not params.cursor_mode:
        total = conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    order = (sort.desc(), ident.desc()) if newest_first else (sort, ident)
    paged = query.order_by(*order).limit(params.per_page + 1)
    if params.after is not None:
        position, after = tuple_(sort, ident), tuple_(*params.after)
        paged = paged.where(position < after if newest_first else position > after)
    elif params.page:
        paged = paged.offset((params.page - 1) * params.per_page)
    rows = conn.execute(paged).all()
    has_more = len(rows) > params.per_page
    rows = rows[: params.per_page]
    cursor = encode_cursor(rows[-1]._mapping[sort], rows[-1]._mapping[ident]) if rows else None
    return Page(rows, has_more, cursor, params, total)
