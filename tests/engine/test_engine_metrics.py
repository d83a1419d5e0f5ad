"""Metric series: hand-checked numbers, period dating, time zones, incremental updates, filters."""

from __future__ import annotations

from datetime import date

import pytest
from engine_builders import Book

from mogul.engine import MetricsAggregate, Settings, metrics_response
from mogul.engine.metrics import ALL_KEYS, percentage_change


def _february_book(settings: Settings | None = None) -> Book:
    """Four customers from January; February has every kind of movement (see test for the sums)."""
    book = Book(settings)
    plan = book.plan("P")
    subs = {}
    for name, amount in [("A", 10000), ("B", 20000), ("C", 30000), ("D", 40000)]:
        c = book.customer(name, country="US" if name in "AB" else "DE")
        subs[name] = book.sub(c, name, plan)
        book.item(subs[name], "2024-01-01", "2024-02-01", amount)
    book.item(subs["A"], "2024-02-01", "2024-03-01", 10000)
    book.cancel(subs["A"], "2024-02-05")  # churned and back within the month: not a churned customer
    book.item(subs["A"], "2024-02-25", "2024-03-25", 10000)
    book.cancel(subs["B"], "2024-02-10")  # the one churned customer
    book.item(subs["C"], "2024-02-01", "2024-03-01", 36000)  # expansion +6000
    book.item(subs["D"], "2024-02-01", "2024-03-01", 32000)  # contraction -8000
    e = book.customer("E", country="US")
    sub_e = book.sub(e, "E", plan)
    book.item(sub_e, "2024-02-15", "2024-03-15", 5000)  # joined and churned within the month: excluded
    book.cancel(sub_e, "2024-02-20")
    return book


def test_hand_checked_month():
    # The older LTV form (ARPA / the period's churn rate), checked by hand; the default is in the next test.
    agg = _february_book().aggregate()
    body = metrics_response(agg, "all", date(2024, 1, 1), date(2024, 3, 31), ltv_mode="arpa_over_churn")
    jan, feb, mar = body["entries"]
    assert (jan["mrr"], jan["customers"], jan["arpa"], jan["asp"]) == (100000, 4, 25000, 25000)
    assert jan["customer-churn-rate"] == 0.0 and jan["ltv"] == 0
    assert feb["mrr"] == 78000  # 100000 + 5000 + 6000 - 8000 - 35000 + 10000
    assert feb["customers"] == 3
    assert feb["customer-churn-rate"] == 25.0  # B only, of 4 at the start
    assert feb["mrr-churn-rate"] == 27.0  # (35000 + 8000 - 6000 - 10000) / 100000
    assert (feb["arpa"], feb["asp"]) == (26000, 5000)
    assert feb["ltv"] == 104000  # 26000 / 25%
    assert feb["mrr-percentage-change"] == -22.0
    assert feb["customers-percentage-change"] == -25.0
    assert mar["customer-churn-rate"] == 0.0 and mar["ltv"] == 0


def test_mrr_flows_of_the_hand_checked_month():
    agg = _february_book().aggregate()
    feb = metrics_response(agg, "mrr", date(2024, 2, 1), date(2024, 2, 29))["entries"][0]
    assert feb == {
        "date": "2024-02-29",
        "mrr": 78000,
        "percentage-change": 0.0,
        "mrr-new-business": 5000,
        "mrr-expansion": 6000,
        "mrr-contraction": -8000,
        "mrr-churn": -35000,
        "mrr-reactivation": 10000,
    }


def test_ltv_trailing_six_uses_previous_periods_only():
    agg = _february_book().aggregate()
    entries = metrics_response(agg, "ltv", date(2024, 1, 1), date(2024, 3, 31), ltv_mode="trailing_six")["entries"]
    # February has no earlier period with customers; March averages February's 25%.
    assert [e["ltv"] for e in entries] == [0, 0, 104000]
    # The current page's form is the default ("Chart: Customer Lifetime Value").
    assert metrics_response(agg, "ltv", date(2024, 1, 1), date(2024, 3, 31))["entries"] == entries
    assert Settings().ltv_mode == "trailing_six"


@pytest.mark.parametrize(
    ("metric", "key", "values"),
    [
        ("customer-count", "customers", [4, 3]),
        ("arr", "arr", [1200000, 936000]),
        ("arpa", "arpa", [25000, 26000]),
        ("asp", "asp", [25000, 5000]),
        ("customer-churn-rate", "customer-churn-rate", [0.0, 25.0]),
        ("mrr-churn-rate", "mrr-churn-rate", [0.0, 27.0]),
        ("ltv", "ltv", [0, 0]),  # trailing six months: January had no customers at its start
    ],
)
def test_single_metric_shapes(metric, key, values):
    body = metrics_response(_february_book().aggregate(), metric, date(2024, 1, 1), date(2024, 2, 29))
    assert [list(e) for e in body["entries"]] == [["date", key, "percentage-change"]] * 2
    assert [e[key] for e in body["entries"]] == values
    assert [e["date"] for e in body["entries"]] == ["2024-01-31", "2024-02-29"]
    assert body["summary"] == {
        "current": values[1],
        "previous": values[0],
        "percentage-change": percentage_change(values[1], values[0]),
    }


def test_all_summary_has_the_24_keys_and_as_of_picks_the_current_period():
    agg = _february_book().aggregate()
    body = metrics_response(agg, "all", date(2024, 1, 1), date(2024, 3, 31), as_of=date(2024, 2, 10))
    summary = body["summary"]
    assert len(summary) == 24
    assert {f"{p}-{k}" for k in ALL_KEYS for p in ("current", "previous")} | {
        f"{k}-percentage-change" for k in ALL_KEYS
    } == set(summary)
    assert (summary["current-mrr"], summary["previous-mrr"], summary["mrr-percentage-change"]) == (
        78000,
        100000,
        -22.0,
    )
    assert len(body["entries"][0]) == 17


@pytest.mark.parametrize(
    ("interval", "week_start", "dates"),
    [
        ("day", "sunday", ["2024-01-01", "2024-01-02"]),
        ("week", "sunday", ["2024-01-06", "2024-01-13"]),
        ("week", "monday", ["2024-01-07", "2024-01-14"]),
        ("month", "sunday", ["2024-01-31"]),
        ("quarter", "sunday", ["2024-03-31"]),
        ("year", "sunday", ["2024-12-31"]),
    ],
)
def test_entries_are_dated_at_period_end(interval, week_start, dates):
    agg = MetricsAggregate(week_start=week_start)
    body = metrics_response(agg, "mrr", date(2024, 1, 1), date(2024, 1, 8 if interval == "week" else 2), interval)
    assert [e["date"] for e in body["entries"]] == dates


def test_account_time_zone_moves_events_to_the_local_day():
    settings = Settings(time_zone="America/New_York")
    book = Book(settings)
    c = book.customer()
    book.item(book.sub(c, "S", book.plan("P")), "2024-02-01T02:00", "2024-03-01T02:00", 1000)
    result = book.result(c)
    assert result.activities[0].date == "2024-01-31T21:00:00-05:00"
    agg = MetricsAggregate.from_results([result], settings.time_zone)
    entries = metrics_response(agg, "mrr", date(2024, 1, 1), date(2024, 2, 29))["entries"]
    assert [e["mrr"] for e in entries] == [1000, 1000]
    utc = MetricsAggregate.from_results([result])
    assert [e["mrr"] for e in metrics_response(utc, "mrr", date(2024, 1, 1), date(2024, 1, 31))["entries"]] == [0]


def test_churn_rate_counts_per_interval():
    book = _february_book()
    agg = book.aggregate()
    weekly = metrics_response(agg, "customer-churn-rate", date(2024, 2, 4), date(2024, 2, 24), "week")
    # Weeks run Sunday-Saturday. A churns 02-05 (back 02-25, a later week: counted) and B 02-10: 2 of 4.
    # E joined 02-15 and churned 02-20, in different weeks: 1 of the 3 (C, D, E) at the start of that week.
    rates = {e["date"]: e["customer-churn-rate"] for e in weekly["entries"]}
    assert rates == {"2024-02-10": 50.0, "2024-02-17": 0.0, "2024-02-24": 33.33}


def test_incremental_update_matches_full_rebuild():
    book = _february_book()
    agg = book.aggregate()
    customer = next(c for c in book.customers.values() if c.name == "C")
    book.cancel(book.subs[next(s for s in book.subs if book.subs[s].customer_uuid == customer.uuid)], "2024-03-10")
    agg.set(book.result(customer))
    rebuilt = book.aggregate()
    for interval in ("day", "week", "month"):
        args = (date(2024, 1, 1), date(2024, 4, 30), interval)
        assert metrics_response(agg, "all", *args) == metrics_response(rebuilt, "all", *args)
    march = metrics_response(agg, "all", date(2024, 3, 1), date(2024, 3, 31))["entries"][0]
    assert (march["mrr"], march["customers"]) == (42000, 2)
    agg.remove(customer.uuid)
    march = metrics_response(agg, "all", date(2024, 3, 1), date(2024, 3, 31))["entries"][0]
    assert (march["mrr"], march["customers"]) == (42000, 2)
    d = next(c for c in book.customers.values() if c.name == "D")
    agg.remove(d.uuid)
    march = metrics_response(agg, "all", date(2024, 3, 1), date(2024, 3, 31))["entries"][0]
    assert (march["mrr"], march["customers"]) == (10000, 1)


def test_geo_filter_as_customer_predicate():
    book = _february_book()
    us = MetricsAggregate.from_results(book.results(), include=lambda r: r.customer.country == "US")
    jan = metrics_response(us, "all", date(2024, 1, 1), date(2024, 1, 31))["entries"][0]
    assert (jan["mrr"], jan["customers"]) == (30000, 2)


def test_plans_filter_as_subscription_predicate():
    book = Book()
    c = book.customer()
    gold, silver = book.plan("Gold"), book.plan("Silver")
    book.item(book.sub(c, "G", gold), "2024-01-01", "2024-02-01", 5000)
    book.item(book.sub(c, "S", silver), "2024-01-05", "2024-02-05", 1000)
    from mogul.engine import compute_customer

    subs = [s for s in book.subs.values()]
    only_silver = compute_customer(c, subs, book.items[c.uuid], book.plans, book.settings,
                                   subscription_filter=lambda s: s.plan_uuid == silver.uuid)  # fmt: skip
    assert [(a.type, a.movement) for a in only_silver.activities] == [("new_biz", 1000)]


def test_percentage_change_rules():
    assert percentage_change(608, 603) == 0.83
    assert percentage_change(0, 5) == -100.0
    assert percentage_change(5, 0) == 0.0


def test_reference_api_example_numbers():
    from mogul.engine.metrics import _ltv
    from mogul.engine.mrr import round_cents

    assert round_cents(339704639 / 666) == 510067  # ARPA in the /metrics/all example
    assert _ltv(510067, 17.13) == 2977624  # LTV = ARPA / churn rate
    assert _ltv(510067, 0.0) == 0
    assert (round_cents(2.5), round_cents(-2.5), round_cents(16666.67)) == (3, -3, 16667)
