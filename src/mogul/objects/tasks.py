"""Tasks: to-dos about a customer, with an assignee and a due date."""

from __future__ import annotations

from datetime import datetime

from .associations import Associated, AssociatedObjectIdentifier, identifier_field
from .base import OPTIONAL, REQUIRED, ApiObject, Format, Out, field
from .customers import MAX_TEXT


class Task(ApiObject):
    task_uuid: str = field(doc="A bare UUID; the key is `task_uuid`, not `uuid`.")
    customer_uuid: str = field(
        create=OPTIONAL, pattern="^cus_", doc="Required unless `associated_object_identifier` names the customer."
    )
    associated_object_identifier: AssociatedObjectIdentifier = identifier_field()
    associated_object: Associated = field(out=Out.OPTIONAL, doc="`contact` for a contact's task; absent otherwise.")
    associated_object_uuid: str = field(out=Out.OPTIONAL, doc="The contact's uuid, with `associated_object`.")
    task_details: str = field(create=REQUIRED, update=True, max_length=MAX_TEXT, not_blank=True)
    assignee: str = field(create=REQUIRED, update=True, max_length=MAX_TEXT, fmt=Format.EMAIL, doc="A user's email.")
    due_date: datetime = field(create=REQUIRED, update=True, fmt=Format.TIMESTAMP, doc="A day or an instant.")
    completed_at: datetime | None = field(create=OPTIONAL, update=True, fmt=Format.TIMESTAMP, doc="null while open.")
    created_at: datetime = field(fmt=Format.TIMESTAMP)
    updated_at: datetime = field(fmt=Format.TIMESTAMP)
