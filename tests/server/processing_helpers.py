"""Building histories through the Import API and waiting for the server to process them."""

from __future__ import annotations

import time
from typing import Any

import httpx


def settle(api: httpx.Client, timeout: float = 30.0) -> None:
    """Wait until every data source is idle: everything imported so far has been computed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sources = api.get("/data_sources").json()["data_sources"]
        if all(s["status"] == "idle" for s in sources):
            return
        time.sleep(0.02)
    raise AssertionError("processing did not finish")


def source(api: httpx.Client, name: str = "In-house billing") -> str:
    return api.post("/data_sources", json={"name": name}).json()["uuid"]


def plan(
    api: httpx.Client, ds: str, name: str, unit: str = "month", count: int = 1, external_id: str | None = None
) -> dict[str, Any]:
    body = {
        "data_source_uuid": ds,
        "name": name,
        "interval_unit": unit,
        "interval_count": count,
        "external_id": external_id or name.lower().replace(" ", "_"),
    }
    r = api.post("/plans", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def customer(api: httpx.Client, ds: str, external_id: str, **fields: Any) -> dict[str, Any]:
    r = api.post("/customers", json={"data_source_uuid": ds, "external_id": external_id, "name": external_id, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def invoice(
    external_id: str,
    plan_uuid: str,
    start: str,
    end: str,
    amount: int,
    *,
    sub: str = "s1",
    quantity: int = 1,
    currency: str = "USD",
    **extra: Any,
) -> dict[str, Any]:
    item = line_item(plan_uuid, sub, start, end, amount, quantity=quantity, **extra)
    return {"external_id": external_id, "date": start, "currency": currency, "line_items": [item]}


def line_item(plan_uuid: str, sub: str, start: str, end: str, amount: int, **extra: Any) -> dict[str, Any]:
    """A subscription line item of `sub` on `plan_uuid` for one service period."""
    return {
        "type": "subscription",
        "subscription_external_id": sub,
        "plan_uuid": plan_uuid,
        "service_period_start": start,
        "service_period_end": end,
        "amount_in_cents": amount,
        **extra,
    }


def import_invoices(api: httpx.Client, customer_uuid: str, *invoices: dict[str, Any]) -> list[dict[str, Any]]:
    r = api.post(f"/import/customers/{customer_uuid}/invoices", json={"invoices": list(invoices)})
    assert r.status_code == 201, r.text
    return r.json()["invoices"]


def gt1(api: httpx.Client, ds: str | None = None, external_id: str = "c1") -> dict[str, Any]:
    """Golden case GT-1: 5000/month for Jan and Feb 2024, 8000 (2 seats) from March, no renewal after."""
    ds = ds or source(api)
    gold = plan(api, ds, "Gold", external_id=f"gold_{external_id}")
    cus = customer(api, ds, external_id)
    import_invoices(
        api,
        cus["uuid"],
        invoice(f"{external_id}-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000),
        invoice(f"{external_id}-2", gold["uuid"], "2024-02-01", "2024-03-01", 5000),
        invoice(f"{external_id}-3", gold["uuid"], "2024-03-01", "2024-04-01", 8000, quantity=2),
    )
    return {"ds": ds, "plan": gold, "customer": cus}
