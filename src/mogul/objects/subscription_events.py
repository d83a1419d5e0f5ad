"""Subscription events: a billing system's record of a subscription's starts, updates and cancellations, for
committed MRR. mogul stores and lists them; they change no MRR (docs/metrics.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from .base import OPTIONAL, REQUIRED, ApiObject, Format, field

EventType = Literal[
    "subscription_start_scheduled",
    "subscription_start",
    "scheduled_subscription_start_retracted",
    "subscription_cancellation_scheduled",
    "subscription_cancelled",
    "scheduled_subscription_cancellation_retracted",
    "subscription_update_scheduled",
    "subscription_updated",
    "scheduled_subscription_update_retracted",
    "subscription_event_retracted",
]
# The types that price a subscription: they need a plan, a currency, an amount and a quantity.
PRICED = ("subscription_start", "subscription_start_scheduled", "subscription_updated", "subscription_update_scheduled")
PRICE_FIELDS = ("plan_external_id", "currency", "amount_in_cents", "quantity")
MAX_TEXT = 255
# Integers may come as strings of digits (the API echoes what it was sent; mogul answers the integer). A blank
# string is no value.
DIGITS = "^(-?[0-9]{1,18})?$"
_TEXT = {"create": OPTIONAL, "update": True, "max_length": MAX_TEXT}
_NUMBER = {"create": OPTIONAL, "update": True, "request": int | str, "pattern": DIGITS, "max_length": 19}
_MISSING = {"missing": "can't be blank"}


class SubscriptionEvent(ApiObject):
    id: int = field(
        update=True,
        minimum=1,
        request=int | str,
        pattern="^[0-9]{1,18}$",
        max_length=18,
        doc="An update or delete names its event by `id`, or by `data_source_uuid` and `external_id`.",
    )
    data_source_uuid: str = field(
        create=REQUIRED,
        update=True,
        max_length=MAX_TEXT,
        not_blank=True,
        messages={**_MISSING, "invalid": "is not a data source of this account"},
    )
    customer_external_id: str = field(
        create=REQUIRED,
        update=True,
        max_length=MAX_TEXT,
        not_blank=True,
        messages={**_MISSING, "invalid": "is not a customer of this data source"},
    )
    subscription_set_external_id: str | None = field(**_TEXT)
    subscription_external_id: str = field(
        create=REQUIRED, update=True, max_length=MAX_TEXT, not_blank=True, messages=_MISSING
    )
    plan_external_id: str | None = field(**_TEXT, messages=_MISSING)
    event_date: datetime = field(create=REQUIRED, update=True, fmt=Format.SECONDS, messages=_MISSING)
    effective_date: datetime = field(create=REQUIRED, update=True, fmt=Format.SECONDS, messages=_MISSING)
    event_type: EventType = field(create=REQUIRED, update=True, messages=_MISSING)
    external_id: str | None = field(
        **_TEXT,
        not_blank=True,
        messages={**_MISSING, "taken": "has already been taken"},
        doc="Unique within the data source.",
    )
    errors: dict[str, Any] = field(doc="Always `{}`.")
    created_at: datetime = field(fmt=Format.SECONDS)
    updated_at: datetime = field(fmt=Format.SECONDS)
    quantity: int | None = field(**_NUMBER, messages=_MISSING)
    currency: str | None = field(
        create=OPTIONAL,
        update=True,
        pattern="^[A-Za-z]{3}$",
        messages={**_MISSING, "invalid": "is not an ISO 4217 currency code"},
    )
    amount_in_cents: int | None = field(**_NUMBER, messages=_MISSING)
    tax_amount_in_cents: int | None = field(**_NUMBER)
    retracted_event_id: str | None = field(
        create=OPTIONAL,
        update=True,
        request=str | int,
        max_length=MAX_TEXT,
        messages={**_MISSING, "invalid": "is not an event of this data source"},
        doc="The `id` of the event a `subscription_event_retracted` retracts.",
    )
    event_order: int | None = field(create=OPTIONAL, update=True)
    disabled: bool = field(doc="Only events of automatic sources can be disabled; mogul's are API sources.")
    disabled_at: datetime | None = field(fmt=Format.SECONDS)
    disabled_by: str | None = field()
    user_created: bool = field()
