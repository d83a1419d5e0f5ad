"""Editing imported invoices, their line items and transactions one by one.

Each record is named by its uuid or by its data source's uuid and its external id (a `Target`). Every change is
one transaction that also queues the customer for recomputation, as an import does. Values are checked by the
import's own validation (`invoice_input`), so an edit accepts exactly what an import would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_args

from sqlalchemy import ColumnElement, Connection, Row, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ...objects import DisabledState, Invoice, OneTimeLineItem, SubscriptionLineItem, Transaction, fields
from ...objects.invoices import CollectionMethod
from ..errors import ApiError, not_found
from ..processing import enqueue
from ..render import render
from ..timefmt import now_us
from ..validation import Problem, checked, detailed
from . import schema
from .database import Database
from .ids import new_uuid
from .invoice_input import DUP_LINE_ITEM, parse_invoice, parse_transaction
from .invoices import NOT_FOUND, ImportPlan, Invoices, invoice_query, line_item_query, line_item_values, load_invoices

Target = Mapping[str, str | None]
"""`{"uuid": ...}`, or `{"data_source_uuid": ..., "external_id": ...}`."""

TRANSACTION_NOT_FOUND = "Transaction not found"
LINE_ITEM_NOT_FOUND = "Line item not found"
NOT_DISABLEABLE = (
    "Only the {} of automatic data sources (Stripe, Chargebee, Recurly, Braintree, Google Play, App Store Connect, "
    "SaaSync) can be disabled; this data source is fed through the API: delete the {} instead."
)
FIXED = "cannot be changed: delete the line item and add another"
COLLECTION_METHODS: tuple[str, ...] = get_args(CollectionMethod)
# What an update may change, as declared (`update=True`); `collection_method` is stored apart from the invoice.
INVOICE_EDITS = tuple(f.name for f in fields(Invoice, "update") if f.name != "collection_method")
TRANSACTION_EDITS = tuple(f.name for f in fields(Transaction, "update"))
# What ties a line item to its subscription and plan: changing it would move the item to another subscription.
LINE_ITEM_FIXED = ("type", "subscription_external_id", "subscription_set_external_id", "plan_uuid")
# What a line item edit may change: whatever an import may set on either kind of item, less what ties it.
LINE_ITEM_EDITS = tuple(
    dict.fromkeys(
        f.name
        for cls in (SubscriptionLineItem, OneTimeLineItem)
        for f in fields(cls, "create")
        if f.name not in LINE_ITEM_FIXED
    )
)
# A well-formed invoice stands around a line item so that the import's parser checks the item alone.
_HOST_INVOICE = {"external_id": "edit", "date": "2000-01-01", "currency": "USD"}
_ITEM_PREFIX = "line_items."
_ENABLED = {"disabled": False, "disabled_at": None, "disabled_by": None}

inv_t = schema.invoices
li_t = schema.line_items
tr_t = schema.transactions
sub_t = schema.subscriptions
cm_t = schema.invoice_collection_methods
uc_t = schema.user_created_line_items
c = schema.customers
ds = schema.data_sources
plans = schema.plans


def _match(table: Any, target: Target) -> list[ColumnElement[bool]]:
    if target.get("uuid") is not None:
        return [table.c.uuid == target["uuid"]]
    source = select(ds.c.id).where(ds.c.uuid == target["data_source_uuid"]).scalar_subquery()
    return [table.c.data_source_id == source, table.c.external_id == target["external_id"]]


def _refused(errors: Mapping[str, str]) -> ApiError:
    return detailed([Problem(param, "invalid", message) for param, message in errors.items()])


def _recompute(conn: Connection, customer_id: int) -> None:
    """Queue the customer under its own data source (its invoices may come from sources merged into it)."""
    own = conn.execute(select(c.c.data_source_id).where(c.c.id == customer_id)).scalar_one()
    enqueue(conn, [(customer_id, own)])


def _drop_orphan_subscriptions(conn: Connection, customer_id: int) -> None:
    """Subscriptions exist because line items named them: once none does, they go too (as on invoice delete)."""
    used = select(li_t.c.id).where(li_t.c.subscription_id == sub_t.c.id).exists()
    conn.execute(delete(sub_t).where(sub_t.c.customer_id == customer_id, ~used))


def render_transaction(row: Mapping[str, Any]) -> dict[str, Any]:
    """A transaction as it answers on its own: with its disabled state (API sources' are never disabled)."""
    return render(Transaction, {**row, **_ENABLED, "user_created": False})


def _line_item_query() -> Select[Any]:
    return (
        line_item_query()
        .add_columns(uc_t.c.line_item_id.label("user_created_id"))
        .outerjoin(uc_t, uc_t.c.line_item_id == li_t.c.id)
    )


def render_line_item(row: Row[Any]) -> dict[str, Any]:
    """A line item as it answers on its own, of its own type."""
    sub = (
        {"uuid": row.sub_uuid, "external_id": row.sub_external_id, "set_external_id": row.sub_set_external_id}
        if row.sub_uuid
        else None
    )
    values = line_item_values(dict(row._mapping), row.plan_uuid, sub)
    cls = SubscriptionLineItem if row.type == "subscription" else OneTimeLineItem
    return render(cls, {**values, **_ENABLED, "user_created": row.user_created_id is not None})


def _only_enabled(
    body: Mapping[str, Any], answer: Callable[[], dict[str, Any]], plural: str, singular: str
) -> dict[str, Any]:
    """A `disabled` body checked, then the object found (404 otherwise): enabling answers it, disabling is refused."""
    disabled = checked(DisabledState, body, "create", detailed)["disabled"]
    found = answer()
    if disabled:
        raise detailed([Problem("disabled", "invalid", NOT_DISABLEABLE.format(plural, singular))])
    return found


def _parse_line_item(item: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A line item's column values and plan uuid, checked as an import checks it; a 422 when refused."""
    parsed = parse_invoice({**_HOST_INVOICE, "line_items": [item]})
    errors = {key.removeprefix(_ITEM_PREFIX): message for key, message in parsed.errors.items()}
    if errors:
        raise _refused(errors)
    return parsed.line_items[0], parsed.plan_uuids[0]


class InvoiceEditing:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._invoices = Invoices(db)

    # --- invoices

    def delete_invoice(self, target: Target) -> None:
        with self.db.begin() as conn:
            inv = conn.execute(select(inv_t.c.id, inv_t.c.customer_id).where(*_match(inv_t, target))).first()
            if inv is None:
                raise not_found(NOT_FOUND)
            conn.execute(delete(inv_t).where(inv_t.c.id == inv.id))
            _drop_orphan_subscriptions(conn, inv.customer_id)
            _recompute(conn, inv.customer_id)

    def update_invoice(self, target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
        """`date`, `due_date`, `currency` (checked as an import checks them) and `collection_method`; other keys
        are left alone. Answers the invoice."""
        sent = {key: body[key] for key in INVOICE_EDITS if key in body}
        parsed = parse_invoice({**sent, "line_items": []})
        errors = {key: message for key, message in parsed.errors.items() if key in sent}
        method = body.get("collection_method")
        if method is not None and method not in COLLECTION_METHODS:
            errors["collection_method"] = f"must be one of {', '.join(COLLECTION_METHODS)}"
        if errors:
            raise _refused(errors)
        with self.db.begin() as conn:
            inv = conn.execute(select(inv_t.c.id, inv_t.c.customer_id).where(*_match(inv_t, target))).first()
            if inv is None:
                raise not_found(NOT_FOUND)
            if sent:
                conn.execute(update(inv_t).where(inv_t.c.id == inv.id).values({k: parsed.values[k] for k in sent}))
            if "collection_method" in body:
                conn.execute(delete(cm_t).where(cm_t.c.invoice_id == inv.id))
                if method is not None:
                    conn.execute(insert(cm_t).values(invoice_id=inv.id, collection_method=method))
            _recompute(conn, inv.customer_id)
            return load_invoices(conn, [conn.execute(invoice_query().where(inv_t.c.id == inv.id)).one()])[0]

    # --- transactions

    def get_transaction(self, target: Target) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(select(tr_t).where(*_match(tr_t, target))).first()
        if row is None:
            raise not_found(TRANSACTION_NOT_FOUND)
        return render_transaction(dict(row._mapping))

    def update_transaction(self, target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
        """Any of `TRANSACTION_EDITS`; the result is checked whole, as an import checks a new transaction."""
        with self.db.begin() as conn:
            row = conn.execute(select(tr_t).where(*_match(tr_t, target))).first()
            if row is None:
                raise not_found(TRANSACTION_NOT_FOUND)
            current = render(Transaction, dict(row._mapping))
            sent = {key: body[key] for key in TRANSACTION_EDITS if key in body}
            errors: dict[str, str] = {}
            values = parse_transaction({**current, **sent}, "", errors)
            if errors:
                raise _refused(errors)
            changes = {key: values[key] for key in sent}
            if changes:
                conn.execute(update(tr_t).where(tr_t.c.id == row.id).values(changes))
                _recompute(conn, row.customer_id)
            return render_transaction({**row._mapping, **changes})

    def delete_transaction(self, target: Target) -> None:
        with self.db.begin() as conn:
            row = conn.execute(select(tr_t.c.id, tr_t.c.customer_id).where(*_match(tr_t, target))).first()
            if row is None:
                raise not_found(TRANSACTION_NOT_FOUND)
            conn.execute(delete(tr_t).where(tr_t.c.id == row.id))
            _recompute(conn, row.customer_id)

    def set_transaction_disabled(self, target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
        """As for invoices: enabling answers the transaction, disabling is refused (mogul's are API sources)."""
        return _only_enabled(body, lambda: self.get_transaction(target), "transactions", "transaction")

    # --- line items

    def get_line_item(self, target: Target) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(_line_item_query().where(*_match(li_t, target))).first()
        if row is None:
            raise not_found(LINE_ITEM_NOT_FOUND)
        return render_line_item(row)

    def add_line_item(self, invoice_uuid: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A line item added to an existing invoice, checked as an import checks one; `user_created`."""
        for attempt in (1, 2):
            li, plan_uuid = _parse_line_item(body)
            try:
                with self.db.begin() as conn:
                    ident = self._insert_line_item(conn, invoice_uuid, li, plan_uuid)
                    return render_line_item(conn.execute(_line_item_query().where(li_t.c.id == ident)).one())
            except IntegrityError as exc:
                with self.db.read() as conn:
                    taken = (
                        li["external_id"] is not None
                        and conn.execute(
                            select(li_t.c.id)
                            .join(inv_t, inv_t.c.data_source_id == li_t.c.data_source_id)
                            .where(inv_t.c.uuid == invoice_uuid, li_t.c.external_id == li["external_id"])
                        ).first()
                    )
                if taken:
                    raise _refused({"external_id": DUP_LINE_ITEM}) from exc
                # A concurrent write created the same new subscription first: once more finds and reuses it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _insert_line_item(self, conn: Connection, invoice_uuid: str, li: dict[str, Any], plan_uuid: str | None) -> int:
        inv = conn.execute(
            select(inv_t.c.id, inv_t.c.data_source_id, inv_t.c.customer_id).where(inv_t.c.uuid == invoice_uuid)
        ).first()
        if inv is None:
            raise not_found(NOT_FOUND)
        plan_rows: dict[str, ImportPlan] = {}
        if plan_uuid is not None:
            plan = conn.execute(
                select(plans.c.id, plans.c.uuid, plans.c.data_source_id).where(plans.c.uuid == plan_uuid)
            ).first()
            if plan is None:
                raise _refused({"plan_uuid": "Plan not found"})
            if plan.data_source_id != inv.data_source_id:
                raise _refused({"plan_uuid": "The plan belongs to another data source."})
            plan_rows[plan_uuid] = ImportPlan(plan.id, plan.uuid, plan.data_source_id)
        sub = None
        if li["subscription_external_id"]:
            host = parse_invoice({**_HOST_INVOICE, "line_items": []})
            host.line_items, host.plan_uuids = [li], [plan_uuid]
            subs = self._invoices._subscriptions(
                conn, inv.customer_id, [host], [inv.data_source_id], plan_rows, now_us()
            )
            sub = subs[(inv.data_source_id, li["subscription_external_id"])]
        row = {
            **{k: v for k, v in li.items() if k not in ("subscription_external_id", "subscription_set_external_id")},
            "uuid": new_uuid("li_"),
            "invoice_id": inv.id,
            "data_source_id": inv.data_source_id,
            "customer_id": inv.customer_id,
            "subscription_id": sub["id"] if sub else None,
            "plan_id": plan_rows[plan_uuid].id if plan_uuid else None,
        }
        inserted = conn.execute(insert(li_t).values(**row)).inserted_primary_key
        assert inserted is not None
        ident = int(inserted[0])
        conn.execute(insert(uc_t).values(line_item_id=ident))
        _recompute(conn, inv.customer_id)
        return ident

    def update_line_item(self, target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
        """Any of `LINE_ITEM_EDITS`, the result checked whole as an import checks a line item. What ties the item
        to its subscription and plan (`LINE_ITEM_FIXED`) stays: a different value is refused."""
        try:
            with self.db.begin() as conn:
                row = conn.execute(_line_item_query().where(*_match(li_t, target))).first()
                if row is None:
                    raise not_found(LINE_ITEM_NOT_FOUND)
                current = render_line_item(row)
                fixed = {key: FIXED for key in LINE_ITEM_FIXED if key in body and body[key] != current.get(key)}
                if fixed:
                    raise _refused(fixed)
                sent = {key: body[key] for key in LINE_ITEM_EDITS if key in body}
                li, _ = _parse_line_item({**current, **sent})
                if sent:
                    conn.execute(update(li_t).where(li_t.c.id == row.id).values({k: li[k] for k in sent}))
                    _recompute(conn, row.customer_id)
                return render_line_item(conn.execute(_line_item_query().where(li_t.c.id == row.id)).one())
        except IntegrityError as exc:
            raise _refused({"external_id": DUP_LINE_ITEM}) from exc

    def delete_line_item(self, target: Target) -> None:
        with self.db.begin() as conn:
            row = conn.execute(select(li_t.c.id, li_t.c.customer_id).where(*_match(li_t, target))).first()
            if row is None:
                raise not_found(LINE_ITEM_NOT_FOUND)
            conn.execute(delete(li_t).where(li_t.c.id == row.id))
            _drop_orphan_subscriptions(conn, row.customer_id)
            _recompute(conn, row.customer_id)

    def set_line_item_disabled(self, target: Target, body: Mapping[str, Any]) -> dict[str, Any]:
        return _only_enabled(body, lambda: self.get_line_item(target), "line items", "line item")
