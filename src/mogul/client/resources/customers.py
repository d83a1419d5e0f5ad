"""`/v1/customers`."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from ..errors import NotFoundError
from ..models import Customer
from ..pagination import Listing, Page
from ..requester import Requester
from .data_sources import _segment

# What an unmerge can take along to the split customer (ChartMogul's CRM objects).
UNMERGE_MOVABLE = ("tasks", "opportunities", "notes")


class _Search(Listing[Customer]):
    """Search answers 404 when nothing matches; as a listing that is simply no customers."""

    def page(self, cursor: str | None = None, *, per_page: int | None = None) -> Page[Customer]:
        try:
            return super().page(cursor, per_page=per_page)
        except NotFoundError as exc:
            if isinstance(exc.body, dict) and exc.body.get("param") == "email":
                return Page([], False, None, exc.body)
            raise


class Customers:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(
        self,
        *,
        data_source_uuid: str | None = None,
        external_id: str | None = None,
        status: str | None = None,
        system: str | None = None,
        per_page: int = 200,
    ) -> Listing[Customer]:
        params = {"data_source_uuid": data_source_uuid, "external_id": external_id, "status": status, "system": system}
        return Listing(self._t, "/v1/customers", Customer, params=params, per_page=per_page)

    def search(self, email: str, *, per_page: int = 200) -> Listing[Customer]:
        return _Search(self._t, "/v1/customers/search", Customer, params={"email": email}, per_page=per_page)

    def retrieve(self, uuid: str) -> Customer:
        return Customer(self._t.request("GET", f"/v1/customers/{_segment(uuid)}"))

    def create(self, data_source_uuid: str, external_id: str, **fields: Any) -> Customer:
        """Other fields as the API names them: name, email, company, country, attributes={"tags": [...]}, ..."""
        body = {"data_source_uuid": data_source_uuid, "external_id": external_id, **fields}
        return Customer(self._t.request("POST", "/v1/customers", json=body))

    def update(self, uuid: str, **fields: Any) -> Customer:
        return Customer(self._t.request("PATCH", f"/v1/customers/{_segment(uuid)}", json=fields))

    def delete(self, uuid: str) -> None:
        self._t.request("DELETE", f"/v1/customers/{_segment(uuid)}")

    def add_tags(self, uuid: str, tags: Sequence[str]) -> builtins.list[str]:
        body = self._t.request("POST", f"/v1/customers/{_segment(uuid)}/attributes/tags", json={"tags": list(tags)})
        return list(body["tags"])

    def remove_tags(self, uuid: str, tags: Sequence[str]) -> builtins.list[str]:
        body = self._t.request("DELETE", f"/v1/customers/{_segment(uuid)}/attributes/tags", json={"tags": list(tags)})
        return list(body["tags"])

    def attributes(self, uuid: str) -> dict[str, Any]:
        """`{"tags": [...], "stripe": {}, "custom": {...}}`."""
        return dict(self._t.request("GET", f"/v1/customers/{_segment(uuid)}/attributes"))

    def add_custom(self, uuid: str, custom: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Add typed attributes, `[{"type": "Integer", "key": "seats", "value": 3}]`; returns all of them."""
        path = f"/v1/customers/{_segment(uuid)}/attributes/custom"
        return dict(self._t.request("POST", path, json={"custom": list(custom)})["custom"])

    def update_custom(self, uuid: str, custom: dict[str, Any]) -> dict[str, Any]:
        """Set existing attributes' values, `{"seats": 4}`; returns all of them."""
        path = f"/v1/customers/{_segment(uuid)}/attributes/custom"
        return dict(self._t.request("PUT", path, json={"custom": custom})["custom"])

    def remove_custom(self, uuid: str, keys: Sequence[str]) -> None:
        path = f"/v1/customers/{_segment(uuid)}/attributes/custom"
        self._t.request("DELETE", path, json={"custom": list(keys)})

    def merge(self, from_uuid: str, into_uuid: str) -> None:
        """Fold customer `from_uuid` into `into_uuid`; the server recomputes the merged customer."""
        body = {"from": {"customer_uuid": from_uuid}, "into": {"customer_uuid": into_uuid}}
        self._t.request("POST", "/v1/customers/merges", json=body)

    def unmerge(
        self, customer_uuid: str, data_source_uuid: str, external_id: str, *, move_to_new_customer: Sequence[str] = ()
    ) -> None:
        """Split the customer merged from (data_source_uuid, external_id) out of `customer_uuid` again.
        `move_to_new_customer`: ChartMogul's "tasks", "opportunities", "notes"."""
        body = {
            "customer_uuid": customer_uuid,
            "data_source_uuid": data_source_uuid,
            "external_id": external_id,
            "move_to_new_customer": list(move_to_new_customer),
        }
        self._t.request("POST", "/v1/customers/unmerges", json=body)
