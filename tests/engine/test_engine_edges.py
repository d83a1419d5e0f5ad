"""Edge cases and bad input."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from engine_builders import Book, acts, ts

from mogul.engine import EngineInputError, LineItem, MetricsAggregate, Plan, Settings, metrics_response
from mogul.server.store.engine_io import activity_entry, subscription_entry

ACTIVITY_KEYS = [
    "description", "activity-mrr-movement", "activity-mrr", "activity-arr", "date", "type", "currency",
    "subscription-external-id", "subscription-set-external-id", "plan-external-id", "customer-name",
    "customer-uuid", "customer-external-id", "billing-connector-uuid", "uuid",
]  # fmt: skip
SUBSCRIPTION_KEYS = [
    "id", "external_id", "subscription_set_external_id", "quantity", "uuid", "mrr", "arr", "status", "plan",
    "billing-cycle", "billing-cycle-count", "start-date", "end-date", "currency", "currency-sign",
]  # fmt: skip


def test_activity_and_subscription_shapes():
    book = Book()
    c = book.customer("Shape Ltd")
    s = book.sub(c, "S", book.plan("Gold", 1, "year"))
    book.item(s, "2024-02-24", "2025-02-24", 120000)
    book.cancel(s, "2024-06-01T12:00")
    result = book.result(c)
    first = activity_entry(result.activities[0])
    assert list(first) == ACTIVITY_KEYS
    assert first["subscription-set-external-id"] == ""
    assert first["date"] == "2024-02-24T00:00:00+00:00"
    assert first["billing-connector-uuid"] == "ds_1"
    assert first["customer-name"] == "Shape Ltd"
    uuid.UUID(first["uuid"])
    entry = subscription_entry(result.subscriptions[0])
    assert list(entry) == SUBSCRIPTION_KEYS
    assert entry["status"] == "inactive" and entry["mrr"] == 0 and entry["quantity"] == 1
    assert entry["billing-cycle"] == "year" and entry["billing-cycle-count"] == 1
    assert entry["start-date"] == "2024-02-24T00:00:00+00:00"
    assert entry["end-date"] == "2024-06-01T12:00:00+00:00"
    assert entry["currency-sign"] == "$"
    assert result.status == "Cancelled"
    assert result.customer_since_iso == "2024-02-24T00:00:00+00:00"


def test_active_subscription_end_date_is_end_of_latest_period():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 1000)
    book.item(s, "2024-02-01", "2024-03-01", 1000)
    entry = book.result(c).subscriptions[0]
    assert (entry["status"], entry["mrr"], entry["arr"]) == ("active", 1000, 12000)
    assert entry["end_date"] == "2024-03-01T00:00:00+00:00"


def test_uuids_are_stable_across_recomputes_and_distinct():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 1000)
    book.item(s, "2024-02-01", "2024-03-01", 2000)
    first = [a.uuid for a in book.result(c).activities]
    assert first == [a.uuid for a in book.result(c).activities]
    assert len(set(first)) == 2


@pytest.mark.parametrize("amount", [0, -500])
def test_zero_or_negative_amounts_only_leave_a_lead(amount):
    book = Book()
    c = book.customer()
    book.item(book.sub(c, "S", book.plan("Free")), "2024-01-01", "2024-02-01", amount)
    result = book.result(c)
    assert (result.status, result.mrr, result.activities, result.subscriptions) == ("New Lead", 0, (), ())
    assert result.customer_since is None
    assert len(MetricsAggregate.from_results([result])) == 0


def test_trial_at_zero_then_paid_starts_at_first_paid_period():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-01-15", 0)
    book.item(s, "2024-01-15", "2024-02-15", 3000)
    assert acts(book.result(c)) == [("2024-01-15", "new_biz", 3000, 3000)]


def test_one_time_only_customer_is_a_lead():
    book = Book()
    c = book.customer()
    book.one_time(c, "2024-01-01", 99900)
    result = book.result(c)
    assert result.status == "New Lead" and result.mrr == 0 and result.activities == ()


def test_cancellation_before_start_is_ignored():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.cancel(s, "2023-12-01")
    book.item(s, "2024-01-01", "2024-02-01", 1000)
    result = book.result(c)
    assert acts(result) == [("2024-01-01", "new_biz", 1000, 1000)]
    assert result.status == "Active"


def test_cancellation_at_the_instant_of_a_renewal_wins():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 1000)
    book.item(s, "2024-02-01", "2024-03-01", 1000)
    book.cancel(s, "2024-02-01")
    result = book.result(c)
    assert acts(result)[-1] == ("2024-02-01", "churn", -1000, 0)
    assert result.mrr == 0


def test_line_item_cancelled_at_counts_like_a_cancellation_date():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 1000, cancelled_at=ts("2024-01-15"))
    assert acts(book.result(c))[-1] == ("2024-01-15", "churn", -1000, 0)


def test_reactivation_of_the_same_subscription_after_cancel():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 1000)
    book.cancel(s, "2024-01-20")
    book.item(s, "2024-04-01", "2024-05-01", 1500)
    result = book.result(c)
    assert acts(result) == [
        ("2024-01-01", "new_biz", 1000, 1000),
        ("2024-01-20", "churn", -1000, 0),
        ("2024-04-01", "reactivation", 1500, 1500),
    ]
    assert result.activities[-1].description == "reactivated the P plan"
    assert result.spans == ((ts("2024-01-01"), ts("2024-01-20")), (ts("2024-04-01"), None))


def test_line_items_without_a_known_subscription_imply_one():
    book = Book()
    c = book.customer()
    plan = book.plan("P")
    book.items[c.uuid].append(
        LineItem("li_x", "subscription", "sub_implied", "ext-implied", plan.uuid, ts("2024-01-01"),
                 ts("2024-02-01"), 4200, ts("2024-01-01"), "USD")
    )  # fmt: skip
    result = book.result(c)
    assert result.mrr == 4200
    assert result.activities[0].subscription_external_id == "ext-implied"


@pytest.mark.parametrize(("count", "unit"), [(0, "month"), (-1, "year"), (1, "week"), (1, "months"), (1.5, "month")])
def test_bad_plan_interval_raises_a_clear_error(count, unit):
    with pytest.raises(EngineInputError, match="plan pl_bad: interval_"):
        Plan("pl_bad", "bad", "Bad", count, unit)


def test_unknown_plan_raises():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    item = book.item(s, "2024-01-01", "2024-02-01", 1000)
    book.plans.clear()
    with pytest.raises(EngineInputError, match=f"line item {item.uuid}: unknown plan_uuid"):
        book.result(c)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"prorated": True, "end": "2024-01-01"}, "prorated item needs"),
        ({"end": "2023-12-01"}, "service_period_end is before"),
        ({"prorated": True, "proration_type": "partial"}, "unknown proration_type"),
    ],
)
def test_bad_line_items_raise(kw, message):
    book = Book()
    c = book.customer()
    end = kw.pop("end", "2024-02-01")
    book.item(book.sub(c, "S", book.plan("P")), "2024-01-01", end, 1000, **kw)
    with pytest.raises(EngineInputError, match=message):
        book.result(c)


def test_unknown_line_item_type_raises():
    book = Book()
    c = book.customer()
    book.items[c.uuid].append(LineItem("li_t", "refund", None, None, None, 0, 0, 1, 0, "USD"))  # type: ignore[arg-type]
    with pytest.raises(EngineInputError, match="unknown type 'refund'"):
        book.result(c)


@pytest.mark.parametrize(
    ("rates", "message"),
    [(None, "no FX rate from EUR to USD"), ({("EUR", date(2025, 1, 1)): 1.0}, "on or before 2024-01-01"),
     (lambda currency, day: 0.0, "must be positive")],
)  # fmt: skip
def test_missing_or_bad_fx_rate_raises(rates, message):
    book = Book(Settings(fx_rates=rates))
    c = book.customer()
    book.item(book.sub(c, "S", book.plan("P")), "2024-01-01", "2024-02-01", 1000, currency="EUR")
    with pytest.raises(EngineInputError, match=message):
        book.result(c)


@pytest.mark.parametrize(
    "kw",
    [{"week_start": "friday"}, {"churn_recognition": "never"}, {"free_customer_handling": "x"},
     {"ltv_mode": "x"}, {"day_normalisation": 0}, {"smart_activity_window_minutes": -5},
     {"time_zone": "Mars/Olympus"}],
)  # fmt: skip
def test_bad_settings_raise(kw):
    with pytest.raises(EngineInputError):
        Settings(**kw)


def test_metrics_response_rejects_bad_arguments():
    agg = MetricsAggregate()
    with pytest.raises(ValueError, match="metric must be"):
        metrics_response(agg, "revenue", date(2024, 1, 1), date(2024, 2, 1))
    with pytest.raises(ValueError, match="interval must be"):
        metrics_response(agg, "mrr", date(2024, 1, 1), date(2024, 2, 1), "fortnight")
    with pytest.raises(ValueError, match="end-date"):
        metrics_response(agg, "mrr", date(2024, 2, 1), date(2024, 1, 1))


def test_empty_aggregate_gives_zero_entries():
    body = metrics_response(MetricsAggregate(), "all", date(2024, 1, 1), date(2024, 2, 29))
    assert [e["mrr"] for e in body["entries"]] == [0, 0]
    assert body["summary"]["current-customers"] == 0
