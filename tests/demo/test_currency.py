"""`GeneratorConfig.currency`: one currency for everyone, because the server has no FX rates yet."""

from __future__ import annotations

import pytest

from mogul.demo.generator import GeneratorConfig, generate


def test_one_currency_for_every_customer() -> None:
    mixed = {invoice["currency"] for invoice in generate(GeneratorConfig(customers=80, seed=2)).invoices()}
    assert mixed == {"USD", "EUR"}
    single = generate(GeneratorConfig(customers=80, seed=2, currency="USD"))
    assert {invoice["currency"] for invoice in single.invoices()} == {"USD"}
    # Only the money changes: the same customers, countries and tax rates.
    assert [h.customer for h in single.customers] == [h.customer for h in generate(GeneratorConfig(80, 2)).customers]


def test_unknown_currency() -> None:
    with pytest.raises(ValueError, match="currency must be one of USD, EUR"):
        GeneratorConfig(currency="GBP")
