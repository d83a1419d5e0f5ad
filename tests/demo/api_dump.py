"""Everything a server holds for an account, read through `/v1` as one canonical JSON document: what
"byte-for-byte reproducible" can honestly compare between two imports of the same history.

Two imports of one history differ only where the server, not the history, decides: uuids (random), integer
ids (the order in which concurrent requests landed), the data source's `created_at` (the server's clock), and
what is built from those (cursors, `chartmogul-url`, an activity's uuid). The dump names every object by
what it was imported as instead (`cus:cus_000042`, `sub:sub_000042`, `inv:inv_000042_007`...), leaves out
the clock and the paging keys, and lists objects in external id order. Every other field of every object,
every activity and every monthly metric is kept as the API sends it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import orjson

UUID = re.compile(r"(?:[a-z]+_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PAGING = frozenset({"cursor", "has_more", "current_page", "total_pages", "per_page", "page"})
CUSTOMER_URL = re.compile(r"/customers/(\d+)-")
CRM_KEYS = {"contacts": "uuid", "customer_notes": "uuid", "opportunities": "uuid", "tasks": "task_uuid"}


def pages(http: httpx.Client, path: str, key: str) -> list[dict[str, Any]]:
    """Every item of a cursor-paged list."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = http.get(path, params={"per_page": 200, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        items += body[key]
        if not body.get("has_more"):
            return items
        cursor = body["cursor"]


def dump(http: httpx.Client, start: date, end: date) -> bytes:
    """The account behind `http` (a client on `/v1` with a key), with monthly metrics from `start` to `end`."""
    sources = http.get("/data_sources").json()["data_sources"]
    plans = pages(http, "/plans", "plans")
    customers = pages(http, "/customers", "entries")
    invoices = pages(http, "/invoices", "invoices")
    subscriptions = {
        c["uuid"]: {
            "imported": pages(http, f"/import/customers/{c['uuid']}/subscriptions", "subscriptions"),
            "computed": pages(http, f"/customers/{c['uuid']}/subscriptions", "entries"),
        }
        for c in customers
    }
    activities = pages(http, "/activities", "entries")
    crm = {kind: pages(http, f"/{kind}", "entries") for kind in CRM_KEYS}
    params = {"start-date": start.isoformat(), "end-date": end.isoformat(), "interval": "month"}
    metrics = http.get("/metrics/all", params=params).json()

    names: dict[str, str] = {}  # server id -> what the object was imported as
    for source in sources:
        names[source.pop("uuid")] = f"ds:{source['name']}"
        source.pop("created_at")  # the server's clock
    for item in [*plans, *customers, *invoices]:
        names[item["uuid"]] = f"{item['uuid'].split('_')[0]}:{item['external_id']}"
    for invoice in invoices:
        for part in [*invoice["line_items"], *invoice["transactions"]]:
            names[part["uuid"]] = f"{part['uuid'].split('_')[0]}:{part['external_id']}"
    for subs in subscriptions.values():
        for sub in subs["imported"]:
            names[sub["uuid"]] = names[sub["uuid"].removeprefix("sub_")] = f"sub:{sub['external_id']}"
    customer_ids = {str(c["id"]): names[c["uuid"]] for c in customers}
    for kind, key in CRM_KEYS.items():
        # Named by their customer and what they hold; the server's clock (`created_at` where the history does not
        # set it, `updated_at`) is left out.
        for item in crm[kind]:
            item.pop("updated_at", None)
            if kind != "customer_notes":
                item.pop("created_at", None)
        crm[kind].sort(key=lambda item, key=key: (names[item["customer_uuid"]], _content(item, key)))
        for number, item in enumerate(crm[kind]):
            names[item[key]] = f"{kind}:{names[item['customer_uuid']]}:{number}"
    for activity in activities:
        activity.pop("uuid")  # derived from server ids; an activity is its customer, subscription, date and type

    account = {
        "data_sources": sources,
        "plans": sorted(plans, key=lambda p: p["external_id"]),
        "customers": sorted(customers, key=lambda c: c["external_id"]),
        "invoices": sorted(invoices, key=lambda i: i["external_id"]),
        "subscriptions": sorted(
            (
                {
                    "customer": names[uuid],
                    **{kind: sorted(subs[kind], key=lambda s: s["external_id"]) for kind in ("imported", "computed")},
                }
                for uuid, subs in subscriptions.items()
            ),
            key=lambda s: s["customer"],
        ),
        "activities": sorted(
            activities,
            key=lambda a: (
                a["date"],
                a["customer-external-id"],
                a["subscription-external-id"],
                a["type"],
                a["activity-mrr-movement"],
            ),
        ),
        "metrics": metrics,
        **crm,
    }
    return orjson.dumps(_canonical(account, names, customer_ids), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


def _content(item: dict[str, Any], key: str) -> bytes:
    """What a CRM record holds, without the ids the server chose."""
    held = {k: v for k, v in item.items() if k not in (key, "customer_uuid")}
    return orjson.dumps(held, option=orjson.OPT_SORT_KEYS)


def _canonical(value: Any, names: dict[str, str], customer_ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        out = {key: _canonical(item, names, customer_ids) for key, item in value.items() if key not in PAGING}
        if "id" in out and "uuid" in value:  # an integer id: the same object as its uuid
            out["id"] = names[value["uuid"]]
        return out
    if isinstance(value, list):
        return [_canonical(item, names, customer_ids) for item in value]
    if isinstance(value, str):
        value = CUSTOMER_URL.sub(lambda m: f"/customers/{customer_ids[m[1]]}-", value)
        # An id the dump cannot name fails here, rather than making two equal histories look different.
        return UUID.sub(lambda m: names[m[0]], value)
    return value
