"""A subscription's MRR never goes below 0 (regression: amount below tax, credit above the current MRR)."""

from __future__ import annotations

from datetime import date, timedelta

from engine_builders import Book, acts, ts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mogul.engine import Settings

EPOCH_2024 = date(2024, 1, 1)


def test_renewal_billed_below_its_tax_contracts_to_zero_not_below():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("Monthly"))
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 0, tax_amount_in_cents=100)  # $0 renewal still reporting tax
    book.cancel(s, "2024-02-15")
    result = book.result(c)
    # Free-but-active at 0, then the cancellation moves no MRR, so it makes no activity (no "churn +100").
    assert acts(result) == [("2024-01-01", "new_biz", 5000, 5000), ("2024-02-01", "contraction", -5000, 0)]
    assert result.status == "Cancelled"
    assert result.mrr_history[s.uuid] == ((ts("2024-01-01"), 5000), (ts("2024-02-01"), 0),
                                          (ts("2024-02-15"), 0))  # fmt: skip


def test_below_tax_renewal_is_churn_under_free_churn_handling():
    book = Book(Settings(free_customer_handling="churn"))
    c = book.customer()
    s = book.sub(c, "S", book.plan("Monthly"))
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 50, tax_amount_in_cents=100)
    assert acts(book.result(c)) == [("2024-01-01", "new_biz", 5000, 5000), ("2024-02-01", "churn", -5000, 0)]


def test_prorated_credit_larger_than_the_mrr_stops_at_zero_and_the_renewal_restores_it():
    book = Book()
    c = book.customer()
    plan = book.plan("Monthly")
    s = book.sub(c, "S", plan)
    book.item(s, "2024-03-01", "2024-04-01", 3100)
    # A 15.5-day credit of -2000 on a 31-day month is an MRR delta of -4000, more than the 3100 there is.
    book.item(s, "2024-03-16T12:00", "2024-04-01", -2000, prorated=True, quantity=1)
    book.item(s, "2024-04-01", "2024-05-01", 3100)
    result = book.result(c)
    assert acts(result) == [
        ("2024-03-01", "new_biz", 3100, 3100),
        ("2024-03-16", "contraction", -3100, 0),
        ("2024-04-01", "expansion", 3100, 3100),
    ]
    assert result.subscriptions[0]["quantity"] == 1
    assert sum(a.movement for a in result.activities) == result.mrr == 3100


item_strategy = st.fixed_dictionaries(
    {
        "day": st.integers(0, 120),
        "amount": st.sampled_from([0, 50, 1000, 5000]),
        "tax": st.sampled_from([0, 0, 100, 2000]),
        # None: a normal renewal; else a prorated differential credit or charge over the last `n` days
        "prorated_days": st.one_of(st.none(), st.integers(1, 29)),
        "credit": st.sampled_from([-6000, -1500, 800]),
    }
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(item_strategy, min_size=1, max_size=6), min_size=1, max_size=3),
    st.lists(st.integers(0, 130), max_size=2),
    st.sampled_from(["active", "churn"]),
    st.sampled_from([None, 60]),
)
def test_no_negative_mrr_and_churn_is_always_a_loss(subs, cancels, free, window):
    book = Book(Settings(free_customer_handling=free, smart_activity_window_minutes=window))
    c = book.customer()
    plan = book.plan("Monthly")
    for j, items in enumerate(subs):
        s = book.sub(c, f"S{j}", plan)
        for spec in items:
            start = EPOCH_2024 + timedelta(days=spec["day"])
            end = start + timedelta(days=30)
            if spec["prorated_days"] is None:
                book.item(s, start.isoformat(), end.isoformat(), spec["amount"],
                          tax_amount_in_cents=spec["tax"])  # fmt: skip
            else:
                mid = end - timedelta(days=spec["prorated_days"])
                book.item(s, mid.isoformat(), end.isoformat(), spec["credit"], prorated=True)
        for day in cancels[j : j + 1]:
            book.cancel(s, (EPOCH_2024 + timedelta(days=day)).isoformat())
    result = book.result(c)
    assert all(mrr >= 0 for history in result.mrr_history.values() for _, mrr in history)
    assert all(a.mrr >= 0 for a in result.activities)
    if window is None:  # the smart window retypes movements near a churn or a start, whatever their sign
        assert all(a.movement < 0 for a in result.activities if a.type in ("churn", "contraction"))
        assert all(a.movement > 0 for a in result.activities if a.type not in ("churn", "contraction"))
    current = {s["uuid"]: s["mrr"] for s in result.subscriptions}
    for sub_uuid in result.mrr_history:
        moved = sum(a.movement for a in result.activities if a.subscription_uuid == sub_uuid)
        assert moved == current.get(sub_uuid, 0) >= 0
    assert result.mrr >= 0
