"""Invoice editing: the status an API call sets, the disabled state, and the invoice shapes
these change; a malformed uuid on DELETE; `page=` answers of the billing lists. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer

from .conftest import invoice
from .processing_helpers import settle

INVALID_UUID = {
    "error": "Invalid UUID passed",
    "error_details": [{"param": "uuid", "code": "invalid", "message": "Invalid UUID passed"}],
}
NOT_FOUND = {"error": "Invoice not found"}


@pytest.fixture
def imported(api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"/import/customers/{customer['uuid']}/invoices", json={"invoices": [invoice(plan["uuid"])]})
    assert r.status_code == 201, r.text
    return r.json()["invoices"][0]


def status_path(source: dict[str, Any], external_id: str) -> str:
    return f"/data_sources/{source['uuid']}/invoices/{external_id}/status"


def test_voiding_an_invoice_sets_its_status_and_drops_its_mrr(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], imported: dict[str, Any]
) -> None:
    settle(api)
    assert api.get(f"/customers/{customer['uuid']}").json()["mrr"] == 800  # net of tax
    assert api.get(f"/invoices/{imported['uuid']}").json()["status"] == "paid"
    r = api.put(status_path(source, imported["external_id"]), json={"status": "voided"})
    assert (r.status_code, r.json()) == (200, {"message": "Invoice updated"})
    assert api.get(f"/invoices/{imported['uuid']}").json()["status"] == "voided"
    # A new data source prevents subscriptions for voided invoices: as if the invoice had never been issued.
    settle(api)
    assert api.get(f"/customers/{customer['uuid']}").json()["mrr"] == 0
    r = api.put(status_path(source, imported["external_id"]), params={"handle_as_user_edit": "true"}, json={
        "status": "written_off"
    })  # fmt: skip
    assert r.status_code == 200
    listed = api.get("/invoices").json()["invoices"]
    assert [i["status"] for i in listed] == ["written_off"]


def test_status_follows_the_transactions_until_set(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    path = f"/import/customers/{customer['uuid']}/invoices"
    refund = {"type": "refund", "date": "2016-01-02", "result": "successful"}
    failed = {"type": "payment", "date": "2016-01-02", "result": "failed"}
    bodies = [invoice(plan["uuid"], transactions=[]), invoice(plan["uuid"], transactions=[failed])]
    bodies.append(invoice(plan["uuid"]))
    bodies[-1]["transactions"].append(refund)
    made = api.post(path, json={"invoices": bodies}).json()["invoices"]
    statuses = [api.get(f"/invoices/{inv['uuid']}").json()["status"] for inv in made]
    assert statuses == ["open", "open", "refunded"]


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"status": "paid"}, 422, "status"),
        ({"status": "open"}, 422, "status"),
        ({}, 422, "status"),
        ({"status": None}, 422, "status"),
        ({"status": 1}, 400, "status"),
    ],
)
def test_only_voided_and_written_off_can_be_set(
    api: httpx.Client, source: dict[str, Any], imported: dict[str, Any], body: dict[str, Any], status: int, param: str
) -> None:
    r = api.put(status_path(source, imported["external_id"]), json=body)
    assert r.status_code == status, r.text
    if status == 422:
        assert [d["param"] for d in r.json()["error_details"]] == [param] and r.json()["error"]
    else:
        assert r.json()["param"] == param
    assert api.get(f"/invoices/{imported['uuid']}").json()["status"] == "paid"


def test_status_of_an_unknown_invoice_is_404(
    api: httpx.Client, source: dict[str, Any], imported: dict[str, Any]
) -> None:
    r = api.put(status_path(source, "nope"), json={"status": "voided"})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    other = api.post("/data_sources", json={"name": "Other"}).json()
    r = api.put(status_path(other, imported["external_id"]), json={"status": "voided"})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = api.put(f"/data_sources/ds_{uuid.uuid4()}/invoices/x/status", json={"status": "voided"})
    assert r.status_code == 404


def test_enabling_answers_the_invoice_and_disabling_is_refused(
    api: httpx.Client, source: dict[str, Any], imported: dict[str, Any]
) -> None:
    path = f"/invoices/{imported['uuid']}/disabled_state"
    got = api.get(f"/invoices/{imported['uuid']}").json()
    r = api.patch(path, json={"disabled": False})
    assert (r.status_code, r.json()) == (200, got)
    refused = api.patch(path, json={"disabled": True})
    assert refused.status_code == 422
    assert [d["param"] for d in refused.json()["error_details"]] == ["disabled"]
    assert "automatic data sources" in refused.json()["error"]
    by_id = {"data_source_uuid": source["uuid"], "external_id": imported["external_id"]}
    r = api.patch("/invoices/disabled_state", params=by_id, json={"disabled": False})
    assert (r.status_code, r.json()) == (200, got)
    assert api.patch("/invoices/disabled_state", params=by_id, json={"disabled": True}).status_code == 422
    assert api.get(f"/invoices/{imported['uuid']}").json()["disabled"] is False


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/invoices/inv_nope/disabled_state", {"disabled": False}, 422),
        ("/invoices/inv_00000000-0000-4000-8000-000000000000/disabled_state", {"disabled": False}, 404),
        ("/invoices/{uuid}/disabled_state", {}, 422),
        ("/invoices/{uuid}/disabled_state", {"disabled": "yes"}, 400),
        ("/invoices/disabled_state?data_source_uuid=ds_x&external_id=x", {"disabled": False}, 404),
        ("/invoices/disabled_state?external_id=x", {"disabled": False}, 400),
    ],
)
def test_bad_disabled_state_requests(
    api: httpx.Client, imported: dict[str, Any], path: str, body: dict[str, Any], status: int
) -> None:
    r = api.patch(path.format(uuid=imported["uuid"]), json=body)
    assert r.status_code == status, r.text
    if status == 404:
        assert r.json() == NOT_FOUND
    if path.startswith("/invoices/inv_nope"):
        assert r.json() == INVALID_UUID


def test_delete_with_a_malformed_uuid_is_422(api: httpx.Client, imported: dict[str, Any]) -> None:
    for bad in ("inv_I_dont_exists", "nope", imported["uuid"][4:], imported["uuid"] + "0"):
        r = api.delete(f"/invoices/{bad}")
        assert (r.status_code, r.json()) == (422, INVALID_UUID)
    r = api.delete(f"/invoices/inv_{uuid.uuid4()}")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert api.delete(f"/invoices/{imported['uuid'].upper().replace('INV_', 'inv_')}").status_code == 404
    assert api.delete(f"/invoices/{imported['uuid']}").status_code == 204


def test_read_only_keys_cannot_edit(
    server: EmbeddedServer, ro_key: str, source: dict[str, Any], imported: dict[str, Any]
) -> None:
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        r = ro.put(status_path(source, imported["external_id"]), json={"status": "voided"})
        assert (r.status_code, r.json()["code"]) == (403, 403)
        assert ro.patch(f"/invoices/{imported['uuid']}/disabled_state", json={"disabled": False}).status_code == 403
        params = {"data_source_uuid": source["uuid"], "external_id": imported["external_id"]}
        assert ro.patch("/invoices/disabled_state", params=params, json={"disabled": False}).status_code == 403
        assert ro.get(f"/invoices/{imported['uuid']}").json()["status"] == "paid"


def test_page_answers_carry_the_page_keys_only(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any], imported: dict[str, Any]
) -> None:
    plans = api.get("/plans", params={"page": 1, "per_page": 1}).json()
    assert plans == {"plans": [plan], "current_page": 1, "total_pages": 1}
    invoices = api.get("/invoices", params={"page": 1}).json()
    assert list(invoices) == ["invoices", "total_pages", "current_page"]
    path = f"/import/customers/{customer['uuid']}"
    assert list(api.get(f"{path}/invoices", params={"page": 2}).json()) == [
        "customer_uuid", "invoices", "current_page", "total_pages",
    ]  # fmt: skip
    subscriptions = api.get(f"{path}/subscriptions", params={"page": 1}).json()
    assert list(subscriptions) == ["customer_uuid", "subscriptions", "current_page", "total_pages"]
    # Without `page`, the first page still has the cursor keys too.
    assert list(api.get("/plans").json()) == ["plans", "current_page", "total_pages", "cursor", "has_more"]


# --- deleting and changing invoices, transactions and line items


def by_external_id(source: dict[str, Any], external_id: str) -> dict[str, str]:
    return {"data_source_uuid": source["uuid"], "external_id": external_id}


def mrr(api: httpx.Client, customer: dict[str, Any]) -> int:
    settle(api)
    return int(api.get(f"/customers/{customer['uuid']}").json()["mrr"])


def test_delete_by_external_id(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], imported: dict[str, Any]
) -> None:
    assert mrr(api, customer) == 800
    params = by_external_id(source, imported["external_id"])
    other = api.post("/data_sources", json={"name": "Other"}).json()
    r = api.delete("/invoices", params=by_external_id(other, imported["external_id"]))
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = api.delete("/invoices", params=params)
    assert (r.status_code, r.content) == (204, b"")
    assert api.get(f"/invoices/{imported['uuid']}").status_code == 404
    assert (api.delete("/invoices", params=params).json()) == NOT_FOUND
    # Its subscription went with it, and the customer was computed again.
    assert api.get(f"/import/customers/{customer['uuid']}/subscriptions").json()["subscriptions"] == []
    assert mrr(api, customer) == 0


@pytest.mark.parametrize("missing", ["data_source_uuid", "external_id"])
def test_by_external_id_needs_both_parameters(
    api: httpx.Client, source: dict[str, Any], imported: dict[str, Any], missing: str
) -> None:
    params = by_external_id(source, imported["external_id"])
    del params[missing]
    for method, path in [("DELETE", "/invoices"), ("PATCH", "/invoices"), ("GET", "/transactions"),
                         ("DELETE", "/line_items"), ("PATCH", "/line_items/disabled_state")]:  # fmt: skip
        r = api.request(method, path, params=params, json={"disabled": False} if method == "PATCH" else None)
        assert (r.status_code, r.json()["param"]) == (400, missing), (method, path, r.text)
    assert api.get(f"/invoices/{imported['uuid']}").status_code == 200


def test_update_invoice(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], imported: dict[str, Any]
) -> None:
    before = api.get(f"/invoices/{imported['uuid']}").json()
    assert "collection_method" not in before
    assert mrr(api, customer) == 800
    body = {"date": "2016-01-02", "due_date": None, "currency": "eur", "collection_method": "manual"}
    r = api.patch(f"/invoices/{imported['uuid']}", json=body)
    assert r.status_code == 200, r.text
    changed = r.json()
    assert (changed["date"], changed["due_date"], changed["currency"]) == ("2016-01-02T00:00:00.000Z", None, "EUR")
    assert changed["collection_method"] == "manual"
    assert changed == {**before, **changed} and changed["line_items"] == before["line_items"]
    assert api.get(f"/invoices/{imported['uuid']}").json() == changed
    # Computed again: 8 euros are not 8 dollars.
    assert mrr(api, customer) not in (0, 800)
    # By external id; null unsets the collection method, and what is not sent stays.
    params = by_external_id(source, imported["external_id"])
    r = api.patch("/invoices", params=params, json={"collection_method": None, "currency": "USD"})
    assert r.status_code == 200, r.text
    assert r.json() == {**{k: v for k, v in changed.items() if k != "collection_method"}, "currency": "USD"}
    assert mrr(api, customer) == 800


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"date": "yesterday"}, ["date"]),
        ({"date": None}, ["date"]),
        ({"currency": "XYZ"}, ["currency"]),
        ({"currency": 1}, ["currency"]),
        ({"collection_method": "cheque", "due_date": "2016-13-01"}, ["due_date", "collection_method"]),
    ],
)
def test_refused_invoice_changes(
    api: httpx.Client, imported: dict[str, Any], body: dict[str, Any], params: list[str]
) -> None:
    before = api.get(f"/invoices/{imported['uuid']}").json()
    r = api.patch(f"/invoices/{imported['uuid']}", json=body)
    assert r.status_code == 422, r.text
    assert sorted(d["param"] for d in r.json()["error_details"]) == sorted(params) and r.json()["error"]
    assert api.get(f"/invoices/{imported['uuid']}").json() == before


def test_update_an_unknown_or_malformed_invoice(api: httpx.Client, source: dict[str, Any]) -> None:
    r = api.patch(f"/invoices/inv_{uuid.uuid4()}", json={"currency": "EUR"})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = api.patch("/invoices/inv_nope", json={"currency": "EUR"})
    assert (r.status_code, r.json()) == (422, INVALID_UUID)
    r = api.patch("/invoices", params=by_external_id(source, "nope"), json={"currency": "EUR"})
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert api.patch(f"/invoices/inv_{uuid.uuid4()}", content=b"[1]").status_code == 400


def test_transactions(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], imported: dict[str, Any]
) -> None:
    tx = imported["transactions"][0]
    own = {**tx, "disabled": False, "disabled_at": None, "disabled_by": None, "user_created": False}
    assert api.get(f"/transactions/{tx['uuid']}").json() == own
    params = by_external_id(source, tx["external_id"])
    assert api.get("/transactions", params={**params, "with_disabled": "true"}).json() == own
    # A failed payment leaves the invoice open.
    r = api.patch(f"/transactions/{tx['uuid']}", json={"result": "failed", "amount_in_cents": 500})
    assert r.status_code == 200, r.text
    assert r.json() == {**own, "result": "failed", "amount_in_cents": 500}
    assert api.get(f"/invoices/{imported['uuid']}").json()["status"] == "open"
    r = api.patch("/transactions", params=params, json={"result": "successful", "date": "2016-01-03"})
    assert r.json()["date"] == "2016-01-03T00:00:00.000Z" and r.json()["result"] == "successful"
    assert api.get(f"/invoices/{imported['uuid']}").json()["status"] == "paid"
    r = api.patch(f"/transactions/{tx['uuid']}/disabled_state", json={"disabled": False})
    assert (r.status_code, r.json()) == (200, api.get(f"/transactions/{tx['uuid']}").json())
    r = api.patch("/transactions/disabled_state", params=params, json={"disabled": True})
    assert r.status_code == 422 and "automatic data sources" in r.json()["error"]
    r = api.delete("/transactions", params=params)
    assert (r.status_code, r.json()) == (200, {})
    assert api.get(f"/transactions/{tx['uuid']}").json() == {"error": "Transaction not found"}
    assert api.get(f"/invoices/{imported['uuid']}").json()["transactions"] == []
    assert api.delete(f"/transactions/{tx['uuid']}").status_code == 404
    assert mrr(api, customer) == 800


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"type": "gift"}, ["type"]),
        ({"result": None}, ["result"]),
        ({"date": "soon", "amount_in_cents": -1}, ["date", "amount_in_cents"]),
        ({"transaction_fees_currency": "EURO"}, ["transaction_fees_currency"]),
    ],
)
def test_refused_transaction_changes(
    api: httpx.Client, imported: dict[str, Any], body: dict[str, Any], params: list[str]
) -> None:
    path = f"/transactions/{imported['transactions'][0]['uuid']}"
    before = api.get(path).json()
    r = api.patch(path, json=body)
    assert r.status_code == 422, r.text
    assert sorted(d["param"] for d in r.json()["error_details"]) == sorted(params)
    assert api.get(path).json() == before


def test_unknown_transactions_and_line_items_are_404(api: httpx.Client, source: dict[str, Any]) -> None:
    for kind, message in (("transactions", "Transaction not found"), ("line_items", "Line item not found")):
        for method in ("GET", "PATCH", "DELETE"):
            r = api.request(method, f"/{kind}/x_{uuid.uuid4()}", json={} if method == "PATCH" else None)
            assert (r.status_code, r.json()) == (404, {"error": message}), (kind, method)
            r = api.request(method, f"/{kind}", params=by_external_id(source, "nope"))
            assert (r.status_code, r.json()) == (404, {"error": message}), (kind, method)
        r = api.patch(f"/{kind}/x/disabled_state", json={"disabled": False})
        assert (r.status_code, r.json()) == (404, {"error": message})


def one_time_item(**overrides: Any) -> dict[str, Any]:
    return {"type": "one_time", "amount_in_cents": 700, "external_id": "added", "description": "Extra", **overrides}


def test_add_line_items(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], plan: dict[str, Any], imported: dict[str, Any]
) -> None:
    assert mrr(api, customer) == 800
    r = api.post(f"/import/invoices/{imported['uuid']}/line_items", json=one_time_item())
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["uuid"].startswith("li_") and added["user_created"] is True and added["disabled"] is False
    assert (added["type"], added["amount_in_cents"], added["description"]) == ("one_time", 700, "Extra")
    assert api.get(f"/line_items/{added['uuid']}").json() == added
    assert api.get("/line_items", params=by_external_id(source, "added")).json() == added
    # In the invoice, as the recorded invoices show line items.
    listed = api.get(f"/invoices/{imported['uuid']}").json()["line_items"]
    assert listed[-1] == {k: v for k, v in added.items() if k not in ("disabled", "disabled_at", "disabled_by",
                                                                        "user_created")}  # fmt: skip
    # A subscription item on a new subscription of the same plan adds to MRR; the other path serves too.
    item = {
        "type": "subscription",
        "subscription_external_id": "sub_2",
        "plan_uuid": plan["uuid"],
        "service_period_start": "2016-01-01",
        "service_period_end": "2016-02-01",
        "amount_in_cents": 1000,
    }
    r = api.post(f"/invoices/{imported['uuid']}/line_items", json=item)
    assert r.status_code == 201, r.text
    assert r.json()["subscription_external_id"] == "sub_2" and r.json()["user_created"] is True
    subscriptions = api.get(f"/import/customers/{customer['uuid']}/subscriptions").json()["subscriptions"]
    assert sorted(s["external_id"] for s in subscriptions) == ["sub_1", "sub_2"]
    assert mrr(api, customer) == 1800
    imported_item = imported["line_items"][0]["uuid"]
    assert api.get(f"/line_items/{imported_item}").json()["user_created"] is False


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"type": "one_time"}, ["amount_in_cents"]),
        ({"amount_in_cents": 1}, ["type"]),
        ({"type": "subscription", "amount_in_cents": 1}, ["service_period_start", "service_period_end",
                                                           "plan_uuid", "subscription_external_id"]),
        (one_time_item(plan_uuid="pl_nope"), ["plan_uuid"]),
        (one_time_item(external_id="li_taken"), ["external_id"]),
        (one_time_item(quantity=-1, currency=None), ["quantity"]),
    ],
)  # fmt: skip
def test_refused_line_items(
    api: httpx.Client, imported: dict[str, Any], body: dict[str, Any], params: list[str]
) -> None:
    path = f"/import/invoices/{imported['uuid']}/line_items"
    assert api.post(path, json=one_time_item(external_id="li_taken")).status_code == 201
    r = api.post(path, json=body)
    assert r.status_code == 422, r.text
    assert sorted(d["param"] for d in r.json()["error_details"]) == sorted(params) and r.json()["error"]
    assert len(api.get(f"/invoices/{imported['uuid']}").json()["line_items"]) == 3


def test_a_line_item_needs_an_invoice_and_a_plan_of_its_source(
    api: httpx.Client, imported: dict[str, Any], source: dict[str, Any]
) -> None:
    r = api.post(f"/import/invoices/inv_{uuid.uuid4()}/line_items", json=one_time_item())
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    other = api.post("/data_sources", json={"name": "Other"}).json()
    plan = api.post("/plans", json={"data_source_uuid": other["uuid"], "name": "P", "interval_count": 1,
                                    "interval_unit": "month"}).json()  # fmt: skip
    r = api.post(f"/import/invoices/{imported['uuid']}/line_items", json=one_time_item(plan_uuid=plan["uuid"]))
    assert r.status_code == 422 and r.json()["error_details"][0]["param"] == "plan_uuid"


def test_update_and_delete_line_items(
    api: httpx.Client, source: dict[str, Any], customer: dict[str, Any], imported: dict[str, Any]
) -> None:
    item = imported["line_items"][0]
    path = f"/line_items/{item['uuid']}"
    before = api.get(path).json()
    assert mrr(api, customer) == 800
    r = api.patch(path, json={"amount_in_cents": 2200, "quantity": 2, "type": "subscription"})
    assert r.status_code == 200, r.text
    changed = {**before, "amount_in_cents": 2200, "quantity": 2}
    assert r.json() == changed
    assert mrr(api, customer) == 2000  # net of tax
    params = by_external_id(source, item["external_id"])
    r = api.patch("/line_items", params=params, json={"service_period_end": "2015-12-01"})
    assert r.status_code == 422 and r.json()["error_details"][0]["param"] == "service_period_end"
    for fixed in ({"type": "one_time"}, {"plan_uuid": "pl_other"}, {"subscription_external_id": "sub_9"}):
        r = api.patch(path, json=fixed)
        assert r.status_code == 422 and [d["param"] for d in r.json()["error_details"]] == list(fixed), fixed
    one_time = imported["line_items"][1]
    assert api.patch(f"/line_items/{one_time['uuid']}", json={"external_id": item["external_id"]}).status_code == 422
    assert api.get(path).json() == changed
    assert api.patch(f"{path}/disabled_state", json={"disabled": False}).json() == changed
    assert api.patch("/line_items/disabled_state", params=params, json={"disabled": True}).status_code == 422
    r = api.delete("/line_items", params=params)
    assert (r.status_code, r.json()) == (200, {})
    assert api.get(path).status_code == 404
    # The subscription it made is gone with it, and its MRR.
    assert api.get(f"/import/customers/{customer['uuid']}/subscriptions").json()["subscriptions"] == []
    assert mrr(api, customer) == 0
    assert api.delete(f"/line_items/{one_time['uuid']}").json() == {}
    assert api.get(f"/invoices/{imported['uuid']}").json()["line_items"] == []


def test_read_only_keys_cannot_change_records(
    server: EmbeddedServer, ro_key: str, source: dict[str, Any], imported: dict[str, Any]
) -> None:
    tx, li = imported["transactions"][0]["uuid"], imported["line_items"][0]["uuid"]
    params = by_external_id(source, imported["external_id"])
    writes = [
        ("DELETE", "/invoices", params, None),
        ("PATCH", "/invoices", params, {"currency": "EUR"}),
        ("PATCH", f"/invoices/{imported['uuid']}", None, {"currency": "EUR"}),
        ("PATCH", f"/transactions/{tx}", None, {"result": "failed"}),
        ("DELETE", f"/transactions/{tx}", None, None),
        ("PATCH", f"/transactions/{tx}/disabled_state", None, {"disabled": False}),
        ("POST", f"/import/invoices/{imported['uuid']}/line_items", None, one_time_item()),
        ("PATCH", f"/line_items/{li}", None, {"amount_in_cents": 1}),
        ("DELETE", f"/line_items/{li}", None, None),
    ]
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, ""), timeout=30) as ro:
        for method, path, query, body in writes:
            r = ro.request(method, path, params=query, json=body)
            assert (r.status_code, r.json()["code"]) == (403, 403), (method, path)
        assert ro.get(f"/transactions/{tx}").status_code == 200
        assert ro.get(f"/line_items/{li}").status_code == 200
        got = ro.get(f"/invoices/{imported['uuid']}").json()
    assert got == api_get_unchanged(got, imported)


def api_get_unchanged(got: dict[str, Any], imported: dict[str, Any]) -> dict[str, Any]:
    assert got["currency"] == imported["currency"]
    assert [li["uuid"] for li in got["line_items"]] == [li["uuid"] for li in imported["line_items"]]
    assert got["transactions"][0]["result"] == "successful"
    return got


def test_concurrent_line_items_share_their_new_subscription(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any], imported: dict[str, Any]
) -> None:
    item = {
        "type": "subscription",
        "subscription_external_id": "sub_new",
        "plan_uuid": plan["uuid"],
        "service_period_start": "2016-01-01",
        "service_period_end": "2016-02-01",
        "amount_in_cents": 100,
    }
    path = f"/import/invoices/{imported['uuid']}/line_items"
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda n: api.post(path, json={**item, "external_id": f"c{n}"}), range(6)))
    assert [r.status_code for r in answers] == [201] * 6, [r.text for r in answers]
    assert len({r.json()["subscription_uuid"] for r in answers}) == 1
    subscriptions = api.get(f"/import/customers/{customer['uuid']}/subscriptions").json()["subscriptions"]
    assert sorted(s["external_id"] for s in subscriptions) == ["sub_1", "sub_new"]
