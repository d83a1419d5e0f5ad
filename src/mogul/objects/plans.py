"""Plans: a billing interval and a name, per data source."""

from __future__ import annotations

from typing import Literal

from .base import OPTIONAL, REQUIRED, ApiObject, Out, field

MAX_TEXT = 255
MAX_INTERVAL_COUNT = 2**31 - 1  # an INTEGER column: PostgreSQL refuses more with an error, not a 422
IntervalUnit = Literal["day", "month", "year"]


class Plan(ApiObject):
    uuid: str = field(pattern="^pl_")
    data_source_uuid: str = field(
        create=REQUIRED, not_blank=True, messages={"missing": "can't be blank", "invalid": "Data source not found"}
    )
    name: str = field(
        create=REQUIRED,
        update=True,
        max_length=MAX_TEXT,
        not_blank=True,
        messages={"missing": "A name is required for each plan."},
    )
    interval_count: int = field(
        create=REQUIRED,
        update=True,
        minimum=1,
        maximum=MAX_INTERVAL_COUNT,
        messages={k: "must be a positive integer" for k in ("missing", "below", "above")},
    )
    interval_unit: IntervalUnit = field(
        create=REQUIRED, update=True, messages={"missing": "must be one of day, month, year"}
    )
    external_id: str = field(
        create=OPTIONAL,
        max_length=MAX_TEXT,
        not_blank=True,
        messages={"taken": "A plan with this identifier already exists in our system."},
        doc="Default: the plan's uuid without its `pl_` prefix.",
    )


class PlanList(ApiObject):
    """`GET /plans`: page keys on a page asked for without a cursor, only page keys with the deprecated `page`."""

    plans: list[Plan] = field()
    current_page: int = field(out=Out.OPTIONAL, minimum=1)
    total_pages: int = field(out=Out.OPTIONAL, minimum=0)
    cursor: str | None = field(out=Out.OPTIONAL)
    has_more: bool = field(out=Out.OPTIONAL)
