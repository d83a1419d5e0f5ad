"""`/v1/plan_groups`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models import Plan, PlanGroup
from ..pagination import Listing
from ..requester import Requester
from .data_sources import _segment


class PlanGroups:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(self, *, per_page: int = 200) -> Listing[PlanGroup]:
        """Every plan group, newest first."""
        return Listing(self._t, "/v1/plan_groups", PlanGroup, key="plan_groups", per_page=per_page)

    def retrieve(self, uuid: str) -> PlanGroup:
        return PlanGroup(self._t.request("GET", f"/v1/plan_groups/{_segment(uuid)}"))

    def plans(self, uuid: str, *, per_page: int = 200) -> Listing[Plan]:
        """The group's plans, newest first."""
        return Listing(self._t, f"/v1/plan_groups/{_segment(uuid)}/plans", Plan, key="plans", per_page=per_page)

    def create(self, name: str, plans: Sequence[str]) -> PlanGroup:
        """A group called `name` of the plans with these uuids (`pl_...`)."""
        return PlanGroup(self._t.request("POST", "/v1/plan_groups", json={"name": name, "plans": list(plans)}))

    def update(self, uuid: str, *, name: str | None = None, plans: Sequence[str] | None = None) -> PlanGroup:
        """Rename the group, or replace its plans (`plans` is the whole new membership)."""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if plans is not None:
            body["plans"] = list(plans)
        return PlanGroup(self._t.request("PATCH", f"/v1/plan_groups/{_segment(uuid)}", json=body))

    def delete(self, uuid: str) -> None:
        """Delete the group; its plans stay."""
        self._t.request("DELETE", f"/v1/plan_groups/{_segment(uuid)}")
