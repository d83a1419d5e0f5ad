"""Invoice import: recorded shapes, validation, all-or-nothing batches, lists, deletes."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest

from .conftest import invoice

# The keys of each kind of line item: the recorded subscription item's (with its set, which the official clients
# read), and a one-time item's without the subscription and its service period (the Ruby client's `OneTime`).
COMMON_KEYS = {
    "uuid", "external_id", "type", "plan_uuid", "amount_in_cents", "quantity", "discount_code",
    "discount_amount_in_cents", "tax_amount_in_cents", "transaction_fees_in_cents", "account_code",
    "transaction_fees_currency", "discount_description", "event_order",
}  # fmt: skip
LINE_ITEM_KEYS = COMMON_KEYS | {
    "subscription_uuid", "subscription_external_id", "subscription_set_external_id", "prorated", "proration_type",
    "service_period_start", "service_period_end",
}  # fmt: skip
ONE_TIME_KEYS = COMMON_KEYS | {"description"}


def post(api: httpx.Client, customer: dict[str, Any], *invoices: dict[str, Any]) -> httpx.Response:
    return api.post(f"/import/customers/{customer['uuid']}/invoices", json={"invoices": list(invoices)})


def stored(api: httpx.Client) -> list[dict[str, Any]]:
    return api.get("/invoices").json()["invoices"]


def test_import_matches_the_recorded_response(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    r = post(api, customer, invoice(plan["uuid"], n=1))
    assert r.status_code == 201
    [inv] = r.json()["invoices"]
    assert list(inv) == ["uuid", "date", "due_date", "errors", "external_id", "currency", "line_items", "transactions"]
    assert inv["uuid"].startswith("inv_") and inv["errors"] == {}
    assert (inv["date"], inv["due_date"], inv["currency"]) == (
        "2016-01-01T12:00:00.000Z",
        "2016-01-07T12:00:00.000Z",
        "USD",
    )
    sub_item, one_time = inv["line_items"]
    assert set(sub_item) == LINE_ITEM_KEYS
    assert sub_item["uuid"].startswith("li_") and sub_item["subscription_uuid"].startswith("sub_")
    keys = ("type", "plan_uuid", "amount_in_cents", "quantity", "prorated", "proration_type")
    assert {k: sub_item[k] for k in keys} == {
        "type": "subscription", "plan_uuid": plan["uuid"], "amount_in_cents": 1000, "quantity": 5, "prorated": False,
        "proration_type": None,
    }  # fmt: skip
    assert (sub_item["service_period_start"], sub_item["service_period_end"]) == (
        "2016-01-01T12:00:00.000Z",
        "2016-02-01T12:00:00.000Z",
    )
    assert (sub_item["discount_code"], sub_item["discount_amount_in_cents"], sub_item["tax_amount_in_cents"]) == (
        "DISCCODE", 1200, 200,
    )  # fmt: skip
    assert (sub_item["transaction_fees_in_cents"], sub_item["account_code"], sub_item["event_order"]) == (0, "", None)
    # Defaults of an item that said little.
    assert set(one_time) == ONE_TIME_KEYS
    assert one_time["external_id"] is None and one_time["plan_uuid"] is None
    assert (one_time["discount_code"], one_time["discount_amount_in_cents"], one_time["quantity"]) == ("", 0, 1)
    assert one_time["description"] == "Setup Fees"
    [tx] = inv["transactions"]
    assert tx == {
        "uuid": tx["uuid"], "external_id": "tr_1", "amount_in_cents": None, "type": "payment",
        "date": "2016-01-01T12:00:00.000Z", "result": "successful", "transaction_fees_in_cents": None,
        "transaction_fees_currency": None,
    }  # fmt: skip
    # What GET returns is what was imported, plus the owner keys.
    got = api.get(f"/invoices/{inv['uuid']}").json()
    assert got["customer_uuid"] == customer["uuid"] and got["data_source_uuid"] == customer["data_source_uuid"]
    assert got["customer_external_id"] == "cus_001"
    assert (got["status"], got["errors"], got["disabled"], got["disabled_at"], got["disabled_by"]) == (
        "paid", {}, False, None, None,
    )  # fmt: skip
    assert got["line_items"] == inv["line_items"] and got["transactions"] == inv["transactions"]


def test_minimal_invoice_defaults(api: httpx.Client, customer: dict[str, Any]) -> None:
    body = {"external_id": "min", "date": "2022-11-10 00:00:00", "currency": "eur",
            "line_items": [{"type": "one_time", "amount_in_cents": 500}]}  # fmt: skip
    inv = post(api, customer, body).json()["invoices"][0]
    assert (inv["due_date"], inv["transactions"], inv["currency"]) == (None, [], "EUR")


def test_timestamp_forms(api: httpx.Client, customer: dict[str, Any]) -> None:
    body = {"external_id": "tz", "date": "2000-01-01 00:00:00 +0200", "currency": "USD",
            "line_items": [{"type": "one_time", "amount_in_cents": 1}]}  # fmt: skip
    assert post(api, customer, body).json()["invoices"][0]["date"] == "1999-12-31T22:00:00.000Z"


def _broken(plan_uuid: str, path: str, value: Any) -> dict[str, Any]:
    body = invoice(plan_uuid)
    target: Any = body
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is KeyError:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "error_key"),
    [
        ("external_id", KeyError, "external_id"),
        ("date", KeyError, "date"),
        ("date", "yesterday", "date"),
        ("currency", "XYZ", "currency"),
        ("currency", KeyError, "currency"),
        ("line_items", [], "line_items"),
        ("line_items.0.type", "usage", "line_items.type"),
        ("line_items.0.plan_uuid", KeyError, "line_items.plan_uuid"),
        ("line_items.0.plan_uuid", "pl_00000000-0000-0000-0000-000000000000", "line_items.plan_uuid"),
        ("line_items.0.quantity", -1, "line_items.quantity"),
        ("line_items.0.quantity", "5", "line_items.quantity"),
        ("line_items.0.amount_in_cents", KeyError, "line_items.amount_in_cents"),
        ("line_items.0.service_period_end", "2015-12-01 00:00:00", "line_items.service_period_end"),
        ("line_items.0.service_period_start", KeyError, "line_items.service_period_start"),
        ("line_items.0.subscription_external_id", KeyError, "line_items.subscription_external_id"),
        ("line_items.0.proration_type", "partial", "line_items.proration_type"),
        ("transactions.0.type", "chargeback", "transactions.type"),
        ("transactions.0.result", KeyError, "transactions.result"),
        ("transactions.0.date", "never", "transactions.date"),
    ],
)
def test_validation_rejects_the_whole_batch(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any], path: str, value: Any, error_key: str
) -> None:
    good = invoice(plan["uuid"])
    bad = _broken(plan["uuid"], path, value)
    r = post(api, customer, good, bad)
    assert r.status_code == 422, r.text
    first, second = r.json()["invoices"]
    assert first == {"external_id": good["external_id"], "errors": {}}
    assert error_key in second["errors"], second
    assert stored(api) == []
    assert api.get(f"/import/customers/{customer['uuid']}/subscriptions").json()["subscriptions"] == []


def test_duplicates_stored_and_within_a_batch(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    first = invoice(plan["uuid"], n=1)
    assert post(api, customer, first).status_code == 201
    again = post(api, customer, invoice(plan["uuid"], n=1))
    assert again.status_code == 422
    assert again.json()["invoices"][0]["errors"] == {
        "external_id": "The external ID for this invoice already exists in our system.",
        "line_items.external_id": "The external ID for this line item already exists in our system.",
        "transactions.external_id": "has already been taken",
    }
    # Only the line item's id is reused: the invoice is otherwise new.
    li_only = invoice(plan["uuid"], n=2)
    li_only["line_items"][0]["external_id"] = "li_1"
    assert post(api, customer, li_only).json()["invoices"][0]["errors"] == {
        "line_items.external_id": "The external ID for this line item already exists in our system."
    }
    twins = post(api, customer, invoice(plan["uuid"], n=3), invoice(plan["uuid"], n=3))
    assert twins.status_code == 422
    assert twins.json()["invoices"][1]["errors"]["external_id"].startswith("The external ID for this invoice")
    assert len(stored(api)) == 1


def test_unknown_customer_and_bad_bodies(api: httpx.Client, plan: dict[str, Any]) -> None:
    r = api.post(f"/import/customers/cus_{uuid.uuid4()}/invoices", json={"invoices": [invoice(plan["uuid"])]})
    assert r.status_code == 404
    assert r.json() == {
        "error": "Invoice not found",
        "error_details": [{"param": "invoice", "code": "invalid", "message": "Invoice not found"}],
    }
    fake = {"uuid": "cus_x"}
    assert post(api, fake).status_code == 422  # empty batch
    assert api.post("/import/customers/cus_x/invoices", content=b"[").status_code == 400


def test_plan_of_another_data_source_is_refused(api: httpx.Client, customer: dict[str, Any]) -> None:
    other = api.post("/data_sources", json={"name": "Other"}).json()
    body = {"data_source_uuid": other["uuid"], "name": "Foreign", "interval_count": 1, "interval_unit": "month"}
    foreign = api.post("/plans", json=body).json()
    r = post(api, customer, invoice(foreign["uuid"]))
    assert r.status_code == 422
    assert r.json()["invoices"][0]["errors"] == {"line_items.plan_uuid": "The plan belongs to another data source."}
    r = post(api, customer, invoice(foreign["uuid"], data_source_uuid=other["uuid"]))
    assert "data_source_uuid" in r.json()["invoices"][0]["errors"]


def test_lists_filters_and_keys(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    later = invoice(plan["uuid"], n=10, date="2016-03-01 00:00:00")
    earlier = invoice(plan["uuid"], n=11, date="2016-02-01 00:00:00")
    post(api, customer, later, earlier)
    bob = api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "bob"}).json()
    post(api, bob, invoice(plan["uuid"], n=12, date="2016-01-15 00:00:00"))

    mine = api.get(f"/import/customers/{customer['uuid']}/invoices").json()
    assert list(mine) == ["customer_uuid", "invoices", "current_page", "total_pages", "cursor", "has_more"]
    assert mine["customer_uuid"] == customer["uuid"]
    assert [i["external_id"] for i in mine["invoices"]] == ["inv_11", "inv_10"]  # by invoice date

    everything = api.get("/invoices").json()
    assert list(everything) == ["invoices", "total_pages", "current_page", "cursor", "has_more"]
    assert [i["external_id"] for i in everything["invoices"]] == ["inv_12", "inv_11", "inv_10"]

    def ids(**params: str) -> list[str]:
        return [i["external_id"] for i in api.get("/invoices", params=params).json()["invoices"]]

    assert ids(customer_uuid=bob["uuid"]) == ["inv_12"]
    assert ids(external_id="inv_10") == ["inv_10"]
    assert ids(data_source_uuid=source["uuid"]) == ["inv_12", "inv_11", "inv_10"]
    assert ids(data_source_uuid=f"ds_{uuid.uuid4()}") == []
    page = api.get("/invoices", params={"per_page": 2}).json()
    rest = api.get("/invoices", params={"per_page": 2, "cursor": page["cursor"]}).json()
    assert list(rest) == ["invoices", "cursor", "has_more"]
    assert [i["external_id"] for i in rest["invoices"]] == ["inv_10"] and rest["has_more"] is False
    assert api.get(f"/import/customers/cus_{uuid.uuid4()}/invoices").status_code == 404


def test_customer_with_no_invoices_reports_zero_pages(api: httpx.Client, customer: dict[str, Any]) -> None:
    body = api.get(f"/import/customers/{customer['uuid']}/invoices").json()
    assert body == {
        "customer_uuid": customer["uuid"], "invoices": [], "current_page": 1, "total_pages": 0, "cursor": None,
        "has_more": False,
    }  # fmt: skip


def test_delete_invoice_and_customer_invoices(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    a, b = post(api, customer, invoice(plan["uuid"]), invoice(plan["uuid"])).json()["invoices"]
    assert api.delete(f"/invoices/{a['uuid']}").status_code == 204
    missing = api.get(f"/invoices/{a['uuid']}")
    assert (missing.status_code, missing.json()) == (404, {"error": "Invoice not found"})
    assert api.delete(f"/invoices/{a['uuid']}").status_code == 404
    assert [i["uuid"] for i in stored(api)] == [b["uuid"]]
    url = f"/data_sources/{customer['data_source_uuid']}/customers/{customer['uuid']}/invoices"
    assert api.delete(url).status_code == 204
    assert stored(api) == []
    assert api.delete(f"/data_sources/ds_x/customers/{customer['uuid']}/invoices").json() == {
        "error": "Data source not found"
    }
    assert api.delete(f"/data_sources/{customer['data_source_uuid']}/customers/cus_x/invoices").status_code == 404


def test_add_transaction(api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]) -> None:
    inv = post(api, customer, invoice(plan["uuid"], n=40)).json()["invoices"][0]
    body = {"type": "refund", "date": "2016-01-01 12:00:00 UTC", "result": "successful",
            "external_id": "test_tr_ext_id", "amount_in_cents": 500, "transaction_fees_in_cents": 2}  # fmt: skip
    r = api.post(f"/import/invoices/{inv['uuid']}/transactions", json=body)
    assert r.status_code == 201
    tx = r.json()
    assert list(tx)[:7] == [
        "external_id",
        "result",
        "amount_in_cents",
        "transaction_fees_in_cents",
        "uuid",
        "type",
        "date",
    ]
    assert (tx["amount_in_cents"], tx["type"], tx["date"]) == (500, "refund", "2016-01-01T12:00:00.000Z")
    assert api.get(f"/invoices/{inv['uuid']}").json()["transactions"][-1]["uuid"] == tx["uuid"]
    dup = api.post(f"/import/invoices/{inv['uuid']}/transactions", json=body)
    assert (dup.status_code, dup.json()) == (422, {"errors": {"external_id": "has already been taken"}})
    bad = api.post(f"/import/invoices/{inv['uuid']}/transactions", json={"type": "payment"})
    assert bad.status_code == 422 and {"date", "result"} <= set(bad.json()["errors"])
    gone = api.post("/import/invoices/inv_x/transactions", json={**body, "external_id": "new"})
    assert (gone.status_code, gone.json()) == (404, {"error": "Invoice not found"})


def test_the_request_is_not_mutated_by_defaults(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    body = invoice(plan["uuid"])
    before = copy.deepcopy(body)
    post(api, customer, body)
    assert body == before
