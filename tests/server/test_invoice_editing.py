"""Invoice editing (newer reference §10): the status an API call sets, the disabled state, and the invoice shapes
these change; a malformed uuid on DELETE; `page=` answers of the billing lists. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
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
