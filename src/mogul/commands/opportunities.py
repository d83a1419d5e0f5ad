"""`mogul opportunities list|get|create|update|delete`."""

from __future__ import annotations

from ..objects import Opportunity
from .crm import CrmCommands, Filter, crm_group

opportunities = crm_group(
    CrmCommands(
        "opportunities",
        "List, inspect, create, change and delete sales opportunities (ChartMogul's /v1/opportunities).",
        "opportunities",
        Opportunity,
        ("uuid", "customer_uuid", "pipeline", "pipeline_stage", "amount_in_cents", "currency", "estimated_close_date"),
        [
            Filter("customer_uuid", "Only this customer's opportunities."),
            Filter("owner", "Only opportunities this user (email) owns."),
            Filter("pipeline", "Only opportunities in this pipeline."),
            Filter("pipeline_stage", "Only opportunities at this stage."),
            Filter("estimated_close_date_on_or_after", "Closing on this day (YYYY-MM-DD) or later."),
            Filter("estimated_close_date_on_or_before", "Closing on this day (YYYY-MM-DD) or earlier."),
        ],
        "mogul opportunities list --pipeline 'New Business' --estimated-close-date-on-or-before 2024-06-30",
    )
)
