"""`mogul tasks list|get|create|update|delete`."""

from __future__ import annotations

import click

from ..objects import Task
from .crm import CrmCommands, Filter, crm_group

tasks = crm_group(
    CrmCommands(
        "tasks",
        "List, inspect, create, complete and delete tasks about customers (ChartMogul's /v1/tasks).",
        "tasks",
        Task,
        ("task_uuid", "customer_uuid", "assignee", "due_date", "completed_at", "task_details"),
        [
            Filter("customer_uuid", "Only tasks about this customer."),
            Filter("assignee", "Only tasks assigned to this user (email)."),
            Filter("due_date_on_or_after", "Due on this day or instant, or later."),
            Filter("due_date_on_or_before", "Due on this day or instant, or earlier."),
            Filter("completed", "true: completed tasks only; false: open ones.", click.BOOL),
        ],
        "mogul tasks list --assignee keith@example.com --completed false",
        key="task_uuid",
    )
)
