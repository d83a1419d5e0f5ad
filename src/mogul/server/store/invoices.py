"""Invoices, their line items and transactions, and the subscriptions they create.

An import request is one transaction: everything is validated first, then rows go in with one multi-row
INSERT per table, so a batch of invoices costs a handful of statements, not one per row. Any rejected invoice
rejects the request and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Row, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ...objects import DisabledState, ImportedInvoice, Invoice, StatusChange, StatusChanged, Transaction
from ..errors import ApiError, invalid, not_found
from ..pagination import Page, PageParams, fetch
from ..processing import enqueue
from ..render import render
from ..timefmt import now_us
from ..validation import Problem, checked, detailed
from . import schema
from .bulk import driver_rows, insert_returning_ids, insert_rows, placeholders
from .database import Database
from .ids import new_uuid
from .invoice_input import (
    DUP_INVOICE,
    DUP_LINE_ITEM,
    DUP_TRANSACTION,
    InvoiceIn,
    batch_duplicates,
    parse_invoice,
    parse_transaction,
)

NOT_FOUND = "Invoice not found"
INVALID_UUID = "Invalid UUID passed"
NOT_DISABLEABLE = (
    "Only invoices of automatic data sources (Stripe, Chargebee, Recurly, Braintree, Google Play, App Store Connect, "
    "SaaSync) can be disabled; this data source is fed through the API: delete the invoice instead."
)
# An invoice's uuid: `inv_` and the 8-4-4-4-12 hex form.
_UUID = re.compile(r"inv_[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
CUSTOMER_NOT_FOUND = "Customer not found"

inv_t = schema.invoices
li_t = schema.line_items
tr_t = schema.transactions
st_t = schema.invoice_statuses
cm_t = schema.invoice_collection_methods
sub_t = schema.subscriptions
c = schema.customers
ds = schema.data_sources
plans = schema.plans


# The import's lookups, straight to the driver (see bulk.driver_rows).
IMPORT_CUSTOMER_SQL = (
    "SELECT customers.id, customers.data_source_id, customers.merged_ids, data_sources.uuid FROM customers "
    "JOIN data_sources ON data_sources.id = customers.data_source_id WHERE customers.uuid = ?"
)
IMPORT_PLANS_SQL = "SELECT id, uuid, data_source_id FROM plans WHERE uuid IN ({})"
IMPORT_SUBSCRIPTIONS_SQL = (
    "SELECT id, uuid, external_id, set_external_id, data_source_id, plan_id FROM subscriptions "
    "WHERE customer_id = ? AND external_id IN ({})"
)
_SUBSCRIPTION_KEYS = ("id", "uuid", "external_id", "set_external_id", "data_source_id", "plan_id")


class ImportCustomer(NamedTuple):
    id: int
    data_source_id: int
    merged_ids: list[Any]
    ds_uuid: str


class ImportPlan(NamedTuple):
    id: int
    uuid: str
    data_source_id: int


def _import_customer(conn: Connection, uuid: str) -> ImportCustomer | None:
    rows = driver_rows(conn, IMPORT_CUSTOMER_SQL, (uuid,))
    if not rows:
        return None
    ident, ds_id, merged, ds_uuid = rows[0]
    # A JSON column: text from sqlite3, already decoded by psycopg.
    return ImportCustomer(ident, ds_id, orjson.loads(merged) if isinstance(merged, str | bytes) else merged, ds_uuid)


def check_uuid(uuid: str) -> str:
    """`uuid`, or ChartMogul's 422 for a malformed one (recorded on DELETE; a well-formed unknown one is a 404)."""
    if not _UUID.fullmatch(uuid):
        raise ApiError(
            422,
            {"error": INVALID_UUID, "error_details": [{"param": "uuid", "code": "invalid", "message": INVALID_UUID}]},
        )
    return uuid


def unknown_customer() -> ApiError:
    # The body recorded for an import into an unknown customer (the fourth of ChartMogul's error body formats).
    return ApiError(
        404,
        {"error": NOT_FOUND, "error_details": [{"param": "invoice", "code": "invalid", "message": NOT_FOUND}]},
    )


def line_item_values(li: Mapping[str, Any], plan_uuid: str | None, sub: Mapping[str, Any] | None) -> dict[str, Any]:
    """A line item's values for `render`: a subscription item's with its subscription's keys."""
    values = {**li, "plan_uuid": plan_uuid}
    if li["type"] == "subscription":
        assert sub is not None, "a subscription line item always has its subscription"
        values["subscription_uuid"] = sub["uuid"]
        values["subscription_external_id"] = sub["external_id"]
        values["subscription_set_external_id"] = sub["set_external_id"]
    return values


def render_transaction(tx: Mapping[str, Any]) -> dict[str, Any]:
    return render(Transaction, tx)


def invoice_status(stored: str | None, transactions: list[dict[str, Any]]) -> str:
    """The status an API call set, or the one the invoice's successful transactions give: `refunded` once one is
    a refund, `paid` once one is a payment, else `open`."""
    if stored is not None:
        return stored
    kinds = {tx["type"] for tx in transactions if tx["result"] == "successful"}
    return "refunded" if "refund" in kinds else "paid" if "payment" in kinds else "open"


_ENABLED = {"errors": {}, "disabled": False, "disabled_at": None, "disabled_by": None}


def invoice_query() -> Select[Any]:
    return (
        select(
            inv_t,
            c.c.uuid.label("customer_uuid"),
            c.c.external_id.label("customer_external_id"),
            ds.c.uuid.label("ds_uuid"),
            st_t.c.status.label("stored_status"),
            cm_t.c.collection_method,
        )
        .join(c, c.c.id == inv_t.c.customer_id)
        .join(ds, ds.c.id == inv_t.c.data_source_id)
        .outerjoin(st_t, st_t.c.invoice_id == inv_t.c.id)
        .outerjoin(cm_t, cm_t.c.invoice_id == inv_t.c.id)
    )


def line_item_query() -> Select[Any]:
    """Line items with the uuids and external ids of their plan and subscription, as they are rendered."""
    return (
        select(
            li_t,
            plans.c.uuid.label("plan_uuid"),
            sub_t.c.uuid.label("sub_uuid"),
            sub_t.c.external_id.label("sub_external_id"),
            sub_t.c.set_external_id.label("sub_set_external_id"),
        )
        .outerjoin(plans, plans.c.id == li_t.c.plan_id)
        .outerjoin(sub_t, sub_t.c.id == li_t.c.subscription_id)
    )


def load_invoices(conn: Connection, rows: Iterable[Row[Any]]) -> list[dict[str, Any]]:
    """Render invoice rows with their line items and transactions: two queries for the whole page."""
    rows = list(rows)
    ids = [r.id for r in rows]
    items: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    txs: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        li_query = line_item_query().where(li_t.c.invoice_id.in_(ids)).order_by(li_t.c.id)
        for li in conn.execute(li_query):
            m = li._mapping
            sub = (
                {"uuid": li.sub_uuid, "external_id": li.sub_external_id, "set_external_id": li.sub_set_external_id}
                if li.sub_uuid
                else None
            )
            items[li.invoice_id].append(line_item_values(m, li.plan_uuid, sub))
        for tx in conn.execute(select(tr_t).where(tr_t.c.invoice_id.in_(ids)).order_by(tr_t.c.id)):
            txs[tx.invoice_id].append(dict(tx._mapping))
    return [
        render(
            Invoice,
            {
                **_without_unset_collection_method(r._mapping),
                **_ENABLED,
                "data_source_uuid": r.ds_uuid,
                "status": invoice_status(r.stored_status, txs[r.id]),
                "line_items": items[r.id],
                "transactions": txs[r.id],
            },
        )
        for r in rows
    ]


def _without_unset_collection_method(values: Mapping[str, Any]) -> Mapping[str, Any]:
    # Invoices answer `collection_method` only once an edit has set it, as recorded invoices lack it.
    if values["collection_method"] is not None:
        return values
    return {k: v for k, v in values.items() if k != "collection_method"}


class Invoices:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reading

    def list(self, filters: Mapping[str, str | None], params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        query = invoice_query()
        if filters.get("customer_uuid"):
            query = query.where(c.c.uuid == filters["customer_uuid"])
        if filters.get("data_source_uuid"):
            query = query.where(ds.c.uuid == filters["data_source_uuid"])
        if filters.get("external_id"):
            query = query.where(inv_t.c.external_id == filters["external_id"])
        with self.db.read() as conn:
            page = fetch(conn, query, inv_t.c.date, inv_t.c.id, params)
            return page, load_invoices(conn, page.rows)

    def list_for_customer(self, customer_uuid: str, params: PageParams) -> tuple[Page, list[dict[str, Any]]]:
        with self.db.read() as conn:
            customer_id = conn.execute(select(c.c.id).where(c.c.uuid == customer_uuid)).scalar_one_or_none()
            if customer_id is None:
                raise not_found(CUSTOMER_NOT_FOUND)
            query = invoice_query().where(inv_t.c.customer_id == customer_id)
            page = fetch(conn, query, inv_t.c.date, inv_t.c.id, params)
            return page, load_invoices(conn, page.rows)

    def get(self, uuid: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(invoice_query().where(inv_t.c.uuid == uuid)).first()
            if row is None:
                raise not_found(NOT_FOUND)
            return load_invoices(conn, [row])[0]

    # --- deleting

    def delete(self, uuid: str) -> None:
        check_uuid(uuid)
        with self.db.begin() as conn:
            owner = conn.execute(
                select(c.c.id, c.c.data_source_id)
                .join(inv_t, inv_t.c.customer_id == c.c.id)
                .where(inv_t.c.uuid == uuid)
            ).first()
            if owner is None:
                raise not_found(NOT_FOUND)
            conn.execute(delete(inv_t).where(inv_t.c.uuid == uuid))
            _drop_orphan_subscriptions(conn, owner.id)
            enqueue(conn, [(owner.id, owner.data_source_id)])

    def delete_for_customer(self, ds_uuid: str, customer_uuid: str) -> None:
        with self.db.begin() as conn:
            ds_id = conn.execute(select(ds.c.id).where(ds.c.uuid == ds_uuid)).scalar_one_or_none()
            if ds_id is None:
                raise not_found("Data source not found")
            customer_id = conn.execute(select(c.c.id).where(c.c.uuid == customer_uuid)).scalar_one_or_none()
            if customer_id is None:
                raise not_found(CUSTOMER_NOT_FOUND)
            conn.execute(delete(inv_t).where(inv_t.c.data_source_id == ds_id, inv_t.c.customer_id == customer_id))
            _drop_orphan_subscriptions(conn, customer_id)
            enqueue(conn, [(customer_id, _own_source(conn, customer_id))])

    # --- editing

    def set_status(self, ds_uuid: str, external_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """`PUT /data_sources/{uuid}/invoices/{external_id}/status`: `voided` or `written_off`, which the metrics
        drop where the data source's invoice handling says so; `open`, `paid` and `refunded` follow from the
        invoice's transactions and cannot be set."""
        status = checked(StatusChange, body, "create", detailed)["status"]
        with self.db.begin() as conn:
            inv = conn.execute(
                select(inv_t.c.id, inv_t.c.customer_id)
                .join(ds, ds.c.id == inv_t.c.data_source_id)
                .where(ds.c.uuid == ds_uuid, inv_t.c.external_id == external_id)
            ).first()
            if inv is None:
                raise not_found(NOT_FOUND)
            changed = conn.execute(
                update(st_t).where(st_t.c.invoice_id == inv.id).values(status=status, changed_at=now_us())
            ).rowcount
            if not changed:
                conn.execute(insert(st_t).values(invoice_id=inv.id, status=status, changed_at=now_us()))
            enqueue(conn, [(inv.customer_id, _own_source(conn, inv.customer_id))])
        return render(StatusChanged, {"message": "Invoice updated"})

    def set_disabled(self, target: Mapping[str, str | None], body: Mapping[str, Any]) -> dict[str, Any]:
        """`PATCH /invoices/{uuid}/disabled_state`, or by `data_source_uuid` and `external_id`: only invoices of
        automatic data sources can be disabled, and every mogul data source is fed through the API. Enabling an
        invoice that is not disabled changes nothing and answers the invoice."""
        disabled = checked(DisabledState, body, "create", detailed)["disabled"]
        query = invoice_query()
        if target.get("uuid") is not None:
            query = query.where(inv_t.c.uuid == check_uuid(str(target["uuid"])))
        else:
            query = query.where(ds.c.uuid == target["data_source_uuid"], inv_t.c.external_id == target["external_id"])
        with self.db.read() as conn:
            row = conn.execute(query).first()
            if row is None:
                raise not_found(NOT_FOUND)
            if disabled:
                raise detailed([Problem("disabled", "invalid", NOT_DISABLEABLE)])
            return load_invoices(conn, [row])[0]

    # --- importing

    def import_invoices(self, customer_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = body.get("invoices")
        if not isinstance(raw, list) or not raw:
            raise invalid({"invoices": "can't be blank" if not raw else "must be a list"})
        for attempt in (1, 2):
            parsed = [parse_invoice(item) for item in raw]
            batch_duplicates(parsed)
            try:
                with self.db.begin() as conn:
                    return {"invoices": self._insert(conn, customer_uuid, parsed)}
            except IntegrityError as exc:
                # A unique constraint fired (a stored duplicate, or a concurrent import won the race): find which.
                with self.db.read() as conn:
                    self._stored_duplicates(conn, customer_uuid, parsed)
                if any(inv.errors for inv in parsed):
                    raise _batch_error(parsed) from exc
                # No duplicate of ours: a concurrent import created the same new subscription first. Once more
                # finds and reuses it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _insert(self, conn: Connection, customer_uuid: str, parsed: list[InvoiceIn]) -> list[dict[str, Any]]:
        customer = _import_customer(conn, customer_uuid)
        if customer is None:
            raise unknown_customer()
        ds_ids = self._data_sources(conn, customer, parsed)
        plan_rows = self._plans(conn, parsed)
        for inv, ds_id in zip(parsed, ds_ids, strict=True):
            for plan_uuid in inv.plan_uuids:
                if plan_uuid is None:
                    continue
                plan = plan_rows.get(plan_uuid)
                if plan is None:
                    inv.errors.setdefault("line_items.plan_uuid", "Plan not found")
                elif ds_id is not None and plan.data_source_id != ds_id:
                    inv.errors.setdefault("line_items.plan_uuid", "The plan belongs to another data source.")
        if any(inv.errors for inv in parsed):
            raise _batch_error(parsed)

        now = now_us()
        subs = self._subscriptions(conn, customer.id, parsed, ds_ids, plan_rows, now)
        inv_rows = [
            {
                **inv.values,
                "uuid": new_uuid("inv_"),
                "data_source_id": ds_id,
                "customer_id": customer.id,
                "created_at": now,
            }
            for inv, ds_id in zip(parsed, ds_ids, strict=True)
        ]
        ids = insert_returning_ids(conn, inv_t, inv_rows)
        li_rows: list[dict[str, Any]] = []
        tx_rows: list[dict[str, Any]] = []
        out: list[dict[str, Any]] = []
        for inv, row, inv_id in zip(parsed, inv_rows, ids, strict=True):
            items, txs = [], []
            for li, plan_uuid in zip(inv.line_items, inv.plan_uuids, strict=True):
                sub_ext = li.pop("subscription_external_id")
                li.pop("subscription_set_external_id")
                sub = subs.get((row["data_source_id"], sub_ext)) if sub_ext else None
                li_row = {
                    **li,
                    "uuid": new_uuid("li_"),
                    "invoice_id": inv_id,
                    "data_source_id": row["data_source_id"],
                    "customer_id": customer.id,
                    "subscription_id": sub["id"] if sub else None,
                    "plan_id": plan_rows[plan_uuid].id if plan_uuid else None,
                }
                li_rows.append(li_row)
                items.append(line_item_values(li_row, plan_uuid, sub))
            for tx in inv.transactions:
                tx_row = {
                    **tx,
                    "uuid": new_uuid("tr_"),
                    "invoice_id": inv_id,
                    "data_source_id": row["data_source_id"],
                    "customer_id": customer.id,
                }
                tx_rows.append(tx_row)
                txs.append(tx_row)
            out.append(render(ImportedInvoice, {**row, "errors": {}, "line_items": items, "transactions": txs}))
        insert_rows(conn, li_t, li_rows)
        insert_rows(conn, tr_t, tx_rows)
        enqueue(conn, [(customer.id, customer.data_source_id)])
        return out

    def _data_sources(self, conn: Connection, customer: ImportCustomer, parsed: list[InvoiceIn]) -> list[int | None]:
        """The data source of each invoice: the customer's own, or one merged into it when the body names it."""
        allowed = {customer.ds_uuid, *(d for d, _ in customer.merged_ids or [])}
        named = {inv.data_source_uuid for inv in parsed if inv.data_source_uuid}
        ids = {customer.ds_uuid: customer.data_source_id}
        if named - ids.keys():
            rows = conn.execute(select(ds.c.uuid, ds.c.id).where(ds.c.uuid.in_(named - ids.keys())))
            ids.update((row.uuid, row.id) for row in rows)
        out: list[int | None] = []
        for inv in parsed:
            wanted = inv.data_source_uuid or customer.ds_uuid
            if wanted not in allowed or wanted not in ids:
                inv.errors.setdefault("data_source_uuid", "does not match the customer's data source")
                out.append(None)
            else:
                out.append(ids[wanted])
        return out

    def _plans(self, conn: Connection, parsed: list[InvoiceIn]) -> dict[str, ImportPlan]:
        uuids = sorted({u for inv in parsed for u in inv.plan_uuids if u})
        if not uuids:
            return {}
        rows = driver_rows(conn, IMPORT_PLANS_SQL.format(placeholders(len(uuids))), uuids)
        return {row[1]: ImportPlan(*row) for row in rows}

    def _subscriptions(
        self,
        conn: Connection,
        customer_id: int,
        parsed: list[InvoiceIn],
        ds_ids: list[int | None],
        plan_rows: dict[str, ImportPlan],
        now: int,
    ) -> dict[tuple[int, str], dict[str, Any]]:
        """Find or create the subscription of every subscription line item; keep its plan the latest one."""
        latest: dict[tuple[int, str], tuple[int, int, str | None]] = {}
        for inv, ds_id in zip(parsed, ds_ids, strict=True):
            assert ds_id is not None
            for li, plan_uuid in zip(inv.line_items, inv.plan_uuids, strict=True):
                if li["subscription_external_id"] and plan_uuid:
                    key = (ds_id, li["subscription_external_id"])
                    start = li["service_period_start"] or 0
                    if key not in latest or start >= latest[key][0]:
                        latest[key] = (start, plan_rows[plan_uuid].id, li["subscription_set_external_id"])
        if not latest:
            return {}
        # By external id alone, then by (data source, external id) here: a row-value IN costs more to compile
        # per request than the few extra rows of a customer with the same id in a merged source.
        exts = sorted({ext for _, ext in latest})
        found = driver_rows(conn, IMPORT_SUBSCRIPTIONS_SQL.format(placeholders(len(exts))), (customer_id, *exts))
        subs = {(r[4], r[2]): dict(zip(_SUBSCRIPTION_KEYS, r, strict=True)) for r in found}
        subs = {key: sub for key, sub in subs.items() if key in latest}
        for key, sub in subs.items():
            _, plan_id, set_ext = latest[key]
            changes = {"plan_id": plan_id} if sub["plan_id"] != plan_id else {}
            if set_ext and set_ext != sub["set_external_id"]:
                changes["set_external_id"] = set_ext
            if changes:
                conn.execute(update(sub_t).where(sub_t.c.id == sub["id"]).values(**changes))
                sub.update(changes)
        new = [
            {
                "uuid": new_uuid("sub_"),
                "data_source_id": key[0],
                "customer_id": customer_id,
                "external_id": key[1],
                "set_external_id": set_ext,
                "plan_id": plan_id,
                "cancellation_dates": [],
                "created_at": now,
            }
            for key, (_, plan_id, set_ext) in latest.items()
            if key not in subs
        ]
        if new:
            # cancellation_dates is a JSON column: the driver takes its text.
            ids = insert_returning_ids(conn, sub_t, [{**row, "cancellation_dates": "[]"} for row in new])
            for row, ident in zip(new, ids, strict=True):
                subs[(row["data_source_id"], row["external_id"])] = {**row, "id": ident}
        return subs

    def _stored_duplicates(self, conn: Connection, customer_uuid: str, parsed: list[InvoiceIn]) -> None:
        """Flag the ids already stored in the invoice's own data source: uniqueness is per data source, and an id
        used in another one is no duplicate."""
        customer = _import_customer(conn, customer_uuid)
        if customer is None:
            return
        ds_ids = self._data_sources(conn, customer, parsed)
        checks = (
            (inv_t, _invoice_ids, "external_id", DUP_INVOICE),
            (li_t, _line_item_ids, "line_items.external_id", DUP_LINE_ITEM),
            (tr_t, _transaction_ids, "transactions.external_id", DUP_TRANSACTION),
        )
        for table, ids_of, key, message in checks:
            wanted = {e for inv in parsed for e in ids_of(inv) if e}
            if not wanted:
                continue
            query = select(table.c.data_source_id, table.c.external_id).where(table.c.external_id.in_(wanted))
            taken = {(row[0], row[1]) for row in conn.execute(query)}
            for inv, ds_id in zip(parsed, ds_ids, strict=True):
                if any((ds_id, e) in taken for e in ids_of(inv)):
                    inv.errors.setdefault(key, message)

    # --- transactions on an existing invoice

    def add_transaction(self, invoice_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        tx = parse_transaction(body, "", errors)
        if errors:
            raise invalid(errors)
        try:
            with self.db.begin() as conn:
                inv = conn.execute(
                    select(inv_t.c.id, inv_t.c.data_source_id, inv_t.c.customer_id).where(inv_t.c.uuid == invoice_uuid)
                ).first()
                if inv is None:
                    raise not_found(NOT_FOUND)
                row = {
                    **tx,
                    "uuid": new_uuid("tr_"),
                    "invoice_id": inv.id,
                    "data_source_id": inv.data_source_id,
                    "customer_id": inv.customer_id,
                }
                conn.execute(insert(tr_t).values(**row))
                enqueue(conn, [(inv.customer_id, _own_source(conn, inv.customer_id))])
        except IntegrityError as exc:
            raise invalid({"external_id": DUP_TRANSACTION}) from exc
        out = render_transaction(row)
        # Recorded order: external_id, result, amount_in_cents, transaction_fees_in_cents, uuid, type, date.
        keys = ("external_id", "result", "amount_in_cents", "transaction_fees_in_cents", "uuid", "type", "date")
        return {k: out[k] for k in keys} | {"transaction_fees_currency": out["transaction_fees_currency"]}


def _drop_orphan_subscriptions(conn: Connection, customer_id: int) -> None:
    """Subscriptions exist because invoices named them: once no line item does, they go too."""
    used = select(li_t.c.id).where(li_t.c.subscription_id == sub_t.c.id).exists()
    conn.execute(delete(sub_t).where(sub_t.c.customer_id == customer_id, ~used))


def _own_source(conn: Connection, customer_id: int) -> int:
    """The customer's own data source (invoices may come from sources merged into it)."""
    return conn.execute(select(c.c.data_source_id).where(c.c.id == customer_id)).scalar_one()


def _batch_error(parsed: list[InvoiceIn]) -> ApiError:
    """422 naming every invoice of the batch, each with its own `errors` map ({} for the valid ones)."""
    return ApiError(
        422,
        {"invoices": [{"external_id": inv.values.get("external_id"), "errors": inv.errors} for inv in parsed]},
    )


def _invoice_ids(inv: InvoiceIn) -> list[str | None]:
    return [inv.values.get("external_id")]


def _line_item_ids(inv: InvoiceIn) -> list[str | None]:
    return [li["external_id"] for li in inv.line_items]


def _transaction_ids(inv: InvoiceIn) -> list[str | None]:
    return [tx["external_id"] for tx in inv.transactions]
