"""Plan groups: named sets of plans, possibly of several data sources."""

from __future__ import annotations

from .base import REQUIRED, ApiObject, Out, field

MAX_NAME = 255


class PlanGroup(ApiObject):
    name: str = field(
        create=REQUIRED,
        update=True,
        max_length=MAX_NAME,
        not_blank=True,
        messages={"missing": "can't be blank"},
    )
    uuid: str = field(pattern="^plg_")
    plans_count: int = field(minimum=0)
    plans: list[str] = field(
        create=REQUIRED,
        update=True,
        out=Out.NEVER,
        not_blank=True,
        param="plan_ids",
        messages={"missing": "can't be blank"},
        doc="The uuids of the group's plans (`pl_...`); an update replaces the membership.",
    )
