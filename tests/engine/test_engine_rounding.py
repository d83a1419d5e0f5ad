"""MRR rounding is exact: one half-up (away from zero) rounding of the true value, FX included."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from engine_builders import Book
from hypothesis import given
from hypothesis import strategies as st

from mogul.engine import MetricsAggregate, Settings, metrics_response
from mogul.engine.mrr import div_round, monthly_ratio


@pytest.mark.parametrize("rate", [1.005, Decimal("1.005"), Fraction(201, 200), "1.005"])
def test_fx_half_cent_rounds_up_whatever_the_rate_type(rate):
    # 10000 × 1.005 = 10050 exactly; 100 × 1.005 = 100.5 → 101 (the float product is 100.49999999999999).
    book = Book(Settings(fx_rates={("EUR", date(2024, 1, 1)): rate}))
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 100, currency="EUR")
    assert book.result(c).mrr == 101


def test_fx_half_cent_of_a_yearly_plan_rounds_up():
    # 1200 / 12 × 1.265 = 126.5 → 127; the float product of the two factors is 126.49999999999999.
    book = Book(Settings(fx_rates=lambda currency, day: 1.265))
    c = book.customer()
    s = book.sub(c, "S", book.plan("Annual", 1, "year"))
    book.item(s, "2024-01-01", "2025-01-01", 1200, currency="EUR")
    assert book.result(c).mrr == 127


def test_prorated_fx_item_is_rounded_once_from_the_exact_value():
    # 16 of 31 days, 2500 EUR cents at 1.1: 2500 × 31/16 × 1.1 = 5328.125 → 5328 (not 4844 × 1.1 = 5328.4).
    book = Book(Settings(fx_rates=lambda currency, day: 1.1))
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2016-03-01", "2016-04-01", 5000, currency="EUR")
    book.item(s, "2016-03-16", "2016-04-01", 2500, currency="EUR", prorated=True)
    assert [a.movement for a in book.result(c).activities] == [5500, 5328]


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**9))
def test_div_round_is_exact_half_away_from_zero(numerator, denominator):
    exact = Fraction(numerator, denominator)
    expected = int(abs(exact) + Fraction(1, 2)) * (1 if exact >= 0 else -1)
    assert div_round(numerator, denominator) == expected


def test_monthly_ratio_is_exact():
    assert monthly_ratio("day", 7, 365.25 / 12)[:2] == (487, 112)  # 30.4375 / 7
    assert monthly_ratio("year", 2, 30.0)[:2] == (1, 24)
    assert monthly_ratio("month", 3, 30.0)[:2] == (1, 3)


def test_percentages_round_true_halves_away_from_zero():
    from mogul.engine.metrics import percent, percentage_change

    # Float round() gives -20.82 and 91.67 here: the binary quotients sit just below the half.
    assert percent(-833, 4000) == -20.83
    assert percent(36670, 40000) == 91.68
    assert round(36670 / 40000 * 100, 2) == 91.67  # what the float version returned
    assert percentage_change(4.92, 4.0) == 23.0
    assert percentage_change(91.675, 100.0) == -8.33  # (91.675 − 100) / 100 = −8.325 → −8.33
    assert percentage_change(1, -8) == -112.5  # a negative previous value (net MRR churn rate)
    assert percentage_change(1.00005, 1.0) == 0.01  # not a 2-decimal rate: the exact Fraction path, 0.005 → 0.01


def test_mrr_churn_rate_of_a_half_hundredth_rounds_away_from_zero():
    # An 833 expansion on a 4000 start MRR: net MRR churn rate −20.825% → −20.83.
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 4000)
    book.item(s, "2024-02-01", "2024-03-01", 4833)
    agg = MetricsAggregate.from_results([book.result(c)])
    entries = metrics_response(agg, "mrr-churn-rate", date(2024, 1, 1), date(2024, 2, 29))["entries"]
    assert [e["mrr-churn-rate"] for e in entries] == [0.0, -20.83]


def test_ltv_uses_the_exact_churn_rate():
    from mogul.engine.metrics import _ltv

    assert _ltv(510067, 17.13) == 2977624  # the /metrics/all example
    assert _ltv(1001, 2.0) == 50050  # 1001 / 0.02
    assert _ltv(100, Fraction(3, 1)) == 3333  # the trailing mode passes an exact mean
    assert _ltv(5, Fraction(3, 2)) == 333  # 333.33…
    assert _ltv(1, Fraction(8, 1)) == 13  # 12.5 rounds up
