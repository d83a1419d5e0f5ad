"""`/v1/tasks`: to-dos about a customer, keyed by `task_uuid`."""

from __future__ import annotations

from ...objects import Task
from ..openapi import REQUEST_TIMESTAMP, Param
from .crm import Family, crud_routes, text_filter
from .data_sources import FLAG

# A day or an instant as a request may write it, or nothing.
_WHEN = {**REQUEST_TIMESTAMP, "pattern": REQUEST_TIMESTAMP["pattern"].replace("^", "^(?:", 1)[:-1] + ")?$"}

TASKS = Family(
    Task,
    "/tasks",
    "tasks",
    "Task",
    "Tasks",
    filters=[
        text_filter("customer_uuid", "Only tasks about this customer (its contacts' included)."),
        text_filter("contact_uuid", "Only tasks attached to this contact."),
        text_filter("assignee", "Only tasks assigned to this user (email)."),
        Param("due_date_on_or_after", _WHEN, "Due at this instant or later (a day: from its start)."),
        Param("due_date_on_or_before", _WHEN, "Due at this instant or earlier (a day: to its end)."),
        Param("completed", FLAG, "`true`: completed tasks only; `false`: open ones (any case, or 1/0)."),
    ],
    create_description=(
        "`due_date` takes a day (`2025-04-30`) or an instant, and is answered as an instant. Name the customer with"
        " `customer_uuid`, or the customer or contact with `associated_object_identifier`; a contact's task answers"
        " `associated_object` and `associated_object_uuid` too."
    ),
)
ROUTES = crud_routes(TASKS)
