"""Rules from ChartMogul's own pages (issue 19), each built from the page's example where it gives one.

- Refunds sent as their own invoice ("Adding refunds using the Import API") and, generally, several invoices
  for one subscription and service period.
- Past Due from an unpaid renewal and from a missing renewal ("Customer & Subscription Statuses", "Handling
  past-due subscriptions", "Adding paused subscriptions"), and when time alone changes the answer.
- Connected subscriptions with a gap ("MRR data editing").
- Smart Activity Classification on by default ("Understanding MRR movements").
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date

import pytest
from engine_builders import Book, acts, ts

from mogul.engine import MetricsAggregate, Settings, SourceSettings, compute_customer, metrics_response


def _item(book: Book, sub, start: str, end: str, amount: int, invoice: str, **kw):
    return book.item(sub, start, end, amount, invoice_external_id=invoice, **kw)


# Refunds and several invoices for one period ------------------------------------------------------------------


def _alice(book: Book, **refund_invoice):
    """The page's example: Alice pays $250 for an annual plan on Jan 1 2016 (INV0004); the full refund comes on
    Jan 5 as a second invoice with the same subscription line item and a refund transaction (INV0005)."""
    c = book.customer("Alice")
    s = book.sub(c, "sub_0002", book.plan("Annual Plan", 1, "year"))
    _item(book, s, "2016-01-01", "2017-01-01", 25000, "INV0004", invoice_date=ts("2016-01-01"))
    # The server reads a refund-only invoice as settled (paid) and fully refunded.
    kw = {"invoice_date": ts("2016-01-05"), "refunded": True} | refund_invoice
    _item(book, s, "2016-01-01", "2017-01-01", 25000, "INV0005", **kw)
    return c, s


def test_a_refund_invoice_for_the_same_period_does_not_double_mrr():
    book = Book()
    c, _ = _alice(book)
    result = book.result(c)
    assert result.mrr == 2083  # 25000 / 12, once
    assert acts(result) == [("2016-01-01", "new_biz", 2083, 2083)]
    assert result.subscriptions[0]["quantity"] == 1
    entries = metrics_response(book.aggregate(), "all", date(2016, 1, 1), date(2016, 2, 29), "month")["entries"]
    assert [(e["mrr"], e["arpa"], e["asp"], e["customers"]) for e in entries] == [
        (2083, 2083, 2083, 1),
        (2083, 2083, 0, 1),
    ]
    assert [e["customer-churn-rate"] for e in entries] == [0.0, 0.0]  # a refund is not churn


@pytest.mark.parametrize("state", ["open", "partially_paid", "paid"])
def test_the_refund_invoice_never_adds_whatever_its_payment_state(state):
    book = Book()
    c, _ = _alice(book, invoice_state=state)
    assert book.result(c).mrr == 2083


def test_excluding_fully_refunded_invoices_drops_only_the_refund_invoice():
    book = Book(Settings(data_sources={"ds_1": SourceSettings(exclude_refunded=True)}))
    c, _ = _alice(book)
    assert acts(book.result(c)) == [("2016-01-01", "new_biz", 2083, 2083)]


def test_a_later_invoice_for_the_same_period_replaces_the_earlier_one():
    # The general rule: a subscription has one MRR for a period; a second invoice for it (re-sent, corrected,
    # or a refund) restates the period instead of adding to it. The latest invoice wins.
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("Monthly"))
    _item(book, s, "2024-01-01", "2024-02-01", 5000, "inv_1", invoice_date=ts("2024-01-01"))
    _item(book, s, "2024-01-01", "2024-02-01", 3000, "inv_2", invoice_date=ts("2024-01-03"))
    result = book.result(c)
    assert acts(result) == [("2024-01-01", "new_biz", 3000, 3000)]
    assert result.mrr_history[s.uuid] == ((ts("2024-01-01"), 3000),)


def test_lines_of_one_invoice_for_one_subscription_still_add_up():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("Monthly"))
    _item(book, s, "2024-01-01", "2024-02-01", 5000, "inv_1", position=0)
    _item(book, s, "2024-01-01", "2024-02-01", 3000, "inv_1", position=1)
    _item(book, s, "2024-02-01", "2024-03-01", 5000, "inv_2")
    _item(book, s, "2024-02-01", "2024-03-01", 5000, "inv_3", invoice_date=ts("2024-02-02"))  # re-sent
    result = book.result(c)
    assert acts(result) == [("2024-01-01", "new_biz", 8000, 8000), ("2024-02-01", "contraction", -3000, 5000)]
    assert result.subscriptions[0]["quantity"] == 1


def test_a_renewal_restated_by_a_second_invoice_makes_one_movement():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("Monthly"))
    _item(book, s, "2024-01-01", "2024-02-01", 5000, "inv_1")
    _item(book, s, "2024-02-01", "2024-03-01", 7000, "inv_2")
    _item(book, s, "2024-02-01", "2024-03-01", 7000, "inv_3", invoice_date=ts("2024-02-05"))
    assert acts(book.result(c)) == [("2024-01-01", "new_biz", 5000, 5000), ("2024-02-01", "expansion", 2000, 7000)]


# Past Due -----------------------------------------------------------------------------------------------------


def _monthly(book: Book):
    c = book.customer()
    return c, book.sub(c, "S", book.plan("Monthly"))


def test_a_renewal_whose_only_payment_failed_is_past_due_and_keeps_counting():
    book = Book()
    c, s = _monthly(book)
    _item(book, s, "2024-01-01", "2024-02-01", 5000, "inv_1")
    _item(book, s, "2024-02-01", "2024-03-01", 5000, "inv_2", invoice_state="open", past_due_at=ts("2024-02-01T02:00"))
    result = book.result(c, as_of=ts("2024-02-10"))
    assert result.status == "Past Due"
    assert result.subscriptions[0]["status"] == "past_due"
    assert result.mrr == 5000  # Past Due still counts (the default of "Handling past-due subscriptions")
    agg = MetricsAggregate.from_results([result])
    entries = metrics_response(agg, "all", date(2024, 2, 1), date(2024, 2, 29), "month")["entries"]
    assert (entries[0]["mrr"], entries[0]["customers"]) == (5000, 1)


def test_an_unpaid_renewal_becomes_past_due_when_the_clock_passes_its_due_date():
    book = Book()
    c, s = _monthly(book)
    _item(book, s, "2024-01-01", "2024-02-01", 5000, "inv_1")
    _item(book, s, "2024-02-01", "2024-03-01", 5000, "inv_2", invoice_state="open", past_due_at=ts("2024-02-15"))
    before = book.result(c, as_of=ts("2024-02-10"))
    assert before.status == "Active"
    assert before.recompute_at == ts("2024-02-15")  # nothing new is imported, yet the answer changes then
    assert book.result(c, as_of=ts("2024-02-15")).status == "Past Due"


def test_a_subscription_without_a_renewal_invoice_is_past_due_at_the_end_of_its_period():
    # "If your business stops issuing invoices ... ChartMogul classifies these customers as Past due and they
    # continue to generate MRR. Subscriptions are active in ChartMogul until they are explicitly canceled."
    book = Book()
    c, s = _monthly(book)
    _item(book, s, "2024-01-01", "2024-02-01", 5000, "inv_1")
    running = book.result(c, as_of=ts("2024-01-20"))
    assert (running.status, running.recompute_at) == ("Active", ts("2024-02-01"))
    lapsed = book.result(c, as_of=ts("2024-03-15"))
    assert (lapsed.status, lapsed.mrr, lapsed.recompute_at) == ("Past Due", 5000, None)
    assert lapsed.subscriptions[0]["status"] == "past_due"
    book.cancel(s, "2024-03-20")
    assert book.result(c, as_of=ts("2024-03-25")).status == "Cancelled"


def test_the_paused_plan_of_the_page_keeps_the_customer_active_at_zero():
    # "Adding paused subscriptions": a $0 invoice on a paused plan keeps the customer Active without MRR.
    book = Book()
    c, s = _monthly(book)
    paused = book.plan("Paused")
    _item(book, s, "2022-10-01", "2022-11-01", 5000, "inv_1")
    _item(book, s, "2022-11-01", "2022-12-01", 0, "INV123", plan=paused)
    result = book.result(c, as_of=ts("2022-11-20"))
    assert (result.status, result.mrr) == ("Active", 0)


def test_without_a_clock_only_unpaid_invoices_make_past_due():
    book = Book()
    c, s = _monthly(book)
    _item(book, s, "2024-01-01", "2024-02-01", 5000, "inv_1")
    result = book.result(c)
    assert (result.status, result.recompute_at) == ("Active", None)


# Connected subscriptions with a gap ---------------------------------------------------------------------------


def _switch_with_gap(connected: bool) -> tuple[Book, object]:
    """Customer moves from billing system A (cancelled Mar 1) to B (first invoice May 1)."""
    book = Book()
    c = book.customer()
    old = book.sub(c, "old", book.plan("Old"))
    new = book.sub(c, "new", book.plan("New"))
    if connected:
        for sub in (old, new):
            book.subs[sub.uuid] = dataclasses.replace(sub, connection_key="k1")
    _item(book, old, "2024-01-01", "2024-02-01", 5000, "a1")
    _item(book, old, "2024-02-01", "2024-03-01", 5000, "a2")
    book.cancel(old, "2024-03-01")
    _item(book, new, "2024-05-01", "2024-06-01", 6000, "b1")
    return book, c


def test_connected_subscriptions_smooth_the_gap_at_the_cancelled_mrr():
    book, c = _switch_with_gap(connected=True)
    result = book.result(c)
    assert acts(result) == [("2024-01-01", "new_biz", 5000, 5000), ("2024-05-01", "expansion", 1000, 6000)]
    assert result.activities[-1].description == "switched plan from Old to New"
    months = book.month_ends(date(2024, 1, 1), date(2024, 6, 30))
    assert months == [(5000, 1), (5000, 1), (5000, 1), (5000, 1), (6000, 1), (6000, 1)]
    old = next(s for s in result.subscriptions if s["external_id"] == "old")
    assert old["end_date"] == "2024-05-01T00:00:00+00:00"


def test_unconnected_subscriptions_keep_the_churn_and_the_reactivation():
    book, c = _switch_with_gap(connected=False)
    assert [a.type for a in book.result(c).activities] == ["new_biz", "churn", "reactivation"]
    assert book.month_ends(date(2024, 3, 1), date(2024, 4, 30)) == [(0, 0), (0, 0)]


def test_a_connected_subscription_that_restarts_itself_first_is_not_smoothed():
    book, c = _switch_with_gap(connected=True)
    old = next(s for s in book.subs.values() if s.external_id == "old")
    _item(book, old, "2024-04-01", "2024-05-01", 5000, "a3")
    types = [(a.date[:10], a.type) for a in book.result(c).activities]
    assert types[:3] == [("2024-01-01", "new_biz"), ("2024-03-01", "churn"), ("2024-04-01", "reactivation")]


# Smart Activity Classification and LTV defaults ---------------------------------------------------------------


def _two_at_once(settings: Settings) -> Book:
    book = Book(settings)
    c = book.customer()
    plan = book.plan("Monthly")
    for position, (name, amount) in enumerate((("base", 10000), ("addon", 5000))):
        _item(book, book.sub(c, name, plan), "2024-01-01", "2024-02-01", amount, "inv_1", position=position)
    return book


def test_components_a_new_customer_starts_with_at_once_are_all_new_business_by_default():
    book = _two_at_once(Settings())
    (c,) = book.customers.values()
    kinds = [(a.subscription_external_id, a.type, a.movement) for a in book.result(c).activities]
    assert kinds == [("base", "new_biz", 10000), ("addon", "new_biz", 5000)]
    # Off (proximate_movement_reclassification "disabled"): the invoice's line order decides which is first.
    off = book.result(c, Settings(smart_activity_window_minutes=None))
    assert [(a.subscription_external_id, a.type) for a in off.activities] == [
        ("base", "new_biz"),
        ("addon", "expansion"),
    ]
    entries = metrics_response(book.aggregate(), "all", date(2024, 1, 1), date(2024, 1, 31), "month")["entries"]
    assert entries[0]["asp"] == 15000  # the whole starting MRR is new business


# Determinism (issue 18, defect 6) -------------------------------------------------------------------------------


def _same_instant_book() -> Book:
    book = Book(Settings(smart_activity_window_minutes=None))
    plan = book.plan("Monthly")
    for n in range(6):
        c = book.customer(f"C{n}")
        subs = [book.sub(c, f"s{k}", plan) for k in range(3)]
        for k, sub in enumerate(subs):  # three subscriptions start at the same instant, on two invoices
            _item(book, sub, "2024-01-01", "2024-02-01", 1000 * (k + 1), f"inv_{n}_{k % 2}", position=k)
        _item(book, subs[0], "2024-02-01", "2024-03-01", 500, f"inv_{n}_2")
        _item(book, subs[1], "2024-02-01", "2024-03-01", 2500, f"inv_{n}_2", position=1)
        book.cancel(subs[2], "2024-02-01")
    return book


def test_activities_are_a_function_of_the_data_not_of_its_order():
    book = _same_instant_book()
    reference = {c.uuid: book.result(c) for c in book.customers.values()}
    rng = random.Random(18)
    for _ in range(20):
        for c in book.customers.values():
            items = book.items[c.uuid][:]
            rng.shuffle(items)
            subs = [s for s in book.subs.values() if s.customer_uuid == c.uuid]
            rng.shuffle(subs)
            again = compute_customer(c, subs, items, book.plans, book.settings)
            assert again.activities == reference[c.uuid].activities
            assert again.subscriptions == reference[c.uuid].subscriptions
            assert again.flows == reference[c.uuid].flows
