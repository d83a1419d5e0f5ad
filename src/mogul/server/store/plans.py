"""Plans: a billing interval and a name, per data source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import invalid, not_found
from ..pagination import Page, PageParams, fetch
from ..timefmt import now_us
from . import fields, schema
from .database import Database
from .ids import new_uuid

NOT_FOUND = "Plan not found"
DUPLICATE = "A plan with this identifier already exists in our system."
IN_USE = "This plan has invoice line items or subscriptions and cannot be deleted."
INTERVAL_UNITS = ("day", "month", "year")
MAX_TEXT = 255
MAX_INTERVAL_COUNT = 2**31 - 1  # an INTEGER column: PostgreSQL refuses more with an error, not a 422

p = schema.plans
ds = schema.data_sources


def base_query() -> Select[Any]:
    return select(p, ds.c.uuid.label("ds_uuid")).join(ds, ds.c.id == p.c.data_source_id)


def render(row: Row[Any]) -> dict[str, Any]:
    return {
        "uuid": row.uuid,
        "data_source_uuid": row.ds_uuid,
        "name": row.name,
        "interval_count": row.interval_count,
        "interval_unit": row.interval_unit,
        "external_id": row.external_id,
    }


def parse_interval(body: dict[str, Any], errors: dict[str, str], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    name = fields.string(body, "name")
    if "name" in body or creating:
        if name is None or not name.strip():
            errors["name"] = "A name is required for each plan."
        elif len(name) > MAX_TEXT:
            errors["name"] = f"is too long (maximum is {MAX_TEXT} characters)"
        values["name"] = name
    count = fields.integer(body, "interval_count")
    if "interval_count" in body or creating:
        if count is None or not 1 <= count <= MAX_INTERVAL_COUNT:
            errors["interval_count"] = "must be a positive integer"
        values["interval_count"] = count
    unit = fields.string(body, "interval_unit")
    if "interval_unit" in body or creating:
        if unit not in INTERVAL_UNITS:
            errors["interval_unit"] = f"must be one of {', '.join(INTERVAL_UNITS)}"
        values["interval_unit"] = unit
    return values


class Plans:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, filters: Mapping[str, str | None], params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        query = base_query()
        if filters.get("data_source_uuid"):
            query = query.where(ds.c.uuid == filters["data_source_uuid"])
        if filters.get("external_id"):
            query = query.where(p.c.external_id == filters["external_id"])
        if filters.get("system"):
            # Case-insensitive equality, not ILIKE: `%`, `_` and a trailing `\` are not patterns here.
            query = query.where(func.lower(ds.c.system) == func.lower(str(filters["system"])))
        with self.db.read() as conn:
            page = fetch(conn, query, p.c.created_at, p.c.id, params)
        return page, [render(row) for row in page.rows]

    def get(self, uuid: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(base_query().where(p.c.uuid == uuid)).first()
        if row is None:
            raise not_found(NOT_FOUND)
        return render(row)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        ds_uuid = fields.string(body, "data_source_uuid")
        if not ds_uuid:
            errors["data_source_uuid"] = "can't be blank"
        values = parse_interval(body, errors, creating=True)
        external_id = fields.string(body, "external_id")
        if external_id is not None and (not external_id.strip() or len(external_id) > MAX_TEXT):
            errors["external_id"] = "must be a non-empty string of at most 255 characters"
        if errors:
            raise invalid(errors)
        uuid = new_uuid("pl_")
        # Without an external_id the real API uses the plan's own uuid, unprefixed (§0.8).
        values.update(uuid=uuid, external_id=external_id or uuid[3:], created_at=now_us())
        try:
            with self.db.begin() as conn:
                ds_id = conn.execute(select(ds.c.id).where(ds.c.uuid == ds_uuid)).scalar_one_or_none()
                if ds_id is None:
                    raise invalid({"data_source_uuid": "Data source not found"})
                conn.execute(p.insert().values(data_source_id=ds_id, **values))
                return render(conn.execute(base_query().where(p.c.uuid == uuid)).one())
        except IntegrityError as exc:
            raise invalid({"external_id": DUPLICATE}) from exc

    def update(self, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        values = parse_interval(body, errors, creating=False)
        if errors:
            raise invalid(errors)
        with self.db.begin() as conn:
            if values:
                changed = conn.execute(update(p).where(p.c.uuid == uuid).values(**values)).rowcount
            else:
                changed = conn.execute(select(p.c.id).where(p.c.uuid == uuid)).first() is not None
            if not changed:
                raise not_found(NOT_FOUND)
            return render(conn.execute(base_query().where(p.c.uuid == uuid)).one())

    def delete(self, uuid: str) -> None:
        try:
            with self.db.begin() as conn:
                if not conn.execute(delete(p).where(p.c.uuid == uuid)).rowcount:
                    raise not_found(NOT_FOUND)
        except IntegrityError as exc:
            raise invalid({"plan": IN_USE}) from exc
