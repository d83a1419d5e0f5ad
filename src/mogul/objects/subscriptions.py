"""Subscriptions: as imported (`/import/customers/{uuid}/subscriptions`) and as the metrics see
them (`/customers/{uuid}/subscriptions`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .base import REQUIRED, ApiObject, Format, Out, field
from .plans import IntervalUnit


class Subscription(ApiObject):
    """A subscription an invoice import created, named by its line items' `subscription_external_id`."""

    external_id: str = field()
    uuid: str = field(pattern="^sub_")
    cancellation_dates: list[datetime] = field(fmt=Format.TIMESTAMP)
    subscription_set_external_id: str | None = field()
    plan_uuid: str | None = field(pattern="^pl_")
    customer_uuid: str = field(pattern="^cus_", out=Out.OPTIONAL, doc="In a cancellation's answer only.")
    data_source_uuid: str = field(pattern="^ds_")


class CancellationDate(ApiObject):
    """`PATCH /import/subscriptions/{uuid}` adding one cancellation date."""

    cancelled_at: datetime = field(create=REQUIRED, fmt=Format.TIMESTAMP)


class CancellationDates(ApiObject):
    """`PATCH /import/subscriptions/{uuid}` replacing the cancellation dates (`[]` un-cancels; nulls are
    dropped)."""

    cancellation_dates: list[datetime | None] = field(create=REQUIRED, fmt=Format.TIMESTAMP)


class SubscriptionList(ApiObject):
    """`GET /import/customers/{uuid}/subscriptions`."""

    customer_uuid: str = field(pattern="^cus_")
    subscriptions: list[Subscription] = field()
    current_page: int = field(out=Out.OPTIONAL, minimum=1)
    total_pages: int = field(out=Out.OPTIONAL, minimum=0)
    cursor: str | None = field(out=Out.OPTIONAL)
    has_more: bool = field(out=Out.OPTIONAL)


class CustomerSubscription(ApiObject):
    """A subscription as the metrics engine sees it; its `uuid` is bare (no `sub_`)."""

    id: int | None = field()
    external_id: str = field()
    subscription_set_external_id: str = field(doc='`""` outside a set.')
    quantity: int = field()
    uuid: str = field()
    mrr: int = field()
    arr: int = field()
    status: Literal["active", "past_due", "inactive"] = field()
    plan: str = field()
    billing_cycle: IntervalUnit | None = field("billing-cycle")
    billing_cycle_count: int | None = field("billing-cycle-count")
    start_date: datetime | None = field("start-date", fmt=Format.OFFSET)
    end_date: datetime | None = field("end-date", fmt=Format.OFFSET)
    currency: str = field()
    currency_sign: str = field("currency-sign")


class CustomerSubscriptionList(ApiObject):
    """`GET /customers/{uuid}/subscriptions`: its cursor is `subscriptions_next_page=N` in base64, a string on
    every cursor page (the last one too, as recorded); a page asked for with the deprecated `page` has none."""

    entries: list[CustomerSubscription] = field()
    has_more: bool = field()
    per_page: int = field(out=Out.OPTIONAL, minimum=1, maximum=200)
    page: int = field(out=Out.OPTIONAL, minimum=1)
    cursor: str = field(out=Out.OPTIONAL)
