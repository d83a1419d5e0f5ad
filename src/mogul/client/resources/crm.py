"""What the CRM resources share: list newest first with filters and lazy cursor pages,
create, retrieve, update (partial) and delete (answered `{}`) by uuid, each object its declared class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from ...objects import ApiObject
from ..pagination import Listing
from ..requester import Requester
from .data_sources import _segment

T = TypeVar("T", bound=ApiObject)


def custom_list(custom: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`custom` as ChartMogul takes it, a list of `{key, value}`; a `{key: value}` mapping is turned into one."""
    if isinstance(custom, Mapping):
        return [{"key": key, "value": value} for key, value in custom.items()]
    return [dict(item) for item in custom]


def body_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A request body from keyword fields: `custom` as a list of `{key, value}`; None values are sent as null
    (an update clears a field that way)."""
    body = dict(fields)
    if body.get("custom") is not None:
        body["custom"] = custom_list(body["custom"])
    return body


def owner(customer_uuid: str | None, contact_uuid: str | None) -> dict[str, Any]:
    """Whom a note or task is about: `customer_uuid`, or a contact named by `associated_object_identifier`."""
    if (customer_uuid is None) == (contact_uuid is None):
        raise ValueError("give customer_uuid or contact_uuid")
    if customer_uuid is not None:
        return {"customer_uuid": customer_uuid}
    return {"associated_object_identifier": {"associated_object": "contact", "method": "uuid", "value": contact_uuid}}


class CrmResource(Generic[T]):
    """One CRM family: `path` (`/v1/contacts`) and the declared class of its objects."""

    path: str
    model: type[T]

    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def _list(self, params: Mapping[str, Any], per_page: int, path: str | None = None) -> Listing[T]:
        return Listing(self._t, path or self.path, self.model, params=params, per_page=per_page)

    def retrieve(self, uuid: str) -> T:
        return self.model(self._t.request("GET", f"{self.path}/{_segment(uuid)}"))

    def _create(self, body: Mapping[str, Any], path: str | None = None) -> T:
        return self.model(self._t.request("POST", path or self.path, json=body_of(body)))

    def update(self, uuid: str, **fields: Any) -> T:
        """Change the fields given (as the API names them); the others keep their values."""
        return self.model(self._t.request("PATCH", f"{self.path}/{_segment(uuid)}", json=body_of(fields)))

    def delete(self, uuid: str) -> None:
        self._t.request("DELETE", f"{self.path}/{_segment(uuid)}")
