"""What a note or a task is attached to. The newer clients (chartmogul-python's `Contact.createTask`, `EntityNote`)
name a customer or a contact with `associated_object_identifier` in place of `customer_uuid`, and read
`associated_object` and `associated_object_uuid` back."""

from __future__ import annotations

from typing import Any, Literal

from .base import OPTIONAL, REQUIRED, ApiObject, Out, field

Associated = Literal["customer", "contact"]


class AssociatedObjectIdentifier(ApiObject):
    associated_object: Literal["customer", "contact"] = field(create=REQUIRED)
    method: Literal["uuid"] = field(create=REQUIRED, doc="How `value` names it: by uuid.")
    value: str = field(create=REQUIRED, max_length=255, doc="The customer's (`cus_...`) or contact's (`con_...`) uuid.")


def identifier_field() -> Any:
    return field(
        create=OPTIONAL,
        out=Out.NEVER,
        doc="In place of `customer_uuid`: the customer or contact it is about.",
    )
