"""Classification in customer context: several subscriptions, switches, sets, smart window, settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from engine_builders import Book, acts

from mogul.engine import Settings
from mogul.server.store.engine_io import activity_entry


def test_second_subscription_is_expansion_and_cancelling_one_of_two_is_contraction():
    book = Book()
    c = book.customer()
    a = book.sub(c, "A", book.plan("Basic"))
    b = book.sub(c, "B", book.plan("Addon"))
    book.item(a, "2024-01-01", "2024-02-01", 5000)
    book.item(b, "2024-01-10", "2024-02-10", 2000)
    book.cancel(b, "2024-01-20")
    assert [x[1:] for x in acts(book.result(c))] == [
        ("new_biz", 5000, 5000),
        ("expansion", 2000, 2000),
        ("contraction", -2000, 0),
    ]


def test_switch_between_unlinked_subscriptions_is_churn_then_reactivation():
    book = Book()
    c = book.customer()
    a = book.sub(c, "A", book.plan("Basic"))
    b = book.sub(c, "B", book.plan("Pro"))
    book.item(a, "2024-01-01", "2024-02-01", 5000)
    book.cancel(a, "2024-03-01")
    book.item(b, "2024-03-01", "2024-04-01", 8000)
    assert acts(book.result(c))[1:] == [
        ("2024-03-01", "churn", -5000, 0),
        ("2024-03-01", "reactivation", 8000, 8000),
    ]


def test_linked_set_members_switching_at_one_instant_make_a_single_movement():
    book = Book()
    c = book.customer()
    a = book.sub(c, "A", book.plan("Basic"), set_id="set-1")
    b = book.sub(c, "B", book.plan("Pro"), set_id="set-1")
    book.item(a, "2024-01-01", "2024-02-01", 5000)
    book.cancel(a, "2024-03-01")
    book.item(b, "2024-03-01", "2024-04-01", 8000)
    result = book.result(c)
    assert acts(result)[1:] == [("2024-03-01", "expansion", 3000, 8000)]
    last = activity_entry(result.activities[-1])
    assert last["description"] == "switched plan from Basic to Pro"
    assert last["subscription-external-id"] == "B"
    assert last["subscription-set-external-id"] == "set-1"
    assert last["plan-external-id"] == "pro"
    assert book.month_ends(date(2024, 2, 1), date(2024, 3, 31)) == [(5000, 1), (8000, 1)]


def test_connected_subscriptions_switching_at_one_instant_make_a_single_movement():
    """connect_subscriptions: linked like set members, while the activity keeps the real (empty) set id."""
    book = Book()
    c = book.customer()
    a = book.sub(c, "A", book.plan("Basic"))
    b = book.sub(c, "B", book.plan("Pro"))
    book.subs[a.uuid] = a = replace(a, connection_key="group-1")
    book.subs[b.uuid] = b = replace(b, connection_key="group-1")
    book.item(a, "2024-01-01", "2024-02-01", 5000)
    book.cancel(a, "2024-03-01")
    book.item(b, "2024-03-01", "2024-04-01", 8000)
    result = book.result(c)
    assert acts(result)[1:] == [("2024-03-01", "expansion", 3000, 8000)]
    assert activity_entry(result.activities[-1])["subscription-set-external-id"] == ""


def test_subscriptions_of_different_connections_are_not_linked():
    book = Book()
    c = book.customer()
    a = book.sub(c, "A", book.plan("Basic"))
    b = book.sub(c, "B", book.plan("Pro"))
    book.subs[a.uuid] = a = replace(a, connection_key="group-1")
    book.subs[b.uuid] = b = replace(b, connection_key="group-2")
    book.item(a, "2024-01-01", "2024-02-01", 5000)
    book.cancel(a, "2024-03-01")
    book.item(b, "2024-03-01", "2024-04-01", 8000)
    assert [t for _, t, _, _ in acts(book.result(c))[1:]] == ["churn", "reactivation"]


def test_plan_change_inside_one_subscription():
    book = Book()
    c = book.customer()
    basic, pro = book.plan("Basic"), book.plan("Pro")
    s = book.sub(c, "S", basic)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 4000, plan=pro)
    result = book.result(c)
    assert acts(result)[1] == ("2024-02-01", "contraction", -1000, 4000)
    assert result.activities[1].description == "switched plan from Basic to Pro"
    assert result.subscriptions[0]["plan"] == "Pro"


def test_items_of_one_subscription_at_one_start_add_up_in_event_order():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("Base"))
    book.item(s, "2024-01-01", "2024-02-01", 2000, event_order=2)
    book.item(s, "2024-01-01", "2024-02-01", 5000, event_order=1)
    book.item(s, "2024-02-01", "2024-03-01", 5000)
    assert [x[1:] for x in acts(book.result(c))] == [("new_biz", 7000, 7000), ("contraction", -2000, 5000)]


def _bought_then_left(window: int | None) -> list[str]:
    book = Book(Settings(smart_activity_window_minutes=window))
    c = book.customer()
    a = book.sub(c, "A", book.plan("A"))
    b = book.sub(c, "B", book.plan("B"))
    book.item(a, "2024-01-01T10:00", "2024-02-01T10:00", 5000)
    book.item(b, "2024-01-01T10:30", "2024-02-01T10:30", 3000)
    book.cancel(a, "2024-05-01T09:00")
    book.cancel(b, "2024-05-01T09:20")
    result = book.result(c)
    assert sum(a.movement for a in result.activities) == 0  # totals never change
    return [a.type for a in result.activities]


def test_smart_activity_window_reclassifies_near_simultaneous_movements():
    assert _bought_then_left(None) == ["new_biz", "expansion", "contraction", "churn"]
    assert _bought_then_left(60) == ["new_biz", "new_biz", "churn", "churn"]
    assert _bought_then_left(15) == ["new_biz", "expansion", "contraction", "churn"]


def test_smart_window_counts_once_in_asp_but_keeps_flow_totals():
    book = Book(Settings(smart_activity_window_minutes=60))
    c = book.customer()
    book.item(book.sub(c, "A", book.plan("A")), "2024-01-01T10:00", "2024-02-01T10:00", 5000)
    book.item(book.sub(c, "B", book.plan("B")), "2024-01-01T10:30", "2024-02-01T10:30", 3000)
    from mogul.engine import metrics_response

    entry = metrics_response(book.aggregate(), "all", date(2024, 1, 1), date(2024, 1, 31))["entries"][0]
    assert entry["asp"] == 8000  # 8000 new business from one new customer
    assert entry["mrr"] == 8000


def test_free_customer_handling_active_keeps_customer_and_reads_drop_as_contraction():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 0)
    book.item(s, "2024-03-01", "2024-04-01", 5000)
    result = book.result(c)
    assert [x[1:3] for x in acts(result)] == [("new_biz", 5000), ("contraction", -5000), ("expansion", 5000)]
    assert book.month_ends(date(2024, 2, 1), date(2024, 2, 29)) == [(0, 1)]
    assert result.status == "Active"


def test_free_customer_handling_churn_treats_the_drop_as_churn():
    settings = Settings(free_customer_handling="churn")
    book = Book(settings)
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 0)
    book.item(s, "2024-03-01", "2024-04-01", 5000)
    result = book.result(c)
    assert [x[1:3] for x in acts(result)] == [("new_biz", 5000), ("churn", -5000), ("reactivation", 5000)]
    assert result.activities[2].description == "reactivated the P plan"
    assert book.month_ends(date(2024, 2, 1), date(2024, 2, 29)) == [(0, 0)]


def test_unpaid_first_invoice_does_not_start_a_subscription_by_default():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 5000, paid=False)
    assert book.result(c).status == "New Lead"
    assert acts(book.result(c, Settings(new_sub_requires_paid_invoice=False))) == [
        ("2024-01-01", "new_biz", 5000, 5000)
    ]


def test_unpaid_renewal_still_updates_an_active_subscription():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("P"))
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 6000, paid=False)
    assert acts(book.result(c))[-1] == ("2024-02-01", "expansion", 1000, 6000)


def test_quantity_change_description():
    book = Book()
    c = book.customer()
    s = book.sub(c, "S", book.plan("Seat"))
    book.item(s, "2024-01-01", "2024-02-01", 3000, quantity=1)
    book.item(s, "2024-02-01", "2024-03-01", 6000, quantity=2)
    assert book.result(c).activities[1].description == "changed quantity of the Seat plan from 1 to 2"


def test_price_change_description_and_day_plan_normalisation():
    book = Book()
    c = book.customer()
    weekly = book.plan("Weekly", 7, "day")
    s = book.sub(c, "S", weekly)
    book.item(s, "2024-01-01", "2024-01-08", 700)
    book.item(s, "2024-01-08", "2024-01-15", 1400)
    result = book.result(c)
    assert acts(result)[0][2] == 3044  # 700 × 30.4375 / 7 = 3043.75
    assert result.activities[1].description == "upgraded the Weekly plan"
    assert book.result(c, Settings(day_normalisation=30)).activities[0].movement == 3000


def test_multi_year_plan_and_full_proration_replaces():
    book = Book()
    c = book.customer()
    two_years = book.plan("Biennial", 2, "year")
    s = book.sub(c, "S", two_years)
    book.item(s, "2024-01-01", "2026-01-01", 240000)
    # A "full" prorated item replaces the MRR; its full period is the 2 years ending 2026-01-01 (731 days).
    book.item(s, "2025-01-01", "2026-01-01", 12000, prorated=True, proration_type="full")
    result = book.result(c)
    assert acts(result)[0][2] == 10000
    assert result.mrr == 1001  # round(12000 / 24 × 731 / 365) = round(1001.37)


def test_activity_mrr_is_subscription_mrr_not_customer_mrr():
    book = Book()
    c = book.customer()
    book.item(book.sub(c, "A", book.plan("A")), "2024-01-01", "2024-02-01", 5000)
    book.item(book.sub(c, "B", book.plan("B")), "2024-01-02", "2024-02-02", 2000)
    assert book.result(c).activities[1].mrr == 2000
