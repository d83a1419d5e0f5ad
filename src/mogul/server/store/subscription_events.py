"""Subscription events: stored, listed, changed and deleted as ChartMogul does, and nothing
else. They feed ChartMogul's committed MRR only, which no endpoint returns: MRR, activities, customers and
subscriptions come from invoices alone (docs/metrics.md, "Subscription events").

Writes come wrapped in `{"subscription_event": {...}}`; an update or delete names its event by `id`, or by
`data_source_uuid` and `external_id`. Errors are the newest generation: `{"error", "error_details"}`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, delete, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from ...objects import SubscriptionEvent, field_of
from ...objects.subscription_events import PRICE_FIELDS, PRICED
from ..errors import ApiError, bad_request
from ..pagination import PageParams, fetch
from ..render import render
from ..timefmt import MICROS, iso_millis, now_us, parse_timestamp
from ..validation import Problem, checked, detailed, message
from . import schema
from .database import Database
from .fields import CURRENCIES

ENVELOPE = "subscription_event"
NOT_FOUND = "Subscription event not found"
NOT_DISABLEABLE = (
    "Only events of automatic data sources (Stripe, Chargebee, Recurly, Braintree, Google Play, App Store Connect, "
    "SaaSync) can be disabled; this data source is fed through the API: delete the event instead."
)
DAY_US = 86_400 * MICROS
MAX_ID = 2**31 - 1  # the id column's INTEGER: a larger id names no event (PostgreSQL would refuse the comparison)
NUMBERS = ("quantity", "amount_in_cents", "tax_amount_in_cents")
# The list's filters that match a column exactly.
TEXT_FILTERS = ("customer_external_id", "external_id", "subscription_external_id", "plan_external_id", "event_type")
DATE_FILTERS = ("event_date", "effective_date")

e = schema.subscription_events
ds = schema.data_sources


@dataclass(frozen=True)
class Target:
    """How an update or delete names its event."""

    id: int | None = None
    data_source_uuid: str | None = None
    external_id: str | None = None


def wrapped(body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields inside `{"subscription_event": {...}}`; 400 when the envelope is missing."""
    inner = body.get(ENVELOPE)
    if inner is None:
        raise bad_request(f'Parameter "{ENVELOPE}" is missing', ENVELOPE)
    if not isinstance(inner, dict):
        raise bad_request(f"{ENVELOPE} must be an object", ENVELOPE)
    return inner


def _problem(attr: str, kind: str, text: str | None = None) -> Problem:
    f = field_of(SubscriptionEvent, attr)
    return Problem(f.name, kind, text or message(f, kind))


def _event_not_found(param: str) -> ApiError:
    return ApiError(
        404, {"error": NOT_FOUND, "error_details": [{"param": param, "code": "not_found", "message": NOT_FOUND}]}
    )


def _query() -> Select[Any]:
    return select(e, ds.c.uuid.label("ds_uuid")).join(ds, ds.c.id == e.c.data_source_id)


def _render(row: Row[Any]) -> dict[str, Any]:
    """The columns are named as the declaration's attributes; the rest is the same for every mogul event."""
    values = {
        **row._mapping,
        "data_source_uuid": row.ds_uuid,
        "errors": {},
        "disabled": False,
        "disabled_at": None,
        "disabled_by": None,
        "user_created": False,
    }
    return render(SubscriptionEvent, values)


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Parsed request values as columns: digit strings as integers (a blank one as none), a retracted event's
    id as text, dates to the second (the API answers them without a fraction)."""
    out = {key: value for key, value in values.items() if key not in ("id", "data_source_uuid")}
    for key in NUMBERS:
        if isinstance(out.get(key), str):
            out[key] = int(out[key]) if out[key] else None
    if out.get("retracted_event_id") is not None:
        out["retracted_event_id"] = str(out["retracted_event_id"])
    for key in DATE_FILTERS:
        if out.get(key) is not None:
            out[key] -= out[key] % MICROS
    return out


class SubscriptionEvents:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reads

    def list(self, filters: Mapping[str, str | None], params: PageParams) -> dict[str, Any]:
        """A page, newest first, in the 2023-12 envelope: `meta`, then top-level `cursor` and `has_more`."""
        query = _query()
        if filters.get("data_source_uuid"):
            query = query.where(ds.c.uuid == filters["data_source_uuid"])
        for name in TEXT_FILTERS:
            if filters.get(name):
                query = query.where(e.c[name] == filters[name])
        for name in DATE_FILTERS:
            if (filters.get(name) or "").strip():  # blank: no filter
                start, end = _day_or_instant(name, str(filters[name]))
                query = query.where(e.c[name] >= start, e.c[name] < end)
        with self.db.read() as conn:
            page = fetch(conn, query, e.c.created_at, e.c.id, params, count=False, newest_first=True)
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            seen = 0
            if params.after is not None:
                newer = query.where(tuple_(e.c.created_at, e.c.id) >= tuple_(*params.after))  # the cursor row too
                seen = conn.execute(select(func.count()).select_from(newer.subquery())).scalar_one()
        events = [_render(row) for row in page.rows]
        meta = {
            "next_key": events[-1]["id"] if page.has_more else None,
            "prev_key": None,
            "before_key": iso_millis(now_us()),
            "page": seen // params.per_page + 1 if total else 0,
            "total_pages": math.ceil(total / params.per_page),
        }
        return {"subscription_events": events, "meta": meta, "cursor": page.cursor, "has_more": page.has_more}

    # --- writes

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        values = checked(SubscriptionEvent, wrapped(body), "create", detailed)
        now = now_us()
        try:
            with self.db.begin() as conn:
                ds_id = self._source(conn, values["data_source_uuid"])
                row = {**_stored(values), "data_source_id": ds_id, "created_at": now, "updated_at": now}
                _check(conn, row)
                event_id = conn.execute(insert(e).values(**row).returning(e.c.id)).scalar_one()
                return _render(conn.execute(_query().where(e.c.id == event_id)).one())
        except IntegrityError as exc:  # the source's external id is taken
            raise detailed([_problem("external_id", "taken")]) from exc

    def update(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The fields sent replace the event's; the event is checked again as a whole."""
        values = checked(SubscriptionEvent, wrapped(body), "update", detailed)
        target = _target(values)
        changes = _stored(values)
        if target.id is None:
            changes.pop("external_id", None)  # it names the event here
        changes["updated_at"] = now_us()
        try:
            with self.db.begin() as conn:
                current = self._find(conn, target)
                _check(conn, {**current._asdict(), **changes}, changed=set(changes))
                conn.execute(update(e).where(e.c.id == current.id).values(**changes))
                return _render(conn.execute(_query().where(e.c.id == current.id)).one())
        except IntegrityError as exc:
            raise detailed([_problem("external_id", "taken")]) from exc

    def delete(self, inner: Mapping[str, Any]) -> None:
        """`inner`: the envelope's fields, from a JSON body or a bracketed query string."""
        target = _target(checked(SubscriptionEvent, inner, "update", detailed))
        with self.db.begin() as conn:
            conn.execute(delete(e).where(e.c.id == self._find(conn, target).id))

    def set_disabled(self, inner: Mapping[str, Any]) -> dict[str, Any]:
        """`PATCH .../disabled_state`: only automatic sources' events can be disabled, and every mogul data source
        is fed through the API, so a known event gets ChartMogul's refusal for API sources."""
        target = _target(checked(SubscriptionEvent, inner, "update", detailed))
        with self.db.read() as conn:
            self._find(conn, target)
        raise detailed([_problem("data_source_uuid", "invalid", NOT_DISABLEABLE)])  # no automatic sources here

    # --- lookups

    @staticmethod
    def _source(conn: Connection, uuid: str) -> int:
        ds_id = conn.execute(select(ds.c.id).where(ds.c.uuid == uuid)).scalar_one_or_none()
        if ds_id is None:
            raise detailed([_problem("data_source_uuid", "invalid")])
        return ds_id

    @staticmethod
    def _find(conn: Connection, target: Target) -> Row[Any]:
        query = select(e).join(ds, ds.c.id == e.c.data_source_id)
        if target.id is not None:
            query = query.where(e.c.id == target.id)
            if target.data_source_uuid is not None:
                query = query.where(ds.c.uuid == target.data_source_uuid)
        else:
            query = query.where(ds.c.uuid == target.data_source_uuid, e.c.external_id == target.external_id)
        row = conn.execute(query).first()
        if row is None:
            raise _event_not_found("id" if target.id is not None else "external_id")
        return row


def _target(values: Mapping[str, Any]) -> Target:
    """The event a request names: by `id`, or by `data_source_uuid` and `external_id`; 400 when neither."""
    if values.get("id") not in (None, ""):
        event_id = int(values["id"])
        if event_id > MAX_ID:
            raise _event_not_found("id")
        return Target(id=event_id, data_source_uuid=values.get("data_source_uuid"))
    if values.get("data_source_uuid") and values.get("external_id"):
        return Target(data_source_uuid=values["data_source_uuid"], external_id=values["external_id"])
    raise bad_request('Parameter "id", or "data_source_uuid" and "external_id", is missing', "id")


def _check(conn: Connection, row: Mapping[str, Any], changed: set[str] | None = None) -> None:
    """The rules across fields, on the event as it will be stored: the customer exists in the source, a priced
    type has its price, a retraction names an event of the source, a currency is ISO 4217. An update checks
    the customer and the retracted event only when it changes them (either may have been deleted since)."""
    problems: list[Problem] = []
    ds_id, external = row["data_source_id"], row["customer_external_id"]
    if (changed is None or "customer_external_id" in changed) and not _customer_exists(conn, ds_id, external):
        problems.append(_problem("customer_external_id", "invalid"))
    if row["event_type"] in PRICED:
        problems += [_problem(name, "missing") for name in PRICE_FIELDS if row.get(name) in (None, "")]
    if row["event_type"] == "subscription_event_retracted":
        retracted = row.get("retracted_event_id")
        if retracted is None:
            problems.append(_problem("retracted_event_id", "missing"))
        elif (changed is None or changed & {"retracted_event_id", "event_type"}) and not (
            retracted.isdigit() and _event_exists(conn, ds_id, int(retracted))
        ):
            problems.append(_problem("retracted_event_id", "invalid"))
    if row.get("currency") and row["currency"].upper() not in CURRENCIES:
        problems.append(_problem("currency", "invalid"))
    if problems:
        raise detailed(problems)


def _customer_exists(conn: Connection, ds_id: int, external_id: str) -> bool:
    """A customer of the source has this external id, or had it before a merge."""
    customers, merged = schema.customers, schema.merged_customers
    own = select(customers.c.id).where(customers.c.data_source_id == ds_id, customers.c.external_id == external_id)
    folded = select(merged.c.id).where(merged.c.data_source_id == ds_id, merged.c.external_id == external_id)
    return conn.execute(own.union_all(folded).limit(1)).first() is not None


def _event_exists(conn: Connection, ds_id: int, event_id: int) -> bool:
    if event_id > MAX_ID:
        return False
    return conn.execute(select(e.c.id).where(and_(e.c.id == event_id, e.c.data_source_id == ds_id))).first() is not None


def _day_or_instant(name: str, raw: str) -> tuple[int, int]:
    """A date filter's range: a day matches the whole day, an instant that second."""
    try:
        start = parse_timestamp(raw)
    except (ValueError, OverflowError) as exc:
        raise bad_request(f"{name} must be an ISO-8601 date or datetime", name) from exc
    if len(raw.strip()) == 10:
        return start, start + DAY_US
    start -= start % MICROS
    return start, start + MICROS
