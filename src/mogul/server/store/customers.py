"""Customers: create, list, search, update, delete, attributes; merges in merges.py.

`status`, `mrr`, `arr` and `customer-since` belong to the metrics engine; until it runs a customer is a lead
("New Lead", 0, 0, null). A PATCH may move a lead between lead statuses only.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, Literal, NamedTuple

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Row,
    Select,
    String,
    bindparam,
    cast,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from ...objects import Customer, field_of
from ...objects import fields as declared
from ...objects.customers import LEAD_STATUSES
from ..errors import ApiError, bad_request, coded, invalid
from ..pagination import Page, PageParams, encode_cursor
from ..processing import enqueue
from ..render import render as render_object
from ..timefmt import now_us
from ..validation import Problem, Values, legacy, message, parse
from . import attributes as attrs
from . import contacts, customer_entries, fields, merges, schema
from .bulk import driver_rows, mark, placeholders
from .database import Database
from .geo import country_name, state_name
from .ids import new_uuid

NOT_FOUND = "Customer not found"  # the older resources' word for it (invoices, subscriptions, activities)
DUPLICATE = message(field_of(Customer, "external_id"), "taken")

c = schema.customers
ds = schema.data_sources
e = schema.customer_entries

# The declared fields kept in a column of the same name: a new one needs its declaration and its column, nothing
# here. The rest of the customer object is worked out in `_values`.
_STORED = frozenset(c.columns.keys())
RENDERED = tuple(f.attr for f in declared(Customer) if f.attr in _STORED)
# Declared strings that are never null: `""` when unset (name, email, company).
NEVER_NULL = tuple(
    f.attr
    for f in declared(Customer, "update")
    if f.type.kind == "string" and f.type.enum is None and not f.type.nullable and not f.not_blank
)
NOT_BLANK = tuple(f for f in declared(Customer, "update") if f.not_blank)


def base_query() -> Select[Any]:
    return select(c, ds.c.uuid.label("ds_uuid"), ds.c.system.label("ds_system")).join(ds, ds.c.id == c.c.data_source_id)


# Creating a customer: its data source, and the account currency its rendering shows, in one read.
# Straight to the driver (see bulk.driver_rows): through SQLAlchemy these two statements were half of a create's
# CPU, most of it processing the insert's parameters.
CREATE_CONTEXT_SQL = "SELECT id, system, (SELECT currency FROM account) FROM data_sources WHERE uuid = ?"
JSON_COLUMNS = frozenset({"tags", "custom", "merged_ids"})


class CreateContext(NamedTuple):
    id: int
    system: str
    currency: str


def _insert_customer(conn: Connection, values: Mapping[str, Any]) -> int:
    """INSERT one customer row; JSON columns serialised as SQLAlchemy's JSON type does (json.dumps)."""
    names = ", ".join(f'"{key}"' for key in values)
    sql = f"INSERT INTO customers ({names}) VALUES ({placeholders(len(values))}) RETURNING id"
    params = tuple(json.dumps(v) if k in JSON_COLUMNS else v for k, v in values.items())
    return conn.exec_driver_sql(sql.replace("?", mark(conn)), params).scalar_one()


_CURRENCY = select(schema.account.c.currency)


def account_currency(conn: Connection) -> str:
    return conn.execute(_CURRENCY).scalar_one()


_COLUMNS = [*c.columns.keys(), "ds_uuid", "ds_system"]
_URL = "https://app.chartmogul.com/#/customers/"


def not_found(uuid: str) -> ApiError:
    """404 as recorded: `Customer "<uuid without cus_>" does not exist`, param
    `customer_id`."""
    return coded(404, f'Customer "{uuid.removeprefix("cus_")}" does not exist', "customer_id")


def render(row: Row[Any] | SimpleNamespace, currency: str) -> dict[str, Any]:
    """The API's customer object from a `base_query()` row (or a namespace with the same names)."""
    return render_with(row, currency, fields.currency_sign(currency))


def render_with(row: Row[Any] | SimpleNamespace | Sequence[Any], currency: str, sign: str) -> dict[str, Any]:
    """`render` for a list page: the currency's sign worked out once. A plain sequence holds `_COLUMNS` in order;
    extra trailing columns (a list page's `currency`) are ignored."""
    # A row by position (`base_query()`'s columns are `_COLUMNS`): a dict of it costs half its `_mapping`'s lookups.
    m: Mapping[str, Any] = vars(row) if isinstance(row, SimpleNamespace) else dict(zip(_COLUMNS, row, strict=False))
    return render_object(Customer, _values(m, currency, sign))


def _values(m: Mapping[str, Any], currency: str, sign: str) -> dict[str, Any]:
    """The declaration's values of one customer: its stored fields, and those worked out from the row."""
    values = {attr: m[attr] for attr in RENDERED}
    ds_uuid, external_id, merged = m["ds_uuid"], m["external_id"], m["merged_ids"]
    ds_uuids, external_ids = [ds_uuid], [external_id]
    for merged_ds, merged_external_id in merged or ():
        if merged_ds not in ds_uuids:
            ds_uuids.append(merged_ds)
        external_ids.append(merged_external_id)
    country, state = m["country"], m["state"]
    name = (m["company"] or m["name"] or external_id).replace(" ", "_")
    values.update(
        attributes={"custom": m["custom"], "stripe": {}, "tags": m["tags"]},
        data_source_uuid=ds_uuid,
        data_source_uuids=ds_uuids,
        external_ids=external_ids,
        address={
            "country": country_name(country),
            "state": state_name(country, state),
            "city": m["city"],
            "address_zip": m["zip"],
        },
        billing_system_url=None,
        chartmogul_url=f"{_URL}{m['id']}-{name}",
        billing_system_type=m["ds_system"],
        currency=currency,
        currency_sign=sign,
    )
    return values


# The list's filters: query parameter -> the condition it adds, compared with a bound value of the same name.
_FILTERS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "data_source_uuid": lambda: ds.c.uuid == bindparam("data_source_uuid"),
    "external_id": lambda: c.c.external_id == bindparam("external_id"),
    "status": lambda: c.c.status == bindparam("status"),
    # Case-insensitive equality, not ILIKE: `%`, `_` and a trailing `\` are not patterns here.
    "system": lambda: func.lower(ds.c.system) == func.lower(bindparam("system", type_=String)),
    "email": lambda: c.c.email == bindparam("email"),
}
_BY_SOURCE = frozenset({"data_source_uuid", "system"})  # the filters that read the data source
_ORDER = (c.c.created_at, c.c.id)


def _filtered(columns: Sequence[Any], names: frozenset[str], *, entries: bool) -> Select[Any]:
    """`columns` of the customers the filters `names` keep; with each one's stored entry (`customer_entries`)."""
    source: FromClause = c
    if entries:
        source = source.outerjoin(e, e.c.customer_id == c.c.id)
    if names & _BY_SOURCE:  # every customer's data source exists: joined only where a filter reads it
        source = source.join(ds, ds.c.id == c.c.data_source_id)
    query = select(*columns).select_from(source)
    for name in sorted(names):
        query = query.where(_FILTERS[name]())
    return query


@functools.cache
def _page_statement(names: frozenset[str], mode: str) -> Select[Any]:
    """One page of the list filtered by `names` (`_FILTERS`): each customer's id, `created_at` and stored entry
    with the account's currency keys (`middle`), in (created_at, id) order, for one `mode`: `first`, `after` a
    cursor's position (`after_at`, `after_id`) or at an `offset`; `limit` bound. Built once per combination:
    building a statement (and SQLAlchemy's cache key for a new one) cost about as much CPU as running it."""
    # The entry joined in SQL: one string a row to Python instead of two.
    columns = (c.c.id, c.c.created_at, (e.c.head + bindparam("middle", type_=String) + e.c.tail).label("entry"))
    if mode == "offset":
        # The rows an offset skips are found in an index alone; only the page's own rows are read.
        skipped = _filtered([c.c.id], names, entries=False).order_by(*_ORDER)
        page_ids = skipped.limit(bindparam("limit")).offset(bindparam("offset"))
        return _filtered(columns, frozenset(), entries=True).where(c.c.id.in_(page_ids)).order_by(*_ORDER)
    query = _filtered(columns, names, entries=True)
    if mode == "after":
        query = query.where(tuple_(*_ORDER) > tuple_(bindparam("after_at"), bindparam("after_id")))
    return query.order_by(*_ORDER).limit(bindparam("limit"))


@functools.cache
def _count_statement(names: frozenset[str]) -> Select[Any]:
    return _filtered([func.count()], names, entries=False)


def parse_profile(body: Mapping[str, Any], view: Literal["create", "update"]) -> tuple[Values, Values | None]:
    """The declared fields a create or a PATCH sends, as column values, and its `primary_contact` (parsed, or
    None). `attributes` are left to the callers: tags and typed custom values have rules of their own
    (`attributes.py`). Refused values are a 422: an invalid email in ChartMogul's coded body, the rest in the
    legacy map."""
    values, problems = parse(Customer, {k: v for k, v in body.items() if k != "attributes"}, view)
    if any(p.param == "owner" and p.kind == "invalid" for p in problems):
        # Not an email, so no ChartMogul user: ignored, as the real API ignores an owner who is no user.
        problems = [p for p in problems if p.param != "owner"]
        del values["owner"]
    for f in NOT_BLANK:
        if f.attr in values and values[f.attr] is None:
            problems.append(Problem(f.name, "missing", message(f, "missing")))
    if problems:
        raise refusal(problems)
    for attr in NEVER_NULL:
        if (attr in values and values[attr] is None) or (view == "create" and attr not in values):
            values[attr] = ""
    if values.get("country") is not None:
        values["country"] = values["country"].upper() or None
    if values.get("status") is not None:
        values["status"] = values["status"].replace("_", " ")
    contact = values.pop("primary_contact", None)
    return {k: v for k, v in values.items() if k in _STORED}, contact


def refusal(problems: list[Problem]) -> ApiError:
    """422 for a create or a PATCH: `{"code":422,"message":...,"param":"email"}` for an invalid email, as
    recorded, else the legacy `{"errors": {...}}`."""
    email = next((p for p in problems if p.kind == "invalid" and p.param.endswith("email")), None)
    if email is not None:
        return coded(422, email.message, email.param)
    return legacy(problems)


class Customers:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reading

    def list(self, filters: Mapping[str, str | None], params: PageParams, *, count: bool = True) -> tuple[Page, bytes]:
        """A page of customers, and its entries as the bytes of their JSON array: the stored entries
        (customer_entries.py), with the account's currency. `count` False skips the total that only `total_pages`
        needs (search sends null)."""
        values: dict[str, Any] = {name: filters[name] for name in _FILTERS if filters.get(name)}
        if "status" in values:
            values["status"] = str(values["status"]).replace("_", " ")
        if "system" in values:
            values["system"] = str(values["system"])
        names = frozenset(values)
        values["limit"] = params.per_page + 1
        if params.after is not None:
            mode = "after"
            values["after_at"], values["after_id"] = params.after
        elif params.page and params.page > 1:
            mode = "offset"
            values["offset"] = (params.page - 1) * params.per_page
        else:
            mode = "first"
        with self.db.read() as conn:  # the currency, the total, the page and any entry rendered here: one snapshot
            currency = account_currency(conn)
            sign = fields.currency_sign(currency)
            values["middle"] = customer_entries.middle(currency, sign)
            total = None
            if count and not params.cursor_mode:
                total = conn.execute(_count_statement(names), values).scalar_one()
            rows = conn.execute(_page_statement(names, mode), values).all()
            has_more = len(rows) > params.per_page
            rows = rows[: params.per_page]
            if not rows:
                return Page(rows, has_more, None, params, total), b"[]"
            # A customer whose entry is not stored (none should be) is rendered here. By position (id,
            # created_at, entry): by name costs several times as much, 200 times a page.
            missing = [row[0] for row in rows if row[2] is None]
            rendered = {}
            if missing:
                for row in conn.execute(base_query().where(c.c.id.in_(missing))):
                    rendered[row.id] = orjson.dumps(render(row, currency)).decode()
        entries = [rendered[row[0]] if row[2] is None else row[2] for row in rows]
        last = rows[-1]
        page = Page(rows, has_more, encode_cursor(last.created_at, last.id), params, total)
        return page, ("[" + ",".join(entries) + "]").encode()

    def search(self, email: str | None, params: PageParams) -> tuple[Page, bytes]:
        if not email:
            raise bad_request("email is required", "email")
        page, entries = self.list({"email": email}, params, count=False)
        if not page.rows and not params.cursor_mode:
            raise search_miss(email)
        return page, entries

    def get(self, uuid: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(base_query().where(c.c.uuid == uuid)).first()
            if row is None:
                raise not_found(uuid)
            return render(row, account_currency(conn))

    def attributes(self, uuid: str) -> dict[str, Any]:
        customer = self.get(uuid)
        return {"tags": customer["attributes"]["tags"], "stripe": {}, "custom": customer["attributes"]["custom"]}

    # --- writing

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        values, contact = parse_profile(body, "create")
        ds_uuid = body["data_source_uuid"]  # parse_profile refused a body without one
        attributes = fields.obj(body, "attributes") or {}
        tags = attrs.tags_of(attributes["tags"], "attributes.tags") if attributes.get("tags") is not None else []
        custom = _sent_custom(attributes["custom"]) if attributes.get("custom") is not None else {}
        attrs.bounded_tags(tags, "attributes.tags")
        attrs.bounded_custom(custom, "attributes.custom")
        now = now_us()
        values.update(
            uuid=new_uuid("cus_"),
            tags=tags,
            custom=custom,
            merged_ids=[],
            status=LEAD_STATUSES[0],
            mrr=0,
            arr=0,
            customer_since=None,
            created_at=now,
        )
        try:
            with self.db.begin() as conn:
                found = driver_rows(conn, CREATE_CONTEXT_SQL, (ds_uuid,))
                if not found:
                    raise invalid({"data_source_uuid": "Data source not found"})
                source = CreateContext(*found[0])
                values["data_source_id"] = source.id
                customer_id = _insert_customer(conn, values)
                if contact is not None:
                    contacts.primary_contact(conn, customer_id, source.id, contact, now)
                # Rendered from what was written rather than read back: two fewer statements in the write
                # transaction. JSON columns as a read would return them (a JSON round trip).
                stored = dict.fromkeys(c.columns.keys()) | values
                stored.update(
                    id=customer_id,
                    ds_uuid=ds_uuid,
                    ds_system=source.system,
                    tags=json.loads(json.dumps(tags)),
                    custom=json.loads(json.dumps(custom)),
                )
                rendered = render(SimpleNamespace(**stored), source.currency)
                customer_entries.put(conn, [(customer_id, rendered)], new=True)
        except IntegrityError as exc:
            raise invalid({"external_id": DUPLICATE}) from exc
        return rendered

    def update(self, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        values, contact = parse_profile(body, "update")
        attributes = fields.obj(body, "attributes") or {}
        try:
            with self.db.begin() as conn:
                row = self._lock(conn, uuid)
                if values.get("status") is not None and row.status not in LEAD_STATUSES:
                    raise invalid({"status": "only a lead's status can be changed"})
                if "status" in values and values["status"] is None:
                    del values["status"]  # status is the engine's: a null one asks for nothing
                if attributes.get("tags") is not None:
                    values["tags"] = attrs.bounded_tags(attrs.tags_of(attributes["tags"], "attributes.tags"))
                if attributes.get("custom") is not None:
                    custom = {**row.custom, **_sent_custom(attributes["custom"])}
                    values["custom"] = attrs.bounded_custom(custom, "attributes.custom")
                if values:
                    conn.execute(update(c).where(c.c.id == row.id).values(**values))
                if contact is not None:
                    contacts.primary_contact(conn, row.id, row.data_source_id, contact, now_us())
                if values.keys() & {"name", "external_id"}:
                    enqueue(conn, [(row.id, row.data_source_id)])  # activities carry the customer's name and id
                rendered = render(conn.execute(base_query().where(c.c.id == row.id)).one(), account_currency(conn))
                customer_entries.put(conn, [(row.id, rendered)])
                return rendered
        except IntegrityError as exc:
            raise invalid({"external_id": DUPLICATE}) from exc

    def delete(self, uuid: str) -> None:
        with self.db.begin() as conn:
            if not conn.execute(delete(c).where(c.c.uuid == uuid)).rowcount:
                raise not_found(uuid)

    def change_tags(self, uuid: str, body: dict[str, Any], *, remove: bool = False) -> dict[str, Any]:
        tags = _tags_in(body)
        with self.db.begin() as conn:
            row = self._lock(conn, uuid)
            new = _set_tags(conn, row, tags, remove=remove)
            customer_entries.store(conn, [row.id])
        return {"tags": new}

    def change_custom(self, uuid: str, body: dict[str, Any], *, mode: str) -> dict[str, Any]:
        """mode `add` (typed list), `update` (plain object) or `remove` (list of keys)."""
        if "custom" not in body:
            raise bad_request("custom is required", "custom")
        with self.db.begin() as conn:
            row = self._lock(conn, uuid)
            custom = _set_custom(conn, row, body["custom"], mode)
            customer_entries.store(conn, [row.id])
        return {"custom": custom}

    def by_email(self, body: dict[str, Any], *, kind: str) -> dict[str, Any]:
        """`POST /customers/attributes/tags|custom` with `email`: apply to every customer with that email, in one
        transaction (all of them or, on any failure, none)."""
        email = fields.string(body, "email")
        if not email:
            raise bad_request("email is required", "email")
        with self.db.begin() as conn:
            rows = conn.execute(base_query().where(c.c.email == email).order_by(c.c.id).with_for_update(of=c)).all()
            if not rows:
                raise search_miss(email)
            if kind == "tags":
                tags = _tags_in(body)
                for row in rows:
                    _set_tags(conn, row, tags, remove=False)
            else:
                if "custom" not in body:
                    raise bad_request("custom is required", "custom")
                for row in rows:
                    _set_custom(conn, row, body["custom"], "add")
            ids = [row.id for row in rows]
            changed = conn.execute(base_query().where(c.c.id.in_(ids)).order_by(c.c.id)).all()
            currency = account_currency(conn)
            entries = [render(row, currency) for row in changed]
            customer_entries.put(conn, list(zip(ids, entries, strict=True)))
        return {"entries": entries}

    def merge(self, body: dict[str, Any]) -> dict[str, Any]:
        source, target = fields.obj(body, "from"), fields.obj(body, "into")
        if not source or not target:
            raise bad_request("from and into are required", "from" if not source else "into")
        try:
            self._merge(source, target)
        except IntegrityError as exc:
            raise invalid({"into": "Both customers have a subscription with the same external ID."}) from exc
        return {}

    def _merge(self, source: dict[str, Any], target: dict[str, Any]) -> None:
        with self.db.begin() as conn:
            src, dst = self._resolve(conn, source), self._resolve(conn, target)
            if src.id == dst.id:
                raise invalid({"into": "A customer cannot be merged into itself."})
            merges.merge(conn, src, dst)

    def unmerge(self, body: dict[str, Any]) -> dict[str, Any]:
        """Split a merged (data source, external id) out of a customer again (store/merges.py)."""
        wanted = {key: fields.string(body, key) for key in ("customer_uuid", "data_source_uuid", "external_id")}
        for key, value in wanted.items():
            if not value:
                raise bad_request(f"{key} is required", key)
        move = body.get("move_to_new_customer") or []
        if not isinstance(move, list) or not all(isinstance(m, str) for m in move):
            raise bad_request("move_to_new_customer must be a list of strings", "move_to_new_customer")
        unknown = sorted(set(move) - set(merges.MOVABLE))
        if unknown:
            raise invalid({"move_to_new_customer": f"unknown: {', '.join(unknown)}; use {', '.join(merges.MOVABLE)}"})
        try:
            with self.db.begin() as conn:
                row = self._lock(conn, str(wanted["customer_uuid"]))
                merges.unmerge(conn, row, str(wanted["data_source_uuid"]), str(wanted["external_id"]))
        except IntegrityError as exc:
            raise invalid({"external_id": DUPLICATE}) from exc
        return {}

    def _lock(self, conn: Connection, uuid: str) -> Row[Any]:
        # FOR UPDATE on PostgreSQL keeps concurrent read-modify-writes of tags/custom from losing updates;
        # SQLite's writer already holds the database lock.
        row = conn.execute(base_query().where(c.c.uuid == uuid).with_for_update(of=c)).first()
        if row is None:
            raise not_found(uuid)
        return row

    def _resolve(self, conn: Connection, ref: dict[str, Any]) -> Row[Any]:
        # Wrong types are a 400 (an object or list reached the SQL as a parameter and was a 500).
        customer_uuid = fields.string(ref, "customer_uuid")
        ds_uuid, external_id = fields.string(ref, "data_source_uuid"), fields.string(ref, "external_id")
        if customer_uuid:
            return self._lock(conn, customer_uuid)
        if ds_uuid and external_id:
            row = conn.execute(
                base_query().where(ds.c.uuid == ds_uuid, c.c.external_id == external_id).with_for_update(of=c)
            ).first()
            if row is None:  # an identity merged into another customer names that customer
                mentions = base_query().where(cast(c.c.merged_ids, String).contains(ds_uuid)).with_for_update(of=c)
                row = next((r for r in conn.execute(mentions) if [ds_uuid, external_id] in r.merged_ids), None)
            if row is None:
                raise coded(404, f'Customer "{external_id}" does not exist', "external_id")
            return row
        raise bad_request("give customer_uuid, or data_source_uuid and external_id", "customer_uuid")


def _sent_custom(value: Any) -> dict[str, Any]:
    """`attributes.custom` as sent: the typed list `[{type, key, value}]` (a create's; n8n also PATCHes it), or
    `{key: value}` (a PATCH's)."""
    if isinstance(value, list):
        return attrs.typed_custom(value, "attributes.custom")
    return attrs.plain_custom(value, "attributes.custom")


def _tags_in(body: dict[str, Any]) -> list[str]:
    if "tags" not in body:
        raise bad_request("tags is required", "tags")
    return attrs.tags_of(body["tags"])


def _set_tags(conn: Connection, row: Row[Any], tags: list[str], *, remove: bool) -> list[str]:
    """Add (or remove) `tags` on the locked customer `row`; its tags now."""
    new = attrs.remove_tags(row.tags, tags) if remove else attrs.add_tags(row.tags, tags)
    conn.execute(update(c).where(c.c.id == row.id).values(tags=attrs.bounded_tags(new)))
    return new


def _set_custom(conn: Connection, row: Row[Any], given: Any, mode: str) -> dict[str, Any]:
    """Change the locked customer `row`'s custom attributes by `mode` (see `Customers.change_custom`)."""
    custom = dict(row.custom)
    if mode == "add":
        custom.update(attrs.typed_custom(given))
    elif mode == "update":
        custom.update(attrs.plain_custom(given))
    else:
        for key in fields.str_list(given, "custom"):
            custom.pop(key, None)
    conn.execute(update(c).where(c.c.id == row.id).values(custom=attrs.bounded_custom(custom)))
    return custom


def search_miss(email: str) -> ApiError:
    return coded(404, f'Can\'t find any customers with email: "{email}"', "email")
