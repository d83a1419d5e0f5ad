"""What the CRM stores (contacts, customer notes, opportunities, tasks) share: one row per object that belongs to a
customer, retrieved, listed newest first, updated and deleted by its uuid, with ChartMogul's newer error bodies.

Each family's module says how its rows are written (`create`, `update`) and rendered; `CrmStore` does the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Row, Select, Table, delete, select, update

from ...objects import ApiObject
from ..errors import ApiError, bad_request, coded
from ..pagination import Page, PageParams, fetch
from ..render import render
from ..timefmt import now_us, parse_timestamp
from ..validation import Values, checked, coded_first
from . import schema
from .attributes import custom_problem
from .database import Database
from .ids import new_uuid

c = schema.customers
contacts = schema.contacts


class Owner(NamedTuple):
    """Whom a new object belongs to: a customer row (`customer_row`), and the contact it is attached to, if any."""

    customer: Row[Any]
    contact_id: int | None = None


def missing(noun: str, param: str, uuid: str, prefix: str = "") -> ApiError:
    """404 `{"code":404,"message":"Contact \\"<uuid without prefix>\\" does not exist","param":"contact_uuid"}`."""
    return coded(404, f'{noun} "{uuid.removeprefix(prefix)}" does not exist', param)


def customer_missing(uuid: str, status: int = 422) -> ApiError:
    """An unknown customer: 422 when a body names it, 404 when the path does."""
    return coded(status, f'Customer "{uuid.removeprefix("cus_")}" does not exist', "customer_uuid")


def customer_row(conn: Connection, uuid: str, status: int = 422) -> Row[Any]:
    """The customer with this uuid (id, uuid, external_id, data_source_id, merged_ids), or `customer_missing`."""
    row = conn.execute(
        select(c.c.id, c.c.uuid, c.c.external_id, c.c.data_source_id, c.c.merged_ids).where(c.c.uuid == uuid)
    ).first()
    if row is None:
        raise customer_missing(uuid, status)
    return row


Filters = Mapping[str, str | None]
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
DAY_US = 86_400_000_000


def text_filter(filters: Filters, name: str) -> str | None:
    """A filter's value; an empty one counts as not given."""
    return filters.get(name) or None


def day_filter(filters: Filters, name: str) -> date | None:
    """`YYYY-MM-DD`, or 400."""
    value = text_filter(filters, name)
    if value is None:
        return None
    try:
        if not _DAY.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise bad_request(f"{name} must be a date (YYYY-MM-DD)", name) from exc


def instant_filter(filters: Filters, name: str, *, end_of_day: bool = False) -> int | None:
    """A day or an instant as UTC microseconds, or 400. With `end_of_day`, a bare day means its last instant."""
    value = text_filter(filters, name)
    if value is None:
        return None
    try:
        us = parse_timestamp(value)
    except (ValueError, OverflowError) as exc:
        raise bad_request(f"{name} must be a date or a timestamp", name) from exc
    return us + DAY_US - 1 if end_of_day and _DAY.match(value.strip()) else us


def flag_filter(filters: Filters, name: str) -> bool | None:
    """`true`/`false` in any case, `1`/`0`, `yes`/`no` (the Python client sends `True`, PHP `1`); empty is not
    given; anything else 400."""
    value = (filters.get(name) or "").strip().lower()
    if not value:
        return None
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise bad_request(f"{name} must be true or false", name)


def custom_values(sent: Any, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`custom` as stored, `{key: value}`: what a create or an update sent (a list of `{key, value}` as parsed, or an
    object) over `current`. A null `custom` changes nothing."""
    out = dict(current or {})
    if sent is None:
        return out
    if isinstance(sent, Mapping):
        out.update(sent)
    else:
        for item in sent:
            if "key" not in item:  # an update view does not require the key (validation's create rule)
                raise coded(422, "custom.key can't be blank", "custom.key")
            out[item["key"]] = item.get("value")
    problem = custom_problem(out)
    if problem:
        raise coded(422, f"custom {problem}", "custom")
    return out


class CrmStore:
    """The shared part of one CRM family's store. Subclasses set the class attributes and implement `_insert` and
    `_changes`; rows come from `_query()`, whose columns `_values` turns into the declaration's values."""

    cls: type[ApiObject]
    table: Table
    noun: str  # "Contact"
    param: str  # "contact_uuid"
    prefix: str = ""  # "con_"
    associable: bool = False
    """Notes and tasks: may be attached to a contact (`contact_id`, `associated_object_identifier`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reading

    def _query(self) -> Select[Any]:
        t = self.table
        query = select(t, c.c.uuid.label("customer_uuid")).join(c, c.c.id == t.c.customer_id)
        if self.associable:
            query = query.add_columns(contacts.c.uuid.label("contact_uuid")).outerjoin(
                contacts, contacts.c.id == t.c.contact_id
            )
        return query

    def associated(self, row: Row[Any]) -> dict[str, Any]:
        """`associated_object` and `associated_object_uuid` of an associable row."""
        contact = row._mapping["contact_uuid"]
        if contact is not None:
            return {"associated_object": "contact", "associated_object_uuid": contact}
        return {"associated_object": "customer", "associated_object_uuid": row._mapping["customer_uuid"]}

    def _values(self, row: Row[Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _render(self, row: Row[Any]) -> dict[str, Any]:
        return render(self.cls, self._values(row))

    def _row(self, conn: Connection, uuid: str) -> Row[Any]:
        row = conn.execute(self._query().where(self.table.c.uuid == uuid)).first()
        if row is None:
            raise missing(self.noun, self.param, uuid, self.prefix)
        return row

    def get(self, uuid: str) -> dict[str, Any]:
        with self.db.read() as conn:
            return self._render(self._row(conn, uuid))

    def page(
        self, params: PageParams, where: Iterable[ColumnElement[bool]] = (), query: Select[Any] | None = None
    ) -> tuple[Page, list[dict[str, Any]]]:
        """One page, newest first, of the rows that match every condition in `where`."""
        t = self.table
        query = (self._query() if query is None else query).where(*where)
        with self.db.read() as conn:
            page = fetch(conn, query, t.c.created_at, t.c.uuid, params, count=False, newest_first=True)
        return page, [self._render(row) for row in page.rows]

    def by_customer(self, filters: Filters) -> list[ColumnElement[bool]]:
        """The condition of the `customer_uuid` filter (none when it is not given)."""
        customer_uuid = text_filter(filters, "customer_uuid")
        return [] if customer_uuid is None else [c.c.uuid == customer_uuid]

    def by_contact(self, filters: Filters) -> list[ColumnElement[bool]]:
        """The condition of the `contact_uuid` filter: the objects attached to that contact."""
        contact_uuid = text_filter(filters, "contact_uuid")
        return [] if contact_uuid is None else [contacts.c.uuid == contact_uuid]

    def equal(self, filters: Filters, *names: str) -> list[ColumnElement[bool]]:
        """Conditions `column == value` for the filters `names` (columns of the same name) that are given."""
        return [self.table.c[name] == filters[name] for name in names if text_filter(filters, name) is not None]

    # --- writing

    def new_uuid(self) -> str:
        return new_uuid(self.prefix)

    def create(self, body: dict[str, Any], *, customer_uuid: str | None = None, **context: Any) -> dict[str, Any]:
        """201's object. `customer_uuid` comes from a path (`/customers/{uuid}/contacts`): unknown, it is a 404, and
        it wins over the body's. `context` goes to `_insert` (a note's author)."""
        if customer_uuid is not None:
            with self.db.read() as conn:
                customer_row(conn, customer_uuid, 404)
            body = {**body, "customer_uuid": customer_uuid}
        values = checked(self.cls, body, "create", coded_first)
        with self.db.begin() as conn:
            row_id = self._insert(conn, self._owner(conn, values), values, now_us(), **context)
            return self._render(conn.execute(self._query().where(self.table.c.id == row_id)).one())

    def _owner(self, conn: Connection, values: Values) -> Owner:
        """The customer of `customer_uuid`; or, without one, the customer or contact `associated_object_identifier`
        names (a contact's object belongs to the contact's customer). 422 when neither names one that exists."""
        if values.get("customer_uuid") is not None:
            return Owner(customer_row(conn, values["customer_uuid"]))
        named = values.get("associated_object_identifier")
        if named is None:
            raise coded(422, "customer_uuid can't be blank", "customer_uuid")
        if named["associated_object"] == "customer":
            return Owner(customer_row(conn, named["value"]))
        contact = conn.execute(
            select(contacts.c.id, c.c.uuid)
            .join(c, c.c.id == contacts.c.customer_id)
            .where(contacts.c.uuid == named["value"])
        ).first()
        if contact is None:
            raise coded(
                422, f'Contact "{named["value"].removeprefix("con_")}" does not exist', "associated_object_identifier"
            )
        return Owner(customer_row(conn, contact.uuid), contact.id)

    def _insert(self, conn: Connection, owner: Owner, values: Values, now: int, **context: Any) -> int:
        """Insert the new row from the parsed `values`; returns its id."""
        raise NotImplementedError

    def update(self, uuid: str, body: dict[str, Any], **context: Any) -> dict[str, Any]:
        values = checked(self.cls, body, "update", coded_first)
        with self.db.begin() as conn:
            row = self._row(conn, uuid)
            changes = self._changes(conn, row, values, now_us(), **context)
            if changes:
                conn.execute(update(self.table).where(self.table.c.id == row.id).values(**changes))
            return self._render(conn.execute(self._query().where(self.table.c.id == row.id)).one())

    def _changes(self, conn: Connection, row: Row[Any], values: Values, now: int, **context: Any) -> dict[str, Any]:
        """The column values a PATCH with the parsed `values` sets (keys not sent keep theirs)."""
        raise NotImplementedError

    def delete(self, uuid: str) -> None:
        with self.db.begin() as conn:
            if not conn.execute(delete(self.table).where(self.table.c.uuid == uuid)).rowcount:
                raise missing(self.noun, self.param, uuid, self.prefix)


def sent(values: Values, names: Iterable[str]) -> dict[str, Any]:
    """The parsed `values` of the fields `names` that a request sent."""
    return {name: values[name] for name in names if name in values}
