"""`mogul demo`: run the pipeline end to end on generated data; `mogul demo generate`: a realistic history."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .common import print_json


@click.group(invoke_without_command=True)
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run mogul end to end with nothing to configure.

    \b
    Starts a server on a free port with a temporary database, creates the two
    data sources of ChartMogul's documentation through the client, lists them
    (GET /v1/data_sources) and stops the server.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..demo.pipeline import run_demo

    listing = run_demo(say=lambda line: click.echo(line, err=True))
    print_json(listing)


@demo.command("generate")
@click.option("--customers", default=1000, show_default=True, type=click.IntRange(0), help="Customers to create.")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same history, byte for byte.")
@click.option(
    "--start",
    default="2023-01-01",
    show_default=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day of the history.",
)
@click.option("--months", default=36, show_default=True, type=click.IntRange(1, 240), help="Length of the history.")
@click.option("--growth", default=0.04, show_default=True, type=float, help="Month-on-month growth of signups.")
@click.option(
    "--seasonality", default=1.0, show_default=True, type=click.FloatRange(0), help="0 flat, 1 normal, 2 strong."
)
@click.option(
    "--churn", default=0.03, show_default=True, type=click.FloatRange(0, 1, max_open=True), help="Monthly churn."
)
@click.option("--base-url", help="Import into this running server (e.g. http://127.0.0.1:8080) instead of one here.")
@click.option("--api-key", envvar="CHARTMOGUL_API_KEY", help="Read-write key for --base-url. [env: CHARTMOGUL_API_KEY]")
@click.option(
    "--database",
    help="Without --base-url: run the server here on this database (kept; e.g. sqlite:///demo.db) "
    "instead of a temporary one.",
)
@click.option("--workers", default=12, show_default=True, type=click.IntRange(1, 20), help="Parallel requests.")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the generated payloads as JSON."
)
@click.option("--dry-run", is_flag=True, help="Only generate (and write --output); import nothing.")
def generate(
    customers: int,
    seed: int,
    start: datetime,
    months: int,
    growth: float,
    seasonality: float,
    churn: float,
    base_url: str | None,
    api_key: str | None,
    database: str | None,
    workers: int,
    output: Path | None,
    dry_run: bool,
) -> None:
    """Import a realistic SaaS billing history through the Import API.

    \b
    Creates a data source, nine plans (monthly, quarterly, annual; USD and EUR
    prices) and CUSTOMERS customers signing up over the history with growth and
    seasonality, each with invoices (seats, discounts, tax, prorations, setup
    fees, failed and refunded payments), then cancels the subscriptions that
    churned. Prints a JSON summary on stdout; progress goes to stderr.

    \b
    Without --base-url the import goes to a server started here on --database,
    or on a temporary database that is deleted afterwards (handy to measure).
    The base URL is never read from CHARTMOGUL_BASE_URL: generated customers
    must not land in a real ChartMogul account by accident.

    \b
    Examples:
      mogul demo generate --customers 500 --database sqlite:///demo.db
      mogul demo generate --customers 10000 --seed 7 --base-url http://127.0.0.1:8080 --api-key KEY
    """
    from ..demo.generator import GeneratorConfig
    from ..demo.run import Target, embedded_target, generate_and_import

    config = GeneratorConfig(
        customers=customers, seed=seed, start=start.date(), months=months, growth=growth,
        seasonality=seasonality, churn=churn,
    )  # fmt: skip
    if base_url and database:
        raise click.UsageError("--database runs a server here; it cannot be combined with --base-url")
    if base_url and not api_key and not dry_run:
        raise click.UsageError("--base-url needs --api-key (or CHARTMOGUL_API_KEY)")

    def say(line: str) -> None:
        click.echo(line, err=True)

    if dry_run:
        target_cm: Any = nullcontext(None)
    elif base_url:
        target_cm = nullcontext(Target(base_url, api_key or ""))
    else:
        target_cm = embedded_target(database, say)
    with target_cm as target, _Bar() as progress:
        summary = generate_and_import(config, target, workers=workers, output=output, progress=progress)
    print_json(summary)


class _Bar:
    """A progress bar on a terminal's stderr; silent when stderr is piped (logs, CI)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="importing customers", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def __enter__(self) -> _Bar | None:
        return self if sys.stderr.isatty() else None

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
