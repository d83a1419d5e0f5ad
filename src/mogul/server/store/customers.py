"""Customers: create, list, search, update, delete, attributes; merges in merges.py.

`status`, `mrr`, `arr` and `customer-since` belong to the metrics engine; until it runs a customer is a lead
("New Lead", 0, 0, null). A PATCH may move a lead between lead statuses only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Row, Select, String, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, bad_request, coded, invalid, not_found
from ..pagination import Page, PageParams, encode_cursor, fetch
from ..processing import enqueue
from ..timefmt import iso_millis, iso_offset, now_us
from . import attributes as attrs
from . import customer_json, fields, merges, schema
from .bulk import driver_rows, mark, placeholders
from .database import Database
from .geo import country_name, state_name
from .ids import new_uuid

NOT_FOUND = "Customer not found"
DUPLICATE = "The external ID for this customer already exists in our system."
BLANK = "can't be blank"
LEAD_STATUSES = ("New Lead", "Working Lead", "Qualified Lead", "Unqualified Lead")
MAX_TEXT = 255
TEXT_FIELDS = ("name", "email", "company")  # never null on the wire: "" when unset
NULLABLE_FIELDS = ("state", "city", "zip", "website_url", "owner")

c = schema.customers
ds = schema.data_sources


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


# `base_query()`'s columns in order. A list page renders 200 customers: unpacking each row once, rather than
# indexing it 23 times, renders a customer in about 3.3 µs instead of 4.3-5.
_COLUMNS = [*c.columns.keys(), "ds_uuid", "ds_system"]
_EXPECTED = [
    "id",
    "uuid",
    "data_source_id",
    "external_id",
    "name",
    "email",
    "company",
    "country",
    "state",
    "city",
    "zip",
    "website_url",
    "owner",
    "lead_created_at",
    "free_trial_started_at",
    "tags",
    "custom",
    "merged_ids",
    "status",
    "mrr",
    "arr",
    "customer_since",
    "created_at",
    "ds_uuid",
    "ds_system",
]
if _COLUMNS != _EXPECTED:  # render_with unpacks rows in this order: a schema change must not shift its fields
    raise RuntimeError(f"customers columns changed: {_COLUMNS}")
_URL = "https://app.chartmogul.com/#/customers/"


def render(row: Row[Any] | SimpleNamespace, currency: str) -> dict[str, Any]:
    """The API's customer object from a `base_query()` row (or a namespace with the same names)."""
    if isinstance(row, SimpleNamespace):
        row = tuple(getattr(row, name) for name in _COLUMNS)  # type: ignore[assignment]
    return render_with(row, currency, fields.currency_sign(currency))


def render_with(row: Row[Any] | tuple[Any, ...] | list[Any], currency: str, sign: str) -> dict[str, Any]:
    """`render` for a list page: the currency's sign worked out once. Extra trailing columns (a list page's
    `currency`) are ignored."""
    (
        row_id,
        uuid,
        _,
        external_id,
        name,
        email,
        company,
        country,
        state,
        city,
        zip_code,
        website_url,
        owner,
        lead_at,
        trial_at,
        tags,
        custom,
        merged,
        status,
        mrr,
        arr,
        since,
        _,
        ds_uuid,
        ds_system,
        *_,
    ) = row
    if merged:
        ds_uuids = [ds_uuid]
        for merged_ds, _ in merged:
            if merged_ds not in ds_uuids:
                ds_uuids.append(merged_ds)
        external_ids = [external_id, *(ext for _, ext in merged)]
    else:
        ds_uuids, external_ids = [ds_uuid], [external_id]
    out: dict[str, Any] = {
        "id": row_id,
        "uuid": uuid,
        "external_id": external_id,
        "name": name,
        "email": email,
        "status": status,
        "customer-since": iso_offset(since),
        "attributes": {"custom": custom, "clearbit": {}, "stripe": {}, "tags": tags},
        "data_source_uuid": ds_uuid,
        "data_source_uuids": ds_uuids,
        "external_ids": external_ids,
        "company": company,
        "country": country,
        "state": state,
        "city": city,
        "zip": zip_code,
        "lead_created_at": iso_millis(lead_at),
        "free_trial_started_at": iso_millis(trial_at),
        "address": {
            "country": country_name(country),
            "state": state_name(country, state),
            "city": city,
            "address_zip": zip_code,
        },
        "mrr": mrr,
        "arr": arr,
        "billing-system-url": None,
        "chartmogul-url": f"{_URL}{row_id}-{(company or name or external_id).replace(' ', '_')}",
        "billing-system-type": ds_system,
        "currency": currency,
        "currency-sign": sign,
        "owner": owner,
    }
    if website_url:
        out["website_url"] = website_url
    return out


# The SQLite list page's own statements (customer_json.py renders the entries).
_CURRENCY_SQL = "SELECT currency FROM account"
_ROWS_SQL = (
    f"SELECT {', '.join(f'c.{name}' for name in _EXPECTED[:-2])}, ds.uuid, ds.system "
    "FROM customers AS c JOIN data_sources AS ds ON ds.id = c.data_source_id WHERE c.id IN ({ids})"
)
_JSON_AT = (_EXPECTED.index("tags"), _EXPECTED.index("custom"), _EXPECTED.index("merged_ids"))


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


def parse_profile(body: dict[str, Any], errors: dict[str, str], *, creating: bool) -> dict[str, Any]:
    """The writable profile fields present in `body`, as column values."""
    values: dict[str, Any] = {}
    for key in (*TEXT_FIELDS, *NULLABLE_FIELDS, "country"):
        if key not in body:
            continue
        value = fields.string(body, key)
        if value is not None and len(value) > MAX_TEXT and key != "website_url":
            errors[key] = f"is too long (maximum is {MAX_TEXT} characters)"
        if key == "country":
            value = fields.country(value, errors)
        elif key in TEXT_FIELDS:
            value = value or ""
        values[key] = value
    for key in ("lead_created_at", "free_trial_started_at"):
        if key in body:
            values[key] = fields.timestamp(body[key], key, errors)
    if creating:
        for key in TEXT_FIELDS:
            values.setdefault(key, "")
    return values


def lead_status(value: Any) -> str:
    if not isinstance(value, str):
        raise bad_request("status must be a string", "status")
    status = value.replace("_", " ")
    if status not in LEAD_STATUSES:
        raise invalid({"status": f"must be one of {', '.join(LEAD_STATUSES)}"})
    return status


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
                raise not_found(NOT_FOUND)
            return render(row, account_currency(conn))

    def attributes(self, uuid: str) -> dict[str, Any]:
        customer = self.get(uuid)
        return {"tags": customer["attributes"]["tags"], "stripe": {}, "custom": customer["attributes"]["custom"]}

    # --- writing

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        ds_uuid = fields.string(body, "data_source_uuid")
        external_id = fields.string(body, "external_id")
        if not ds_uuid:
            errors["data_source_uuid"] = BLANK
        if external_id is None or not external_id.strip():
            errors["external_id"] = BLANK
        elif len(external_id) > MAX_TEXT:
            errors["external_id"] = f"is too long (maximum is {MAX_TEXT} characters)"
        values = parse_profile(body, errors, creating=True)
        attributes = fields.obj(body, "attributes") or {}
        tags = attrs.tags_of(attributes["tags"], "attributes.tags") if attributes.get("tags") is not None else []
        custom = attrs.typed_custom(attributes["custom"]) if attributes.get("custom") is not None else {}
        if errors:
            raise invalid(errors)
        now = now_us()
        values.update(
            uuid=new_uuid("cus_"),
            external_id=external_id,
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
        errors: dict[str, str] = {}
        values = parse_profile(body, errors, creating=False)
        if "external_id" in body:
            external_id = fields.string(body, "external_id")
            if not external_id or not external_id.strip():
                errors["external_id"] = BLANK
            elif len(external_id) > MAX_TEXT:
                errors["external_id"] = f"is too long (maximum is {MAX_TEXT} characters)"
            values["external_id"] = external_id
        status = lead_status(body["status"]) if body.get("status") is not None else None
        attributes = fields.obj(body, "attributes") or {}
        if errors:
            raise invalid(errors)
        try:
            with self.db.begin() as conn:
                row = self._lock(conn, uuid)
                if status is not None:
                    if row.status not in LEAD_STATUSES:
                        raise invalid({"status": "only a lead's status can be changed"})
                    values["status"] = status
                if attributes.get("tags") is not None:
                    values["tags"] = attrs.tags_of(attributes["tags"], "attributes.tags")
                if attributes.get("custom") is not None:
                    values["custom"] = {**row.custom, **attrs.plain_custom(attributes["custom"], "attributes.custom")}
                if values:
                    conn.execute(update(c).where(c.c.id == row.id).values(**values))
                if values.keys() & {"name", "external_id"}:
                    enqueue(conn, [(row.id, row.data_source_id)])  # activities carry the customer's name and id
                return render(conn.execute(base_query().where(c.c.id == row.id)).one(), account_currency(conn))
        except IntegrityError as exc:
            raise invalid({"external_id": DUPLICATE}) from exc

    def delete(self, uuid: str) -> None:
        with self.db.begin() as conn:
            if not conn.execute(delete(c).where(c.c.uuid == uuid)).rowcount:
                raise not_found(NOT_FOUND)

    def change_tags(self, uuid: str, body: dict[str, Any], *, remove: bool = False) -> dict[str, Any]:
        if "tags" not in body:
            raise bad_request("tags is required", "tags")
        tags = attrs.tags_of(body["tags"])
        with self.db.begin() as conn:
            row = self._lock(conn, uuid)
            new = attrs.remove_tags(row.tags, tags) if remove else attrs.add_tags(row.tags, tags)
            conn.execute(update(c).where(c.c.id == row.id).values(tags=new))
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
            conn.execute(update(c).where(c.c.id == row.id).values(custom=custom))
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
            raise not_found(NOT_FOUND)
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
                raise not_found(NOT_FOUND)
            return row
        raise bad_request("give customer_uuid, or data_source_uuid and external_id", "customer_uuid")


def search_miss(email: str) -> ApiError:
    return coded(404, f'Can\'t find any customers with email: "{email}"', "email")
