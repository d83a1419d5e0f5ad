"""/v1/plans on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from .conftest import invoice


def test_create_retrieve_and_auto_external_id(api: httpx.Client, source: dict[str, Any]) -> None:
    body = {
        "data_source_uuid": source["uuid"],
        "name": "Another Test Plan",
        "interval_count": 1,
        "interval_unit": "month",
    }
    r = api.post("/plans", json=body)
    assert r.status_code == 201
    plan = r.json()
    assert set(plan) == {"uuid", "data_source_uuid", "name", "interval_count", "interval_unit", "external_id"}
    assert plan["uuid"].startswith("pl_") and plan["external_id"] == plan["uuid"][3:]
    assert api.get(f"/plans/{plan['uuid']}").json() == plan


def test_validation(api: httpx.Client, source: dict[str, Any]) -> None:
    r = api.post("/plans", json={"data_source_uuid": source["uuid"], "interval_count": 0, "interval_unit": "week"})
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"name", "interval_count", "interval_unit"}
    r = api.post("/plans", json={"name": "x", "interval_count": 1, "interval_unit": "day"})
    assert r.json() == {"errors": {"data_source_uuid": "can't be blank"}}
    r = api.post(
        "/plans", json={"data_source_uuid": source["uuid"], "name": "x", "interval_count": "1", "interval_unit": "day"}
    )
    assert (r.status_code, r.json()["param"]) == (400, "interval_count")


def test_duplicate_external_id(api: httpx.Client, source: dict[str, Any], plan: dict[str, Any]) -> None:
    body = {"data_source_uuid": source["uuid"], "name": "Again", "interval_count": 1, "interval_unit": "year"}
    r = api.post("/plans", json={**body, "external_id": plan["external_id"]})
    assert r.status_code == 422
    assert r.json() == {"errors": {"external_id": "A plan with this identifier already exists in our system."}}


def test_list_filters_and_keys(api: httpx.Client, source: dict[str, Any], plan: dict[str, Any]) -> None:
    other = api.post("/data_sources", json={"name": "Stripe", "system": "Stripe"}).json()
    body = {"data_source_uuid": other["uuid"], "name": "Silver", "interval_count": 3, "interval_unit": "month"}
    silver = api.post("/plans", json=body).json()
    listed = api.get("/plans").json()
    assert list(listed) == ["plans", "current_page", "total_pages", "cursor", "has_more"]
    assert listed["plans"] == [plan, silver]
    assert api.get("/plans", params={"data_source_uuid": other["uuid"]}).json()["plans"] == [silver]
    assert api.get("/plans", params={"external_id": "gold_monthly"}).json()["plans"] == [plan]
    assert api.get("/plans", params={"system": "STRIPE"}).json()["plans"] == [silver]
    page = api.get("/plans", params={"per_page": 1}).json()
    after = api.get("/plans", params={"per_page": 1, "cursor": page["cursor"]}).json()
    assert list(after) == ["plans", "cursor", "has_more"] and after["plans"] == [silver]


def test_patch_is_202_and_delete_is_204(api: httpx.Client, plan: dict[str, Any]) -> None:
    url = f"/plans/{plan['uuid']}"
    r = api.patch(url, json={"name": "Gold quarterly", "interval_count": 3})
    assert r.status_code == 202
    assert r.json() == {**plan, "name": "Gold quarterly", "interval_count": 3}
    assert api.patch(url, json={"interval_unit": "fortnight"}).status_code == 422
    assert api.delete(url).status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        r = api.request(method, url, json={"name": "x"})
        assert (r.status_code, r.json()) == (404, {"error": "Plan not found"})
    assert api.get(f"/plans/pl_{uuid.uuid4()}").status_code == 404


def test_a_plan_in_use_cannot_be_deleted(api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]) -> None:
    api.post(f"/import/customers/{customer['uuid']}/invoices", json={"invoices": [invoice(plan["uuid"])]})
    r = api.delete(f"/plans/{plan['uuid']}")
    assert r.status_code == 422 and "plan" in r.json()["errors"]
    assert api.get(f"/plans/{plan['uuid']}").status_code == 200
