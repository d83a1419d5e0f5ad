"""`/v1/customer_notes` and `/v1/notes`: notes and call logs."""

from __future__ import annotations

from typing import Any, Literal

from ..models import CustomerNote, Note
from ..pagination import Listing
from .crm import CrmResource, owner


class CustomerNotes(CrmResource[CustomerNote]):
    path = "/v1/customer_notes"
    model = CustomerNote

    def list(
        self,
        *,
        customer_uuid: str | None = None,
        contact_uuid: str | None = None,
        type: Literal["note", "call"] | None = None,
        author_email: str | None = None,
        per_page: int = 200,
    ) -> Listing[CustomerNote]:
        """Notes newest first, fetched page by page as the listing is iterated."""
        params = {
            "customer_uuid": customer_uuid,
            "contact_uuid": contact_uuid,
            "type": type,
            "author_email": author_email,
        }
        return self._list(params, per_page)

    def create(self, customer_uuid: str, type: Literal["note", "call"], **fields: Any) -> CustomerNote:
        """Other fields: text, author_email, call_duration (seconds; a call defaults to 60), created_at."""
        return self._create({"customer_uuid": customer_uuid, "type": type, **fields})


class Notes(CustomerNotes):
    """`/v1/notes`: the same notes, about a customer or one of its contacts, each a `Note` saying which."""

    path = "/v1/notes"
    model = Note

    def create(  # type: ignore[override]  # a customer or a contact
        self,
        type: Literal["note", "call"],
        *,
        customer_uuid: str | None = None,
        contact_uuid: str | None = None,
        **fields: Any,
    ) -> Note:
        """About a customer (`customer_uuid`) or a contact (`contact_uuid`); other fields as `CustomerNotes.create`."""
        return self._create({**owner(customer_uuid, contact_uuid), "type": type, **fields})  # type: ignore[return-value]
