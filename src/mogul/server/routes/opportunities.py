"""`/v1/opportunities`: deals in a sales pipeline."""

from __future__ import annotations

from ...objects import Opportunity
from ..openapi import Param
from .crm import DAY, Family, crud_routes, text_filter

OPPORTUNITIES = Family(
    Opportunity,
    "/opportunities",
    "opportunities",
    "Opportunity",
    "Opportunities",
    filters=[
        text_filter("customer_uuid", "Only this customer's opportunities."),
        text_filter("owner", "Only opportunities this user (email) owns."),
        text_filter("pipeline", "Only opportunities in this pipeline."),
        text_filter("pipeline_stage", "Only opportunities at this stage."),
        Param("estimated_close_date_on_or_after", DAY, "Estimated to close on this day (YYYY-MM-DD) or later."),
        Param("estimated_close_date_on_or_before", DAY, "Estimated to close on this day (YYYY-MM-DD) or earlier."),
    ],
    create_description=(
        "`type` defaults to `recurring`, `forecast_category` to `pipeline`, `win_likelihood` to 0. `custom` is a"
        " list of `{key, value}` (or an object) and is answered as an object."
    ),
)
ROUTES = crud_routes(OPPORTUNITIES)
