"""Reading computed results: account activities, one customer's activities and subscriptions."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Row, Select, bindparam, select, tuple_

from ...engine import ACTIVITY_TYPES
from ...engine.customer import CURRENCY_SIGNS
from ...objects import Activity, CustomerActivity, fields, key_tree
from .. import pagination
from ..errors import bad_request, not_found
from ..render import render
from . import schema
from .customers import NOT_FOUND as CUSTOMER_NOT_FOUND
from .database import Database
from .schema import activities, customer_results


@dataclass(frozen=True)
class ActivityQuery:
    start: int | None = None  # µs, inclusive
    end: int | None = None  # µs, exclusive
    type: str | None = None
    descending: bool = False
    per_page: int = pagination.MAX_PER_PAGE
    after: tuple[int, int] | None = None  # (date µs, id) of the last entry already seen
    after_uuid: str | None = None  # legacy `start-after`

    def __post_init__(self) -> None:
        if self.type is not None and self.type not in ACTIVITY_TYPES:
            raise bad_request(f"type must be one of {', '.join(ACTIVITY_TYPES)}", "type")


@dataclass(frozen=True)
class ActivityPage:
    bodies: list[str]
    has_more: bool
    cursor: str | None


class Activities:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, q: ActivityQuery) -> ActivityPage:
        with self.db.read() as conn:
            after = q.after
            if q.after_uuid is not None:
                row = conn.execute(_ANCHOR, {"uuid": q.after_uuid}).first()
                if row is None:
                    raise bad_request("start-after does not name a known activity", "start-after")
                after = (row.date, row.id)
            start, end = q.start, q.end
            values: dict[str, Any] = {"limit": q.per_page + 1, "type": q.type}
            if after is not None:
                values["after_date"], values["after_id"] = after
                # One bound on `date` where the cursor is: SQLite ranges the index on one lower (upper) bound
                # only, and a cursor page would otherwise walk from the window's start.
                if q.descending:
                    end = after[0] + 1 if end is None else min(end, after[0] + 1)
                else:
                    start = after[0] if start is None else max(start, after[0])
            values["start"], values["end"] = start, end
            query = _list_statement(
                q.descending, start is not None, end is not None, q.type is not None, after is not None
            )
            rows = conn.execute(query, values).all()
        return _page(rows, q.per_page)

    def _customer_id(self, conn: Any, uuid: str) -> int:
        cid = conn.execute(select(schema.customers.c.id).where(schema.customers.c.uuid == uuid)).scalar_one_or_none()
        if cid is None:
            raise not_found(CUSTOMER_NOT_FOUND)
        return cid

    def for_customer(self, uuid: str, params: pagination.PageParams) -> tuple[pagination.Page, list[dict[str, Any]]]:
        a = activities
        with self.db.read() as conn:
            cid = self._customer_id(conn, uuid)
            page = pagination.fetch(
                conn, select(a.c.id, a.c.date, a.c.body).where(a.c.customer_id == cid), a.c.date, a.c.id, params
            )
        return page, [_customer_entry(row) for row in page.rows]

    def subscriptions(
        self, uuid: str, per_page: int, cursor: str | None, first_page: int | None = None
    ) -> dict[str, Any]:
        """`/customers/{uuid}/subscriptions`: the engine's view, paged by position like the real API's
        `subscriptions_next_page=N` cursor; without a cursor, the deprecated `page` (`first_page`) picks one. The
        cursor names the next page even on the last one (recorded: `has_more` false, a cursor for page 2); a page
        asked for with `page` has none, as the lists before cursors had none."""
        page = _subscriptions_page(cursor) if cursor else first_page or 1
        with self.db.read() as conn:
            cid = self._customer_id(conn, uuid)
            views = conn.execute(
                select(customer_results.c.subscriptions).where(customer_results.c.customer_id == cid)
            ).scalar_one_or_none()
        views = views or []
        start = (page - 1) * per_page
        entries = views[start : start + per_page]
        has_more = start + per_page < len(views)
        body: dict[str, Any] = {"entries": entries, "has_more": has_more}
        if cursor is None:
            body |= {"per_page": per_page, "page": page}
        if cursor is not None or first_page is None:
            body["cursor"] = _subscriptions_cursor(page + 1)
        return body


@functools.cache
def _list_statement(descending: bool, start: bool, end: bool, type_: bool, after: bool) -> Select[Any]:
    """The `/activities` page query for one combination of filters, built once: building it for each page (and
    SQLAlchemy's cache key for a new statement) cost about as much CPU as running it. Values are bound."""
    a = activities
    order = (a.c.date.desc(), a.c.id.desc()) if descending else (a.c.date, a.c.id)
    query = select(a.c.id, a.c.date, a.c.body).order_by(*order).limit(bindparam("limit"))
    if start:
        query = query.where(a.c.date >= bindparam("start"))
    if end:
        query = query.where(a.c.date < bindparam("end"))
    if type_:
        query = query.where(a.c.type == bindparam("type"))
    if after:
        position, anchor = tuple_(a.c.date, a.c.id), tuple_(bindparam("after_date"), bindparam("after_id"))
        query = query.where(position < anchor if descending else position > anchor)
    return query


_ANCHOR = select(activities.c.date, activities.c.id).where(activities.c.uuid == bindparam("uuid"))


def _page(rows: Sequence[Any], per_page: int) -> ActivityPage:
    """A page from up to `per_page + 1` `(id, date, body)` rows: the extra row only says that more follow."""
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    cursor = pagination.encode_cursor(rows[-1][1], rows[-1][0]) if rows and has_more else None
    return ActivityPage([row[2] for row in rows], has_more, cursor)  # by position: 7x faster than by name


def _customer_entry(row: Row[Any]) -> dict[str, Any]:
    """The per-customer view of a stored `/activities` entry: its `id`, `currency-sign`, and the keys
    `CustomerActivity` declares (no customer, plan or data source keys)."""
    entry = orjson.loads(row.body)
    values = {f.attr: entry[f.name] for f in _SHARED}
    values.update(id=row.id, currency_sign=CURRENCY_SIGNS.get(entry["currency"], entry["currency"]))
    return render(CustomerActivity, values)


_SHARED = tuple(f for f in fields(CustomerActivity) if f.name in key_tree(Activity))


def _subscriptions_cursor(page: int) -> str:
    return base64.b64encode(f"subscriptions_next_page={page}".encode()).decode()


def _subscriptions_page(cursor: str | None) -> int:
    if not cursor:
        return 1
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, _, number = text.partition("=")
        if name != "subscriptions_next_page" or not number.isdigit() or int(number) < 1:
            raise ValueError(text)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise bad_request("The cursor is not valid.", "cursor") from exc
