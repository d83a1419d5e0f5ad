"""Customers (reference §2): create, list, search, update, delete, attributes; merges in merges.py.

`status`, `mrr`, `arr` and `customer-since` belong to the metrics engine; until it runs a customer is a lead
("New Lead", 0, 0, null). A PATCH may move a lead between lead statuses only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any, Literal, NamedTuple

import orjson
from sqlalchemy import Connection, Row, Select, String, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ...objects import Customer, field_of
from ...objects import fields as declared
from ...objects.customers import LEAD_STATUSES
from ..errors import ApiError, bad_request, coded, invalid
from ..pagination import Page, PageParams, encode_cursor, fetch
from ..processing import enqueue
from ..render import render as render_object
from ..timefmt import now_us
from ..validation import Problem, Values, legacy, message, parse
from . import attributes as attrs
from . import contacts, customer_json, fields, merges, schema
from .bulk import driver_rows, mark, placeholders
from .database import Database
from .geo import country_name, state_name
from .ids import new_uuid

NOT_FOUND = "Customer not found"  # the older resources' word for it (invoices, subscriptions, activities)
DUPLICATE = message(field_of(Customer, "external_id"), "taken")

c = schema.customers
ds = schema.data_sources

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


# The account currency, as a column of a list's own query: one statement a page instead of two.
CURRENCY = select(schema.account.c.currency).scalar_subquery().label("currency")


def account_currency(conn: Connection) -> str:
    return conn.execute(select(schema.account.c.currency)).scalar_one()


_COLUMNS = [*c.columns.keys(), "ds_uuid", "ds_system"]
_URL = "https://app.chartmogul.com/#/customers/"


def not_found(uuid: str) -> ApiError:
    """404 as recorded (newer reference §0.4): `Customer "<uuid without cus_>" does not exist`, param
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


# The SQLite list page's own statements (customer_json.py renders the entries).
_CURRENCY_SQL = "SELECT currency FROM account"
_ROWS_SQL = (
    f"SELECT {', '.join(f'c.{name}' for name in _COLUMNS[:-2])}, ds.uuid, ds.system "
    "FROM customers AS c JOIN data_sources AS ds ON ds.id = c.data_source_id WHERE c.id IN ({ids})"
)
_JSON_AT = (_COLUMNS.index("tags"), _COLUMNS.index("custom"), _COLUMNS.index("merged_ids"))


def _sql_filters(filters: Mapping[str, str | None]) -> tuple[list[str], dict[str, Any]]:
    """`Customers.list`'s filters as SQLite clauses over `customers AS c JOIN data_sources AS ds`."""
    where: list[str] = []
    values: dict[str, Any] = {}
    if filters.get("data_source_uuid"):
        where.append("ds.uuid = :ds_uuid")
        values["ds_uuid"] = filters["data_source_uuid"]
    if filters.get("external_id"):
        where.append("c.external_id = :external_id")
        values["external_id"] = filters["external_id"]
    if filters.get("status"):
        where.append("c.status = :status")
        values["status"] = str(filters["status"]).replace("_", " ")
    if filters.get("system"):
        where.append("lower(ds.system) = lower(:system)")
        values["system"] = str(filters["system"])
    if filters.get("email"):
        where.append("c.email = :email")
        values["email"] = filters["email"]
    return where, values


def _render_rows(conn: sqlite3.Connection, ids: list[int], currency: str, sign: str) -> dict[int, str]:
    """The rows stored unrendered (`customer_json.fast` was false), rendered as `render` does, by id."""
    out: dict[int, str] = {}
    for row in conn.execute(_ROWS_SQL.format(ids=placeholders(len(ids))), ids):
        values = list(row)
        for at in _JSON_AT:
            values[at] = orjson.loads(values[at])
        out[row[0]] = orjson.dumps(render_with(values, currency, sign)).decode()
    return out


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

    def list(
        self, filters: Mapping[str, str | None], params: PageParams, *, count: bool = True
    ) -> tuple[Page, list[dict[str, Any]]]:
        """A page of customers. `count` False skips the total that only `total_pages` needs (search sends null)."""
        query = base_query()
        if filters.get("data_source_uuid"):
            query = query.where(ds.c.uuid == filters["data_source_uuid"])
        if filters.get("external_id"):
            query = query.where(c.c.external_id == filters["external_id"])
        if filters.get("status"):
            query = query.where(c.c.status == str(filters["status"]).replace("_", " "))
        if filters.get("system"):
            # Case-insensitive equality, not ILIKE: `%`, `_` and a trailing `\` are not patterns here.
            query = query.where(func.lower(ds.c.system) == func.lower(str(filters["system"])))
        if filters.get("email"):
            query = query.where(c.c.email == filters["email"])
        with self.db.read() as conn:
            page = fetch(conn, query.add_columns(CURRENCY), c.c.created_at, c.c.id, params, count=count)
        if not page.rows:
            return page, []
        currency = page.rows[0].currency
        sign = fields.currency_sign(currency)
        return page, [render_with(row, currency, sign) for row in page.rows]

    def list_json(self, filters: Mapping[str, str | None], params: PageParams) -> tuple[Page, bytes]:
        """`list`, with the entries as the bytes of their JSON array. On SQLite the database renders them
        (customer_json.py); elsewhere they are rendered here and encoded."""
        if self.db.dialect == "sqlite":
            return self._list_sqlite(filters, params)
        page, items = self.list(filters, params)
        return page, orjson.dumps(items)

    def _list_sqlite(self, filters: Mapping[str, str | None], params: PageParams) -> tuple[Page, bytes]:
        where, values = _sql_filters(filters)
        values["limit"] = params.per_page + 1
        if params.after is not None:
            values["after_at"], values["after_id"] = params.after
        elif params.page:
            values["offset"] = (params.page - 1) * params.per_page
        join = "ds_uuid" in values or "system" in values
        sql = customer_json.page_sql(where, after=params.after is not None, offset="offset" in values, join=join)
        conn = self.db.sqlite_reader()
        if conn.in_transaction:  # a COMMIT that failed must not leave this thread's reads failing too
            conn.rollback()
        conn.execute("BEGIN")  # the currency, total, page and any fallback rows from one snapshot
        try:
            currency = conn.execute(_CURRENCY_SQL).fetchall()[0][0]
            sign = fields.currency_sign(currency)
            values["middle"] = customer_json.middle(currency, sign)
            total = None
            if not params.cursor_mode:
                total = conn.execute(customer_json.count_sql(where, join=join), values).fetchall()[0][0]
            rows = conn.execute(sql, values).fetchall()
            has_more = len(rows) > params.per_page
            rows = rows[: params.per_page]
            missing = [row[0] for row in rows if row[2] is None]
            fallback = _render_rows(conn, missing, currency, sign) if missing else {}
        finally:
            conn.execute("COMMIT")
        cursor = encode_cursor(rows[-1][1], rows[-1][0]) if rows else None
        entries = ",".join(row[2] if row[2] is not None else fallback[row[0]] for row in rows)
        return Page((), has_more, cursor, params, total), b"[" + entries.encode() + b"]"

    def search(self, email: str | None, params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        if not email:
            raise bad_request("email is required", "email")
        page, items = self.list({"email": email}, params, count=False)
        if not items and not params.cursor_mode:
            raise search_miss(email)
        return page, items

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
        except IntegrityError as exc:
            raise invalid({"external_id": DUPLICATE}) from exc
        # Rendered from what was written rather than read back: two fewer statements in the write transaction.
        # JSON columns as a read would return them (a JSON round trip).
        stored = dict.fromkeys(c.columns.keys()) | values
        stored.update(
            id=customer_id,
            ds_uuid=ds_uuid,
            ds_system=source.system,
            tags=json.loads(json.dumps(tags)),
            custom=json.loads(json.dumps(custom)),
        )
        return render(SimpleNamespace(**stored), source.currency)

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
                return render(conn.execute(base_query().where(c.c.id == row.id)).one(), account_currency(conn))
        except IntegrityError as exc:
            raise invalid({"external_id": DUPLICATE}) from exc

    def delete(self, uuid: str) -> None:
        with self.db.begin() as conn:
            if not conn.execute(delete(c).where(c.c.uuid == uuid)).rowcount:
                raise not_found(uuid)

    def change_tags(self, uuid: str, body: dict[str, Any], *, remove: bool = False) -> dict[str, Any]:
        if "tags" not in body:
            raise bad_request("tags is required", "tags")
        tags = attrs.tags_of(body["tags"])
        with self.db.begin() as conn:
            row = self._lock(conn, uuid)
            new = attrs.remove_tags(row.tags, tags) if remove else attrs.add_tags(row.tags, tags)
            conn.execute(update(c).where(c.c.id == row.id).values(tags=attrs.bounded_tags(new)))
        return {"tags": new}

    def change_custom(self, uuid: str, body: dict[str, Any], *, mode: str) -> dict[str, Any]:
        """mode `add` (typed list), `update` (plain object) or `remove` (list of keys)."""
        if "custom" not in body:
            raise bad_request("custom is required", "custom")
        with self.db.begin() as conn:
            row = self._lock(conn, uuid)
            custom = dict(row.custom)
            if mode == "add":
                custom.update(attrs.typed_custom(body["custom"]))
            elif mode == "update":
                custom.update(attrs.plain_custom(body["custom"]))
            else:
                for key in fields.str_list(body["custom"], "custom"):
                    custom.pop(key, None)
            conn.execute(update(c).where(c.c.id == row.id).values(custom=attrs.bounded_custom(custom)))
        return {"custom": custom}

    def by_email(self, body: dict[str, Any], *, kind: str) -> dict[str, Any]:
        """`POST /customers/attributes/tags|custom` with `email`: apply to every customer with that email."""
        email = fields.string(body, "email")
        if not email:
            raise bad_request("email is required", "email")
        with self.db.read() as conn:
            uuids = conn.execute(select(c.c.uuid).where(c.c.email == email).order_by(c.c.id)).scalars().all()
        if not uuids:
            raise search_miss(email)
        for uuid in uuids:
            if kind == "tags":
                self.change_tags(uuid, body)
            else:
                self.change_custom(uuid, body, mode="add")
        return {"entries": [self.get(uuid) for uuid in uuids]}

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


def search_miss(email: str) -> ApiError:
    return coded(404, f'Can\'t find any customers with email: "{email}"', "email")
