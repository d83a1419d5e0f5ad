"""Issue 19 through the API, on SQLite and PostgreSQL: the rules of ChartMogul's own pages as a user sees them.

Refund invoices, Past Due (failed and partial payments, a missing renewal, the clock), invoice handling, metric
endpoints without `interval`, connected subscriptions with a gap, and the account settings (Smart Activity
Classification, the LTV form). The engine's side of each rule is in tests/engine/test_engine_documented_rules.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mogul.server.store import Database
from mogul.server.store.metric_settings import SettingError, set_account_setting, set_source_settings

from .processing_helpers import customer, import_invoices, invoice, line_item, plan, settle, source


def at(days: float = 0, seconds: float = 0) -> str:
    """A moment relative to now, as the Import API takes it."""
    moment = datetime.now(UTC) + timedelta(days=days, seconds=seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def payment(when: str, result: str = "successful", amount: int | None = None, kind: str = "payment") -> dict:
    tx: dict[str, Any] = {"type": kind, "date": when, "result": result}
    if amount is not None:
        tx["amount_in_cents"] = amount
    return tx


def get_customer(api: httpx.Client, uuid: str) -> dict[str, Any]:
    return api.get(f"/customers/{uuid}").json()


def subscription_statuses(api: httpx.Client, uuid: str) -> list[str]:
    return [s["status"] for s in api.get(f"/customers/{uuid}/subscriptions").json()["entries"]]


def activities(api: httpx.Client, uuid: str) -> list[tuple[str, str, int]]:
    entries = api.get(f"/customers/{uuid}/activities").json()["entries"]
    return [(a["date"][:10], a["type"], a["activity-mrr-movement"]) for a in entries]


def month(api: httpx.Client, metric: str, day: str) -> dict[str, Any]:
    params = {"start-date": day, "end-date": day, "interval": "month"}
    return api.get(f"/metrics/{metric}", params=params).json()["entries"][0]


# 1. A refund sent as its own invoice ("Adding refunds using the Import API") ---------------------------------


def test_the_refund_example_keeps_mrr_arpa_and_asp(api: httpx.Client) -> None:
    ds = source(api)
    annual = plan(api, ds, "Annual Plan", unit="year")
    alice = customer(api, ds, "cus_0002")
    item = line_item(annual["uuid"], "sub_0002", "2016-01-01 00:00:00", "2017-01-01 00:00:00", 25000)
    paid = {"external_id": "INV0004", "date": "2016-01-01 00:00:00", "currency": "USD", "line_items": [item]}
    paid["transactions"] = [payment("2016-01-01 00:00:00")]
    import_invoices(api, alice["uuid"], paid)
    settle(api)
    assert get_customer(api, alice["uuid"])["mrr"] == 2083
    refund = {"external_id": "INV0005", "date": "2016-01-05 00:00:00", "currency": "USD", "line_items": [item]}
    refund["transactions"] = [payment("2016-01-05 00:00:00", kind="refund", amount=25000)]
    import_invoices(api, alice["uuid"], refund)
    settle(api)

    assert get_customer(api, alice["uuid"])["mrr"] == 2083  # not 4166
    assert activities(api, alice["uuid"]) == [("2016-01-01", "new_biz", 2083)]
    january = month(api, "all", "2016-01-31")
    assert (january["mrr"], january["arpa"], january["asp"], january["customers"]) == (2083, 2083, 2083, 1)
    assert month(api, "customer-churn-rate", "2016-02-29")["customer-churn-rate"] == 0.0


# 2. Past Due ("Customer & Subscription Statuses", "Handling past-due subscriptions", "Adding paused ...") ------


def _current_subscriber(
    api: httpx.Client, ds: str, gold: dict, external_id: str, renewal_tx: list[dict], due_date: str | None = None
) -> dict[str, Any]:
    """Paid for the last month; renewed 10 days ago (period running 20 more days) with `renewal_tx`."""
    cus = customer(api, ds, external_id)
    first = invoice(f"{external_id}-1", gold["uuid"], at(-40), at(-10), 5000, sub=f"{external_id}-s")
    first["transactions"] = [payment(at(-40))]
    second = invoice(f"{external_id}-2", gold["uuid"], at(-10), at(20), 5000, sub=f"{external_id}-s")
    second["transactions"] = renewal_tx
    if due_date is not None:
        second["due_date"] = due_date
    import_invoices(api, cus["uuid"], first, second)
    return cus


def test_past_due_from_a_failed_or_partial_renewal_shows_everywhere_and_still_counts(api: httpx.Client) -> None:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    failed = _current_subscriber(api, ds, gold, "failed", [payment(at(-10), "failed")])
    partial = _current_subscriber(api, ds, gold, "partial", [payment(at(-10), amount=500)], due_date=at(-3))
    fine = _current_subscriber(api, ds, gold, "fine", [payment(at(-10))])
    settle(api)

    for cus in (failed, partial):
        body = get_customer(api, cus["uuid"])
        assert (body["status"], body["mrr"]) == ("Past Due", 5000)  # Past Due keeps its MRR by default
        assert subscription_statuses(api, cus["uuid"]) == ["past_due"]
    assert get_customer(api, fine["uuid"])["status"] == "Active"
    assert subscription_statuses(api, fine["uuid"]) == ["active"]
    listed = api.get("/customers", params={"status": "Past_Due"}).json()["entries"]
    assert sorted(c["external_id"] for c in listed) == ["failed", "partial"]
    today = datetime.now(UTC).date().isoformat()
    counts = month(api, "all", today)
    assert (counts["customers"], counts["mrr"]) == (3, 15000)


def test_a_subscription_whose_invoices_stopped_is_past_due_until_cancelled(api: httpx.Client) -> None:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    cus = customer(api, ds, "paused")
    import_invoices(api, cus["uuid"], invoice("p-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000, sub="ps"))
    settle(api)
    assert get_customer(api, cus["uuid"])["status"] == "Past Due"
    assert month(api, "customer-count", datetime.now(UTC).date().isoformat())["customers"] == 1
    sub = api.get(f"/import/customers/{cus['uuid']}/subscriptions").json()["subscriptions"][0]
    assert api.patch(f"/import/subscriptions/{sub['uuid']}", json={"cancelled_at": "2024-03-01"}).status_code == 202
    settle(api)
    assert get_customer(api, cus["uuid"])["status"] == "Cancelled"
    assert subscription_statuses(api, cus["uuid"]) == ["inactive"]


def test_the_clock_makes_a_customer_past_due_without_a_new_import(api: httpx.Client) -> None:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    due = 3  # seconds from now
    cus = _current_subscriber(api, ds, gold, "soon", [payment(at(-10), amount=100)], due_date=at(seconds=due))
    settle(api)
    assert get_customer(api, cus["uuid"])["status"] == "Active"
    deadline = time.monotonic() + due + 20
    while get_customer(api, cus["uuid"])["status"] != "Past Due":
        assert time.monotonic() < deadline, "the due date passed and the customer was not recomputed"
        time.sleep(0.25)
    assert subscription_statuses(api, cus["uuid"]) == ["past_due"]


def test_auto_churn_of_a_source_churns_delinquent_subscriptions(api: httpx.Client, db: Database) -> None:
    # "Automatically cancel subscriptions that are [X] days past due or missing a renewal invoice".
    ds = source(api)
    gold = plan(api, ds, "Gold")
    cus = customer(api, ds, "late")
    import_invoices(api, cus["uuid"], invoice("l-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000, sub="ls"))
    settle(api)
    assert get_customer(api, cus["uuid"])["status"] == "Past Due"
    set_source_settings(db, ds, auto_churn_days=10, auto_churn=True)
    settle(api)
    assert get_customer(api, cus["uuid"])["status"] == "Cancelled"
    assert activities(api, cus["uuid"]) == [("2024-01-01", "new_biz", 5000), ("2024-02-11", "churn", -5000)]
    body = api.get(f"/data_sources/{ds}", params={"with_auto_churn_subscription_setting": "true"}).json()
    assert body["auto_churn_subscription_setting"] == {"enabled": True, "interval": 10}


# 3. Partial payments and invoice handling ("Invoice handling") -----------------------------------------------


def test_only_a_fully_paid_first_invoice_makes_a_subscriber(api: httpx.Client, db: Database) -> None:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    tenth = customer(api, ds, "tenth")
    first = invoice("t-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000, sub="t")
    first["transactions"] = [payment("2024-01-01", amount=500)]  # 10% paid: an open invoice
    import_invoices(api, tenth["uuid"], first)
    full = customer(api, ds, "full")
    second = invoice("f-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000, sub="f")
    second["transactions"] = [payment("2024-01-01", amount=5000)]
    import_invoices(api, full["uuid"], second)
    settle(api)
    assert (get_customer(api, tenth["uuid"])["status"], get_customer(api, tenth["uuid"])["mrr"]) == ("New Lead", 0)
    assert get_customer(api, full["uuid"])["mrr"] == 5000

    # The data source's invoice handling: new subscribers when partially paid.
    queued = set_source_settings(db, ds, create="partially_paid")
    assert queued == 2
    settle(api)
    assert get_customer(api, tenth["uuid"])["mrr"] == 5000
    handling = api.get(f"/data_sources/{ds}", params={"with_invoice_handling_setting": "true"}).json()
    assert handling["invoice_handling_setting"]["automatic"]["create_subscription_when_invoice_is"] == "partially_paid"


def test_renewals_count_when_issued_unless_the_source_says_paid(api: httpx.Client, db: Database) -> None:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    cus = customer(api, ds, "renews")
    first = invoice("r-1", gold["uuid"], "2024-01-01", "2024-02-01", 5000, sub="r")
    first["transactions"] = [payment("2024-01-01")]
    renewal = invoice("r-2", gold["uuid"], "2024-02-01", "2024-03-01", 9000, sub="r")
    renewal["transactions"] = [payment("2024-02-01", amount=900)]  # partially paid
    import_invoices(api, cus["uuid"], first, renewal)
    settle(api)
    assert activities(api, cus["uuid"]) == [("2024-01-01", "new_biz", 5000), ("2024-02-01", "expansion", 4000)]

    set_source_settings(db, ds, update_when="paid")
    settle(api)
    assert activities(api, cus["uuid"]) == [("2024-01-01", "new_biz", 5000)]
    assert get_customer(api, cus["uuid"])["mrr"] == 5000
    with pytest.raises(SettingError):
        set_source_settings(db, ds, update_when="sometimes")


# 4. Metric endpoints without `interval` (API reference) ------------------------------------------------------


@pytest.mark.parametrize("metric", ["customer-churn-rate", "mrr-churn-rate", "ltv"])
def test_churn_rates_and_ltv_are_monthly_without_an_interval(api: httpx.Client, metric: str) -> None:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    for n in range(4):
        cus = customer(api, ds, f"c{n}")
        import_invoices(api, cus["uuid"], invoice(f"i{n}", gold["uuid"], "2015-01-01", "2015-02-01", 1000, sub="s"))
        if n == 0:
            sub = api.get(f"/import/customers/{cus['uuid']}/subscriptions").json()["subscriptions"][0]
            api.patch(f"/import/subscriptions/{sub['uuid']}", json={"cancelled_at": "2015-03-10"})
    settle(api)
    params = {"start-date": "2015-01-01", "end-date": "2015-11-01"}  # the reference's example call
    body = api.get(f"/metrics/{metric}", params=params).json()
    dates = [e["date"] for e in body["entries"]]
    assert dates[:3] == ["2015-01-31", "2015-02-28", "2015-03-31"] and len(dates) == 11
    assert api.get(f"/metrics/{metric}", params=params | {"interval": "day"}).json() == body
    if metric == "customer-churn-rate":
        assert body["entries"][2]["customer-churn-rate"] == 25.0  # 1 of 4 in March


def test_intervals_each_metric_takes(api: httpx.Client) -> None:
    params = {"start-date": "2015-01-01", "end-date": "2015-03-01"}
    assert len(api.get("/metrics/mrr", params=params).json()["entries"]) == 60  # daily, as recorded
    assert [e["date"] for e in api.get("/metrics/asp", params=params).json()["entries"]] == [
        "2015-01-31",
        "2015-02-28",
        "2015-03-31",
    ]
    r = api.get("/metrics/asp", params=params | {"interval": "week"})
    assert (r.status_code, r.json()["param"]) == (400, "interval")
    assert api.get("/metrics/ltv", params=params | {"interval": "fortnight"}).status_code == 400


# 5. Connected subscriptions with a gap ("MRR data editing") --------------------------------------------------


def test_connecting_across_a_gap_smooths_it(api: httpx.Client) -> None:
    ds = source(api)
    old_plan, new_plan = plan(api, ds, "Old"), plan(api, ds, "New")
    cus = customer(api, ds, "mover")
    import_invoices(
        api,
        cus["uuid"],
        invoice("o-1", old_plan["uuid"], "2024-01-01", "2024-02-01", 5000, sub="old"),
        invoice("o-2", old_plan["uuid"], "2024-02-01", "2024-03-01", 5000, sub="old", cancelled_at="2024-03-01"),
        invoice("n-1", new_plan["uuid"], "2024-05-01", "2024-06-01", 6000, sub="new"),
    )
    settle(api)
    assert [kind for _, kind, _ in activities(api, cus["uuid"])] == ["new_biz", "churn", "reactivation"]
    subs = {
        s["external_id"]: s["uuid"]
        for s in api.get(f"/import/customers/{cus['uuid']}/subscriptions").json()["subscriptions"]
    }
    body = {"subscriptions": [{"data_source_uuid": ds, "uuid": subs[name]} for name in ("old", "new")]}
    assert api.post(f"/customers/{cus['uuid']}/connect_subscriptions", json=body).status_code == 202
    settle(api)
    assert activities(api, cus["uuid"]) == [("2024-01-01", "new_biz", 5000), ("2024-05-01", "expansion", 1000)]
    for day in ("2024-03-31", "2024-04-30"):
        entry = month(api, "all", day)
        assert (entry["mrr"], entry["customers"]) == (5000, 1)  # the gap counts at the cancelled MRR
    assert month(api, "customer-churn-rate", "2024-03-31")["customer-churn-rate"] == 0.0


# 6. Account settings: Smart Activity Classification and the LTV form ----------------------------------------


def _bundle(api: httpx.Client) -> str:
    """A new customer starting a base plan and an add-on at once, on one invoice."""
    ds = source(api)
    base, addon = plan(api, ds, "Base"), plan(api, ds, "Addon")
    cus = customer(api, ds, "bundle")
    items = [
        line_item(base["uuid"], "base", "2024-01-01", "2024-02-01", 10000),
        line_item(addon["uuid"], "addon", "2024-01-01", "2024-02-01", 5000),
    ]
    import_invoices(
        api, cus["uuid"], {"external_id": "b-1", "date": "2024-01-01", "currency": "USD", "line_items": items}
    )
    settle(api)
    return cus["uuid"]


def test_smart_activity_classification_is_on_by_default_and_a_setting(api: httpx.Client, db: Database) -> None:
    setting = {"include": "proximate_movement_reclassification"}
    assert (
        api.get("/account", params=setting).json()["proximate_movement_reclassification"] == "one_hour_reclassification"
    )
    cus = _bundle(api)
    assert activities(api, cus) == [("2024-01-01", "new_biz", 10000), ("2024-01-01", "new_biz", 5000)]
    assert month(api, "asp", "2024-01-31")["asp"] == 15000

    set_account_setting(db, "proximate_movement_reclassification", "disabled")
    settle(api)
    assert api.get("/account", params=setting).json()["proximate_movement_reclassification"] == "disabled"
    assert activities(api, cus) == [("2024-01-01", "new_biz", 10000), ("2024-01-01", "expansion", 5000)]
    assert month(api, "asp", "2024-01-31")["asp"] == 10000
    with pytest.raises(SettingError):
        set_account_setting(db, "proximate_movement_reclassification", "sometimes")


def test_the_ltv_form_is_a_setting_defaulting_to_the_trailing_average(api: httpx.Client, db: Database) -> None:
    assert api.get("/account?include=ltv_formula").json()["ltv_formula"] == "arpa_over_trailing_six_month_churn"
    ds = source(api)
    gold = plan(api, ds, "Gold")
    for n in range(4):  # four customers from January; one churns in March
        cus = customer(api, ds, f"c{n}")
        cancel = {"cancelled_at": "2024-03-10"} if n == 0 else {}
        import_invoices(api, cus["uuid"], invoice(f"i{n}", gold["uuid"], "2024-01-01", "2024-02-01", 10000, **cancel))
    settle(api)
    params = {"start-date": "2024-03-01", "end-date": "2024-04-30"}
    trailing = [e["ltv"] for e in api.get("/metrics/ltv", params=params).json()["entries"]]
    # March: churn 25%, but the six months before it average 0%: no LTV yet. April: ARPA 10000 / mean(0, 25) %.
    assert trailing == [0, 80000]
    set_account_setting(db, "ltv_formula", "arpa_over_churn")
    settle(api)
    older = [e["ltv"] for e in api.get("/metrics/ltv", params=params).json()["entries"]]
    assert older == [40000, 0]  # ARPA 10000 / 25% in March; no churn in April
