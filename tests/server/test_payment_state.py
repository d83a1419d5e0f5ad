"""How the server reads an invoice's transactions into the engine's payment state ("Invoice handling")."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mogul.server.store.engine_io import past_due_at, payment_state


def tx(kind: str = "payment", result: str = "successful", amount: int | None = None, date: int = 10):
    return SimpleNamespace(type=kind, result=result, amount_in_cents=amount, date=date)


@pytest.mark.parametrize(
    ("transactions", "expected"),
    [
        ([tx()], ("paid", False, None)),  # no amount: the whole invoice
        ([tx(amount=5000)], ("paid", False, None)),
        ([tx(amount=500)], ("partially_paid", False, None)),  # 10% paid counts as open by default
        ([tx(amount=2500), tx(amount=2500, date=20)], ("paid", False, None)),
        ([tx(result="failed", date=7), tx(result="failed", date=3)], ("open", False, 3)),
        ([tx(result="failed", date=3), tx(amount=5000, date=8)], ("paid", False, 3)),
        ([tx("refund", amount=5000)], ("paid", True, None)),  # a refund invoice restates a paid period
        ([tx(), tx("refund", amount=1000)], ("paid", False, None)),  # a partial refund
        ([tx(), tx("refund")], ("paid", True, None)),
        ([tx("refund", result="failed")], ("open", False, None)),
    ],
)
def test_payment_state(transactions, expected):
    assert payment_state(5000, transactions) == expected


def test_a_zero_invoice_paid_with_zero_is_paid():
    assert payment_state(0, [tx(amount=0)])[0] == "paid"


@pytest.mark.parametrize(
    ("state", "failed", "due", "expected"),
    [
        ("paid", 3, 5, None),
        ("open", None, None, None),
        ("open", 3, None, 3),
        ("partially_paid", None, 9, 9),
        ("open", 12, 9, 9),  # the earlier of the first failure and the due date
    ],
)
def test_past_due_at(state, failed, due, expected):
    assert past_due_at(state, failed, due) == expected
