"""`/v1/data_sources/{uuid}/json_imports`: the bulk import job, what it imports through the
single-object stores, each record's outcome, bad input, keys, unknown ids and restarts."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database, schema
from mogul.server.store import json_imports as import_store
from mogul.server.store.data_sources import DataSources
from mogul.server.store.json_imports import LEASE_US, JsonImports
from mogul.server.store.keys import create_key
from mogul.server.timefmt import MICROS

from .processing_helpers import settle, source

KEYS = ["id", "data_source_uuid", "status", "external_id", "status_details", "created_at", "updated_at"]


def wait(api: httpx.Client, ds: str, import_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = api.get(f"/data_sources/{ds}/json_imports/{import_id}")
        assert r.status_code == 200, r.text
        body = r.json()
        if body["status"] in ("completed", "failed"):
            return body
        assert body["status"] in ("queued", "processing"), body
        time.sleep(0.02)
    raise AssertionError(f"import {import_id} did not finish")


def bulk() -> dict[str, Any]:
    """Two customers on one plan: c1's invoice carries its line item, c2's has it (and a transaction) apart."""
    period = {"service_period_start": "2024-01-01", "service_period_end": "2024-02-01"}
    return {
        "external_id": "ds_import_1",
        "plans": [{"name": "Gold", "interval_count": 1, "interval_unit": "month", "external_id": "gold"}],
        "customers": [
            {"external_id": "c1", "name": "One", "email": "one@example.com", "country": "DE"},
            {"external_id": "c2", "name": "Two"},
        ],
        "invoices": [
            {
                "external_id": "i1",
                "customer_external_id": "c1",
                "date": "2024-01-01",
                "currency": "USD",
                "line_items": [
                    {
                        "type": "subscription",
                        "subscription_external_id": "s1",
                        "plan_external_id": "gold",
                        "amount_in_cents": 5000,
                        **period,
                    }
                ],
            },
            {"external_id": "i2", "customer_external_id": "c2", "date": "2024-01-01", "currency": "USD"},
        ],
        "line_items": [
            {
                "invoice_external_id": "i2",
                "type": "subscription",
                "subscription_external_id": "s2",
                "plan_external_id": "gold",
                "amount_in_cents": 3000,
                **period,
            }
        ],
        "transactions": [
            {"invoice_external_id": "i2", "type": "payment", "date": "2024-01-01", "result": "successful"}
        ],
        "subscription_events": [
            {
                "customer_external_id": "c1",
                "subscription_external_id": "s1",
                "event_type": "subscription_start",
                "event_date": "2024-01-01",
                "effective_date": "2024-01-01",
                "plan_external_id": "gold",
                "currency": "USD",
                "amount_in_cents": 5000,
                "quantity": 1,
            }
        ],
    }


def test_a_bulk_import_lists_through_v1_and_gets_mrr(api: httpx.Client) -> None:
    ds = source(api)
    r = api.post(f"/data_sources/{ds}/json_imports", json=bulk())
    assert r.status_code == 201, r.text
    job = r.json()
    assert list(job) == KEYS and job["status"] == "queued" and job["external_id"] == "ds_import_1"
    assert job["data_source_uuid"] == ds.removeprefix("ds_")  # as ChartMogul answers it
    assert job["status_details"] == {p: {"status": "queued"} for p in ("plans", "c1", "c2")}

    done = wait(api, ds, job["id"])
    assert done["status"] == "completed", done
    assert done["status_details"] == {
        "plans": {"status": "imported"},
        "c1": {"status": "imported", "invoices": {"status": "imported"}, "subscription_events": {"status": "imported"}},
        "c2": {"status": "imported", "invoices": {"status": "imported"}},
    }
    assert done["created_at"] == job["created_at"] and done["updated_at"] >= job["updated_at"]

    [gold] = api.get("/plans", params={"data_source_uuid": ds}).json()["plans"]
    assert gold["external_id"] == "gold"
    customers = {c["external_id"]: c for c in api.get("/customers", params={"data_source_uuid": ds}).json()["entries"]}
    assert set(customers) == {"c1", "c2"} and customers["c1"]["country"] == "DE"
    [i2] = api.get(f"/import/customers/{customers['c2']['uuid']}/invoices").json()["invoices"]
    assert [li["plan_uuid"] for li in i2["line_items"]] == [gold["uuid"]]
    assert [(t["type"], t["result"]) for t in i2["transactions"]] == [("payment", "successful")]
    events = api.get("/subscription_events", params={"data_source_uuid": ds}).json()["subscription_events"]
    assert [e["customer_external_id"] for e in events] == ["c1"]

    settle(api)
    mrr = {c["external_id"]: c["mrr"] for c in api.get("/customers", params={"data_source_uuid": ds}).json()["entries"]}
    assert mrr == {"c1": 5000, "c2": 3000}
    window = {"start-date": "2024-01-01", "end-date": "2024-01-31", "interval": "month"}
    [entry] = api.get("/metrics/mrr", params=window).json()["entries"]
    assert entry["mrr"] == 8000
    # The same source named without its prefix, as the job shows it.
    assert api.get(f"/data_sources/{ds.removeprefix('ds_')}/json_imports/{job['id']}").json() == done


def test_each_record_fails_on_its_own_with_its_endpoints_error(api: httpx.Client) -> None:
    ds = source(api)
    api.post("/customers", json={"data_source_uuid": ds, "external_id": "old"}).raise_for_status()
    body = bulk()
    body["plans"].append({"name": "Bad", "interval_count": 1, "interval_unit": "fortnight", "external_id": "bad"})
    body["customers"].append({"external_id": "old"})  # taken: its invoices still go to the stored customer
    body["invoices"][0]["currency"] = "XXX"  # c1's batch is refused whole, as the invoice import does
    body["invoices"].append(
        {"external_id": "i3", "customer_external_id": "old", "date": "2024-01-01", "currency": "USD",
         "line_items": [{"type": "one_time", "amount_in_cents": 100}]}
    )  # fmt: skip
    body["invoices"].append({"external_id": "i4", "customer_external_id": "nobody", "date": "2024-01-01"})
    body["line_items"].append({"invoice_external_id": "missing", "type": "one_time", "amount_in_cents": 1})
    body["line_items"].append({"invoice_external_id": "i2", "type": "subscription", "plan_external_id": "nope"})
    body["subscription_events"][0]["event_type"] = "no_such_type"
    job = api.post(f"/data_sources/{ds}/json_imports", json=body).json()
    details = wait(api, ds, job["id"])["status_details"]

    assert details["plans"]["status"] == "failed" and list(details["plans"]["errors"]) == ["bad"]
    assert "interval_unit" in details["plans"]["errors"]["bad"]["errors"]
    assert details["old"]["status"] == "failed" and "external_id" in details["old"]["errors"]["customer"]["errors"]
    assert details["old"]["invoices"] == {"status": "imported"}
    c1 = details["c1"]
    assert c1["status"] == "imported" and c1["invoices"]["status"] == "failed"
    assert "currency" in str(c1["invoices"]["errors"]["invoices"])
    assert c1["subscription_events"]["status"] == "failed"
    assert c1["subscription_events"]["errors"]["#0"]["error_details"][0]["param"] == "event_type"
    assert details["c2"]["invoices"] == {"status": "failed", "errors": {"plan_external_id": "Plan not found: nope"}}
    assert details["nobody"]["invoices"] == {
        "status": "failed",
        "errors": {"customer_external_id": "Customer not found"},
    }
    assert details["unlinked"] == {
        "status": "failed",
        "errors": {"line_items.#1": {"invoice_external_id": "No invoice of the import"}},
    }
    # What passed is stored; what failed is not.
    assert [p["external_id"] for p in api.get("/plans", params={"data_source_uuid": ds}).json()["plans"]] == ["gold"]
    listed = api.get("/customers", params={"data_source_uuid": ds}).json()["entries"]
    customers = {c["external_id"]: c["uuid"] for c in listed}
    assert set(customers) == {"old", "c1", "c2"}
    assert [i["external_id"] for i in api.get(f"/import/customers/{customers['old']}/invoices").json()["invoices"]] == [
        "i3"
    ]
    assert api.get(f"/import/customers/{customers['c1']}/invoices").json()["invoices"] == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"customers": []},
        {"customers": {"external_id": "c1"}},
        {"customers": ["c1"]},
        {"invoices": [{"external_id": "i1"}], "external_id": 5},
        {"plans": [{}], "external_id": "x" * 256},
        {"customers": [{}] * 10_001},
        [],
        "text",
    ],
)
def test_bad_bodies_are_refused_with_a_chartmogul_4xx(api: httpx.Client, body: Any) -> None:
    ds = source(api)
    r = api.post(f"/data_sources/{ds}/json_imports", json=body)
    assert 400 <= r.status_code < 500, r.text
    assert set(r.json()) & {"error", "errors", "code", "message"}
    assert api.get(f"/data_sources/{ds}", params={"with_processing_status": "true"}).status_code == 200


def test_bad_requests_are_4xx_never_5xx(api: httpx.Client) -> None:
    ds = source(api)
    assert api.post(f"/data_sources/{ds}/json_imports", content=b"{not json").status_code == 400
    assert api.post(f"/data_sources/{ds}/json_imports", content=b"\xff\xfe").status_code == 400
    r = api.post(f"/data_sources/{ds}/json_imports", json={"customers": [{"external_id": "c1"}]})
    assert r.status_code == 201
    assert api.put(f"/data_sources/{ds}/json_imports/{r.json()['id']}", json={}).status_code == 405


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    ds, other = source(api), source(api, "Other")
    unknown_ds = "ds_00000000-0000-0000-0000-000000000000"
    r = api.post(f"/data_sources/{unknown_ds}/json_imports", json={"customers": [{"external_id": "c1"}]})
    assert r.status_code == 404 and r.json() == {"error": "Data source not found"}
    assert api.get(f"/data_sources/{unknown_ds}/json_imports/x").status_code == 404
    assert api.get(f"/data_sources/{ds}/json_imports/00000000-0000-4000-8000-000000000000").json() == {
        "error": "Json import not found"
    }
    job = api.post(f"/data_sources/{ds}/json_imports", json={"customers": [{"external_id": "c1"}]}).json()
    assert api.get(f"/data_sources/{other}/json_imports/{job['id']}").status_code == 404  # another source's
    assert wait(api, ds, job["id"])["status"] == "completed"


def test_read_only_keys_read_but_cannot_import(server: EmbeddedServer, api: httpx.Client, ro_key: str) -> None:
    ds = source(api)
    job = api.post(f"/data_sources/{ds}/json_imports", json={"customers": [{"external_id": "c1"}]}).json()
    with httpx.Client(base_url=server.base_url + "/v1", auth=(ro_key, "")) as ro:
        refused = ro.post(f"/data_sources/{ds}/json_imports", json={"customers": [{"external_id": "c2"}]})
        assert refused.status_code == 403
        assert wait(ro, ds, job["id"])["status_details"] == {"c1": {"status": "imported"}}
    assert [c["external_id"] for c in api.get("/customers").json()["entries"]] == ["c1"]


def test_a_restart_reruns_unfinished_jobs(db: Database) -> None:
    key = create_key(db, "t", "read-write")[0]
    store = JsonImports(db)
    with EmbeddedServer(db) as srv, httpx.Client(base_url=srv.base_url + "/v1", auth=(key, "")) as api:
        ds = source(api)
    interrupted = store.create(ds, {"customers": [{"external_id": "a"}]})["id"]  # its process died before it ran
    dead_claim = store.create(ds, {"customers": [{"external_id": "b"}]})["id"]
    held = store.create(ds, {"customers": [{"external_id": "c"}]})["id"]
    now = import_store.now_us()
    j = schema.json_imports
    with db.begin() as conn:
        conn.execute(update(j).where(j.c.id == dead_claim).values(claimed_at=now - 2 * LEASE_US, status="processing"))
        conn.execute(update(j).where(j.c.id == held).values(claimed_at=now + 3600 * MICROS))  # a live process
    assert store.run(held) is False  # another process holds it
    with EmbeddedServer(db) as srv, httpx.Client(base_url=srv.base_url + "/v1", auth=(key, "")) as api:
        assert wait(api, ds, interrupted)["status_details"] == {"a": {"status": "imported"}}
        assert wait(api, ds, dead_claim)["status"] == "completed"
        assert api.get(f"/data_sources/{ds}/json_imports/{held}").json()["status"] == "queued"
        assert sorted(c["external_id"] for c in api.get("/customers").json()["entries"]) == ["a", "b"]
    assert store.run(interrupted) is False  # done: nothing runs twice


def test_a_job_that_breaks_is_failed(api: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(import_store._Run, "_customers", broken)
    ds = source(api)
    job = api.post(f"/data_sources/{ds}/json_imports", json={"customers": [{"external_id": "c1"}]}).json()
    done = wait(api, ds, job["id"])
    assert done["status"] == "failed" and done["status_details"] == {"c1": {"status": "queued"}}


def test_deleting_the_source_deletes_its_imports(api: httpx.Client) -> None:
    ds = source(api)
    job = api.post(f"/data_sources/{ds}/json_imports", json={"customers": [{"external_id": "c1"}]}).json()
    wait(api, ds, job["id"])
    assert api.delete(f"/data_sources/{ds}").status_code == 204
    assert api.get(f"/data_sources/{ds}/json_imports/{job['id']}").status_code == 404
    again = source(api)
    assert api.get(f"/data_sources/{again}/json_imports/{job['id']}").status_code == 404


def test_a_running_job_is_processing_and_the_server_answers_meanwhile(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = import_store._Run._customers

    def slow(self: Any) -> None:
        assert release.wait(30)
        real(self)

    monkeypatch.setattr(import_store._Run, "_customers", slow)
    ds = source(api)
    body = {
        "plans": [{"name": "Gold", "interval_count": 1, "interval_unit": "month"}],
        "customers": [{"external_id": "c1"}],
    }
    job = api.post(f"/data_sources/{ds}/json_imports", json=body).json()
    deadline = time.monotonic() + 30
    while (seen := api.get(f"/data_sources/{ds}/json_imports/{job['id']}", timeout=5).json())["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert seen["status"] == "processing" and seen["status_details"] == job["status_details"]
    assert api.post("/customers", json={"data_source_uuid": ds, "external_id": "c2"}, timeout=5).status_code == 201
    assert len(api.get("/plans", params={"data_source_uuid": ds}).json()["plans"]) == 1  # plans ran before it
    release.set()
    assert wait(api, ds, job["id"])["status_details"] == {"plans": {"status": "imported"}, "c1": {"status": "imported"}}


def test_a_long_job_renews_its_lease_as_it_goes(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_store, "LEASE_US", -3)  # every record is "a third of a lease" after the last renewal
    ds = DataSources(db).create({"name": "Bulk"})["uuid"]
    renewals: list[int] = []
    body = {name: [] for name in import_store.ARRAYS} | {"customers": [{"external_id": f"c{i}"} for i in range(3)]}
    details = import_store._Run(JsonImports(db), ds, body, lambda: renewals.append(1)).details()
    assert details == {f"c{i}": {"status": "imported"} for i in range(3)} and len(renewals) == 3
