"""MRR rounding is exact: one half-up (away from zero) rounding of the true value, FX included."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from engine_builders import Book
from hypothesis import given
from hypothesis import strategies as st

from mogul.engine import Settings
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
