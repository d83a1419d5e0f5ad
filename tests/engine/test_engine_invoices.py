"""Invoices: same-instant invoices, invoice handling per data source, refunded/voided invoices, fees."""

from __future__ import annotations

import dataclasses

import pytest
from engine_builders import Book, acts, ts

from mogul.engine import EngineInputError, Settings, SourceSettings


def _monthly_customer(book: Book):
    c = book.customer()
    return c, book.sub(c, "S", book.plan("Monthly"))


# Same instant, several invoices -------------------------------------------------------------------------


def test_two_invoices_starting_a_subscription_at_one_instant_make_one_summed_movement():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000, invoice_date=ts("2024-01-01"))
    book.item(s, "2024-01-01", "2024-02-01", 3000, invoice_date=ts("2024-01-03"))  # a second invoice
    result = book.result(c)
    assert acts(result) == [("2024-01-01", "new_biz", 8000, 8000)]
    assert result.subscriptions[0]["quantity"] == 2
    assert result.mrr_history[s.uuid] == ((ts("2024-01-01"), 8000),)


def test_two_invoices_renewing_at_one_instant_make_one_movement():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 2000, invoice_date=ts("2024-02-05"))
    assert acts(book.result(c)) == [("2024-01-01", "new_biz", 5000, 5000), ("2024-02-01", "expansion", 2000, 7000)]


def test_an_unpaid_second_invoice_at_the_start_still_adds_as_an_update():
    # The paid invoice creates the subscription; the open one is an update, applied when issued (default).
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-01-01", "2024-02-01", 3000, invoice_state="open")
    assert acts(book.result(c)) == [("2024-01-01", "new_biz", 8000, 8000)]
    only_paid = Settings(data_sources={"ds_1": SourceSettings(update_subscription_when="paid")})
    assert acts(book.result(c, only_paid)) == [("2024-01-01", "new_biz", 5000, 5000)]


# Invoice handling -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("create", "state", "starts"),
    [
        ("paid", "open", False),
        ("paid", "partially_paid", False),
        ("paid", "paid", True),
        ("partially_paid", "open", False),
        ("partially_paid", "partially_paid", True),
        ("open", "open", True),
    ],
)
def test_create_subscription_when_invoice_is(create, state, starts):
    book = Book(Settings(data_sources={"ds_1": SourceSettings(create_subscription_when=create)}))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000, invoice_state=state)
    result = book.result(c)
    assert acts(result) == ([("2024-01-01", "new_biz", 5000, 5000)] if starts else [])
    assert result.status == ("Active" if starts else "New Lead")


def test_invoice_state_overrides_the_paid_flag_and_defaults_follow_new_sub_requires_paid_invoice():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000, paid=False, invoice_state="paid")
    assert book.result(c).mrr == 5000
    book2 = Book()
    c2, s2 = _monthly_customer(book2)
    book2.item(s2, "2024-01-01", "2024-02-01", 5000, paid=False)
    assert book2.result(c2).status == "New Lead"
    assert book2.result(c2, Settings(new_sub_requires_paid_invoice=False)).mrr == 5000


def test_update_subscription_when_paid_ignores_an_unpaid_renewal():
    book = Book(Settings(data_sources={"ds_1": SourceSettings(update_subscription_when="paid")}))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 9000, invoice_state="open")  # not applied: MRR stays 5000
    book.item(s, "2024-03-01", "2024-04-01", 7000)
    result = book.result(c)
    assert acts(result) == [("2024-01-01", "new_biz", 5000, 5000), ("2024-03-01", "expansion", 2000, 7000)]
    # By default an issued invoice updates an existing subscriber.
    assert [a.movement for a in book.result(c, Settings()).activities] == [5000, 4000, -2000]


def test_reactivation_needs_an_invoice_paid_enough_to_create():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.cancel(s, "2024-01-20")
    book.item(s, "2024-03-01", "2024-04-01", 5000, invoice_state="open")
    book.item(s, "2024-04-01", "2024-05-01", 5000)
    assert [(a.date[:10], a.type) for a in book.result(c).activities] == [
        ("2024-01-01", "new_biz"),
        ("2024-01-20", "churn"),
        ("2024-04-01", "reactivation"),
    ]


def test_invoice_handling_is_per_data_source():
    book = Book(Settings(data_sources={"ds_open": SourceSettings(create_subscription_when="open")}))
    c = book.customer()
    plan = book.plan("Monthly")
    strict = book.sub(c, "strict", plan)
    lenient = book.sub(c, "lenient", plan)
    book.subs[lenient.uuid] = lenient = dataclasses.replace(lenient, data_source_uuid="ds_open")
    book.item(strict, "2024-01-01", "2024-02-01", 5000, invoice_state="open")
    book.item(lenient, "2024-01-01", "2024-02-01", 3000, invoice_state="open")
    result = book.result(c)
    assert [(a.subscription_external_id, a.movement) for a in result.activities] == [("lenient", 3000)]


# Refunded and voided invoices --------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["refunded", "voided"])
def test_refunded_or_voided_invoices_count_unless_the_source_excludes_them(flag):
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000)
    book.item(s, "2024-02-01", "2024-03-01", 9000, **{flag: True})
    assert book.result(c).mrr == 9000  # refunds never touch MRR by default
    excluding = SourceSettings(**{f"exclude_{flag}": True})
    result = book.result(c, Settings(data_sources={"ds_1": excluding}))
    assert acts(result) == [("2024-01-01", "new_biz", 5000, 5000)]


def test_a_fully_refunded_first_invoice_leaves_a_lead_when_excluded():
    book = Book(Settings(data_sources={"ds_1": SourceSettings(exclude_refunded=True)}))
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000, refunded=True)
    assert book.result(c).status == "New Lead"


# Transaction fees --------------------------------------------------------------------------------------------


def test_transaction_fees_are_deducted_only_when_configured():
    book = Book()
    c, s = _monthly_customer(book)
    book.item(s, "2024-01-01", "2024-02-01", 5000, tax_amount_in_cents=500, transaction_fees_in_cents=175)
    book.item(s, "2024-01-16", "2024-02-01", 1600, prorated=True, transaction_fees_in_cents=60)
    assert book.result(c).mrr == 4500 + 3100
    # (1600 - 60) × 31/16 = 2983.75 → 2984
    assert book.result(c, Settings(deduct_transaction_fees=True)).mrr == 4325 + 2984
    per_source = Settings(data_sources={"ds_1": SourceSettings(deduct_transaction_fees=True)})
    assert book.result(c, per_source).mrr == 4325 + 2984


def test_bad_source_settings_raise():
    with pytest.raises(EngineInputError, match="create_subscription_when"):
        SourceSettings(create_subscription_when="issued")  # type: ignore[arg-type]
    with pytest.raises(EngineInputError, match="data_sources"):
        Settings(data_sources={"ds_1": {"auto_churn_days": 3}})  # type: ignore[dict-item]
