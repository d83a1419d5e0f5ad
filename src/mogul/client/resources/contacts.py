"""`/v1/contacts` and `/v1/customers/{uuid}/contacts`."""

from __future__ import annotations

from typing import Any

from ..models import Contact
from ..pagination import Listing
from .crm import CrmResource
from .data_sources import _segment


class Contacts(CrmResource[Contact]):
    path = "/v1/contacts"
    model = Contact

    def list(
        self,
        *,
        customer_uuid: str | None = None,
        data_source_uuid: str | None = None,
        email: str | None = None,
        customer_external_id: str | None = None,
        per_page: int = 200,
    ) -> Listing[Contact]:
        """Contacts newest first, fetched page by page as the listing is iterated."""
        params = {
            "customer_uuid": customer_uuid,
            "data_source_uuid": data_source_uuid,
            "email": email,
            "customer_external_id": customer_external_id,
        }
        return self._list(params, per_page)

    def of_customer(self, customer_uuid: str, *, per_page: int = 200) -> Listing[Contact]:
        """`GET /customers/{uuid}/contacts`."""
        return self._list({}, per_page, f"/v1/customers/{_segment(customer_uuid)}/contacts")

    def create(self, customer_uuid: str, data_source_uuid: str, **fields: Any) -> Contact:
        """Other fields as the API names them: first_name, last_name, title, email, phone, linked_in, twitter,
        notes, position, external_id, custom (`{key: value}` or `[{"key": ..., "value": ...}]`)."""
        return self._create({"customer_uuid": customer_uuid, "data_source_uuid": data_source_uuid, **fields})

    def create_for_customer(self, customer_uuid: str, data_source_uuid: str, **fields: Any) -> Contact:
        """`POST /customers/{uuid}/contacts`: as `create`."""
        path = f"/v1/customers/{_segment(customer_uuid)}/contacts"
        return self._create({"data_source_uuid": data_source_uuid, **fields}, path)

    def merge(self, into_uuid: str, from_uuid: str) -> Contact:
        """Fold contact `from_uuid` into `into_uuid` (deleted afterwards); returns the merged contact, whose
        `customer_uuid` ChartMogul answers as null."""
        path = f"{self.path}/{_segment(into_uuid)}/merge/{_segment(from_uuid)}"
        return Contact(self._t.request("POST", path, json={}))
