"""Foreign-currency invoices: converted at the service period start with loaded rates, or the bundled fallback."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from mogul.engine import EngineInputError
from mogul.server.store import Database, schema
from mogul.server.store.fx import bundled_usd_rates, converter, parse_csv

from ..conftest import MOGUL, subprocess_env
from .processing_helpers import customer, import_invoices, invoice, plan, settle, source


def _eur_customer(api: httpx.Client, currency: str = "EUR") -> str:
    ds = source(api)
    gold = plan(api, ds, "Gold")
    cus = customer(api, ds, "eu")
    import_invoices(
        api, cus["uuid"], invoice("eu-1", gold["uuid"], "2023-03-01", "2023-04-01", 10000, currency=currency)
    )
    return cus["uuid"]


def test_bundled_rate_converts_eur_by_default(api: httpx.Client) -> None:
    cus = _eur_customer(api)
    settle(api)
    assert api.get(f"/customers/{cus}").json()["mrr"] == 10810  # 100 EUR at the bundled 2023 rate of 1.081
    (act,) = api.get("/activities").json()["entries"]
    assert (act["currency"], act["activity-mrr"]) == ("USD", 10810)


def test_loaded_rates_win_and_trigger_a_recompute(api: httpx.Client, database_url: str, tmp_path: Path) -> None:
    cus = _eur_customer(api)
    settle(api)
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,date,rate\n# ECB-like\nEUR,2023-01-01,2.0\nEUR,2023-06-01,3.0\n")
    loaded = subprocess.run(
        [*MOGUL, "fx-rates", "load", str(rates), "--database", database_url],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 2 rates for EUR; 1 customers queued" in loaded.stdout
    settle(api)
    assert api.get(f"/customers/{cus}").json()["mrr"] == 20000  # the rate in force on 2023-03-01
    listed = subprocess.run(
        [*MOGUL, "fx-rates", "list", "--json", "--database", database_url],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert '"rate": 3.0' in listed.stdout


def test_currency_without_any_rate_fails_that_customer_only(api: httpx.Client) -> None:
    cus = _eur_customer(api, currency="SEK")
    settle(api)
    status = api.get("/data_sources", params={"with_processing_status": "true"}).json()["data_sources"][0]
    assert status["processing_status"] == {"processed": 0, "failed": 1, "pending": 0}
    assert api.get(f"/customers/{cus}").json()["mrr"] == 0


def test_non_usd_account_crosses_through_the_dollar(db: Database) -> None:
    with db.begin() as conn:
        conn.execute(update(schema.account).values(currency="EUR"))
    rate = converter("EUR", [])
    assert rate("USD", date(2023, 5, 1)) == pytest.approx(1 / 1.081)
    assert rate("GBP", date(2023, 5, 1)) == pytest.approx(1.244 / 1.081)
    assert rate("EUR", date(2030, 1, 1)) == pytest.approx(1.0)
    own = converter("EUR", [("GBP", date(2023, 1, 1), 1.5)])
    assert own("GBP", date(2024, 1, 1)) == 1.5  # latest loaded rate on or before the day
    with pytest.raises(EngineInputError):
        rate("XYZ", date(2023, 1, 1))


@pytest.mark.parametrize(
    "text",
    ["EUR,2023-01-01\n", "EURO,2023-01-01,1\n", "EUR,01/01/2023,1\n", "EUR,2023-01-01,-1\n", "EUR,2023-01-01,x\n"],
)
def test_bad_csv_lines_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="line 1"):
        parse_csv(text)


def test_bundled_table_is_well_formed() -> None:
    table = bundled_usd_rates()
    assert {"EUR", "GBP", "CAD", "AUD", "CHF", "JPY"} <= set(table)
    for days, rates in table.values():
        assert days == sorted(days) and all(r > 0 for r in rates)
