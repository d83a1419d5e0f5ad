"""Invariants a real billing history keeps, checked over a generated one of 1,500 customers."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import pytest

from mogul.demo.catalog import COUNTRIES, CURRENCIES, PLANS_BY_ID
from mogul.demo.generator import DemoDataset, GeneratorConfig, generate, monthly_signup_counts, signup_times
from mogul.demo.timeutil import parse_wire

from .helpers import cancellations, months_between, subscription_items

CONFIG = GeneratorConfig(customers=1500, seed=7)
END = CONFIG.history_end


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return generate(CONFIG)


def test_ids_are_unique(dataset: DemoDataset) -> None:
    customers = [h.customer["external_id"] for h in dataset.customers]
    emails = [h.customer["email"] for h in dataset.customers]
    invoices = [i["external_id"] for i in dataset.invoices()]
    items = [li["external_id"] for i in dataset.invoices() for li in i["line_items"]]
    transactions = [t["external_id"] for i in dataset.invoices() for t in i["transactions"]]
    plans = [p["external_id"] for p in dataset.plans]
    for ids in (customers, emails, invoices, items, transactions, plans):
        assert len(ids) == len(set(ids))
    # A subscription belongs to one customer only.
    owners = {sub: {i.customer for i in items} for sub, items in subscription_items(dataset).items()}
    assert all(len(owner) == 1 for owner in owners.values())


def test_amounts_are_positive_and_tax_fits_inside(dataset: DemoDataset) -> None:
    for invoice in dataset.invoices():
        for item in invoice["line_items"]:
            assert isinstance(item["amount_in_cents"], int) and item["amount_in_cents"] > 0
            assert 0 <= item["tax_amount_in_cents"] <= item["amount_in_cents"]
            assert item["quantity"] >= 1
            assert item.get("discount_amount_in_cents", 0) >= 0
        for transaction in invoice["transactions"]:
            if "amount_in_cents" in transaction:
                assert transaction["amount_in_cents"] > 0


def test_currencies_and_taxes_follow_the_customer_country(dataset: DemoDataset) -> None:
    countries = {c.code: c for c in COUNTRIES}
    seen = set()
    for history in dataset.customers:
        country = countries[history.customer["country"]]
        for invoice in history.invoices:
            assert invoice["currency"] in CURRENCIES
            assert invoice["currency"] == country.currency
            seen.add(invoice["currency"])
            for item in invoice["line_items"]:
                if country.tax_percent == 0:
                    assert item["tax_amount_in_cents"] == 0
                else:
                    net = item["amount_in_cents"] - item["tax_amount_in_cents"]
                    assert item["tax_amount_in_cents"] == round(net * country.tax_percent / 100)
    assert seen == set(CURRENCIES)


def test_everything_happens_inside_the_history(dataset: DemoDataset) -> None:
    for history in dataset.customers:
        for invoice in history.invoices:
            date_ = parse_wire(invoice["date"])
            assert CONFIG.history_start <= date_ < END
            items = invoice["line_items"]
            starts = [parse_wire(li["service_period_start"]) for li in items if "plan_external_id" in li]
            assert min(starts) == date_  # an invoice is issued when its (earliest) service period starts
            for transaction in invoice["transactions"]:
                assert date_ <= parse_wire(transaction["date"]) < END
        for cancellation in history.cancellations:
            assert parse_wire(cancellation["cancelled_at"]) < END


def test_regular_periods_match_the_plan_interval(dataset: DemoDataset) -> None:
    for items in subscription_items(dataset).values():
        for item in items:
            if not item.prorated:
                assert months_between(item.start, item.end) == PLANS_BY_ID[item.raw["plan_external_id"]].months


def test_service_periods_are_contiguous_unless_cancelled(dataset: DemoDataset) -> None:
    cancelled = cancellations(dataset)
    gaps = 0
    for sub, items in subscription_items(dataset).items():
        regular = [i for i in items if not i.prorated]
        for before, after in pairwise(regular):
            if after.start == before.end:
                continue
            gaps += 1
            assert after.start > before.end, sub  # never overlapping
            # A gap is a reactivation: the subscription was cancelled during or at the end of the earlier period.
            assert any(before.start < c <= before.end for c in cancelled[sub]), sub
    assert gaps > 0


def test_cancellations_end_a_period_and_reactivations_follow_them(dataset: DemoDataset) -> None:
    items_by_sub = subscription_items(dataset)
    reactivations = 0
    for sub, dates in cancellations(dataset).items():
        assert dates == sorted(dates) and len(dates) == len(set(dates))
        items = items_by_sub[sub]
        for c in dates:
            ongoing = [i for i in items if i.start < c]
            assert ongoing, f"{sub} cancelled before it started"
            assert c <= max(i.end for i in ongoing)  # cancels the running period, not one long gone
            later = [i for i in items if i.start >= c]
            if later:
                reactivations += 1
                assert min(i.start for i in later) > c  # a reactivation comes after its cancellation
                assert all(not i.prorated for i in later if i.start == min(j.start for j in later))
    assert reactivations > 0


def test_prorations_lie_inside_a_plan_period(dataset: DemoDataset) -> None:
    prorations = 0
    for items in subscription_items(dataset).values():
        regular = [i for i in items if not i.prorated]
        for item in items:
            if not item.prorated:
                assert "proration_type" not in item.raw
                continue
            prorations += 1
            assert item.raw["proration_type"] == "differential"
            period = [r for r in regular if r.start < item.start and r.end == item.end]
            assert len(period) == 1  # the rest of exactly one running period
            assert item.raw["plan_external_id"] == period[0].raw["plan_external_id"]
            assert item.end - item.start < period[0].end - period[0].start
    assert prorations > 0


def test_payments_fail_retry_and_refund_plausibly(dataset: DemoDataset) -> None:
    cancelled = cancellations(dataset)
    kinds: Counter[str] = Counter()
    for invoice in dataset.invoices():
        transactions = invoice["transactions"]
        assert transactions and transactions[0]["type"] == "payment"
        dates = [parse_wire(t["date"]) for t in transactions]
        assert dates == sorted(dates)
        payments = [t["result"] for t in transactions if t["type"] == "payment"]
        if payments[-1] == "successful":
            kinds["retried" if "failed" in payments else "paid"] += 1
            assert payments.count("successful") == 1
        else:
            kinds["delinquent"] += 1
            # Unpaid for good: the subscription on it is cancelled two weeks after the invoice.
            sub = invoice["line_items"][0]["subscription_external_id"]
            assert parse_wire(invoice["date"]) + timedelta(days=14) in cancelled[sub]
        for refund in (t for t in transactions if t["type"] == "refund"):
            kinds["refund"] += 1
            assert payments[-1] == "successful"
            assert refund["amount_in_cents"] <= sum(li["amount_in_cents"] for li in invoice["line_items"])
    assert kinds["paid"] > 10 * kinds["retried"] > 0
    assert kinds["delinquent"] > 0 and kinds["refund"] > 0


def test_the_history_has_every_kind_of_movement(dataset: DemoDataset) -> None:
    upgrades = downgrades = seat_changes = 0
    tier_rank = {"starter": 0, "pro": 1, "business": 2, "addon": -1}
    for items in subscription_items(dataset).values():
        regular = [i for i in items if not i.prorated]
        for before, after in pairwise(regular):
            old = tier_rank[PLANS_BY_ID[before.raw["plan_external_id"]].tier]
            new = tier_rank[PLANS_BY_ID[after.raw["plan_external_id"]].tier]
            upgrades += new > old
            downgrades += new < old
            seat_changes += before.raw["quantity"] != after.raw["quantity"]
    items = [li for i in dataset.invoices() for li in i["line_items"]]
    assert upgrades > 0 and downgrades > 0 and seat_changes > 0
    assert {li["discount_code"] for li in items if "discount_code" in li} == {"LAUNCH20", "STARTUP50", "WINBACK30"}
    assert any(li["type"] == "one_time" for li in items)
    assert any("subscription_set_external_id" in li for li in items)
    assert {li["plan_external_id"] for li in items if "plan_external_id" in li} == set(PLANS_BY_ID)
    assert {p["interval_unit"] for p in dataset.plans} == {"month", "year"}
    assert {p["interval_count"] for p in dataset.plans} == {1, 3, 12}
    leads = [h for h in dataset.customers if not h.invoices]
    assert 0 < len(leads) < len(dataset.customers) * 0.2
    assert all("free_trial_started_at" in h.customer for h in leads if parse_wire(h.customer["lead_created_at"]) < END)


def test_signups_grow_over_the_years(dataset: DemoDataset) -> None:
    per_year = Counter(
        (parse_wire(h.customer.get("free_trial_started_at") or h.invoices[0]["date"]) - CONFIG.history_start).days
        // 366
        for h in dataset.customers
        if h.invoices or "free_trial_started_at" in h.customer
    )
    assert per_year[0] < per_year[1] < per_year[2]
    counts = monthly_signup_counts(random.Random(7), CONFIG)
    assert sum(counts) == CONFIG.customers
    assert sum(counts[-12:]) > 2.2 * sum(counts[:12])  # 4% a month: 1.6x a year, 2.6x in two


def test_seasonality_shows_in_monthly_signups() -> None:
    flat_growth = GeneratorConfig(customers=12_000, seed=3, growth=0.0)
    counts = monthly_signup_counts(random.Random(3), flat_growth)
    for year in range(3):
        january, august, september = counts[12 * year], counts[12 * year + 7], counts[12 * year + 8]
        assert january > 1.3 * august and september > 1.3 * august
    no_season = monthly_signup_counts(random.Random(3), GeneratorConfig(customers=12_000, growth=0.0, seasonality=0))
    assert max(no_season) < 1.2 * min(no_season)


def test_signup_times_are_ordered_and_fall_in_their_month() -> None:
    config = GeneratorConfig(customers=500, seed=5, start=date(2024, 1, 31), months=13)
    counts = monthly_signup_counts(random.Random(5), config)
    times = signup_times(random.Random(5), config)
    assert times == sorted(times) and len(times) == 500
    assert config.history_start <= times[0] and times[-1] < config.history_end
    assert counts == monthly_signup_counts(random.Random(5), config)
