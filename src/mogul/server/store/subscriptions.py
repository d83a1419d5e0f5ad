"""Imported subscriptions: created by invoice imports, listed per customer, cancelled by PATCH."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, bindparam, select, update

from ...objects import Subscription
from ..errors import bad_request, invalid, not_found
from ..pagination import Page, PageParams, fetch
from ..processing import enqueue
from ..render import render as render_object
from . import connections, fields, schema
from .database import Database

NOT_FOUND = "Subscription not found"

s = schema.subscriptions
c = schema.customers
ds = schema.data_sources
plans = schema.plans


def base_query() -> Select[Any]:
    return (
        select(
            s,
            c.c.uuid.label("customer_uuid"),
            ds.c.uuid.label("ds_uuid"),
            plans.c.uuid.label("plan_uuid"),
        )
        .join(c, c.c.id == s.c.customer_id)
        .join(ds, ds.c.id == s.c.data_source_id)
        .outerjoin(plans, plans.c.id == s.c.plan_id)
    )


# The cancellation's statements, built once (as the import's): building and cache-keying them per request cost
# about a third of the PATCH.
CANCEL_READ = (
    base_query()
    .add_columns(c.c.data_source_id.label("customer_data_source_id"))
    .where(s.c.uuid == bindparam("uuid"))
    .with_for_update(of=s)
)
CANCEL_WRITE = update(s).where(s.c.id == bindparam("sid")).values(cancellation_dates=bindparam("dates"))


def render(row: Row[Any], *, with_customer: bool = False, dates: list[int] | None = None) -> dict[str, Any]:
    """The subscription; `with_customer` adds its customer's uuid (a cancellation's answer), `dates` its
    cancellation dates as just written."""
    values = {
        **row._mapping,
        "cancellation_dates": row.cancellation_dates if dates is None else dates,
        "subscription_set_external_id": row.set_external_id,
        "data_source_uuid": row.ds_uuid,
    }
    if not with_customer:
        del values["customer_uuid"]
    return render_object(Subscription, values)


class Subscriptions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list_for_customer(self, customer_uuid: str, params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        with self.db.read() as conn:
            customer_id = conn.execute(select(c.c.id).where(c.c.uuid == customer_uuid)).scalar_one_or_none()
            if customer_id is None:
                raise not_found("Customer not found")
            page = fetch(conn, base_query().where(s.c.customer_id == customer_id), s.c.created_at, s.c.id, params)
        return page, [render(row) for row in page.rows]

    def cancel(self, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        """`cancelled_at` adds one cancellation date; `cancellation_dates` replaces them all ([] un-cancels)."""
        errors: dict[str, str] = {}
        if "cancellation_dates" in body:
            raw = body["cancellation_dates"]
            if not isinstance(raw, list):
                raise bad_request("cancellation_dates must be a list of dates", "cancellation_dates")
            dates = [fields.timestamp(v, "cancellation_dates", errors) for v in raw]
            add = None
        elif body.get("cancelled_at") is not None:
            add = fields.timestamp(body["cancelled_at"], "cancelled_at", errors)
            dates = []
        else:
            raise bad_request("cancelled_at or cancellation_dates is required", "cancelled_at")
        if errors:
            raise invalid(errors)
        with self.db.begin() as conn:
            # One read serves the update, the enqueue (the customer's own data source) and the answer.
            row = conn.execute(CANCEL_READ, {"uuid": uuid}).first()
            if row is None:
                raise not_found(NOT_FOUND)
            current = [*row.cancellation_dates, add] if add is not None else dates
            new = sorted({d for d in current if d is not None})
            conn.execute(CANCEL_WRITE, {"sid": row.id, "dates": new})
            enqueue(conn, [(row.customer_id, row.customer_data_source_id)])
        return render(row, with_customer=True, dates=new)

    def connect(self, customer_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Connect subscriptions of one customer (store/connections.py)."""
        return self._connections(customer_uuid, body, undo=False)

    def disconnect(self, customer_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._connections(customer_uuid, body, undo=True)

    def _connections(self, customer_uuid: str, body: dict[str, Any], *, undo: bool) -> dict[str, Any]:
        refs = _subscription_refs(body)
        if not undo and len(refs) < 2:
            raise invalid({"subscriptions": "Give at least two subscriptions to connect."})
        with self.db.begin() as conn:
            customer = conn.execute(
                select(c.c.id, c.c.data_source_id).where(c.c.uuid == customer_uuid).with_for_update()
            ).first()
            if customer is None:
                raise not_found("Customer not found")
            rows = conn.execute(
                select(s.c.id, s.c.uuid, ds.c.uuid.label("ds_uuid"))
                .join(ds, ds.c.id == s.c.data_source_id)
                .where(s.c.customer_id == customer.id, s.c.uuid.in_([uuid for uuid, _ in refs]))
            ).all()
            found = {row.uuid: row for row in rows}
            for (uuid, ds_uuid), item in zip(refs, body["subscriptions"], strict=True):
                if uuid not in found:
                    raise invalid({"subscriptions": f"The customer has no subscription {item['uuid']}."})
                if found[uuid].ds_uuid != ds_uuid:
                    raise invalid({"subscriptions": f"Subscription {item['uuid']} is not in data source {ds_uuid}."})
            ids = sorted({found[uuid].id for uuid, _ in refs})
            (connections.disconnect if undo else connections.connect)(conn, ids)
            enqueue(conn, [(customer.id, customer.data_source_id)])
        return {}


def _subscription_refs(body: dict[str, Any]) -> list[tuple[str, str]]:
    """`{"subscriptions": [{"data_source_uuid", "uuid"}]}` as (sub_ uuid, data source uuid) pairs; the bare uuid of
    the customer-subscriptions view is accepted too."""
    items = body.get("subscriptions")
    if not isinstance(items, list) or not items:
        raise bad_request("subscriptions must be a non-empty list", "subscriptions")
    refs = []
    for item in items:
        if not isinstance(item, dict):
            raise bad_request("each subscription must be an object", "subscriptions")
        uuid = fields.string(item, "uuid", label="subscriptions.uuid")
        ds_uuid = fields.string(item, "data_source_uuid", label="subscriptions.data_source_uuid")
        if not uuid or not ds_uuid:
            raise bad_request("each subscription needs uuid and data_source_uuid", "subscriptions")
        refs.append((uuid if uuid.startswith("sub_") else f"sub_{uuid}", ds_uuid))
    return refs
