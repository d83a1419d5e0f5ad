"""`mogul settings show|account|source`: the metric settings of a mogul server, changed on its database."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..engine import INVOICE_STATES
from ..server.store import Database, schema
from ..server.store.account import get_account
from ..server.store.metric_settings import ACCOUNT_CHOICES, set_account_setting, set_source_settings, source_settings
from .common import print_json
from .serve import database_option


def _db(url: str) -> Database:
    db = Database(url)
    db.migrate()
    return db


@click.group(short_help="Settings that change MRR and the metrics.")
def settings() -> None:
    """Account and data-source settings that change MRR, activities and metrics.

    \b
    ChartMogul changes these in its app; the API only shows them (GET /account,
    data sources with_invoice_handling_setting). A change re-queues the customers
    it affects, and the running server recomputes them. Defaults: docs/metrics.md.
    """


@settings.command()
@database_option
def show(database: str) -> None:
    """Print the account settings and each data source's invoice and past-due handling (JSON)."""
    db = _db(database)
    account = get_account(db)
    ds = schema.data_sources
    with db.read() as conn:
        rows = conn.execute(
            select(ds.c.uuid, ds.c.name, ds.c.invoice_handling, ds.c.auto_churn_enabled, ds.c.auto_churn_interval)
        ).all()
    sources = []
    for row in rows:
        engine = source_settings(row)
        sources.append(
            {
                "uuid": row.uuid,
                "name": row.name,
                "create_subscription_when_invoice_is": engine.create_subscription_when,
                "update_subscription_when_invoice_is": engine.update_subscription_when,
                "auto_churn_days": engine.auto_churn_days,
            }
        )
    print_json({"account": {key: account[key] for key in ACCOUNT_CHOICES}, "data_sources": sources})


@settings.command("account")
@click.argument("key", type=click.Choice(list(ACCOUNT_CHOICES)))
@click.argument("value")
@database_option
def account_(key: str, value: str, database: str) -> None:
    """Set account setting KEY to VALUE.

    \b
    churn_recognition                    immediate (default) | end_of_service_period
    proximate_movement_reclassification  one_hour_reclassification (default) | disabled
                                         (Smart Activity Classification)
    ltv_formula                          arpa_over_trailing_six_month_churn (default)
                                         | arpa_over_churn (the older LTV page)
    """
    queued = set_account_setting(_db(database), key, value)
    click.echo(f"{key} = {value}; {queued} customers queued")


@settings.command("source")
@click.argument("data_source_uuid")
@click.option(
    "--create-when",
    type=click.Choice(INVOICE_STATES),
    help="New and reactivated subscribers start when their invoice is at least this paid (default paid).",
)
@click.option(
    "--update-when",
    type=click.Choice(INVOICE_STATES),
    help="Existing subscribers' MRR changes when an invoice is at least this paid (default open: issued).",
)
@click.option("--auto-churn-days", type=click.IntRange(1, 90), help="Churn subscriptions this many days past due.")
@click.option("--no-auto-churn", is_flag=True, help="Delinquent subscriptions stay Past Due until cancelled.")
@database_option
def source(
    data_source_uuid: str,
    create_when: str | None,
    update_when: str | None,
    auto_churn_days: int | None,
    no_auto_churn: bool,
    database: str,
) -> None:
    """Set a data source's invoice handling and past-due handling."""
    if auto_churn_days is not None and no_auto_churn:
        raise click.UsageError("--auto-churn-days and --no-auto-churn exclude each other")
    if create_when is None and update_when is None and auto_churn_days is None and not no_auto_churn:
        raise click.UsageError("nothing to change: give --create-when, --update-when or an auto-churn option")
    auto_churn = False if no_auto_churn else (True if auto_churn_days is not None else None)
    queued = set_source_settings(
        _db(database),
        data_source_uuid,
        create=create_when,
        update_when=update_when,
        auto_churn_days=auto_churn_days,
        auto_churn=auto_churn,
    )
    click.echo(f"{data_source_uuid} updated; {queued} customers queued")
