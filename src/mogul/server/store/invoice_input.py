"""Validating one imported invoice into column values, collecting ChartMogul-style errors.

Errors are per invoice, keyed like the real API (`external_id`, `line_items.external_id`,
`transactions.external_id`, ...). Nothing here touches the database: checks that need it (plans, duplicates
already stored) happen in `invoices.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from ...objects.invoices import LineItemType, ProrationType, TransactionResult, TransactionType
from . import fields

# The values the declarations allow.
LINE_ITEM_TYPES: tuple[str, ...] = get_args(LineItemType)
PRORATION_TYPES: tuple[str, ...] = get_args(ProrationType)
TRANSACTION_TYPES: tuple[str, ...] = get_args(TransactionType)
TRANSACTION_RESULTS: tuple[str, ...] = get_args(TransactionResult)
BLANK = "can't be blank"
DUP_INVOICE = "The external ID for this invoice already exists in our system."
DUP_LINE_ITEM = "The external ID for this line item already exists in our system."
DUP_TRANSACTION = "has already been taken"
MAX_TEXT = 255
INT32_MAX = 2**31 - 1  # the largest value of an INTEGER column such as quantity
# The largest amount (in cents, either sign) an invoice may carry. A line item's MRR is at most about 30.4 times
# its amount (a one-day plan), so its MRR and ARR (12 x MRR) stay far inside the 64-bit columns that store them,
# with room for exchange rates and sums. Larger amounts are refused with a 422.
MAX_AMOUNT_IN_CENTS = 10**15


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
    """Reads typed fields of one JSON object, recording a message under `prefix.key` for each bad one."""

    def __init__(self, data: dict[str, Any], prefix: str, errors: dict[str, str]) -> None:
        self.data, self.prefix, self.errors = data, prefix, errors

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(self.prefix + key, message)

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, BLANK)
            return default if value is None else value
        if not isinstance(value, str):
            self.fail(key, "must be a string")
            return default
        if len(value) > MAX_TEXT and key not in ("description", "discount_description"):
            self.fail(key, f"is too long (maximum is {MAX_TEXT} characters)")
        return value

    def integer(
        self,
        key: str,
        default: int | None = None,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, BLANK)
            return default
        value = fields.as_integer(value)
        if value is None:
            self.fail(key, "must be an integer")
            return default
        if minimum is not None and value < minimum:
            self.fail(key, f"must be greater than or equal to {minimum}")
        if maximum is not None and value > maximum:
            self.fail(key, f"must be less than or equal to {maximum}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
            return default
        return value

    def when(self, key: str, *, required: bool = False) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, BLANK)
            return None
        local: dict[str, str] = {}
        result = fields.timestamp(value, key, local)
        if local:
            self.fail(key, fields.INVALID_TIMESTAMP)
        return result

    def choice(self, key: str, options: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if value not in options:
            self.fail(key, BLANK if value is None else f"must be one of {', '.join(options)}")
            return None
        return value

    def currency(self, key: str, *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is None or value == "":
            return None
        # ASCII only: "ıNR".upper() is "INR".
        if not value.isascii() or value.upper() not in fields.CURRENCIES:
            self.fail(key, "is not a valid currency code")
            return None
        return value.upper()


def parse_invoice(raw: Any) -> InvoiceIn:
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        return InvoiceIn({}, None, errors={"invoice": "must be an object"})
    r = _Reader(raw, "", errors)
    inv = InvoiceIn(
        values={
            "external_id": r.text("external_id", required=True),
            "date": r.when("date", required=True),
            "due_date": r.when("due_date"),
            "currency": r.currency("currency", required=True),
        },
        data_source_uuid=r.text("data_source_uuid"),
        errors=errors,
    )
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
    kind = r.choice("type", LINE_ITEM_TYPES)
    subscription = kind == "subscription"
    start = r.when("service_period_start", required=subscription)
    end = r.when("service_period_end", required=subscription)
    if start is not None and end is not None and end <= start:
        r.fail("service_period_end", "must be after the service period start")
    plan_uuid = r.text("plan_uuid", required=subscription)
    values = {
        "type": kind,
        "external_id": r.text("external_id"),
        "subscription_external_id": r.text("subscription_external_id", required=subscription),
        "subscription_set_external_id": r.text("subscription_set_external_id"),
        "service_period_start": start,
        "service_period_end": end,
        "amount_in_cents": r.integer(
            "amount_in_cents", 0, required=True, minimum=-MAX_AMOUNT_IN_CENTS, maximum=MAX_AMOUNT_IN_CENTS
        ),
        "quantity": r.integer("quantity", 1, minimum=0, maximum=INT32_MAX),
        "prorated": r.boolean("prorated", False),
        "proration_type": r.choice("proration_type", PRORATION_TYPES, required=False),
        "cancelled_at": r.when("cancelled_at"),
        "discount_code": r.text("discount_code", "") or "",
        "discount_amount_in_cents": r.integer("discount_amount_in_cents", 0, minimum=0, maximum=MAX_AMOUNT_IN_CENTS),
        "discount_description": r.text("discount_description"),
        "tax_amount_in_cents": r.integer("tax_amount_in_cents", 0, minimum=0, maximum=MAX_AMOUNT_IN_CENTS),
        "transaction_fees_in_cents": r.integer("transaction_fees_in_cents", 0, minimum=0, maximum=MAX_AMOUNT_IN_CENTS),
        "transaction_fees_currency": r.currency("transaction_fees_currency"),
        "account_code": r.text("account_code", "") or "",
        "description": r.text("description"),
        "event_order": r.integer("event_order"),
    }
    if not subscription:
        values["subscription_external_id"] = values["subscription_set_external_id"] = None
    inv.line_items.append(values)
    inv.plan_uuids.append(plan_uuid or None)


def parse_transaction(tx: dict[str, Any], prefix: str, errors: dict[str, str]) -> dict[str, Any]:
    r = _Reader(tx, prefix, errors)
    return {
        "external_id": r.text("external_id"),
        "type": r.choice("type", TRANSACTION_TYPES),
        "date": r.when("date", required=True),
        "result": r.choice("result", TRANSACTION_RESULTS),
        "amount_in_cents": r.integer("amount_in_cents", minimum=0, maximum=MAX_AMOUNT_IN_CENTS),
        "transaction_fees_in_cents": r.integer("transaction_fees_in_cents", minimum=0, maximum=MAX_AMOUNT_IN_CENTS),
        "transaction_fees_currency": r.currency("transaction_fees_currency"),
    }


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
