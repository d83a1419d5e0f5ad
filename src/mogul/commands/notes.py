"""`mogul notes list|get|create|update|delete`: customer notes and call logs."""

from __future__ import annotations

import click

from ..objects import CustomerNote
from .crm import CrmCommands, Filter, crm_group

notes = crm_group(
    CrmCommands(
        "notes",
        "List, inspect, write, change and delete notes and call logs about customers (ChartMogul's"
        " /v1/customer_notes).",
        "customer_notes",
        CustomerNote,
        ("uuid", "customer_uuid", "type", "author", "call_duration", "created_at", "text"),
        [
            Filter("customer_uuid", "Only notes about this customer."),
            Filter("type", "Only notes, or only call logs.", click.Choice(["note", "call"])),
            Filter("author_email", "Only notes by this author."),
        ],
        "mogul notes list --customer-uuid cus_... --type call",
    )
)
