"""Amounts whose MRR or ARR cannot be stored are refused at import; a customer whose results cannot be computed
or stored is marked failed and never holds back the others."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from mogul.objects.invoices import MAX_AMOUNT_IN_CENTS
from mogul.server import processing
from mogul.server.store import Database

from .processing_helpers import customer, import_invoices, invoice, line_item, plan, settle, source

TOO_BIG = 10**18  # ARR = 12 x 10^18 does not fit a 64-bit column


def _status(api: httpx.Client, ds: str) -> dict[str, Any]:
    return api.get(f"/data_sources/{ds}", params={"with_processing_status": "true"}).json()["processing_status"]


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("line_item", "amount_in_cents", TOO_BIG),
        ("line_item", "amount_in_cents", -TOO_BIG),
        ("line_item", "amount_in_cents", MAX_AMOUNT_IN_CENTS + 1),
        ("line_item", "tax_amount_in_cents", TOO_BIG),
        ("line_item", "discount_amount_in_cents", TOO_BIG),
        ("line_item", "transaction_fees_in_cents", TOO_BIG),
        ("transaction", "amount_in_cents", TOO_BIG),
        ("transaction", "transaction_fees_in_cents", TOO_BIG),
    ],
)
def test_amounts_past_the_limit_are_422_and_store_nothing(
    api: httpx.Client, where: str, field: str, value: int
) -> None:
    ds = source(api)
    pl = plan(api, ds, "Gold")
    cus = customer(api, ds, "c1")
    body = invoice("i1", pl["uuid"], "2024-01-01", "2024-02-01", 1000)
    if where == "line_item":
        body["line_items"][0][field] = value
        key = f"line_items.{field}"
    else:
        body["transactions"] = [{"type": "payment", "date": "2024-01-01", "result": "successful", field: value}]
        key = f"transactions.{field}"
    r = api.post(f"/import/customers/{cus['uuid']}/invoices", json={"invoices": [body]})
    assert r.status_code == 422, r.text
    errors = r.json()["invoices"][0]["errors"]
    assert key in errors and str(value) not in errors[key]
    assert api.get("/invoices", params={"customer_uuid": cus["uuid"]}).json()["invoices"] == []


def test_the_largest_amount_is_accepted_and_computed(api: httpx.Client) -> None:
    ds = source(api)
    pl = plan(api, ds, "Daily", unit="day")  # the largest monthly factor: 30.4375
    cus = customer(api, ds, "c1")
    import_invoices(api, cus["uuid"], invoice("i1", pl["uuid"], "2024-01-01", "2024-01-02", MAX_AMOUNT_IN_CENTS))
    settle(api)
    got = api.get(f"/customers/{cus['uuid']}").json()
    assert got["mrr"] == MAX_AMOUNT_IN_CENTS * 304375 // 10000 and got["arr"] == 12 * got["mrr"]
    assert _status(api, ds) == {"processed": 1, "failed": 0, "pending": 0}


def _sliver(plan_uuid: str) -> dict[str, Any]:
    """A prorated item of one second on a monthly plan: within the import limits, but its MRR is the amount
    times about 2.6 million, past 64 bits."""
    return invoice(
        "sliver",
        plan_uuid,
        "2024-01-31 23:59:59",
        "2024-02-01 00:00:00",
        MAX_AMOUNT_IN_CENTS,
        prorated=True,
        proration_type="full",
    )


def test_a_customer_that_cannot_be_stored_is_failed_once_and_blocks_no_one(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    ds = source(api)
    other_ds = source(api, "Another billing system")
    pl = plan(api, ds, "Gold")
    other_pl = plan(api, other_ds, "Silver")
    poison = customer(api, ds, "poison", email="poison@example.com")
    with caplog.at_level(logging.INFO, logger="mogul"):
        import_invoices(api, poison["uuid"], _sliver(pl["uuid"]))
        healthy = customer(api, ds, "healthy")
        elsewhere = customer(api, other_ds, "elsewhere")
        import_invoices(api, healthy["uuid"], invoice("h1", pl["uuid"], "2024-01-01", "2024-02-01", 5000))
        import_invoices(api, elsewhere["uuid"], invoice("e1", other_pl["uuid"], "2024-01-01", "2024-02-01", 7000))
        settle(api, timeout=20)
    assert api.get(f"/customers/{healthy['uuid']}").json()["mrr"] == 5000
    assert api.get(f"/customers/{elsewhere['uuid']}").json()["mrr"] == 7000
    assert _status(api, ds) == {"processed": 1, "failed": 1, "pending": 0}
    assert _status(api, other_ds) == {"processed": 1, "failed": 0, "pending": 0}
    failures = [rec for rec in caplog.records if poison["uuid"] in rec.getMessage()]
    assert len(failures) == 1, [rec.getMessage() for rec in caplog.records]
    assert "poison@example.com" not in caplog.text and "INSERT" not in caplog.text and "UPDATE" not in caplog.text
    # A later import of the failed customer is computed again (and fails again, once more).
    import_invoices(api, healthy["uuid"], invoice("h2", pl["uuid"], "2024-02-01", "2024-03-01", 6000))
    settle(api, timeout=20)
    assert api.get(f"/customers/{healthy['uuid']}").json()["mrr"] == 6000


def test_a_poisoned_batch_processes_everyone_else(db: Database, api: httpx.Client) -> None:
    """Straight through `process_batch`: the poisoned customer sits at the head of a batch of several."""
    ds = source(api)
    pl = plan(api, ds, "Gold")
    settle(api)
    # the server's processor runs too; whichever takes the batch, the outcome is the same
    poison = customer(api, ds, "poison")
    import_invoices(api, poison["uuid"], _sliver(pl["uuid"]))
    others = [customer(api, ds, f"c{n}") for n in range(5)]
    for n, cus in enumerate(others):
        import_invoices(api, cus["uuid"], invoice(f"i{n}", pl["uuid"], "2024-01-01", "2024-02-01", 1000 * (n + 1)))
    processing.drain(db)
    settle(api, timeout=20)
    assert [api.get(f"/customers/{c['uuid']}").json()["mrr"] for c in others] == [1000, 2000, 3000, 4000, 5000]
    assert _status(api, ds) == {"processed": 5, "failed": 1, "pending": 0}


def test_a_customer_whose_results_the_database_refuses_is_failed_alone(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the reason a customer's results cannot be written (here the store refuses one customer's rows
    as the database refuses a number past its column), the batch falls back to one customer at a time."""
    from mogul.server.store.customers import Customers
    from mogul.server.store.data_sources import DataSources, Detail
    from mogul.server.store.invoices import Invoices
    from mogul.server.store.plans import Plans

    ds = DataSources(db).create({"name": "Direct"})["uuid"]
    pl = Plans(db).create({"data_source_uuid": ds, "name": "Gold", "interval_count": 1, "interval_unit": "month"})
    uuids = []
    for n in range(4):
        cus = Customers(db).create({"data_source_uuid": ds, "external_id": f"c{n}"})["uuid"]
        Invoices(db).import_invoices(
            cus, {"invoices": [invoice(f"i{n}", pl["uuid"], "2024-01-01", "2024-02-01", 1000 * (n + 1))]}
        )
        uuids.append(cus)
    original = processing.write_results

    def refuse_the_second(conn: Any, version: int, done: Any) -> None:
        done = list(done)
        if any(inp.customer.uuid == uuids[1] and result is not None for inp, result, _ in done):
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        original(conn, version, done)

    monkeypatch.setattr(processing, "write_results", refuse_the_second)
    with caplog.at_level(logging.INFO, logger="mogul"):
        assert processing.drain(db) == 4
    assert [Customers(db).get(u)["mrr"] for u in uuids] == [1000, 0, 3000, 4000]
    status = DataSources(db).get(ds, Detail(processing_status=True))
    assert status["processing_status"] == {"processed": 3, "failed": 1, "pending": 0}
    assert [rec.levelname for rec in caplog.records if uuids[1] in rec.getMessage()] == ["WARNING"]
    assert "too large" not in caplog.text


def test_metrics_summed_past_64_bits_are_still_answered(api: httpx.Client) -> None:
    """Each customer's ARR fits its column, but the account's sum of 14 of them passes 2**63."""
    ds = source(api)
    pl = plan(api, ds, "Daily", unit="day")
    for c in range(14):
        cus = customer(api, ds, f"c{c}")
        items = [line_item(pl["uuid"], f"s{i}", "2024-01-01", "2024-01-02", MAX_AMOUNT_IN_CENTS) for i in range(25)]
        body = {"external_id": f"i{c}", "date": "2024-01-01", "currency": "USD", "line_items": items}
        assert api.post(f"/import/customers/{cus['uuid']}/invoices", json={"invoices": [body]}).status_code == 201
    settle(api)
    mrr = 14 * 25 * MAX_AMOUNT_IN_CENTS * 304375 // 10000
    assert 12 * mrr > 2**64
    params = {"start-date": "2024-01-01", "end-date": "2024-01-01"}
    for path, key, value in (
        ("/metrics/mrr", "mrr", mrr),
        ("/metrics/arr", "arr", 12 * mrr),
        ("/metrics/all", "arr", 12 * mrr),
    ):
        r = api.get(path, params=params)
        assert r.status_code == 200, r.text
        assert r.json()["entries"][0][key] == value
