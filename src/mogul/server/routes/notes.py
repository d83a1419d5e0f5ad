"""`/v1/customer_notes` and `/v1/notes`: notes and call logs about a customer."""

from __future__ import annotations

from ...objects import CustomerNote, Note
from ..openapi import Param
from .crm import Family, crud_routes, key_name, text_filter

FILTERS = [
    text_filter("customer_uuid", "Only notes about this customer (its contacts' included)."),
    text_filter("contact_uuid", "Only notes attached to this contact."),
    Param("type", {"enum": ["note", "call"]}, "Only notes, or only call logs."),
    text_filter("author_email", "Only notes written as this author."),
]
DESCRIPTION = (
    "`author` is `<name> (<author_email>)`, or the API key's name without an `author_email`. A call without a"
    " `call_duration` lasts 60 seconds, a note 0. `created_at` may backdate the note."
)
CUSTOMER_NOTES = Family(
    CustomerNote,
    "/customer_notes",
    "customer_notes",
    "CustomerNote",
    "CustomerNotes",
    filters=FILTERS,
    create_description=DESCRIPTION,
    context=key_name,
    tag="customer notes",
)
# `/v1/notes`, which newer clients use: the same notes, about a customer or a contact
# (`associated_object_identifier`), each saying which (`associated_object`, `associated_object_uuid`).
NOTES = Family(
    Note,
    "/notes",
    "notes",
    "Note",
    "Notes",
    filters=FILTERS,
    create_description=DESCRIPTION + " Name the customer or contact with `customer_uuid` or"
    " `associated_object_identifier` (`{associated_object: customer|contact, method: uuid, value}`).",
    context=key_name,
    tag="customer notes",
)
ROUTES = [*crud_routes(CUSTOMER_NOTES), *crud_routes(NOTES)]
