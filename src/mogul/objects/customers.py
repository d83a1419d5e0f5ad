"""Customers, with their attributes and address."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from .base import OPTIONAL, REQUIRED, ApiObject, Format, Out, field

LEAD_STATUSES = ("New Lead", "Working Lead", "Qualified Lead", "Unqualified Lead")
STATUSES = (*LEAD_STATUSES, "Active", "Past Due", "Cancelled")
LeadStatus = Literal[
    "New Lead",
    "Working Lead",
    "Qualified Lead",
    "Unqualified Lead",
    "New_Lead",
    "Working_Lead",
    "Qualified_Lead",
    "Unqualified_Lead",
]
Status = Literal["New Lead", "Working Lead", "Qualified Lead", "Unqualified Lead", "Active", "Past Due", "Cancelled"]
MAX_TEXT = 255
ATTRIBUTE_KEY = "^[A-Za-z0-9_]{1,255}$"


class CustomAttribute(ApiObject):
    """One custom attribute as a create (or a PATCH, from some clients) sends it; answered as `{key: value}`."""

    type: Literal["String", "Integer", "Decimal", "Timestamp", "Boolean"] = field(
        create=OPTIONAL, update=True, doc="Default `String`."
    )
    key: str = field(create=REQUIRED, update=True, pattern=ATTRIBUTE_KEY)
    value: Any = field(create=OPTIONAL, update=True)
    source: str = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)


class Attributes(ApiObject):
    custom: dict[str, Any] = field(
        create=OPTIONAL,
        update=True,
        request=list[CustomAttribute] | dict[str, Any],
        pattern=ATTRIBUTE_KEY,
        doc="Typed values `[{type, key, value}]`, or `{key: value}` (keys letters, digits and underscores).",
    )
    stripe: dict[str, Any] = field()
    tags: list[str] = field(create=OPTIONAL, update=True, doc="Blank and repeated tags are ignored.")


class PrimaryContact(ApiObject):
    """The contact a create or a PATCH may name: it creates the customer's first contact,
    or updates it. Never part of the customer's answer."""

    first_name: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    last_name: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    email: str | None = field(
        create=OPTIONAL,
        update=True,
        max_length=MAX_TEXT,
        fmt=Format.EMAIL,
        messages={"invalid": "The value provided does not appear to be a valid email address."},
    )
    title: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    phone: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    linked_in: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    twitter: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    notes: str | None = field(create=OPTIONAL, update=True)
    external_id: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)


class Address(ApiObject):
    """The location spelled out: `country` "United States" where the customer's own is "US"."""

    country: str | None = field()
    state: str | None = field()
    city: str | None = field()
    address_zip: str | None = field()


class Customer(ApiObject):
    id: int = field()
    uuid: str = field(pattern="^cus_")
    external_id: str = field(
        create=REQUIRED,
        update=True,
        max_length=MAX_TEXT,
        not_blank=True,
        messages={
            "missing": "A unique external ID is required for each customer.",
            "taken": "The external ID for this customer already exists in our system.",
        },
    )
    name: str = field(create=OPTIONAL, update=True, max_length=MAX_TEXT, doc='`""` when unset.')
    email: str = field(
        create=OPTIONAL,
        update=True,
        max_length=MAX_TEXT,
        fmt=Format.EMAIL,
        messages={"invalid": "The value provided does not appear to be a valid email address."},
    )
    status: Status = field(update=True, request=LeadStatus, doc="A PATCH may move a lead between lead statuses.")
    customer_since: datetime | None = field("customer-since", fmt=Format.OFFSET)
    attributes: Attributes = field(create=OPTIONAL, update=True)
    data_source_uuid: str = field(
        create=REQUIRED,
        pattern="^ds_",
        messages={"missing": "A valid data source UUID is required for each customer."},
    )
    data_source_uuids: list[str] = field()
    external_ids: list[str] = field()
    company: str = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    country: str | None = field(
        create=OPTIONAL,
        update=True,
        pattern="^[A-Za-z]{2}$",
        messages={"invalid": "must be an ISO 3166-1 alpha-2 code"},
        doc="ISO 3166-1 alpha-2; stored upper case, an empty one as null.",
    )
    state: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    city: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    zip: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT)
    lead_created_at: datetime | None = field(create=OPTIONAL, update=True, fmt=Format.TIMESTAMP)
    free_trial_started_at: datetime | None = field(create=OPTIONAL, update=True, fmt=Format.TIMESTAMP)
    address: Address = field()
    mrr: int = field()
    arr: int = field()
    billing_system_url: str | None = field("billing-system-url")
    chartmogul_url: str = field("chartmogul-url", fmt=Format.URL)
    billing_system_type: str = field("billing-system-type")
    currency: str = field()
    currency_sign: str = field("currency-sign")
    owner: str | None = field(create=OPTIONAL, update=True, max_length=MAX_TEXT, fmt=Format.EMAIL)
    website_url: str | None = field(create=OPTIONAL, update=True, max_length=1024, fmt=Format.URL)
    primary_contact: PrimaryContact = field(
        create=OPTIONAL, update=True, out=Out.NEVER, doc="Creates the customer's first contact, or updates it."
    )

    @property
    def tags(self) -> list[str]:
        return list((self._data.get("attributes") or {}).get("tags") or [])

    @property
    def custom(self) -> dict[str, Any]:
        return dict((self._data.get("attributes") or {}).get("custom") or {})
