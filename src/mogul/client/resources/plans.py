"""`/v1/plans`."""

from __future__ import annotations

from typing import Any

from ..models import Plan
from ..pagination import Listing
from ..requester import Requester
from .data_sources import _segment


class Plans:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(
        self,
        *,
        data_source_uuid: str | None = None,
        external_id: str | None = None,
        system: str | None = None,
        per_page: int = 200,
    ) -> Listing[Plan]:
        params = {"data_source_uuid": data_source_uuid, "external_id": external_id, "system": system}
        return Listing(self._t, "/v1/plans", Plan, key="plans", params=params, per_page=per_page)

    def retrieve(self, uuid: str) -> Plan:
        return Plan(self._t.request("GET", f"/v1/plans/{_segment(uuid)}"))

    def create(
        self,
        data_source_uuid: str,
        name: str,
        *,
        interval_count: int = 1,
        interval_unit: str = "month",
        external_id: str | None = None,
    ) -> Plan:
        body: dict[str, Any] = {
            "data_source_uuid": data_source_uuid,
            "name": name,
            "interval_count": interval_count,
            "interval_unit": interval_unit,
        }
        if external_id is not None:
            body["external_id"] = external_id
        return Plan(self._t.request("POST", "/v1/plans", json=body))

    def update(self, uuid: str, **fields: Any) -> Plan:
        return Plan(self._t.request("PATCH", f"/v1/plans/{_segment(uuid)}", json=fields))

    def delete(self, uuid: str) -> None:
        self._t.request("DELETE", f"/v1/plans/{_segment(uuid)}")
