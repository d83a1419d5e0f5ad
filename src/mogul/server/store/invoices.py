"""Invoices, their line items and transactions, and the subscriptions they create.

An import request is one transaction: everything is validated first, then rows go in with one multi-row
INSERT per table, so a batch of invoices costs a handful of statements, not one per row. Any rejected invoice
rejects the request and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Row, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, invalid, not_found
from ..pagination import Page, PageParams, fetch
from ..processing import enqueue
from ..timefmt import iso_millis, now_us
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
CUSTOMER_NOT_FOUND = "Customer not found"

inv_t = schema.invoices
li_t = schema.line_items
tr_t = schema.transactions
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


def unknown_customer() -> ApiError:
    # The body recorded for an import into an unknown customer (the fourth of ChartMogul's error body formats).
    return ApiError(
        404,
        {"error": NOT_FOUND, "error_details": [{"param": "invoice", "code": "invalid", "message": NOT_FOUND}]},
    )


def render_line_item(li: Mapping[str, Any], plan_uuid: str | None, sub: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        "uuid": li["uuid"],
        "external_id": li["external_id"],
        "type": li["type"],
        "subscription_uuid": sub["uuid"] if sub else None,
        "subscription_external_id": sub["external_id"] if sub else None,
        "subscription_set_external_id": sub["set_external_id"] if sub else None,
        "prorated": li["prorated"],
        "proration_type": li["proration_type"],
        "service_period_start": iso_millis(li["service_period_start"]),
        "service_period_end": iso_millis(li["service_period_end"]),
        "plan_uuid": plan_uuid,
        "amount_in_cents": li["amount_in_cents"],
        "quantity": li["quantity"],
        "discount_code": li["discount_code"],
        "discount_amount_in_cents": li["discount_amount_in_cents"],
        "tax_amount_in_cents": li["tax_amount_in_cents"],
        "transaction_fees_in_cents": li["transaction_fees_in_cents"],
        "account_code": li["account_code"],
        "transaction_fees_currency": li["transaction_fees_currency"],
        "discount_description": li["discount_description"],
        "event_order": li["event_order"],
        "description": li["description"],
        "cancelled_at": iso_millis(li["cancelled_at"]),
    }


def render_transaction(tx: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "uuid": tx["uuid"],
        "external_id": tx["external_id"],
        "amount_in_cents": tx["amount_in_cents"],
        "type": tx["type"],
        "date": iso_millis(tx["date"]),
        "result": tx["result"],
        "transaction_fees_in_cents": tx["transaction_fees_in_cents"],
        "transaction_fees_currency": tx["transaction_fees_currency"],
    }


def render_invoice(
    inv: Mapping[str, Any], items: list[dict[str, Any]], txs: list[dict[str, Any]], owner: Mapping[str, Any] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"uuid": inv["uuid"]}
    if owner is not None:
        out.update(owner)
    out.update(
        {
            "date": iso_millis(inv["date"]),
            "due_date": iso_millis(inv["due_date"]),
            "external_id": inv["external_id"],
            "currency": inv["currency"],
            "line_items": items,
            "transactions": txs,
        }
    )
    return out


def invoice_query() -> Select[Any]:
    return (
        select(
            inv_t,
            c.c.uuid.label("customer_uuid"),
            c.c.external_id.label("customer_external_id"),
            ds.c.uuid.label("ds_uuid"),
        )
        .join(c, c.c.id == inv_t.c.customer_id)
        .join(ds, ds.c.id == inv_t.c.data_source_id)
    )


def load_invoices(conn: Connection, rows: Iterable[Row[Any]]) -> list[dict[str, Any]]:
    """Render invoice rows with their line items and transactions: two queries for the whole page."""
    rows = list(rows)
    ids = [r.id for r in rows]
    items: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    txs: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        li_query = (
            select(
                li_t,
                plans.c.uuid.label("plan_uuid"),
                sub_t.c.uuid.label("sub_uuid"),
                sub_t.c.external_id.label("sub_external_id"),
                sub_t.c.set_external_id.label("sub_set_external_id"),
            )
            .outerjoin(plans, plans.c.id == li_t.c.plan_id)
            .outerjoin(sub_t, sub_t.c.id == li_t.c.subscription_id)
            .where(li_t.c.invoice_id.in_(ids))
            .order_by(li_t.c.id)
        )
        for li in conn.execute(li_query):
            m = li._mapping
            sub = (
                {"uuid": li.sub_uuid, "external_id": li.sub_external_id, "set_external_id": li.sub_set_external_id}
                if li.sub_uuid
                else None
            )
            items[li.invoice_id].append(render_line_item(m, li.plan_uuid, sub))
        for tx in conn.execute(select(tr_t).where(tr_t.c.invoice_id.in_(ids)).order_by(tr_t.c.id)):
            txs[tx.invoice_id].append(render_transaction(tx._mapping))
    return [
        render_invoice(
            r._mapping,
            items[r.id],
            txs[r.id],
            {
                "customer_uuid": r.customer_uuid,
                "customer_external_id": r.customer_external_id,
                "data_source_uuid": r.ds_uuid,
            },
        )
        for r in rows
    ]


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
                    self._stored_duplicates(conn, parsed)
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
                items.append(render_line_item(li_row, plan_uuid, sub))
            for tx in inv.transactions:
                tx_row = {
                    **tx,
                    "uuid": new_uuid("tr_"),
                    "invoice_id": inv_id,
                    "data_source_id": row["data_source_id"],
                    "customer_id": customer.id,
                }
                tx_rows.append(tx_row)
                txs.append(render_transaction(tx_row))
            rendered = render_invoice(row, items, txs, None)
            out.append({"uuid": rendered.pop("uuid"), "errors": {}, **rendered})
        insert_rows(conn, li_t, li_rows)
        insert_rows(conn, tr_t, tx_rows)
        enqueue(conn, [(customer.id, customer.data_source_id)])
        # Field order as recorded: uuid, date, due_date, errors, external_id, currency, line_items, transactions.
        return [{k: o[k] for k in ORDER} for o in out]

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

    def _stored_duplicates(self, conn: Connection, parsed: list[InvoiceIn]) -> None:
        checks = (
            (inv_t, _invoice_ids, "external_id", DUP_INVOICE),
            (li_t, _line_item_ids, "line_items.external_id", DUP_LINE_ITEM),
            (tr_t, _transaction_ids, "transactions.external_id", DUP_TRANSACTION),
        )
        for table, ids_of, key, message in checks:
            wanted = {e for inv in parsed for e in ids_of(inv) if e}
            if not wanted:
                continue
            taken = set(conn.execute(select(table.c.external_id).where(table.c.external_id.in_(wanted))).scalars())
            for inv in parsed:
                if taken.intersection(ids_of(inv)):
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


ORDER = ("uuid", "date", "due_date", "errors", "external_id", "currency", "line_items", "transactions")


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
