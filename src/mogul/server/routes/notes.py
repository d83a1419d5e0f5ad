"""`/v1/customer_notes` (newer reference §2): notes and call logs about a customer."""

from __future__ import annotations

from ...objects import CustomerNote
from ..openapi import Param
from .crm import Family, crud_routes, key_name, text_filter

NOTES = Family(
    CustomerNote,
    "/customer_notes",
    "customer_notes",
    "CustomerNote",
    "CustomerNotes",
    filters=[
        text_filter("customer_uuid", "Only notes about this customer."),
        Param("type", {"enum": ["note", "call"]}, "Only notes, or only call logs."),
        text_filter("author_email", "Only notes written as this author."),
    ],
    create_description=(
        "`author` is `<name> (<author_email>)`, or the API key's name without an `author_email`. A call without a"
        " `call_duration` lasts 60 seconds, a note 0. `created_at` may backdate the note."
    ),
    context=key_name,
    tag="customer notes",
)
ROUTES = crud_routes(NOTES)
