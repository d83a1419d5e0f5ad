"""Contacts: the people at a customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .base import OPTIONAL, REQUIRED, ApiObject, Format, Out, field
from .customers import ATTRIBUTE_KEY, MAX_TEXT


class CustomValue(ApiObject):
    """One custom field as a create or an update sends it (`{"key": "Toggle", "value": false}`); answered as
    `{"Toggle": false}`."""

    key: str = field(create=REQUIRED, update=True, pattern=ATTRIBUTE_KEY)
    value: Any = field(create=OPTIONAL, update=True)


def custom_field() -> Any:
    """The `custom` field of a contact or an opportunity: sent as a list of `{key, value}` (or, as mogul also
    takes, a `{key: value}` object); answered as an object. An update sets the keys it names."""
    return field(
        create=OPTIONAL,
        update=True,
        request=list[CustomValue] | dict[str, Any],
        doc="`[{key, value}]`, or `{key: value}`; answered as `{key: value}`, `{}` when none.",
    )


def text_field(max_length: int | None = MAX_TEXT, **kwargs: Any) -> Any:
    """An optional string a create or an update may set, null when unset."""
    return field(create=OPTIONAL, update=True, max_length=max_length, **kwargs)


class Contact(ApiObject):
    uuid: str = field(pattern="^con_")
    customer_uuid: str | None = field(
        create=REQUIRED, pattern="^cus_", doc="The customer (`cus_...`); null in a merge's answer, as recorded."
    )
    customer_external_id: str = field(doc="The customer's `external_id`.")
    data_source_uuid: str = field(create=REQUIRED, update=True, pattern="^ds_", doc="A data source of the customer's.")
    external_id: str | None = text_field()
    position: int = field(
        create=OPTIONAL,
        update=True,
        minimum=0,
        maximum=2**31 - 1,
        doc="Order on the customer's page; default one more than the customer's highest.",
    )
    first_name: str | None = text_field()
    last_name: str | None = text_field()
    title: str | None = text_field()
    email: str | None = text_field(
        fmt=Format.EMAIL, messages={"invalid": "The value provided does not appear to be a valid email address."}
    )
    phone: str | None = text_field()
    linked_in: str | None = text_field(doc="LinkedIn profile URL.")
    twitter: str | None = text_field(doc="Twitter (X) profile URL.")
    notes: str | None = text_field(None)
    custom: dict[str, Any] = custom_field()
    last_seen: datetime | None = field(
        create=OPTIONAL,
        update=True,
        out=Out.OPTIONAL,
        fmt=Format.TIMESTAMP,
        doc="When the contact was last seen; answered only once it is set.",
    )
