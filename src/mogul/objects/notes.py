"""Customer notes and call logs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .associations import Associated, AssociatedObjectIdentifier, identifier_field
from .base import OPTIONAL, REQUIRED, ApiObject, Format, Out, field
from .customers import MAX_TEXT


class CustomerNote(ApiObject):
    uuid: str = field(pattern="^note_")
    customer_uuid: str = field(create=REQUIRED, pattern="^cus_")
    type: Literal["note", "call"] = field(create=REQUIRED)
    text: str = field(create=OPTIONAL, update=True, doc='`""` when unset.')
    call_duration: int = field(
        create=OPTIONAL,
        update=True,
        minimum=0,
        maximum=2**31 - 1,
        doc="Seconds; a call created without one lasts 60, a note 0.",
    )
    author: str = field(doc="`<name> (<email>)`.")
    author_email: str = field(
        create=OPTIONAL, update=True, out=Out.NEVER, max_length=MAX_TEXT, fmt=Format.EMAIL, doc="Who wrote it."
    )
    created_at: datetime = field(create=OPTIONAL, update=True, fmt=Format.TIMESTAMP, doc="A create may backdate.")
    updated_at: datetime = field(update=True, fmt=Format.TIMESTAMP)


class Note(CustomerNote):
    """A note or call log at `/v1/notes`, which newer clients use (chartmogul-python's `EntityNote`): the same
    notes as `/v1/customer_notes`, about a customer or one of its contacts, saying which."""

    customer_uuid: str = field(
        create=OPTIONAL, pattern="^cus_", doc="Required unless `associated_object_identifier` names the object."
    )
    associated_object_identifier: AssociatedObjectIdentifier = identifier_field()
    associated_object: Associated = field(doc="`customer`, or `contact` for a contact's note.")
    associated_object_uuid: str = field(doc="The customer's or the contact's uuid.")
