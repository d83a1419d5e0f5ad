"""Plans: a billing interval and a name, per data source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ...objects import Plan, field_of
from ..errors import invalid, not_found
from ..pagination import Page, PageParams, fetch
from ..render import render as render_object
from ..timefmt import now_us
from ..validation import checked, legacy, message
from . import schema
from .database import Database
from .ids import new_uuid

NOT_FOUND = "Plan not found"
IN_USE = "This plan has invoice line items or subscriptions and cannot be deleted."

p = schema.plans
ds = schema.data_sources


def base_query() -> Select[Any]:
    return select(p, ds.c.uuid.label("ds_uuid")).join(ds, ds.c.id == p.c.data_source_id)


def render(row: Row[Any]) -> dict[str, Any]:
    return render_object(Plan, {**row._mapping, "data_source_uuid": row.ds_uuid})


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
        values = checked(Plan, body, "create", legacy)
        ds_uuid = values.pop("data_source_uuid")
        uuid = new_uuid("pl_")
        # Without an external_id the real API uses the plan's own uuid, unprefixed.
        values.update(uuid=uuid, external_id=values.get("external_id") or uuid[3:], created_at=now_us())
        try:
            with self.db.begin() as conn:
                ds_id = conn.execute(select(ds.c.id).where(ds.c.uuid == ds_uuid)).scalar_one_or_none()
                if ds_id is None:
                    raise invalid({"data_source_uuid": message(field_of(Plan, "data_source_uuid"), "invalid")})
                conn.execute(p.insert().values(data_source_id=ds_id, **values))
                return render(conn.execute(base_query().where(p.c.uuid == uuid)).one())
        except IntegrityError as exc:
            raise invalid({"external_id": message(field_of(Plan, "external_id"), "taken")}) from exc

    def update(self, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        # A field sent as null is not sent (the update schema says so): every field of a plan keeps a value.
        values = {k: v for k, v in checked(Plan, body, "update", legacy).items() if v is not None}
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
