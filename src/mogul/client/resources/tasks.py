"""`/v1/tasks`; a task's key is `task_uuid`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..models import Task
from ..pagination import Listing
from .crm import CrmResource, owner

When = date | datetime | str


class Tasks(CrmResource[Task]):
    path = "/v1/tasks"
    model = Task

    def list(
        self,
        *,
        customer_uuid: str | None = None,
        contact_uuid: str | None = None,
        assignee: str | None = None,
        due_date_on_or_after: When | None = None,
        due_date_on_or_before: When | None = None,
        completed: bool | None = None,
        per_page: int = 200,
    ) -> Listing[Task]:
        """Tasks newest first. `completed`: True for completed tasks only, False for open ones."""
        params = {
            "customer_uuid": customer_uuid,
            "contact_uuid": contact_uuid,
            "assignee": assignee,
            "due_date_on_or_after": _when(due_date_on_or_after),
            "due_date_on_or_before": _when(due_date_on_or_before),
            "completed": completed,
        }
        return self._list(params, per_page)

    def create(
        self,
        customer_uuid: str | None = None,
        *,
        task_details: str,
        assignee: str,
        due_date: When,
        contact_uuid: str | None = None,
        **fields: Any,
    ) -> Task:
        """About a customer, or with `contact_uuid` (and no customer) one of its contacts. Other fields:
        completed_at."""
        body = {
            **owner(customer_uuid, contact_uuid),
            "task_details": task_details,
            "assignee": assignee,
            "due_date": _when(due_date),
            **fields,
        }
        return self._create(body)


def _when(value: When | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value
