"""Validating one imported invoice into column values, collecting ChartMogul-style errors.

What each field accepts (required, bounds, enum, currency, `""` as none) is the create view of its declaration:
`Invoice`, `SubscriptionLineItem` / `OneTimeLineItem` by the item's `type`, and `Transaction` in `objects`.
Unlike the newer resources, a value of the wrong JSON type is not a 400 here but one more message of the
invoice. Errors are per invoice, keyed like the real API (`external_id`, `line_items.external_id`,
`transactions.external_id`, ...); the first message per key wins. Nothing here touches the database: checks
that need it (plans, duplicates already stored) happen in `invoices.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...objects.base import REQUIRED, ApiObject, Field, Format, TypeInfo, field_of, fields, variant
from ...objects.invoices import Invoice, LineItem, OneTimeLineItem, SubscriptionLineItem, Transaction
from .fields import CURRENCIES, INVALID_TIMESTAMP, as_integer, timestamp

BLANK = "can't be blank"
DUP_INVOICE = "The external ID for this invoice already exists in our system."
DUP_LINE_ITEM = "The external ID for this line item already exists in our system."
DUP_TRANSACTION = "has already been taken"

# The order an import has always reported problems in (an invoice's errors keep the order of their keys).
# Each lists every field its create view accepts, which `_ordered` checks when the module loads.
_INVOICE_ORDER = ("external_id", "date", "due_date", "currency", "data_source_uuid")
_LINE_ITEM_ORDER = (
    "type",
    "service_period_start",
    "service_period_end",
    "plan_uuid",
    "external_id",
    "subscription_external_id",
    "subscription_set_external_id",
    "amount_in_cents",
    "quantity",
    "prorated",
    "proration_type",
    "cancelled_at",
    "discount_code",
    "discount_amount_in_cents",
    "discount_description",
    "tax_amount_in_cents",
    "transaction_fees_in_cents",
    "transaction_fees_currency",
    "account_code",
    "description",
    "event_order",
)
_TRANSACTION_ORDER = (
    "external_id",
    "type",
    "date",
    "result",
    "amount_in_cents",
    "transaction_fees_in_cents",
    "transaction_fees_currency",
)
# What a line item stores for a field it does not send.
_LINE_ITEM_DEFAULTS = {
    "amount_in_cents": 0,
    "quantity": 1,
    "prorated": False,
    "discount_code": "",
    "discount_amount_in_cents": 0,
    "tax_amount_in_cents": 0,
    "transaction_fees_in_cents": 0,
    "account_code": "",
}


def _ordered(cls: type[ApiObject], order: Sequence[str], lists: Sequence[str] = ()) -> tuple[Field, ...]:
    accepted = {f.attr: f for f in fields(cls, "create") if f.attr not in lists}
    if set(accepted) != set(order):
        raise TypeError(f"{cls.__name__}: the import reads {sorted(order)}, the declaration accepts {sorted(accepted)}")
    return tuple(accepted[attr] for attr in order)


_INVOICE_FIELDS = _ordered(Invoice, _INVOICE_ORDER, lists=("line_items", "transactions"))


def _items_of(f: Field) -> TypeInfo:
    assert f.type.items is not None, f"{f.name} is not a list"
    return f.type.items


_LINE_ITEMS = _items_of(field_of(Invoice, "line_items"))
_LINE_ITEM_TYPE = field_of(LineItem, "type")
_LINE_ITEM_FIELDS = {cls: _ordered(cls, _LINE_ITEM_ORDER)[1:] for cls in _LINE_ITEMS.variants}
_TRANSACTION_FIELDS = _ordered(Transaction, _TRANSACTION_ORDER)


@dataclass
class InvoiceIn:
    values: dict[str, Any]
    data_source_uuid: str | None
    line_items: list[dict[str, Any]] = field(default_factory=list)
    # plan uuid / subscription external id per line item, resolved to ids later
    plan_uuids: list[str | None] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Reads the declared fields of one JSON object, recording a message under `prefix.key` for each bad one."""

    def __init__(self, data: dict[str, Any], prefix: str, errors: dict[str, str]) -> None:
        self.data, self.prefix, self.errors = data, prefix, errors

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(self.prefix + key, message)

    def read(self, f: Field) -> Any:
        """The field's value as stored (instants as microseconds, currencies upper case), or None."""
        info, required = f.request_type, f.create is REQUIRED
        if info.enum is not None:
            return self.choice(f.name, info.enum, required=required)
        if info.kind == "datetime":
            return self.when(f, required=required)
        if info.kind == "integer":
            return self.integer(f.name, required=required, minimum=f.minimum, maximum=f.maximum)
        if info.kind == "boolean":
            return self.boolean(f.name)
        if info.kind == "string" and f.fmt is Format.CURRENCY:
            return self.currency(f, required=required)
        if info.kind == "string":
            return self.text(f, required=required)
        raise TypeError(f"an import cannot read {f.name} ({info.kind})")

    def text(self, f: Field, *, required: bool) -> str | None:
        value = self.data.get(f.name)
        if value is None or (f.empty_is_null and value == ""):
            if required:
                self.fail(f.name, BLANK)
            return value
        if not isinstance(value, str):
            self.fail(f.name, "must be a string")
            return None
        if f.max_length is not None and len(value) > f.max_length:
            self.fail(f.name, f"is too long (maximum is {f.max_length} characters)")
        return value

    def integer(self, key: str, *, required: bool, minimum: float | None, maximum: float | None) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, BLANK)
            return None
        value = as_integer(value)
        if value is None:
            self.fail(key, "must be an integer")
            return None
        if minimum is not None and value < minimum:
            self.fail(key, f"must be greater than or equal to {minimum}")
        if maximum is not None and value > maximum:
            self.fail(key, f"must be less than or equal to {maximum}")
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
            return None
        return value

    def when(self, f: Field, *, required: bool) -> int | None:
        value = self.data.get(f.name)
        if value is None or (f.empty_is_null and value == ""):
            if required:
                self.fail(f.name, BLANK)
            return None
        local: dict[str, str] = {}
        result = timestamp(value, f.name, local)
        if local:
            self.fail(f.name, INVALID_TIMESTAMP)
        return result

    def choice(self, key: str, options: tuple[Any, ...], *, required: bool) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if value not in options:
            self.fail(key, BLANK if value is None else f"must be one of {', '.join(options)}")
            return None
        return value

    def currency(self, f: Field, *, required: bool) -> str | None:
        value = self.text(f, required=required)
        if value is None or value == "":
            return None
        # ASCII only: "ıNR".upper() is "INR".
        if not value.isascii() or value.upper() not in CURRENCIES:
            self.fail(f.name, "is not a valid currency code")
            return None
        return value.upper()


def parse_invoice(raw: Any) -> InvoiceIn:
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        return InvoiceIn({}, None, errors={"invoice": "must be an object"})
    r = _Reader(raw, "", errors)
    values = {f.attr: r.read(f) for f in _INVOICE_FIELDS}
    inv = InvoiceIn(values, values.pop("data_source_uuid"), errors=errors)
    items = raw.get("line_items")
    if not isinstance(items, list) or not items:
        errors["line_items"] = BLANK if not items else "must be a list"
        items = []
    for item in items:
        _line_item(item, inv)
    txs = raw.get("transactions") or []
    if not isinstance(txs, list):
        errors["transactions"] = "must be a list"
        txs = []
    for tx in txs:
        if not isinstance(tx, dict):
            errors["transactions"] = "must be a list of objects"
            continue
        inv.transactions.append(parse_transaction(tx, "transactions.", errors))
    return inv


def _line_item(item: Any, inv: InvoiceIn) -> None:
    if not isinstance(item, dict):
        inv.errors["line_items"] = "must be a list of objects"
        return
    r = _Reader(item, "line_items.", inv.errors)
    values: dict[str, Any] = {"type": r.read(_LINE_ITEM_TYPE)}
    # An unknown type is read by the one-time rules; its own message is the type's.
    cls = variant(_LINE_ITEMS, values) or OneTimeLineItem
    for f in _LINE_ITEM_FIELDS[cls]:
        values[f.attr] = r.read(f)
        if f.attr == "service_period_end":
            start, end = values["service_period_start"], values["service_period_end"]
            if start is not None and end is not None and end <= start:
                r.fail("service_period_end", "must be after the service period start")
    for attr, default in _LINE_ITEM_DEFAULTS.items():
        if values[attr] is None:
            values[attr] = default
    if cls is not SubscriptionLineItem:  # read, and not kept
        values["subscription_external_id"] = values["subscription_set_external_id"] = None
    plan_uuid = values.pop("plan_uuid")
    inv.line_items.append(values)
    inv.plan_uuids.append(plan_uuid or None)


def parse_transaction(tx: dict[str, Any], prefix: str, errors: dict[str, str]) -> dict[str, Any]:
    r = _Reader(tx, prefix, errors)
    return {f.attr: r.read(f) for f in _TRANSACTION_FIELDS}


def batch_duplicates(invoices: list[InvoiceIn]) -> None:
    """Mark external ids repeated inside one request, as the database would refuse the second one."""
    seen: dict[str, set[str]] = {"external_id": set(), "line_items": set(), "transactions": set()}
    for inv in invoices:
        ext = inv.values.get("external_id")
        if ext:
            if ext in seen["external_id"]:
                inv.errors.setdefault("external_id", DUP_INVOICE)
            seen["external_id"].add(ext)
        for li in inv.line_items:
            if li["external_id"]:
                if li["external_id"] in seen["line_items"]:
                    inv.errors.setdefault("line_items.external_id", DUP_LINE_ITEM)
                seen["line_items"].add(li["external_id"])
        for tx in inv.transactions:
            if tx["external_id"]:
                if tx["external_id"] in seen["transactions"]:
                    inv.errors.setdefault("transactions.external_id", DUP_TRANSACTION)
                seen["transactions"].add(tx["external_id"])
