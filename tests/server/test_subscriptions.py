"""Subscriptions created by imports, listed and cancelled; data source deletion cascades."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import invoice


def import_(api: httpx.Client, customer: dict[str, Any], *invoices: dict[str, Any]) -> list[dict[str, Any]]:
    r = api.post(f"/import/customers/{customer['uuid']}/invoices", json={"invoices": list(invoices)})
    assert r.status_code == 201, r.text
    return r.json()["invoices"]


def subscriptions(api: httpx.Client, customer: dict[str, Any]) -> dict[str, Any]:
    return api.get(f"/import/customers/{customer['uuid']}/subscriptions").json()


def test_imports_create_one_subscription_per_external_id(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    first, second = import_(api, customer, invoice(plan["uuid"]), invoice(plan["uuid"]))
    sub_uuid = first["line_items"][0]["subscription_uuid"]
    assert second["line_items"][0]["subscription_uuid"] == sub_uuid
    body = subscriptions(api, customer)
    assert list(body) == ["customer_uuid", "subscriptions", "current_page", "total_pages", "cursor", "has_more"]
    assert body["subscriptions"] == [
        {
            "external_id": "sub_1",
            "uuid": sub_uuid,
            "cancellation_dates": [],
            "subscription_set_external_id": "set_1",
            "plan_uuid": plan["uuid"],
            "data_source_uuid": source["uuid"],
        }
    ]
    # A later import on another plan moves the subscription to it; a new external id makes a new subscription.
    upgrade = api.post(
        "/plans",
        json={"data_source_uuid": source["uuid"], "name": "Platinum", "interval_count": 1, "interval_unit": "year"},
    ).json()
    later = invoice(upgrade["uuid"], date="2016-02-01 12:00:00")
    later["line_items"][0].update(service_period_start="2016-02-01 12:00:00", service_period_end="2017-02-01 12:00:00")
    other = invoice(plan["uuid"])
    other["line_items"][0]["subscription_external_id"] = "sub_2"
    import_(api, customer, later, other)
    subs = {s["external_id"]: s for s in subscriptions(api, customer)["subscriptions"]}
    assert subs["sub_1"]["plan_uuid"] == upgrade["uuid"] and subs["sub_2"]["plan_uuid"] == plan["uuid"]
    assert api.get("/import/customers/cus_x/subscriptions").status_code == 404


def test_cancel_appends_and_cancellation_dates_replace(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    [inv] = import_(api, customer, invoice(plan["uuid"]))
    sub_uuid = inv["line_items"][0]["subscription_uuid"]
    url = f"/import/subscriptions/{sub_uuid}"
    r = api.patch(url, json={"cancelled_at": "2016-01-15 12:00:00 UTC"})
    assert r.status_code == 202
    body = r.json()
    assert body["cancellation_dates"] == ["2016-01-15T12:00:00.000Z"]
    assert (body["uuid"], body["customer_uuid"], body["plan_uuid"]) == (sub_uuid, customer["uuid"], plan["uuid"])
    later = api.patch(url, json={"cancelled_at": "2016-03-01T00:00:00Z"}).json()
    assert later["cancellation_dates"] == ["2016-01-15T12:00:00.000Z", "2016-03-01T00:00:00.000Z"]
    # The answer is built from the row read before the update: it matches a fresh read.
    listed = subscriptions(api, customer)["subscriptions"][0]
    assert listed == {key: value for key, value in later.items() if key != "customer_uuid"}
    replaced = api.patch(url, json={"cancellation_dates": ["2000-01-01 00:00:00 UTC"]}).json()
    assert replaced["cancellation_dates"] == ["2000-01-01T00:00:00.000Z"]
    assert api.patch(url, json={"cancellation_dates": []}).json()["cancellation_dates"] == []
    assert subscriptions(api, customer)["subscriptions"][0]["cancellation_dates"] == []
    assert api.patch(url, json={}).status_code == 400
    assert api.patch(url, json={"cancelled_at": "tomorrow"}).json() == {
        "errors": {"cancelled_at": "is not a valid date"}
    }
    assert api.patch(url, json={"cancellation_dates": "2016-01-01"}).status_code == 400
    missing = api.patch("/import/subscriptions/sub_x", json={"cancelled_at": "2016-01-15"})
    assert (missing.status_code, missing.json()) == (404, {"error": "Subscription not found"})


def test_deleting_a_customer_removes_its_imports(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    [inv] = import_(api, customer, invoice(plan["uuid"]))
    assert api.delete(f"/customers/{customer['uuid']}").status_code == 204
    assert api.get(f"/invoices/{inv['uuid']}").status_code == 404
    assert api.get("/invoices").json()["invoices"] == []


def test_deleting_a_data_source_removes_everything_imported(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    keep = api.post("/data_sources", json={"name": "Keep"}).json()
    kept = api.post("/customers", json={"data_source_uuid": keep["uuid"], "external_id": "k"}).json()
    import_(api, customer, invoice(plan["uuid"]))
    assert api.delete(f"/data_sources/{source['uuid']}").status_code == 204
    assert [c["uuid"] for c in api.get("/customers").json()["entries"]] == [kept["uuid"]]
    assert api.get("/plans").json()["plans"] == [] and api.get("/invoices").json()["invoices"] == []


def test_emptying_a_data_source_keeps_the_source(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    import_(api, customer, invoice(plan["uuid"]))
    r = api.delete(f"/data_sources/{source['uuid']}/all")
    assert (r.status_code, r.content) == (204, b"")
    assert api.get(f"/data_sources/{source['uuid']}").status_code == 200
    assert api.get("/customers").json()["entries"] == [] and api.get("/plans").json()["plans"] == []
    assert api.get("/invoices").json()["invoices"] == []
    # The external ids are free again.
    again = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "cus_001"})
    assert again.status_code == 201
    assert api.delete("/data_sources/ds_nope/all").json() == {"error": "Data source not found"}


def test_deleting_invoices_drops_subscriptions_no_invoice_names(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    second = invoice(plan["uuid"])
    second["line_items"][0]["subscription_external_id"] = "sub_2"
    a, _ = import_(api, customer, invoice(plan["uuid"]), second)
    assert api.delete(f"/invoices/{a['uuid']}").status_code == 204
    assert [s["external_id"] for s in subscriptions(api, customer)["subscriptions"]] == ["sub_2"]
    url = f"/data_sources/{customer['data_source_uuid']}/customers/{customer['uuid']}/invoices"
    assert api.delete(url).status_code == 204
    assert subscriptions(api, customer)["subscriptions"] == []
    assert api.delete(f"/plans/{plan['uuid']}").status_code == 204  # no longer in use
