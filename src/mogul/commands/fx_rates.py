"""`mogul fx-rates load|list`: exchange rates a mogul server converts foreign-currency invoices with."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from ..server.processing import enqueue
from ..server.store import Database, schema
from ..server.store.fx import bundled_usd_rates, loaded_rates, parse_csv, replace_rates
from .common import print_json, print_table
from .serve import database_option


def _db(url: str) -> Database:
    db = Database(url)
    db.migrate()
    return db


@click.group("fx-rates", short_help="Exchange rates that convert MRR to the account currency.")
def fx_rates() -> None:
    """Exchange rates to the account currency (MRR uses the rate at each service period start).

    \b
    Without loaded rates, a currency falls back to a bundled table of approximate
    annual US dollar rates (EUR, GBP, CAD, AUD, CHF, JPY), enough for demos.
    """


@fx_rates.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
def load(file: Path, database: str) -> None:
    """Load FILE (CSV: currency,date,rate — units of the account currency per unit, from that date on).

    \b
    The rates replace any loaded before for the same currencies, and every
    customer is recomputed by the running server.
    Example line: EUR,2024-01-01,1.0823
    """
    rows = parse_csv(file.read_text())
    if not rows:
        raise click.UsageError(f"{file} holds no rates")
    db = _db(database)
    with db.begin() as conn:
        replace_rates(conn, rows)
        customers = conn.execute(select(schema.customers.c.id, schema.customers.c.data_source_id)).all()
        enqueue(conn, [(c.id, c.data_source_id) for c in customers])
    currencies = sorted({c for c, _, _ in rows})
    click.echo(f"loaded {len(rows)} rates for {', '.join(currencies)}; {len(customers)} customers queued")


@fx_rates.command("list")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--bundled", is_flag=True, help="Show the bundled US dollar fallback table instead.")
def list_(database: str, as_json: bool, bundled: bool) -> None:
    """List loaded rates (or the bundled fallback with --bundled)."""
    if bundled:
        rows = [
            (cur, day, rate)
            for cur, (days, rates) in bundled_usd_rates().items()
            for day, rate in zip(days, rates, strict=True)
        ]
    else:
        with _db(database).read() as conn:
            rows = loaded_rates(conn)
    records = [{"currency": c, "date": d.isoformat(), "rate": r} for c, d, r in rows]
    if as_json:
        print_json(records)
    else:
        print_table(None, ["currency", "date", "rate"], [list(r.values()) for r in records])
