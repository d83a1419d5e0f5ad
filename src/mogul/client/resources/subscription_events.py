"""`/v1/subscription_events`. Writes go wrapped in `subscription_event`; an event is named
by its `id`, or by its `data_source_uuid` and `external_id`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..models import SubscriptionEvent
from ..pagination import Listing
from ..requester import Requester

ENVELOPE = "subscription_event"
Day = date | datetime | str


def _key(id: int | None, data_source_uuid: str | None, external_id: str | None) -> dict[str, Any]:
    if id is not None:
        return {"id": id} if data_source_uuid is None else {"id": id, "data_source_uuid": data_source_uuid}
    if data_source_uuid and external_id:
        return {"data_source_uuid": data_source_uuid, "external_id": external_id}
    raise ValueError("name the event by id, or by data_source_uuid and external_id")


def _when(value: Day) -> str:
    return value if isinstance(value, str) else value.isoformat()


class SubscriptionEvents:
    def __init__(self, requester: Requester) -> None:
        self._t = requester

    def list(
        self,
        *,
        data_source_uuid: str | None = None,
        customer_external_id: str | None = None,
        external_id: str | None = None,
        subscription_external_id: str | None = None,
        plan_external_id: str | None = None,
        event_type: str | None = None,
        event_date: Day | None = None,
        effective_date: Day | None = None,
        per_page: int = 200,
    ) -> Listing[SubscriptionEvent]:
        """Events, newest first; a date filter given as a day matches that whole day."""
        params = {
            "data_source_uuid": data_source_uuid,
            "customer_external_id": customer_external_id,
            "external_id": external_id,
            "subscription_external_id": subscription_external_id,
            "plan_external_id": plan_external_id,
            "event_type": event_type,
            "event_date": None if event_date is None else _when(event_date),
            "effective_date": None if effective_date is None else _when(effective_date),
        }
        return Listing(
            self._t, "/v1/subscription_events", SubscriptionEvent, key="subscription_events", params=params,
            per_page=per_page,
        )  # fmt: skip

    def create(
        self,
        *,
        data_source_uuid: str,
        customer_external_id: str,
        subscription_external_id: str,
        event_type: str,
        event_date: Day,
        effective_date: Day,
        **fields: Any,
    ) -> SubscriptionEvent:
        """One event; `fields` are the optional ones (`plan_external_id`, `currency`, `amount_in_cents`,
        `quantity`, `external_id`, ...), which the priced types (starts and updates) require."""
        event = {
            "data_source_uuid": data_source_uuid,
            "customer_external_id": customer_external_id,
            "subscription_external_id": subscription_external_id,
            "event_type": event_type,
            "event_date": _when(event_date),
            "effective_date": _when(effective_date),
            **fields,
        }
        return SubscriptionEvent(self._t.request("POST", "/v1/subscription_events", json={ENVELOPE: event}))

    def update(
        self,
        *,
        id: int | None = None,
        data_source_uuid: str | None = None,
        external_id: str | None = None,
        **changes: Any,
    ) -> SubscriptionEvent:
        """Change the fields in `changes` of the event named by `id` (then `external_id` is a change too), or by
        `data_source_uuid` and `external_id`."""
        event = {**_key(id, data_source_uuid, external_id), **changes}
        if id is not None and external_id is not None:
            event["external_id"] = external_id
        for name in ("event_date", "effective_date"):
            if name in event and event[name] is not None:
                event[name] = _when(event[name])
        return SubscriptionEvent(self._t.request("PATCH", "/v1/subscription_events", json={ENVELOPE: event}))

    def delete(
        self, *, id: int | None = None, data_source_uuid: str | None = None, external_id: str | None = None
    ) -> None:
        self._t.request("DELETE", "/v1/subscription_events", json={ENVELOPE: _key(id, data_source_uuid, external_id)})

    def set_disabled(
        self,
        disabled: bool,
        *,
        id: int | None = None,
        data_source_uuid: str | None = None,
        external_id: str | None = None,
    ) -> SubscriptionEvent:
        """Disable (or enable) an event. ChartMogul allows it for automatic sources' events only; others, and
        every event of `mogul serve`, get a ValidationError: delete such an event instead."""
        key = _key(id, data_source_uuid, external_id)
        if "external_id" in key:
            body = {**key, "disabled": disabled}
            return SubscriptionEvent(self._t.request("PATCH", "/v1/subscription_events/disabled_state", json=body))
        path = f"/v1/subscription_events/{int(key['id'])}/disabled_state"
        return SubscriptionEvent(self._t.request("PATCH", path, json={"disabled": disabled}))
