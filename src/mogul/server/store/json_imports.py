"""Bulk JSON imports (`/data_sources/{uuid}/json_imports`): a job that imports a data source's plans, customers,
invoices (with their line items and transactions) and subscription events through the stores of the
single-object endpoints, so each object is checked exactly as it would be there.

The request is checked for shape only and stored `queued`; the job (run by json_import_jobs.py) moves it to
`processing`, imports plans, then customers, then each customer's invoices as one batch (the invoice import is
all or nothing per request), then subscription events, and ends `completed` with each object's outcome in
`status_details`. The process running a job holds a lease (`claimed_at`) as export jobs do: a job whose process
died is claimed again and rerun from the start (what it had imported then fails as taken).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from sqlalchemy import insert, select, update

from ...objects import JsonImport
from ..errors import ApiError, not_found
from ..render import render
from ..timefmt import MICROS, now_us
from ..validation import Problem, checked, detailed
from . import schema
from .customers import Customers
from .database import Database
from .invoices import Invoices
from .plans import Plans
from .subscription_events import SubscriptionEvents

NOT_FOUND = "Json import not found"
DS_NOT_FOUND = "Data source not found"
LEASE_US = 30 * MICROS
ARRAYS = ("customers", "plans", "invoices", "line_items", "transactions", "subscription_events")
# Keys of the job's own: they name records of the import, and the single-object stores know none of them.
CUSTOMER_REF = "customer_external_id"
INVOICE_REF = "invoice_external_id"
PLAN_REF = "plan_external_id"
# `status_details` entries for records that name nothing a customer can own.
UNLINKED = "unlinked"

j = schema.json_imports
ds = schema.data_sources
c = schema.customers
p = schema.plans

Details = dict[str, Any]


def _not_found() -> ApiError:
    return not_found(NOT_FOUND)


def _error_of(exc: ApiError) -> Any:
    """What a store refused a record with: the body its own endpoint would answer."""
    return exc.body


class JsonImports:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.plans = Plans(db)
        self.customers = Customers(db)
        self.invoices = Invoices(db)
        self.events = SubscriptionEvents(db)

    # --- the API

    def create(self, ds_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        """A queued job for `body`, checked for shape only: the records are checked as the job imports them."""
        values = checked(JsonImport, body, "create", detailed)
        if not any(values.get(name) for name in ARRAYS):
            raise detailed([Problem("customers", "invalid", "and the other arrays are all empty: nothing to import")])
        now = now_us()
        with self.db.begin() as conn:
            ds_id = _source_id(conn, ds_uuid)
            row = {
                "id": str(uuid.uuid4()),
                "data_source_id": ds_id,
                "external_id": values.get("external_id"),
                "status": "queued",
                "body": orjson.dumps({name: values.get(name) or [] for name in ARRAYS}).decode(),
                "status_details": _queued(values),
                "created_at": now,
                "updated_at": now,
            }
            conn.execute(insert(j).values(**row))
        return _render(row, _canonical(ds_uuid))

    def get(self, ds_uuid: str, import_id: str) -> tuple[dict[str, Any], bool]:
        """The job as the API shows it, and whether it needs a runner (unfinished, and no live process holds it)."""
        with self.db.read() as conn:
            ds_id = _source_id(conn, ds_uuid)
            row = conn.execute(select(*_SUMMARY).where(j.c.id == import_id, j.c.data_source_id == ds_id)).first()
        if row is None:
            raise _not_found()
        stalled = row.status in ("queued", "processing") and (row.claimed_at or row.created_at) < now_us() - LEASE_US
        return _render(row._asdict(), _canonical(ds_uuid)), stalled

    # --- the job

    def unfinished(self) -> list[str]:
        """Jobs no live process holds (run at start-up: a restart reruns what it interrupted)."""
        stale = now_us() - LEASE_US
        with self.db.read() as conn:
            query = select(j.c.id).where(
                j.c.status.in_(("queued", "processing")), (j.c.claimed_at.is_(None)) | (j.c.claimed_at < stale)
            )
            return list(conn.execute(query.order_by(j.c.created_at)).scalars())

    def run(self, import_id: str) -> bool:
        """Run the job unless another process holds it or it is done; True when this call wrote its outcome."""
        if not self._claim(import_id):
            return False
        with self.db.read() as conn:
            row = conn.execute(
                select(j.c.body, ds.c.uuid.label("ds_uuid"))
                .join(ds, ds.c.id == j.c.data_source_id)
                .where(j.c.id == import_id)
            ).one()
        try:
            details = _Run(self, row.ds_uuid, orjson.loads(row.body), lambda: self._renew(import_id)).details()
        except Exception:
            self._finish(import_id, status="failed")
            raise
        return self._finish(import_id, status="completed", status_details=details)

    def _claim(self, import_id: str) -> bool:
        now = now_us()
        lapsed = (j.c.claimed_at.is_(None)) | (j.c.claimed_at < now - LEASE_US)
        with self.db.begin() as conn:
            claimed = conn.execute(
                update(j)
                .where(j.c.id == import_id, j.c.status.in_(("queued", "processing")), lapsed)
                .values(claimed_at=now, status="processing", updated_at=now)
            )
            return claimed.rowcount == 1

    def _renew(self, import_id: str) -> None:
        with self.db.begin() as conn:
            conn.execute(update(j).where(j.c.id == import_id, j.c.status == "processing").values(claimed_at=now_us()))

    def _finish(self, import_id: str, **values: Any) -> bool:
        """The outcome; the body goes (the job never runs again)."""
        with self.db.begin() as conn:
            done = conn.execute(
                update(j)
                .where(j.c.id == import_id, j.c.status == "processing")
                .values(**values, body=None, claimed_at=None, updated_at=now_us())
            )
            return done.rowcount == 1


class _Run:
    """One run of a job's body: each store call in its own transaction, each outcome into `status_details`."""

    def __init__(
        self, store: JsonImports, ds_uuid: str, body: Mapping[str, list[Any]], renew: Callable[[], None]
    ) -> None:
        self.store = store
        self.ds_uuid = ds_uuid
        self.body = body
        self.renew = renew
        self.renewed = now_us()
        self.out: Details = {}

    def details(self) -> Details:
        self._plans()
        self._customers()
        self._invoices()
        self._events()
        return self.out

    def _tick(self) -> None:
        """Before each store call: renew the lease well before it lapses, so no poll or other process takes the
        job over while it runs."""
        if now_us() - self.renewed > LEASE_US // 3:
            self.renew()
            self.renewed = now_us()

    def _entry(self, key: str) -> Details:
        return self.out.setdefault(key, {"status": "imported"})

    def _failed(self, entry: Details, ref: str, error: Any) -> None:
        entry["status"] = "failed"
        entry.setdefault("errors", {})[ref] = error

    def _plans(self) -> None:
        for index, plan in enumerate(self.body["plans"]):
            self._tick()
            entry = self._entry("plans")
            try:
                self.store.plans.create({**_object(plan), "data_source_uuid": self.ds_uuid})
            except ApiError as exc:
                self._failed(entry, _ref(plan, index), _error_of(exc))

    def _customers(self) -> None:
        for index, customer in enumerate(self.body["customers"]):
            self._tick()
            entry = self._entry(_ref(customer, index))
            try:
                self.store.customers.create({**_object(customer), "data_source_uuid": self.ds_uuid})
            except ApiError as exc:
                self._failed(entry, "customer", _error_of(exc))

    def _invoices(self) -> None:
        invoices: dict[str, dict[str, Any]] = {}
        by_customer: dict[str, list[dict[str, Any]]] = {}
        unlinked = self._entry(UNLINKED)
        for index, raw in enumerate(self.body["invoices"]):
            invoice = dict(_object(raw))
            customer_ref = invoice.pop(CUSTOMER_REF, None)
            if not isinstance(customer_ref, str) or not customer_ref:
                self._failed(unlinked, f"invoices.{_ref(raw, index)}", {CUSTOMER_REF: "can't be blank"})
                continue
            invoice["line_items"] = list(invoice.get("line_items") or [])
            invoice["transactions"] = list(invoice.get("transactions") or [])
            by_customer.setdefault(customer_ref, []).append(invoice)
            if isinstance(invoice.get("external_id"), str):
                invoices.setdefault(invoice["external_id"], invoice)
        for kind in ("line_items", "transactions"):
            for index, raw in enumerate(self.body[kind]):
                record = dict(_object(raw))
                owner = invoices.get(record.pop(INVOICE_REF, None))  # type: ignore[arg-type]
                if owner is None:
                    self._failed(unlinked, f"{kind}.{_ref(raw, index)}", {INVOICE_REF: "No invoice of the import"})
                    continue
                owner[kind].append(record)
        if unlinked.get("status") == "imported":
            del self.out[UNLINKED]
        plan_uuids = self._plan_uuids()
        for customer_ref, batch in by_customer.items():
            self._tick()
            entry = self._entry(customer_ref).setdefault("invoices", {"status": "imported"})
            customer_uuid = self._customer_uuid(customer_ref)
            if customer_uuid is None:
                self._failed(entry, CUSTOMER_REF, "Customer not found")
                continue
            missing = _name_plans(batch, plan_uuids)
            if missing:
                self._failed(entry, PLAN_REF, f"Plan not found: {', '.join(sorted(missing))}")
                continue
            try:
                self.store.invoices.import_invoices(customer_uuid, {"invoices": batch})
            except ApiError as exc:
                self._failed(entry, "invoices", _error_of(exc))

    def _events(self) -> None:
        for index, raw in enumerate(self.body["subscription_events"]):
            self._tick()
            event = _object(raw)
            owner = event.get(CUSTOMER_REF)
            key = owner if isinstance(owner, str) and owner else UNLINKED
            entry = self._entry(key).setdefault("subscription_events", {"status": "imported"})
            try:
                self.store.events.create({"subscription_event": {**event, "data_source_uuid": self.ds_uuid}})
            except ApiError as exc:
                self._failed(entry, _ref(raw, index), _error_of(exc))

    def _plan_uuids(self) -> dict[str, str]:
        with self.store.db.read() as conn:
            query = select(p.c.external_id, p.c.uuid).join(ds, ds.c.id == p.c.data_source_id)
            rows = conn.execute(query.where(ds.c.uuid == self.ds_uuid))
            return {row.external_id: row.uuid for row in rows}

    def _customer_uuid(self, external_id: str) -> str | None:
        with self.store.db.read() as conn:
            query = (
                select(c.c.uuid)
                .join(ds, ds.c.id == c.c.data_source_id)
                .where(ds.c.uuid == self.ds_uuid, c.c.external_id == external_id)
            )
            return conn.execute(query).scalar_one_or_none()


def _object(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def _ref(record: Any, index: int) -> str:
    """A record's name in `status_details`: its external id, or its position when it has none."""
    external_id = record.get("external_id") if isinstance(record, dict) else None
    return external_id if isinstance(external_id, str) and external_id else f"#{index}"


def _name_plans(batch: list[dict[str, Any]], plan_uuids: Mapping[str, str]) -> set[str]:
    """Give line items that name their plan by `plan_external_id` its `plan_uuid`; the external ids not found."""
    missing: set[str] = set()
    for invoice in batch:
        items = []
        for item in invoice["line_items"]:
            if isinstance(item, dict) and PLAN_REF in item:
                item = dict(item)
                ref = item.pop(PLAN_REF)
                if item.get("plan_uuid") is None and ref is not None:
                    if ref in plan_uuids:
                        item["plan_uuid"] = plan_uuids[ref]
                    else:
                        missing.add(str(ref))
            items.append(item)
        invoice["line_items"] = items
    return missing


def _queued(values: Mapping[str, Any]) -> Details:
    """`status_details` before the job runs: every entry it will fill, `queued`."""
    out: Details = {}
    if values.get("plans"):
        out["plans"] = {"status": "queued"}
    for name in ("customers", "invoices", "subscription_events"):
        for index, record in enumerate(values.get(name) or []):
            key = _ref(record, index) if name == "customers" else _object(record).get(CUSTOMER_REF)
            if isinstance(key, str) and key:
                out.setdefault(key, {"status": "queued"})
    return out


def _source_id(conn: Any, ds_uuid: str) -> int:
    found = conn.execute(select(ds.c.id).where(ds.c.uuid == _canonical(ds_uuid))).scalar_one_or_none()
    if found is None:
        raise not_found(DS_NOT_FOUND)
    return int(found)


def _canonical(ds_uuid: str) -> str:
    """The path takes a source's uuid with its `ds_` prefix or without (as the job's `data_source_uuid` shows it)."""
    return ds_uuid if ds_uuid.startswith("ds_") else f"ds_{ds_uuid}"


def _render(row: Mapping[str, Any], ds_uuid: str) -> dict[str, Any]:
    return render(
        JsonImport,
        {
            "id": row["id"],
            "data_source_uuid": ds_uuid.removeprefix("ds_"),
            "status": row["status"],
            "external_id": row["external_id"],
            "status_details": row["status_details"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        },
    )


_SUMMARY = (j.c.id, j.c.external_id, j.c.status, j.c.status_details, j.c.created_at, j.c.updated_at, j.c.claimed_at)
