"""Invoices, their line items and transactions.

A line item carries the keys of its own type: a `subscription` item names its subscription and service period,
a `one_time` item does neither (the official Ruby client's `LineItems::Subscription` and `LineItems::OneTime`).
An import accepts the same keys for both types (a one-time item's subscription keys are read and dropped), so
each type declares the other's request keys as request-only (`out=Out.NEVER`).

Bounds: amounts are at most 10^15 cents either way. A line item's MRR is at most about 30.4 times its amount (a
one-day plan), so its MRR and ARR (12 x MRR) stay far inside the 64-bit columns that store them, with room for
exchange rates and sums. Quantities fit an INTEGER column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from .base import OPTIONAL, REQUIRED, ApiObject, Format, In, Out, field

LineItemType = Literal["subscription", "one_time"]
ProrationType = Literal["differential", "full", "differential_mrr"]
TransactionType = Literal["payment", "refund"]
TransactionResult = Literal["successful", "failed"]
CollectionMethod = Literal["automatic", "manual"]
InvoiceStatus = Literal["open", "paid", "refunded", "voided", "written_off"]
# The statuses an API call may set; the others follow from the invoice's transactions.
SETTABLE_STATUSES = ("voided", "written_off")
MAX_TEXT = 255
MAX_AMOUNT_IN_CENTS = 10**15
MAX_QUANTITY = 2**31 - 1


def _text(create: In = OPTIONAL, **kwargs: Any) -> Any:
    """A string an import accepts, at most 255 characters; a required one may not be `""`."""
    return field(create=create, max_length=MAX_TEXT, empty_is_null=create is REQUIRED, **kwargs)


def _cents(create: In = OPTIONAL, *, signed: bool = False, **kwargs: Any) -> Any:
    low = -MAX_AMOUNT_IN_CENTS if signed else 0
    return field(create=create, minimum=low, maximum=MAX_AMOUNT_IN_CENTS, **kwargs)


def _instant(create: In = OPTIONAL, **kwargs: Any) -> Any:
    """An instant an import accepts in any of ChartMogul's forms; `""` is none."""
    return field(create=create, fmt=Format.TIMESTAMP, empty_is_null=True, **kwargs)


def _currency(create: In = OPTIONAL, **kwargs: Any) -> Any:
    return field(create=create, fmt=Format.CURRENCY, max_length=MAX_TEXT, empty_is_null=True, **kwargs)


class LineItem(ApiObject):
    """The keys every line item carries; `SubscriptionLineItem` and `OneTimeLineItem` are the two kinds."""

    uuid: str = field(pattern="^li_")
    external_id: str | None = _text()
    type: LineItemType = field(create=REQUIRED)
    plan_uuid: str | None = _text(
        pattern="^pl_", looked_up=True, doc="Required on a subscription item, optional on a one-time one."
    )
    amount_in_cents: int = _cents(REQUIRED, signed=True)
    quantity: int = field(create=OPTIONAL, minimum=0, maximum=MAX_QUANTITY, doc="Default 1.")
    discount_code: str = _text(doc='`""` when none.')
    discount_amount_in_cents: int = _cents()
    tax_amount_in_cents: int = _cents()
    transaction_fees_in_cents: int = _cents()
    account_code: str = _text(doc='`""` when none.')
    transaction_fees_currency: str | None = _currency()
    discount_description: str | None = field(create=OPTIONAL)
    event_order: int | None = field(create=OPTIONAL)
    # What a line item answers on its own (`GET /line_items/{uuid}`); the line items of an
    # invoice, as recorded, carry none of these.
    disabled: bool = field(out=Out.OPTIONAL, doc="Only automatic sources' line items can be disabled.")
    disabled_at: datetime | None = field(out=Out.OPTIONAL, fmt=Format.TIMESTAMP)
    disabled_by: str | None = field(out=Out.OPTIONAL)
    user_created: bool = field(out=Out.OPTIONAL, doc="`true` for a line item added to an existing invoice.")


class SubscriptionLineItem(LineItem):
    tag: ClassVar[tuple[str, str] | None] = ("type", "subscription")
    plan_uuid: str | None = _text(REQUIRED, pattern="^pl_", looked_up=True)
    subscription_uuid: str = field(pattern="^sub_")
    subscription_external_id: str = _text(REQUIRED)
    subscription_set_external_id: str | None = _text()
    prorated: bool = field(create=OPTIONAL)
    proration_type: ProrationType | None = field(create=OPTIONAL)
    service_period_start: datetime = _instant(REQUIRED)
    service_period_end: datetime = _instant(REQUIRED, doc="After the start.")
    cancelled_at: datetime | None = _instant(out=Out.NEVER)
    description: str | None = field(create=OPTIONAL, out=Out.NEVER)


class OneTimeLineItem(LineItem):
    tag: ClassVar[tuple[str, str] | None] = ("type", "one_time")
    description: str | None = field(create=OPTIONAL)
    # Accepted as on a subscription item, and not kept.
    subscription_external_id: str | None = _text(out=Out.NEVER)
    subscription_set_external_id: str | None = _text(out=Out.NEVER)
    prorated: bool = field(create=OPTIONAL, out=Out.NEVER)
    proration_type: ProrationType | None = field(create=OPTIONAL, out=Out.NEVER)
    service_period_start: datetime | None = _instant(out=Out.NEVER)
    service_period_end: datetime | None = _instant(out=Out.NEVER)
    cancelled_at: datetime | None = _instant(out=Out.NEVER)


class Transaction(ApiObject):
    uuid: str = field(pattern="^tr_")
    external_id: str | None = _text()
    amount_in_cents: int | None = _cents(update=True)
    type: TransactionType = field(create=REQUIRED, update=True)
    date: datetime = _instant(REQUIRED, update=True)
    result: TransactionResult = field(create=REQUIRED, update=True)
    transaction_fees_in_cents: int | None = _cents(update=True)
    transaction_fees_currency: str | None = _currency(update=True)
    # What a transaction answers on its own (`GET /transactions/{uuid}`).
    disabled: bool = field(out=Out.OPTIONAL, doc="Only automatic sources' transactions can be disabled.")
    disabled_at: datetime | None = field(out=Out.OPTIONAL, fmt=Format.TIMESTAMP)
    disabled_by: str | None = field(out=Out.OPTIONAL)
    user_created: bool = field(out=Out.OPTIONAL)


class ImportedInvoice(ApiObject):
    """An invoice as its import answers it (recorded): no owner keys, and `errors` `{}`."""

    uuid: str = field(pattern="^inv_")
    date: datetime = field(fmt=Format.TIMESTAMP)
    due_date: datetime | None = field(fmt=Format.TIMESTAMP)
    errors: dict[str, Any] = field(doc="`{}`: an invoice with errors is refused with the whole batch.")
    external_id: str = field()
    currency: str = field()
    line_items: list[SubscriptionLineItem | OneTimeLineItem] = field()
    transactions: list[Transaction] = field()


class Invoice(ApiObject):
    """An invoice as the lists and a retrieve answer it, and as an import sends it (the create view)."""

    uuid: str = field(pattern="^inv_")
    customer_uuid: str = field(pattern="^cus_")
    customer_external_id: str = field()
    data_source_uuid: str = _text(pattern="^ds_", looked_up=True, doc="Default: the customer's.")
    date: datetime = _instant(REQUIRED, update=True)
    due_date: datetime | None = _instant(update=True)
    external_id: str = _text(REQUIRED)
    currency: str = _currency(REQUIRED, update=True)
    collection_method: CollectionMethod | None = field(
        out=Out.OPTIONAL, update=True, doc="Only once an edit (`PATCH /invoices/{uuid}`) has set it."
    )
    status: InvoiceStatus = field(
        doc="`voided` or `written_off` once set; otherwise `refunded`, `paid` or `open` from its transactions."
    )
    errors: dict[str, Any] = field(doc="`{}`: mogul refuses an invalid invoice at import.")
    disabled: bool = field(doc="Only invoices of automatic sources can be disabled; mogul's are API sources.")
    disabled_at: datetime | None = field(fmt=Format.TIMESTAMP)
    disabled_by: str | None = field()
    line_items: list[SubscriptionLineItem | OneTimeLineItem] = field(create=REQUIRED, min_items=1)
    transactions: list[Transaction] = field(create=OPTIONAL)


class StatusChange(ApiObject):
    """`PUT /data_sources/{uuid}/invoices/{external_id}/status`: what an API call may set."""

    status: Literal["voided", "written_off"] = field(
        create=REQUIRED, messages={"missing": "can't be blank", "invalid": "must be one of voided, written_off"}
    )


class StatusChanged(ApiObject):
    message: str = field(doc="`Invoice updated`.")


class DisabledState(ApiObject):
    """`PATCH /invoices/{uuid}/disabled_state`."""

    disabled: bool = field(create=REQUIRED, messages={"missing": "can't be blank"})


class InvoiceList(ApiObject):
    """`GET /invoices`: page keys on a page asked for without a cursor, only page keys with `page`."""

    invoices: list[Invoice] = field()
    total_pages: int = field(out=Out.OPTIONAL, minimum=0)
    current_page: int = field(out=Out.OPTIONAL, minimum=1)
    cursor: str | None = field(out=Out.OPTIONAL)
    has_more: bool = field(out=Out.OPTIONAL)


class CustomerInvoiceList(ApiObject):
    """`GET /import/customers/{uuid}/invoices`."""

    customer_uuid: str = field(pattern="^cus_")
    invoices: list[Invoice] = field()
    current_page: int = field(out=Out.OPTIONAL, minimum=1)
    total_pages: int = field(out=Out.OPTIONAL, minimum=0)
    cursor: str | None = field(out=Out.OPTIONAL)
    has_more: bool = field(out=Out.OPTIONAL)


class ImportedInvoices(ApiObject):
    """The answer to an import: the invoices, in the order sent."""

    invoices: list[ImportedInvoice] = field()
