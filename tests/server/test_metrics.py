"""GET /v1/metrics/*: every endpoint's shape, filters and ChartMogul's 400s for bad input."""

from __future__ import annotations

import httpx
import pytest

from mogul.engine import METRICS

from .processing_helpers import customer, gt1, import_invoices, invoice, plan, settle

RANGE = {"start-date": "2024-01-01", "end-date": "2024-06-30", "interval": "month"}
ALL_KEYS = {"mrr", "arr", "customer-churn-rate", "mrr-churn-rate", "ltv", "customers", "asp", "arpa"}


@pytest.fixture
def two_customers(api: httpx.Client) -> dict[str, object]:
    made = gt1(api, external_id="us")  # 8000 from March, country US
    api.patch(f"/customers/{made['customer']['uuid']}", json={"country": "US"})
    silver = plan(api, made["ds"], "Silver", external_id="silver")
    de = customer(api, made["ds"], "de", country="DE")
    import_invoices(api, de["uuid"], invoice("de-1", silver["uuid"], "2024-02-01", "2024-03-01", 3000, sub="s2"))
    settle(api)
    return made


def test_every_endpoint_has_entries_and_summary(api: httpx.Client, two_customers: dict) -> None:
    for name in METRICS:
        r = api.get(f"/metrics/{name}", params=RANGE)
        assert r.status_code == 200, (name, r.text)
        body = r.json()
        assert list(body) == ["entries", "summary"], name
        assert [e["date"] for e in body["entries"]] == [
            "2024-01-31",
            "2024-02-29",
            "2024-03-31",
            "2024-04-30",
            "2024-05-31",
            "2024-06-30",
        ]
    everything = api.get("/metrics/all", params=RANGE).json()
    march = everything["entries"][2]
    assert {k for k in march if not k.endswith("percentage-change")} == ALL_KEYS | {"date"}
    assert (march["mrr"], march["arr"], march["customers"], march["arpa"]) == (11000, 132000, 2, 5500)
    assert len(everything["summary"]) == 24


def test_mrr_flows_reconcile(api: httpx.Client, two_customers: dict) -> None:
    entries = api.get("/metrics/mrr", params=RANGE).json()["entries"]
    previous = 0
    for e in entries:
        flows = sum(
            e[k] for k in ("mrr-new-business", "mrr-expansion", "mrr-contraction", "mrr-churn", "mrr-reactivation")
        )
        assert e["mrr"] == previous + flows
        previous = e["mrr"]
    assert [e["mrr-new-business"] for e in entries][:2] == [5000, 3000]


def test_geo_and_plans_filters(api: httpx.Client, two_customers: dict) -> None:
    march = {"start-date": "2024-03-01", "end-date": "2024-03-31", "interval": "month"}
    assert api.get("/metrics/mrr", params=march | {"geo": "US"}).json()["entries"][0]["mrr"] == 8000
    assert api.get("/metrics/mrr", params=march | {"geo": "de"}).json()["entries"][0]["mrr"] == 3000
    assert api.get("/metrics/mrr", params=march | {"geo": "US,DE"}).json()["entries"][0]["mrr"] == 11000
    assert api.get("/metrics/mrr", params=march | {"geo": "FR"}).json()["entries"][0]["mrr"] == 0
    assert api.get("/metrics/mrr", params=march | {"plans": "Silver"}).json()["entries"][0]["mrr"] == 3000
    gold = two_customers["plan"]
    by_uuid = api.get("/metrics/customer-count", params=march | {"plans": gold["uuid"]}).json()
    assert by_uuid["entries"][0]["customers"] == 1


def test_default_interval_is_daily(api: httpx.Client, two_customers: dict) -> None:
    body = api.get("/metrics/customer-count", params={"start-date": "2024-03-01", "end-date": "2024-03-05"}).json()
    assert [e["date"] for e in body["entries"]] == [f"2024-03-0{d}" for d in range(1, 6)]


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        ("/metrics/mrr", {"end-date": "2024-01-31"}, "start-date"),
        ("/metrics/mrr", {"start-date": "2024-01-01"}, "end-date"),
        ("/metrics/mrr", {"start-date": "01/01/2024", "end-date": "2024-01-31"}, "start-date"),
        ("/metrics/mrr", {"start-date": "2024-02-01", "end-date": "2024-01-01"}, "end-date"),
        ("/metrics/mrr", {"start-date": "2024-01-01", "end-date": "2024-02-01", "interval": "fortnight"}, "interval"),
        ("/metrics/mrr", {"start-date": "1900-01-01", "end-date": "2024-02-01", "interval": "day"}, "interval"),
    ],
)
def test_bad_parameters_are_400(api: httpx.Client, path: str, params: dict[str, str], param: str) -> None:
    r = api.get(path, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["param"] == param


def test_unknown_metric_is_400(api: httpx.Client) -> None:
    r = api.get("/metrics/happiness", params=RANGE)
    assert r.status_code == 400 and "happiness" in r.json()["message"]


def test_empty_account_is_all_zero(api: httpx.Client) -> None:
    body = api.get("/metrics/all", params=RANGE).json()
    assert all(e["mrr"] == 0 and e["customers"] == 0 for e in body["entries"])
