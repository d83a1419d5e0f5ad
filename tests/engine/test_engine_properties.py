"""Property tests: invariants that must hold for any input (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from engine_builders import Book
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mogul.engine import MetricsAggregate, Settings, metrics_response
from mogul.engine.timeutil import DAY_US, date_us

EPOCH = date(2024, 1, 1)

sub_strategy = st.fixed_dictionaries(
    {
        # service period starts as day offsets; duplicates and overlaps are allowed on purpose
        "starts": st.lists(st.integers(0, 150), min_size=1, max_size=6),
        "amounts": st.lists(st.sampled_from([1000, 2000, 3500, 5000, 12000]), min_size=6, max_size=6),
        # which invoice bills each item: same-start items on one invoice add up, on two the later replaces
        "invoices": st.lists(st.integers(0, 2), min_size=6, max_size=6),
        "cancels": st.lists(st.integers(0, 170), max_size=2),
        "annual": st.booleans(),
    }
)
customer_strategy = st.lists(sub_strategy, min_size=1, max_size=3)
book_strategy = st.lists(customer_strategy, min_size=1, max_size=4)
settings_strategy = st.builds(
    Settings,
    churn_recognition=st.sampled_from(["at_cancellation", "end_of_service_period"]),
    smart_activity_window_minutes=st.sampled_from([None, 60, 60 * 24 * 3]),
    free_customer_handling=st.sampled_from(["active", "churn"]),
)


def _day(offset: int) -> str:
    return (EPOCH + timedelta(days=offset)).isoformat()


def _build(customers: list, engine_settings: Settings) -> Book:
    book = Book(engine_settings)
    monthly, annual = book.plan("Monthly"), book.plan("Annual", 1, "year")
    for i, subs in enumerate(customers):
        c = book.customer(f"C{i}")
        for j, spec in enumerate(subs):
            plan = annual if spec["annual"] else monthly
            sub = book.sub(c, f"S{j}", plan)
            for start, amount, invoice in zip(spec["starts"], spec["amounts"], spec["invoices"], strict=False):
                end = _day(start + (365 if spec["annual"] else 30))
                book.item(sub, _day(start), end, amount, invoice_external_id=f"i{start}-{invoice}")
            for cancel in spec["cancels"]:
                book.cancel(sub, _day(cancel))
    return book


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book_strategy, settings_strategy)
def test_movements_of_a_subscription_sum_to_its_mrr(customers, engine_settings):
    book = _build(customers, engine_settings)
    for result in book.results():
        current = {s["uuid"]: s["mrr"] for s in result.subscriptions}
        for sub_uuid in result.mrr_history:
            moved = sum(a.movement for a in result.activities if a.subscription_uuid == sub_uuid)
            assert moved == current.get(sub_uuid, 0)
        assert sum(a.movement for a in result.activities) == result.mrr
        assert all(a.movement != 0 for a in result.activities)
        if engine_settings.smart_activity_window_minutes is not None:
            continue  # the smart window may turn a contraction just before a churn into churn
        # a customer is never churned twice without a reactivation in between
        kinds = [a.type for a in result.activities if a.type in ("new_biz", "churn", "reactivation")]
        assert all(x != y for x, y in itertools.pairwise(kinds) if x == "churn")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book_strategy, settings_strategy, st.sampled_from(["day", "week", "month"]))
def test_stock_equals_previous_plus_flows(customers, engine_settings, interval):
    book = _build(customers, engine_settings)
    agg = book.aggregate()
    entries = metrics_response(agg, "mrr", date(2023, 12, 1), date(2024, 8, 31), interval)["entries"]
    previous = 0
    for e in entries:
        flows = sum(e[k] for k in ("mrr-new-business", "mrr-expansion", "mrr-contraction", "mrr-churn",
                                   "mrr-reactivation"))  # fmt: skip
        assert e["mrr"] == previous + flows
        previous = e["mrr"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book_strategy)
def test_customer_count_and_mrr_match_subscription_histories(customers):
    book = _build(customers, Settings())
    results = book.results()
    agg = MetricsAggregate.from_results(results)
    entries = metrics_response(agg, "all", date(2023, 12, 1), date(2024, 8, 31), "month")["entries"]
    for e in entries:
        cutoff = date_us(date.fromisoformat(e["date"])) + DAY_US  # state after everything of that day
        mrr = count = 0
        for result in results:
            latest = [
                next((v for at, v in reversed(history) if at < cutoff), 0) for history in result.mrr_history.values()
            ]
            mrr += sum(latest)
            count += any(v > 0 for v in latest)  # every amount is > 0: active means MRR-bearing
        assert (e["mrr"], e["customers"]) == (mrr, count)
