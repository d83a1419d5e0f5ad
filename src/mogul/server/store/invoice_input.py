"""Validating one imported invoice into column values, collecting ChartMogul-style errors.

What each field accepts (required, bounds, enum, currency, `""` as none) is the create view of its declaration:
`Invoice`, `SubscriptionLineItem` / `OneTimeLineItem` by the item's `type`, and `Transaction` in `objects`.
Unlike the newer resources, a value of the wrong JSON type is not a 400 here but one more message of the
invoice. Errors are per invoice, keyed like the real API (`external_id`, `line_items.external_id`,
`transactions.external_id`, ...); the first message per key wins. Nothing here touches the database: checks
that need it (plans, duplicates already stored) happen in `invoices.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


@dataclass(frozen=True, slots=True)
class _Check:
    """How to read one declared field, worked out once from its declaration (reading through `Field` for each
    value cost three times the CPU)."""

    attr: str
    key: str
    read: Callable[[_Reader, _Check, Any], Any]
    """The `_Reader` method for the field's kind."""
    required: bool
    empty_is_null: bool
    options: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None


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

    def read(self, c: _Check) -> Any:
        """The field's value as stored (instants as microseconds, currencies upper case), or None."""
        return c.read(self, c, self.data.get(c.key))

    def text(self, c: _Check, value: Any) -> str | None:
        if value is None or (c.empty_is_null and value == ""):
            if c.required:
                self.fail(c.key, BLANK)
            return value  # type: ignore[no-any-return]  # None or ""
        if not isinstance(value, str):
            self.fail(c.key, "must be a string")
            return None
        if c.max_length is not None and len(value) > c.max_length:
            self.fail(c.key, f"is too long (maximum is {c.max_length} characters)")
        return value

    def integer(self, c: _Check, value: Any) -> int | None:
        if value is None:
            if c.required:
                self.fail(c.key, BLANK)
            return None
        number = as_integer(value)
        if number is None:
            self.fail(c.key, "must be an integer")
            return None
        if c.minimum is not None and number < c.minimum:
            self.fail(c.key, f"must be greater than or equal to {c.minimum}")
        if c.maximum is not None and number > c.maximum:
            self.fail(c.key, f"must be less than or equal to {c.maximum}")
        return number

    def boolean(self, c: _Check, value: Any) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(c.key, "must be true or false")
            return None
        return value

    def when(self, c: _Check, value: Any) -> int | None:
        if value is None or (c.empty_is_null and value == ""):
            if c.required:
                self.fail(c.key, BLANK)
            return None
        local: dict[str, str] = {}
        result = timestamp(value, c.key, local)
        if local:
            self.fail(c.key, INVALID_TIMESTAMP)
        return result

    def choice(self, c: _Check, value: Any) -> Any:
        if value is None and not c.required:
            return None
        if value not in c.options:
            self.fail(c.key, BLANK if value is None else f"must be one of {', '.join(c.options)}")
            return None
        return value

    def currency(self, c: _Check, value: Any) -> str | None:
        code = self.text(c, value)
        if code is None or code == "":
            return None
        # ASCII only: "ıNR".upper() is "INR".
        if not code.isascii() or code.upper() not in CURRENCIES:
            self.fail(c.key, "is not a valid currency code")
            return None
        return code.upper()


_READERS: dict[str, Callable[[_Reader, _Check, Any], Any]] = {
    "choice": _Reader.choice,
    "when": _Reader.when,
    "integer": _Reader.integer,
    "boolean": _Reader.boolean,
    "currency": _Reader.currency,
    "text": _Reader.text,
}


def _check(f: Field) -> _Check:
    info = f.request_type
    if info.enum is not None:
        kind = "choice"
    elif info.kind == "string":
        kind = "currency" if f.fmt is Format.CURRENCY else "text"
    elif info.kind in ("datetime", "integer", "boolean"):
        kind = {"datetime": "when"}.get(info.kind, info.kind)
    else:
        raise TypeError(f"an import cannot read {f.name} ({info.kind})")
    return _Check(
        f.attr,
        f.name,
        _READERS[kind],
        f.create is REQUIRED,
        f.empty_is_null,
        info.enum or (),
        f.minimum,
        f.maximum,
        f.max_length,
    )


def _ordered(cls: type[ApiObject], order: Sequence[str], lists: Sequence[str] = ()) -> tuple[_Check, ...]:
    accepted = {f.attr: f for f in fields(cls, "create") if f.attr not in lists}
    if set(accepted) != set(order):
        raise TypeError(f"{cls.__name__}: the import reads {sorted(order)}, the declaration accepts {sorted(accepted)}")
    return tuple(_check(accepted[attr]) for attr in order)


def _items_of(f: Field) -> TypeInfo:
    assert f.type.items is not None, f"{f.name} is not a list"
    return f.type.items


_INVOICE_FIELDS = _ordered(Invoice, _INVOICE_ORDER, lists=("line_items", "transactions"))
_LINE_ITEMS = _items_of(field_of(Invoice, "line_items"))
_LINE_ITEM_TYPE = _check(field_of(LineItem, "type"))
_LINE_ITEM_FIELDS = {cls: _ordered(cls, _LINE_ITEM_ORDER)[1:] for cls in _LINE_ITEMS.variants}
_TRANSACTION_FIELDS = _ordered(Transaction, _TRANSACTION_ORDER)


def parse_invoice(raw: Any) -> InvoiceIn:
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        return InvoiceIn({}, None, errors={"invoice": "must be an object"})
    r = _Reader(raw, "", errors)
    values = {c.attr: r.read(c) for c in _INVOICE_FIELDS}
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
    get = item.get
    for c in _LINE_ITEM_FIELDS[cls]:
        values[c.attr] = c.read(r, c, get(c.key))
        if c.attr == "service_period_end":
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
    return {c.attr: r.read(c) for c in _TRANSACTION_FIELDS}


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
