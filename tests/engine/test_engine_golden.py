"""Golden cases of the metrics rules (GT-1, GT-2, GT-3 both variants, GT-7, GT-8)."""

from __future__ import annotations

from datetime import date

import pytest
from engine_builders import Book, acts, ts

from mogul.engine import MetricsAggregate, Settings, metrics_response
from mogul.server.store.engine_io import activity_entry


def test_gt1_monthly_basics():
    book = Book()
    p1 = book.plan("P1")
    c1 = book.customer("C1")
    s1 = book.sub(c1, "S1", p1)
    book.item(s1, "2024-01-01", "2024-02-01", 5000)
    book.item(s1, "2024-02-01", "2024-03-01", 5000)
    book.item(s1, "2024-03-01", "2024-04-01", 8000, quantity=2)
    result = book.result(c1)
    assert acts(result) == [
        ("2024-01-01", "new_biz", 5000, 5000),
        ("2024-03-01", "expansion", 3000, 8000),
    ]
    assert activity_entry(result.activities[0])["activity-arr"] == 60000
    # No renewal after March: an API subscription stays active until cancelled.
    assert book.month_ends(date(2024, 1, 1), date(2024, 4, 30)) == [
        (5000, 1),
        (5000, 1),
        (8000, 1),
        (8000, 1),
    ]
    assert result.status == "Active"
    assert result.mrr == 8000 and result.arr == 96000


def test_gt2_annual_tax_discount_one_time():
    book = Book()
    p2 = book.plan("P2", 1, "year")
    c = book.customer()
    s = book.sub(c, "S", p2)
    book.item(s, "2024-01-15", "2025-01-15", 144000, tax_amount_in_cents=24000, discount_amount_in_cents=30000)
    book.one_time(c, "2024-01-15", 2500)
    result = book.result(c)
    assert acts(result) == [("2024-01-15", "new_biz", 10000, 10000)]
    assert activity_entry(result.activities[0])["activity-arr"] == 120000
    assert result.mrr == 10000


def test_gt2_variant_quarterly_plan():
    book = Book()
    quarterly = book.plan("Q", 3, "month")
    c = book.customer()
    book.item(book.sub(c, "S", quarterly), "2024-01-01", "2024-04-01", 9000)
    assert book.result(c).mrr == 3000


def _gt3(settings: Settings) -> Book:
    book = Book(settings)
    gold_year = book.plan("Gold", 1, "year")
    silver = book.plan("Silver")
    gold_month = book.plan("Gold Monthly")
    c = book.customer("Syncalytics")
    gold = book.sub(c, "gold", gold_year)
    book.item(gold, "2024-01-01", "2025-01-01", 200000, quantity=4)
    silver_sub = book.sub(c, "silver", silver)
    book.item(silver_sub, "2024-01-05", "2024-02-05", 6000, quantity=2)
    book.cancel(silver_sub, "2024-01-19")
    book.cancel(gold, "2024-12-20")
    book.item(book.sub(c, "gold-m", gold_month), "2025-02-01", "2025-03-01", 15000, quantity=3)
    return book


def test_gt3_multi_subscription_lifecycle():
    book = _gt3(Settings())
    result = book.result(next(iter(book.customers.values())))
    assert acts(result) == [
        ("2024-01-01", "new_biz", 16667, 16667),
        ("2024-01-05", "expansion", 6000, 6000),
        ("2024-01-19", "contraction", -6000, 0),
        ("2024-12-20", "churn", -16667, 0),
        ("2025-02-01", "reactivation", 15000, 15000),
    ]
    ends = book.month_ends(date(2024, 1, 1), date(2025, 2, 28))
    assert ends[:11] == [(16667, 1)] * 11
    assert ends[11:] == [(0, 0), (0, 0), (15000, 1)]
    descriptions = [a.description for a in result.activities]
    assert descriptions == [
        "purchased the Gold plan",
        "purchased the Silver plan",
        "cancelled the Silver plan",
        "cancelled the Gold plan",
        "purchased the Gold Monthly plan",
    ]


def test_gt3_variant_end_of_service_period():
    book = _gt3(Settings(churn_recognition="end_of_service_period"))
    result = book.result(next(iter(book.customers.values())))
    assert acts(result) == [
        ("2024-01-01", "new_biz", 16667, 16667),
        ("2024-01-05", "expansion", 6000, 6000),
        ("2024-02-05", "contraction", -6000, 0),
        ("2025-01-01", "churn", -16667, 0),
        ("2025-02-01", "reactivation", 15000, 15000),
    ]
    ends = book.month_ends(date(2024, 1, 1), date(2025, 2, 28))
    assert ends[0] == (22667, 1)  # Silver is still billed at the end of January
    assert ends[11] == (16667, 1)  # December 2024
    assert ends[12:] == [(0, 0), (15000, 1)]


def test_gt7_prorated_seat_add():
    book = Book()
    bronze = book.plan("Bronze")
    c = book.customer()
    s = book.sub(c, "S", bronze)
    for start, end in [
        ("2016-01-01", "2016-02-01"),
        ("2016-02-01", "2016-03-01"),
        ("2016-03-01", "2016-04-01"),
    ]:
        book.item(s, start, end, 5000)
    book.item(s, "2016-03-16", "2016-04-01", 2500, prorated=True, proration_type="differential")
    book.item(s, "2016-04-01", "2016-05-01", 10000, quantity=2)
    result = book.result(c)
    assert acts(result) == [
        ("2016-01-01", "new_biz", 5000, 5000),
        ("2016-03-16", "expansion", 4844, 9844),
        ("2016-04-01", "expansion", 156, 10000),
    ]
    assert result.subscriptions[0]["quantity"] == 2


@pytest.mark.parametrize(
    "rates",
    [
        {("EUR", date(2024, 1, 1)): 1.10, ("EUR", date(2024, 2, 1)): 1.20},
        lambda currency, day: {1: 1.10, 2: 1.20}[day.month],
    ],
    ids=["mapping", "callable"],
)
def test_gt8_fx_at_service_period_start(rates):
    settings = Settings(currency="USD", fx_rates=rates)
    book = Book(settings)
    plan = book.plan("Euro")
    c = book.customer()
    s = book.sub(c, "S", plan)
    book.item(s, "2024-01-01", "2024-02-01", 5000, currency="EUR", invoice_date=ts("2024-02-10"))
    book.item(s, "2024-02-01", "2024-03-01", 5000, currency="EUR")
    result = book.result(c)
    # Same EUR price, new rate: MRR moves, no activity.
    assert acts(result) == [("2024-01-01", "new_biz", 5500, 5500)]
    assert result.mrr == 6000
    agg = MetricsAggregate.from_results([result])
    entries = metrics_response(agg, "mrr", date(2024, 1, 1), date(2024, 2, 29))["entries"]
    assert [e["mrr"] for e in entries] == [5500, 6000]
    assert entries[1]["mrr-expansion"] == 0 and entries[1]["mrr-new-business"] == 0


def test_gt8_mapping_uses_latest_rate_on_or_before_the_date():
    settings = Settings(fx_rates={("EUR", date(2023, 12, 1)): 2.0})
    book = Book(settings)
    c = book.customer()
    book.item(book.sub(c, "S", book.plan("P")), "2024-01-15", "2024-02-15", 1000, currency="EUR")
    assert book.result(c).mrr == 2000
