"""A deterministic Airbyte source for the sync tests: generator functions yielding protocol dicts.

`read(state, ...)` honours the state list it is given (an offset per stream), like the real
source resumes from `load_state()`. `version` changes every customer's values, so a second full
refresh is told apart from the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

NULLABLE_STRING = {"type": ["null", "string"]}

CUSTOMER_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": True,
    "properties": {
        "uuid": {"type": "string"},
        "id": {"type": ["null", "integer"]},
        "external_id": NULLABLE_STRING,
        "name": NULLABLE_STRING,
        "email": NULLABLE_STRING,
        "company": NULLABLE_STRING,
        "country": NULLABLE_STRING,
        "state": NULLABLE_STRING,
        "city": NULLABLE_STRING,
        "zip": NULLABLE_STRING,
        "status": NULLABLE_STRING,
        "customer-since": {"type": ["null", "string"], "format": "date-time"},
        "lead_created_at": {"type": ["null", "string"], "format": "date-time"},
        "free_trial_started_at": {"type": ["null", "string"], "format": "date-time"},
        "mrr": {"type": ["null", "integer"]},
        "arr": {"type": ["null", "integer"]},
        "billing-system-url": NULLABLE_STRING,
        "chartmogul-url": NULLABLE_STRING,
        "billing-system-type": NULLABLE_STRING,
        "currency": NULLABLE_STRING,
        "currency-sign": NULLABLE_STRING,
        "data_source_uuid": NULLABLE_STRING,
        "data_source_uuids": {"type": ["null", "array"], "items": {"type": "string"}},
        "external_ids": {"type": ["null", "array"], "items": {"type": "string"}},
        "address": {"type": ["null", "object"], "properties": {"city": NULLABLE_STRING}},
        "attributes": {"type": ["null", "object"]},
        "website_url": NULLABLE_STRING,
    },
}

ACTIVITY_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": True,
    "properties": {
        "uuid": {"type": "string"},
        "description": NULLABLE_STRING,
        "activity-mrr-movement": {"type": ["null", "integer"]},
        "activity-mrr": {"type": ["null", "integer"]},
        "activity-arr": {"type": ["null", "integer"]},
        "date": {"type": "string", "format": "date-time"},
        "type": NULLABLE_STRING,
        "currency": NULLABLE_STRING,
        "subscription-external-id": NULLABLE_STRING,
        "plan-external-id": NULLABLE_STRING,
        "customer-name": NULLABLE_STRING,
        "customer-uuid": NULLABLE_STRING,
        "customer-external-id": NULLABLE_STRING,
        "billing-connector-uuid": NULLABLE_STRING,
        "amount": {"type": ["null", "number"]},
    },
}

CATALOG: dict[str, Any] = {
    "streams": [
        {
            "name": "customers",
            "json_schema": CUSTOMER_SCHEMA,
            "supported_sync_modes": ["full_refresh"],
            "source_defined_primary_key": [["uuid"]],
        },
        {
            "name": "activities",
            "json_schema": ACTIVITY_SCHEMA,
            "supported_sync_modes": ["full_refresh", "incremental"],
            "source_defined_cursor": True,
            "default_cursor_field": ["date"],
            "source_defined_primary_key": [["uuid"]],
        },
    ]
}


def customer(i: int, version: int = 1) -> dict[str, Any]:
    return {
        "uuid": f"cus_{i:08d}",
        "id": i,
        "external_id": f"ext-{i}",
        "name": f"Customer {i}",
        "email": f"c{i}@example.com",
        "company": f"Company {i % 97}",
        "country": ["US", "DE", "FR", "GB"][i % 4],
        "state": None if i % 3 else "CA",
        "city": "Berlin",
        "zip": f"{10000 + i % 9000}",
        "status": "Active" if i % 5 else "Cancelled",
        "customer-since": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
        "lead_created_at": None,
        "free_trial_started_at": "2023-12-01T00:00:00+00:00" if i % 2 else None,
        "mrr": (i % 1000) * 100 * version,
        "arr": (i % 1000) * 1200 * version,
        "billing-system-url": f"https://billing.example.com/{i}",
        "chartmogul-url": f"https://app.chartmogul.com/#customers/{i}",
        "billing-system-type": "Stripe",
        "currency": "USD",
        "currency-sign": "$",
        "data_source_uuid": "ds_00000001",
        "data_source_uuids": ["ds_00000001"],
        "external_ids": [f"ext-{i}"],
        "address": {"address_zip": "10115", "city": "Berlin", "country": "Germany", "state": None},
        "attributes": {
            "tags": ["vip"] if i % 7 == 0 else [],
            "custom": {"seats": i % 50, "version": version},
        },
        "website_url": None,
    }


def activity(i: int) -> dict[str, Any]:
    return {
        "uuid": f"act_{i:08d}",
        "description": "purchased the Gold plan",
        "activity-mrr-movement": 5000,
        "activity-mrr": 5000 + i,
        "activity-arr": 60000 + 12 * i,
        "date": f"2024-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}T00:00:00Z",
        "type": "new_biz",
        "currency": "USD",
        "subscription-external-id": f"sub-{i}",
        "plan-external-id": "gold",
        "customer-name": f"Customer {i}",
        "customer-uuid": f"cus_{i % 1000:08d}",
        "customer-external-id": f"ext-{i % 1000}",
        "billing-connector-uuid": "ds_00000001",
        "amount": i / 4,
    }


def state_message(stream: str, offset: int) -> dict[str, Any]:
    return {
        "type": "STATE",
        "state": {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": stream}, "stream_state": {"offset": offset}},
            "sourceStats": {"recordCount": float(offset)},
        },
    }


def status(stream: str, value: str) -> dict[str, Any]:
    return {
        "type": "TRACE",
        "trace": {
            "type": "STREAM_STATUS",
            "emitted_at": 1735689600000.0,
            "stream_status": {"stream_descriptor": {"name": stream}, "status": value},
        },
    }


def record(stream: str, data: dict[str, Any], i: int) -> dict[str, Any]:
    return {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 1735689600000 + i}}


def offsets(state: list[dict[str, Any]]) -> dict[str, int]:
    found = {}
    for item in state:
        stream = item["stream"]
        found[stream["stream_descriptor"]["name"]] = int(stream["stream_state"]["offset"])
    return found


def read(
    state: list[dict[str, Any]],
    *,
    customers: int = 50,
    activities: int = 50,
    page: int = 10,
    version: int = 1,
) -> Iterator[dict[str, Any]]:
    """Customers (a resumable full refresh), then activities (incremental by offset); a STATE after
    every page, stream statuses around each stream."""
    start = offsets(state)
    streams = (("customers", customers, lambda i: customer(i, version)), ("activities", activities, activity))
    for name, total, make in streams:
        yield status(name, "STARTED")
        estimate = {"name": name, "type": "STREAM", "row_estimate": total}
        yield {"type": "TRACE", "trace": {"type": "ESTIMATE", "estimate": estimate}}
        for i in range(start.get(name, 0), total):
            yield record(name, make(i), i)
            if (i + 1) % page == 0 or i + 1 == total:
                yield state_message(name, i + 1)
        yield status(name, "COMPLETE")
