"""Past Due status and auto-churn after a missing renewal or an unpaid invoice."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from engine_builders import Book, acts, ts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mogul.engine import EngineInputError, MetricsAggregate, Settings, SourceSettings, metrics_response

EPOCH = date(2024, 1, 1)


def _monthly_customer(book: Book):
    c = book.customer()
    return c, book.sub(c, "S", book.plan("Monthly"))


def _result(book: Book, customer, as_of: str | None):
    return book.result(customer, as_of=ts(as_of) if as_of else None)


# Past Due ------------------------------------------------------------------------------------------------


def test_a_past_due_invoice_in_the_latest_period_makes_the_customer_past_due():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 5000, invoice_state="open", past_due_at=ts("2024-02-08"))
    assert _result(book, c, None).status == "Past Due"
    assert _result(book, c, "2024-02-10").status == "Past Due"
    assert _result(book, c, "2024-02-05").status == "Active"  # not due yet
    # The subscription keeps its MRR while past due (default: no auto-churn).
    assert _result(book, c, "2024-02-10").mrr == 5000


def test_only_the_most_recent_billing_period_counts():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 5000, invoice_state="open", past_due_at=ts("2024-02-08"))
    book.item(s, "2024-03-01", "2024-04-01", 5000)  # paid renewal
    assert _result(book, c, None).status == "Active"
    assert _result(book, c, "2024-02-20").status == "Past Due"  # March's invoice is not the latest yet


def test_past_due_overrides_active_but_not_a_cancelled_subscription():
    book = Book()
    c = book.customer()
    plan = book.plan("Monthly")
    a, b = book.sub(c, "A", plan), book.sub(c, "B", plan)
    book.item(a, "2024-01-01", "2024-02-01", 5000)
    book.item(a, "2024-02-01", "2024-03-01", 5000)
    book.item(b, "2024-01-01", "2024-02-01", 2000)
    book.item(b, "2024-02-01", "2024-03-01", 2000, invoice_state="open", past_due_at=ts("2024-02-05"))
    assert book.result(c).status == "Past Due"  # one delinquent subscription is enough
    book.cancel(b, "2024-02-20")
    assert book.result(c).status == "Active"  # the past-due subscription is cancelled, A is fine


def test_a_paid_invoice_is_never_past_due():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000, past_due_at=ts("2024-01-05"))  # paid: the date is stale
    assert book.result(c).status == "Active"


# Auto-churn --------------------------------------------------------------------------------------------------


def _auto(days: int) -> Settings:
    return Settings(auto_churn_days=days)


def test_auto_churn_after_a_missing_renewal_never_later_than_as_of():
    book = Book(_auto(10))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    churned = _result(book, c, "2024-03-01")
    assert acts(churned) == [("2024-01-01", "new_biz", 5000, 5000), ("2024-02-11", "churn", -5000, 0)]
    assert churned.status == "Cancelled"
    assert churned.subscriptions[0]["end_date"] == "2024-02-11T00:00:00+00:00"
    # The grace period is not over yet, but the renewal is missing: Past Due ("Handling past-due subscriptions").
    assert _result(book, c, "2024-02-10").status == "Past Due"
    assert _result(book, c, "2024-01-31").status == "Active"  # the paid period still runs
    assert _result(book, c, "2024-02-11").status == "Cancelled"  # at the very moment it may fire
    # Without a "now" only a later event can prove the renewal missing.
    assert _result(book, c, None).status == "Active"


def test_auto_churn_then_reactivation_when_a_renewal_comes_late():
    book = Book(_auto(10))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-04-01", "2024-05-01", 5000)
    assert acts(_result(book, c, None)) == [
        ("2024-01-01", "new_biz", 5000, 5000),
        ("2024-02-11", "churn", -5000, 0),
        ("2024-04-01", "reactivation", 5000, 5000),
    ]


def test_a_renewal_at_the_last_moment_saves_the_subscription():
    book = Book(_auto(10))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-11", "2024-03-11", 5000)
    assert acts(_result(book, c, "2024-03-15")) == [("2024-01-01", "new_biz", 5000, 5000)]


def test_auto_churn_after_an_unpaid_invoice_falls_due():
    book = Book(_auto(5))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 5000, invoice_state="open", past_due_at=ts("2024-02-03"))
    assert _result(book, c, "2024-02-06").status == "Past Due"
    result = _result(book, c, "2024-02-20")
    assert acts(result)[-1] == ("2024-02-08", "churn", -5000, 0)  # due + 5 days, before Mar 1 + 5 days
    assert result.status == "Cancelled"


def test_a_cancellation_after_an_auto_churn_is_ignored():
    book = Book(_auto(10))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.cancel(s, "2024-03-01")
    assert [a.type for a in _result(book, c, "2024-04-01").activities] == ["new_biz", "churn"]
    assert _result(book, c, "2024-04-01").activities[-1].date.startswith("2024-02-11")


def test_auto_churn_is_per_data_source_and_off_by_default():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    assert _result(book, c, "2025-01-01").status == "Past Due"  # not churned: Past Due until cancelled
    on = Settings(data_sources={"ds_1": SourceSettings(auto_churn_days=30)})
    other = Settings(data_sources={"ds_other": SourceSettings(auto_churn_days=30)})
    assert book.result(c, on, as_of=ts("2025-01-01")).status == "Cancelled"
    assert book.result(c, other, as_of=ts("2025-01-01")).status == "Past Due"


def test_auto_churn_feeds_the_metrics():
    book = Book(_auto(10))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    agg = MetricsAggregate.from_results([_result(book, c, "2024-03-31")])
    mrr = metrics_response(agg, "mrr", date(2024, 1, 1), date(2024, 3, 31), "month")["entries"]
    count = metrics_response(agg, "customer-count", date(2024, 1, 1), date(2024, 3, 31), "month")["entries"]
    assert [(e["mrr"], e["mrr-churn"]) for e in mrr] == [(5000, 0), (0, -5000), (0, 0)]
    assert [e["customers"] for e in count] == [1, 0, 0]


@pytest.mark.parametrize("days", [0, 91, -1, 1.5])
def test_auto_churn_days_must_be_1_to_90(days):
    with pytest.raises(EngineInputError, match="auto_churn_days"):
        Settings(auto_churn_days=days)
    with pytest.raises(EngineInputError, match="auto_churn_days"):
        SourceSettings(auto_churn_days=days)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 200), st.sampled_from([1000, 5000]), st.booleans()), min_size=1, max_size=6),
    st.integers(1, 90),
    st.one_of(st.none(), st.integers(0, 260)),
)
def test_auto_churn_keeps_movements_consistent(renewals, days, as_of_day):
    book = Book(_auto(days))
    c, s = _monthly_customer(book)
    for day, amount, unpaid in renewals:
        start, end = EPOCH + timedelta(days=day), EPOCH + timedelta(days=day + 30)
        due = ts((start + timedelta(days=3)).isoformat()) if unpaid else None
        book.item(s, start.isoformat(), end.isoformat(), amount, invoice_state="open" if unpaid else None,
                  past_due_at=due)  # fmt: skip
    as_of = None if as_of_day is None else ts((EPOCH + timedelta(days=as_of_day)).isoformat())
    result = book.result(c, as_of=as_of)
    moved = sum(a.movement for a in result.activities)
    assert moved == result.mrr == (result.subscriptions[0]["mrr"] if result.subscriptions else 0)
    churns = [a.at for a in result.activities if a.type == "churn"]  # no cancellations: all are auto-churns
    if as_of is not None:
        assert all(at <= as_of for at in churns)
    else:  # without a "now", only a later renewal proves one missing
        last_start = ts((EPOCH + timedelta(days=max(day for day, _, _ in renewals))).isoformat())
        assert all(at < last_start for at in churns)
    kinds = [a.type for a in result.activities if a.type in ("new_biz", "churn", "reactivation")]
    assert all(x != y for x, y in itertools.pairwise(kinds) if x == "churn")
