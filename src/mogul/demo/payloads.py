"""From generated records to the exact request bodies of the Import API.

The generator cannot know server-assigned ids, so it leaves out `data_source_uuid` and names plans by
`plan_external_id`; these functions fill both in once the data source and plans exist.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .timeutil import parse_wire


def with_source(body: Mapping[str, Any], data_source_uuid: str) -> dict[str, Any]:
    """A customer or plan body with the `data_source_uuid` the create endpoints require."""
    return {"data_source_uuid": data_source_uuid, **body}


def resolve_invoices(
    invoices: Iterable[Mapping[str, Any]], data_source_uuid: str, plan_uuids: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Invoices as `POST /v1/import/customers/{uuid}/invoices` takes them: source and plan uuids filled in."""
    resolved = []
    for invoice in invoices:
        items = []
        for item in invoice["line_items"]:
            plan = item.get("plan_external_id")
            if plan is not None:
                item = {("plan_uuid" if key == "plan_external_id" else key): value for key, value in item.items()}
                item["plan_uuid"] = plan_uuids[plan]
            items.append(item)
        resolved.append({**invoice, "data_source_uuid": data_source_uuid, "line_items": items})
    return resolved


def cancellation_bodies(cancellations: Iterable[Mapping[str, str]]) -> list[tuple[str, dict[str, Any]]]:
    """One `PATCH /v1/import/subscriptions/{uuid}` body per subscription, as (subscription_external_id, body).

    A single cancellation is sent as `cancelled_at`. A subscription cancelled, reactivated and cancelled again
    sends its whole `cancellation_dates` list in one call, which replaces the history and so is the same
    whether or not a server appends repeated `cancelled_at`s.
    """
    dates: dict[str, list[str]] = {}
    for cancellation in cancellations:
        dates.setdefault(cancellation["subscription_external_id"], []).append(cancellation["cancelled_at"])
    return [
        (sub, {"cancelled_at": when[0]} if len(when) == 1 else {"cancellation_dates": when})
        for sub, when in dates.items()
    ]


# The demo account's one salesperson: owner of the opportunities and assignee of the tasks.
SALES_REP = "sales@mogul-demo.example"
SALES_ACCOUNTS = 3  # one customer in three has its contact and notes recorded
TRIAL_FOLLOW_UP = timedelta(days=7)
TRIAL_CLOSE = timedelta(days=30)


def crm_bodies(
    customer: Mapping[str, Any],
    cancellations: Iterable[Mapping[str, str]],
    *,
    customer_uuid: str,
    data_source_uuid: str,
    lead: bool,
) -> list[tuple[str, dict[str, Any]]]:
    """The CRM records a customer's history implies, as (path, `POST` body), derived from it alone so the demo
    stays reproducible: for one customer in `SALES_ACCOUNTS` (an account the sales team works) its primary
    contact and a note per cancellation; for a lead (a trial that never converted) an opportunity and a task to
    follow it up. Each record is a write of its own: a contact for every customer would add half again to the
    demo's import."""
    bodies: list[tuple[str, dict[str, Any]]] = []
    if zlib.crc32(customer["external_id"].encode()) % SALES_ACCOUNTS == 0:
        bodies += _account_records(customer, cancellations, customer_uuid, data_source_uuid)
    if lead:
        since = parse_wire(customer["lead_created_at"])
        bodies.append(
            (
                "/v1/opportunities",
                {
                    "customer_uuid": customer_uuid,
                    "owner": SALES_REP,
                    "pipeline": "New business",
                    "pipeline_stage": "Trial",
                    "estimated_close_date": (since + TRIAL_CLOSE).date().isoformat(),
                    "currency": "USD",
                    "amount_in_cents": 0,
                    "win_likelihood": 10,
                },
            )
        )
        bodies.append(
            (
                "/v1/tasks",
                {
                    "customer_uuid": customer_uuid,
                    "task_details": "Follow up on the trial.",
                    "assignee": SALES_REP,
                    "due_date": (since + TRIAL_FOLLOW_UP).date().isoformat(),
                },
            )
        )
    return bodies


def _account_records(
    customer: Mapping[str, Any], cancellations: Iterable[Mapping[str, str]], customer_uuid: str, data_source_uuid: str
) -> list[tuple[str, dict[str, Any]]]:
    """A worked account's primary contact (the customer's own name and email) and a note per cancellation."""
    first, _, last = customer["name"].partition(" ")
    bodies: list[tuple[str, dict[str, Any]]] = [
        (
            "/v1/contacts",
            {
                "customer_uuid": customer_uuid,
                "data_source_uuid": data_source_uuid,
                "first_name": first,
                "last_name": last,
                "email": customer["email"],
                "position": 1,
            },
        )
    ]
    for cancellation in cancellations:
        when = parse_wire(cancellation["cancelled_at"])
        text = f"Cancelled subscription {cancellation['subscription_external_id']}."
        bodies.append(
            (
                "/v1/customer_notes",
                {"customer_uuid": customer_uuid, "type": "note", "text": text, "created_at": _instant(when)},
            )
        )
    return bodies


def _instant(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
