"""Invoices, their line items and transactions (reference §5.2, §5.3; newer reference §10).

A line item carries the keys of its own type: a `subscription` item names its subscription and service period,
a `one_time` item does neither (the official Ruby client's `LineItems::Subscription` and `LineItems::OneTime`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from .base import REQUIRED, ApiObject, Format, Out, field

LineItemType = Literal["subscription", "one_time"]
ProrationType = Literal["differential", "full", "differential_mrr"]
TransactionType = Literal["payment", "refund"]
TransactionResult = Literal["successful", "failed"]
CollectionMethod = Literal["automatic", "manual"]
InvoiceStatus = Literal["open", "paid", "refunded", "voided", "written_off"]
# The statuses an API call may set; the others follow from the invoice's transactions.
SETTABLE_STATUSES = ("voided", "written_off")


class LineItem(ApiObject):
    """The keys every line item carries; `SubscriptionLineItem` and `OneTimeLineItem` are the two kinds."""

    uuid: str = field(pattern="^li_")
    external_id: str | None = field()
    type: LineItemType = field()
    plan_uuid: str | None = field(pattern="^pl_", doc="Required on a subscription item, optional on a one-time one.")
    amount_in_cents: int = field()
    quantity: int = field(minimum=0)
    discount_code: str = field(doc='`""` when none.')
    discount_amount_in_cents: int = field(minimum=0)
    tax_amount_in_cents: int = field(minimum=0)
    transaction_fees_in_cents: int = field(minimum=0)
    account_code: str = field(doc='`""` when none.')
    transaction_fees_currency: str | None = field()
    discount_description: str | None = field()
    event_order: int | None = field()
    # Newer reference §10.4: what a line item answers on its own (`GET /line_items/{uuid}`); the line items of an
    # invoice, as recorded, carry none of these.
    disabled: bool = field(out=Out.OPTIONAL, doc="Only automatic sources' line items can be disabled.")
    disabled_at: datetime | None = field(out=Out.OPTIONAL, fmt=Format.TIMESTAMP)
    disabled_by: str | None = field(out=Out.OPTIONAL)
    user_created: bool = field(out=Out.OPTIONAL, doc="`true` for a line item added to an existing invoice.")


class SubscriptionLineItem(LineItem):
    tag: ClassVar[tuple[str, str] | None] = ("type", "subscription")
    subscription_uuid: str = field(pattern="^sub_")
    subscription_external_id: str = field()
    subscription_set_external_id: str | None = field()
    prorated: bool = field()
    proration_type: ProrationType | None = field()
    service_period_start: datetime = field(fmt=Format.TIMESTAMP)
    service_period_end: datetime = field(fmt=Format.TIMESTAMP)


class OneTimeLineItem(LineItem):
    tag: ClassVar[tuple[str, str] | None] = ("type", "one_time")
    description: str | None = field()


class Transaction(ApiObject):
    uuid: str = field(pattern="^tr_")
    external_id: str | None = field()
    amount_in_cents: int | None = field(minimum=0, update=True)
    type: TransactionType = field(update=True)
    date: datetime = field(fmt=Format.TIMESTAMP, update=True)
    result: TransactionResult = field(update=True)
    transaction_fees_in_cents: int | None = field(minimum=0, update=True)
    transaction_fees_currency: str | None = field(update=True)
    # Newer reference §10.5: what a transaction answers on its own (`GET /transactions/{uuid}`).
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
    """An invoice as the lists and a retrieve answer it."""

    uuid: str = field(pattern="^inv_")
    customer_uuid: str = field(pattern="^cus_")
    customer_external_id: str = field()
    data_source_uuid: str = field(pattern="^ds_")
    date: datetime = field(fmt=Format.TIMESTAMP, update=True)
    due_date: datetime | None = field(fmt=Format.TIMESTAMP, update=True)
    external_id: str = field()
    currency: str = field(update=True)
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
    line_items: list[SubscriptionLineItem | OneTimeLineItem] = field()
    transactions: list[Transaction] = field()


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
