"""Imports are processed asynchronously by the metrics engine; results appear whole, stay correct after later
changes, and a failure loses nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest

from mogul.server import processing
from mogul.server.store import Database
from mogul.server.store.customers import Customers
from mogul.server.store.data_sources import DataSources, Detail
from mogul.server.store.invoices import Invoices
from mogul.server.store.plans import Plans

from .processing_helpers import gt1, import_invoices, invoice, plan, settle, source


def test_gt1_activities_customer_and_metrics(api: httpx.Client) -> None:
    made = gt1(api)
    settle(api)
    entries = api.get("/activities").json()["entries"]
    assert [
        (e["date"], e["type"], e["activity-mrr-movement"], e["activity-mrr"], e["activity-arr"]) for e in entries
    ] == [
        ("2024-01-01T00:00:00+00:00", "new_biz", 5000, 5000, 60000),
        ("2024-03-01T00:00:00+00:00", "expansion", 3000, 8000, 96000),
    ]
    first = entries[0]
    assert first["customer-uuid"] == made["customer"]["uuid"]
    assert first["billing-connector-uuid"] == made["ds"]
    assert first["plan-external-id"] == made["plan"]["external_id"]
    assert first["subscription-external-id"] == "s1" and first["subscription-set-external-id"] == ""
    assert first["description"] == "purchased the Gold plan"

    cus = api.get(f"/customers/{made['customer']['uuid']}").json()
    # No renewal after March 2024: Past Due, still counting its MRR ("Adding paused subscriptions").
    assert (cus["status"], cus["mrr"], cus["arr"]) == ("Past Due", 8000, 96000)
    assert cus["customer-since"] == "2024-01-01T00:00:00+00:00"

    mrr = api.get("/metrics/mrr", params={"start-date": "2024-01-01", "end-date": "2024-04-30", "interval": "month"})
    assert [(e["date"], e["mrr"]) for e in mrr.json()["entries"]] == [
        ("2024-01-31", 5000),
        ("2024-02-29", 5000),
        ("2024-03-31", 8000),
        ("2024-04-30", 8000),
    ]
    count = api.get(
        "/metrics/customer-count", params={"start-date": "2024-01-01", "end-date": "2024-04-30", "interval": "month"}
    ).json()
    assert [e["customers"] for e in count["entries"]] == [1, 1, 1, 1]


def test_cancellation_churn_and_reactivation(api: httpx.Client) -> None:
    """GT-3 in short: a cancelled yearly plan churns; a later invoice reactivates the customer."""
    ds = source(api)
    gold = plan(api, ds, "Gold yearly", unit="year")
    gold_monthly = plan(api, ds, "Gold monthly")
    cus = api.post(
        "/customers", json={"data_source_uuid": ds, "external_id": "syncalytics", "name": "Syncalytics"}
    ).json()
    imported = import_invoices(
        api, cus["uuid"], invoice("y1", gold["uuid"], "2024-01-01", "2025-01-01", 200000, sub="gold")
    )
    sub_uuid = imported[0]["line_items"][0]["subscription_uuid"]
    r = api.patch(f"/import/subscriptions/{sub_uuid}", json={"cancelled_at": "2024-12-20 00:00:00"})
    assert r.status_code == 202
    import_invoices(api, cus["uuid"], invoice("m1", gold_monthly["uuid"], "2025-02-01", "2025-03-01", 15000, sub="gm"))
    settle(api)
    got = [(e["date"][:10], e["type"], e["activity-mrr-movement"]) for e in api.get("/activities").json()["entries"]]
    assert got == [
        ("2024-01-01", "new_biz", 16667),
        ("2024-12-20", "churn", -16667),
        ("2025-02-01", "reactivation", 15000),
    ]
    counts = api.get(
        "/metrics/customer-count", params={"start-date": "2024-11-01", "end-date": "2025-02-28", "interval": "month"}
    ).json()
    assert [e["customers"] for e in counts["entries"]] == [1, 0, 0, 1]
    # Un-cancelling replaces the history: the churn disappears and the reactivation becomes an expansion.
    assert api.patch(f"/import/subscriptions/{sub_uuid}", json={"cancellation_dates": []}).status_code == 202
    settle(api)
    types = [e["type"] for e in api.get("/activities").json()["entries"]]
    assert types == ["new_biz", "expansion"]


def test_results_follow_later_imports_and_deletions(api: httpx.Client) -> None:
    a = gt1(api, external_id="a")
    settle(api)
    params = {"start-date": "2024-04-01", "end-date": "2024-04-30", "interval": "month"}
    assert api.get("/metrics/mrr", params=params).json()["entries"][0]["mrr"] == 8000
    gt1(api, ds=a["ds"], external_id="b")
    settle(api)
    assert api.get("/metrics/mrr", params=params).json()["entries"][0]["mrr"] == 16000
    assert api.get("/metrics/customer-count", params=params).json()["entries"][0]["customers"] == 2
    # Deleting an invoice recomputes its customer; deleting a customer removes it from every metric.
    third = api.get("/invoices", params={"external_id": "b-3"}).json()["invoices"][0]
    assert api.delete(f"/invoices/{third['uuid']}").status_code == 204
    settle(api)
    assert api.get("/metrics/mrr", params=params).json()["entries"][0]["mrr"] == 13000
    assert api.delete(f"/customers/{a['customer']['uuid']}").status_code == 204
    settle(api)
    assert api.get("/metrics/mrr", params=params).json()["entries"][0]["mrr"] == 5000
    assert {e["customer-external-id"] for e in api.get("/activities").json()["entries"]} == {"b"}


def _import_direct(db: Database) -> tuple[str, str]:
    """An import through the store, with no server and so no processor running."""
    ds = DataSources(db).create({"name": "Direct"})["uuid"]
    pl = Plans(db).create({"data_source_uuid": ds, "name": "Gold", "interval_count": 1, "interval_unit": "month"})
    cus = Customers(db).create({"data_source_uuid": ds, "external_id": "c1"})["uuid"]
    Invoices(db).import_invoices(cus, {"invoices": [invoice("i1", pl["uuid"], "2024-01-01", "2024-02-01", 5000)]})
    return ds, cus


def test_source_is_working_until_processed(db: Database) -> None:
    ds, cus = _import_direct(db)
    store = DataSources(db)
    pending = store.get(ds, Detail(processing_status=True))
    assert pending["status"] == "working"
    assert pending["processing_status"] == {"processed": 0, "failed": 0, "pending": 1}
    assert Customers(db).get(cus)["mrr"] == 0  # readers see the previous results until processing commits
    assert processing.drain(db) == 1
    done = store.get(ds, Detail(processing_status=True))
    assert done["status"] == "idle"
    assert done["processing_status"] == {"processed": 1, "failed": 0, "pending": 0}
    assert Customers(db).get(cus)["mrr"] == 5000
    assert processing.drain(db) == 0


def test_a_failure_mid_batch_keeps_old_results_and_the_queue(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ds, cus = _import_direct(db)
    processing.drain(db)
    Invoices(db).import_invoices(
        cus, {"invoices": [invoice("i2", _plan_uuid(db, ds), "2024-02-01", "2024-03-01", 9000)]}
    )

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(processing, "write_results", broken)
    with pytest.raises(RuntimeError):
        processing.drain(db)
    assert Customers(db).get(cus)["mrr"] == 5000
    assert DataSources(db).get(ds)["status"] == "working"
    monkeypatch.undo()
    assert processing.drain(db) == 1
    assert Customers(db).get(cus)["mrr"] == 9000


def test_bad_data_is_counted_as_failed_not_fatal(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ds, _ = _import_direct(db)

    def reject(*_args: object, **_kwargs: object) -> None:
        raise processing.EngineInputError("plan interval unknown")

    monkeypatch.setattr(processing, "compute_customer", reject)
    assert processing.drain(db) == 1
    status = DataSources(db).get(ds, Detail(processing_status=True))
    assert status["status"] == "idle"
    assert status["processing_status"] == {"processed": 0, "failed": 1, "pending": 0}


def test_reimport_during_processing_is_not_lost(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue token: an enqueue that lands while a customer is being computed keeps it queued."""
    ds, _ = _import_direct(db)
    original = processing.load_inputs

    def load_then_enqueue_again(conn: object, ids: list[int]) -> object:
        result = original(conn, ids)  # type: ignore[arg-type]
        processing.enqueue(conn, [(ids[0], _source_id(db, ds))])  # type: ignore[arg-type]
        return result

    monkeypatch.setattr(processing, "load_inputs", load_then_enqueue_again)
    assert processing.process_batch(db) == 1
    monkeypatch.undo()
    assert DataSources(db).get(ds)["status"] == "working"
    assert processing.drain(db) == 1


def _plan_uuid(db: Database, ds: str) -> str:
    return Plans(db).list({"data_source_uuid": ds}, _first_page())[1][0]["uuid"]


def _first_page() -> object:
    from mogul.server.pagination import PageParams

    return PageParams()


def _source_id(db: Database, ds_uuid: str) -> int:
    from sqlalchemy import select

    from mogul.server.store import schema

    with db.read() as conn:
        return conn.execute(select(schema.data_sources.c.id).where(schema.data_sources.c.uuid == ds_uuid)).scalar_one()
