"""`/v1/customer_notes` (newer reference §2): notes and call logs."""

from __future__ import annotations

from typing import Any, Literal

from ..models import CustomerNote
from ..pagination import Listing
from .crm import CrmResource


class CustomerNotes(CrmResource[CustomerNote]):
    path = "/v1/customer_notes"
    model = CustomerNote

    def list(
        self,
        *,
        customer_uuid: str | None = None,
        type: Literal["note", "call"] | None = None,
        author_email: str | None = None,
        per_page: int = 200,
    ) -> Listing[CustomerNote]:
        """Notes newest first, fetched page by page as the listing is iterated."""
        return self._list({"customer_uuid": customer_uuid, "type": type, "author_email": author_email}, per_page)

    def create(self, customer_uuid: str, type: Literal["note", "call"], **fields: Any) -> CustomerNote:
        """Other fields: text, author_email, call_duration (seconds; a call defaults to 60), created_at."""
        return self._create({"customer_uuid": customer_uuid, "type": type, **fields})
