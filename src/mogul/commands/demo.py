"""`mogul demo`: run the pipeline end to end on generated data; `mogul demo generate`: a realistic history."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from .common import print_json
from .sync import fail, make_cli_progress

if TYPE_CHECKING:
    from ..demo.generator import GeneratorConfig

# About 26 s for `make demo` on a quiet 2-core machine, 33-38 s at load 12; see docs/demo.md.
DEFAULT_CUSTOMERS = 2000
DEFAULT_MONTHS = 36


class OneLineError(click.BadParameter):
    """A bad option value as one line on stderr (`error: ...`, exit 2), like the CLI's other user errors,
    rather than click's usage block."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=True)


class Month(click.ParamType):
    """`YYYY-MM` -> the month's first day."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        from ..demo.timeutil import parse_month

        try:
            return parse_month(str(value))
        except ValueError as exc:
            raise OneLineError(str(exc), ctx, param) from None


def end_month_option(func: Any) -> Any:
    return click.option(
        "--end-month",
        type=Month(),
        help="Last month of the history, e.g. 2025-12 (default: this month, UTC). The same seed and end month "
        "give the same history; tests and docs pin it.",
    )(func)


def history_config(end_month: date | None, months: int, **knobs: Any) -> GeneratorConfig:
    """The generator config for `months` months ending with `end_month` (None: this month)."""
    from ..demo.generator import GeneratorConfig
    from ..demo.timeutil import current_month

    return GeneratorConfig.ending(end_month or current_month(), months, **knobs)


@click.group(invoke_without_command=True)
@click.option(
    "--customers",
    default=DEFAULT_CUSTOMERS,
    show_default=True,
    type=click.IntRange(1),
    help="Customers to generate (about 40 s of import per 1,000 on a busy 2-core machine).",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same history and figures.")
@click.option(
    "--output",
    default=Path("demo.duckdb"),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="DuckDB file the streams are synced into (tables replaced); kept afterwards.",
)
@click.option(
    "--png",
    default=Path("demo-mrr.png"),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the MRR and customers chart.",
)
@end_month_option
@click.option(
    "--serve/--no-serve",
    default=None,
    help="Keep the server and its dashboard running after the report until Ctrl-C (default: only on a terminal).",
)
@click.pass_context
def demo(
    ctx: click.Context,
    customers: int,
    seed: int,
    output: Path,
    png: Path,
    end_month: date | None,
    serve: bool | None,
) -> None:
    """Run mogul end to end with nothing to configure.

    \b
    1. starts `mogul serve` on a free port with a temporary SQLite database;
    2. generates CUSTOMERS customers' billing history over the 36 months that
       end with --end-month (`mogul demo generate`, fixed seed) and imports it
       through the Import API;
    3. waits until the server has computed MRR and activities (every data
       source idle);
    4. syncs every stream into --output with `mogul sync` (overwrite);
    5. prints rows per stream, the last 12 months of MRR with its movements,
       a chart of MRR and customers (also written to --png), and a query to
       try on the DuckDB file; then stops the server (or, with --serve, keeps
       it running and prints the dashboard's URL and the API key).

    \b
    Examples:
      mogul demo                                   # what `make demo` runs
      mogul demo --customers 300 --output /tmp/cm.duckdb --png /tmp/mrr.png
      mogul demo --end-month 2025-12               # the same figures on any day
      mogul demo --serve                           # then: the dashboard, mogul sync, curl...
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..demo.pipeline import DEMO_CURRENCY, DemoError, demo_server, run_demo

    config = history_config(end_month, DEFAULT_MONTHS, customers=customers, seed=seed, currency=DEMO_CURRENCY)
    if serve is None:
        serve = sys.stdin.isatty() and sys.stdout.isatty()
    started = time.perf_counter()
    with demo_server() as server:
        try:
            with _import_progress() as import_progress:
                result = run_demo(
                    server, config, output, say=_say, import_progress=import_progress, sync_progress=_sync_progress()
                )
        except DemoError as exc:
            fail(str(exc))
        _report(result, output, png)
        timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.seconds.items())
        _say(f"mogul demo: done in {time.perf_counter() - started:.1f} s ({timings})")
        if serve:
            _serve_until_interrupted(server.base_url, server.api_key, config.start)


def _say(line: str) -> None:
    click.echo(line, err=True)


def _report(result: Any, output: Path, png: Path) -> None:
    from ..demo import report

    click.echo(f"Rows per stream in {output}:")
    report.rows_table(result.rows)
    click.echo(f"\nMRR and its movements, last {len(result.mrr)} months (GET /v1/metrics/mrr):")
    report.mrr_table(result.mrr)
    click.echo()
    click.echo(report.terminal_chart(result.series))
    report.write_png(result.series, png)
    click.echo(f"\nChart written to {png}. The data is in {output}; try:\n")
    for command in report.example_queries(output):
        click.echo(f"  {command}")


def _serve_until_interrupted(base_url: str, api_key: str, start: date) -> None:
    from ..demo.report import mogul_command

    mogul = mogul_command()
    # Inside the try from the first line: a Ctrl-C as soon as the URL shows is a clean stop, not a traceback.
    try:
        click.echo("\nThe server and its dashboard keep running until Ctrl-C (temporary database, gone when it stops):")
        click.echo(f"  dashboard: {base_url}/  (sign in with the API key {api_key})")
        click.echo(f"  API:       {base_url}/v1")
        click.echo("In another terminal:")
        click.echo(f"  export CHARTMOGUL_BASE_URL={base_url} CHARTMOGUL_API_KEY={api_key}")
        click.echo(f"  {mogul} customers list")
        click.echo(f"  {mogul} sync --start-date {start.isoformat()} -d duckdb:///mine.duckdb")
        sys.stdout.flush()  # piped stdout is block-buffered: whoever waits for the URL must see it now
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        _say("mogul demo: stopping the server")


def _sync_progress() -> Any:
    """Bars on a terminal; when piped, only the tables: per-stream log lines would drown the report."""
    from ..sync.progress import QuietProgress

    return make_cli_progress(quiet=False) if sys.stderr.isatty() else QuietProgress()


class _ImportLines:
    """Import progress as a line every quarter when stderr is not a terminal (make demo in CI logs)."""

    def __init__(self) -> None:
        self.next_quarter = 1

    def __call__(self, done: int, total: int) -> None:
        if not total or done * 4 < self.next_quarter * total:
            return
        _say(f"mogul demo: imported {done:,}/{total:,} customers")
        self.next_quarter = done * 4 // total + 1


@contextmanager
def _import_progress() -> Iterator[Any]:
    if not sys.stderr.isatty():
        yield _ImportLines()
        return
    with _Bar() as bar:
        yield bar


@demo.command("generate")
@click.option("--customers", default=1000, show_default=True, type=click.IntRange(0), help="Customers to create.")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same history, byte for byte.")
@end_month_option
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day of the history, instead of ending it with --end-month.",
)
@click.option(
    "--months", default=DEFAULT_MONTHS, show_default=True, type=click.IntRange(1, 240), help="Length of the history."
)
@click.option("--growth", default=0.04, show_default=True, type=float, help="Month-on-month growth of signups.")
@click.option(
    "--seasonality", default=1.0, show_default=True, type=click.FloatRange(0), help="0 flat, 1 normal, 2 strong."
)
@click.option(
    "--churn", default=0.03, show_default=True, type=click.FloatRange(0, 1, max_open=True), help="Monthly churn."
)
@click.option(
    "--currency",
    type=click.Choice(["USD", "EUR"]),
    help="Bill every customer in this currency (default: EUR in the euro zone, USD elsewhere).",
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
    end_month: date | None,
    start: datetime | None,
    months: int,
    growth: float,
    seasonality: float,
    churn: float,
    currency: str | None,
    base_url: str | None,
    api_key: str | None,
    database: str | None,
    workers: int,
    output: Path | None,
    dry_run: bool,
) -> None:
    """Import a realistic SaaS billing history through the Import API.

    \b
    The history is the --months months that end with --end-month (this month
    by default; invoices and cancellations may fall later in it than today),
    or the --months months from --start.

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
      mogul demo generate --seed 7 --end-month 2025-12 --dry-run --output history.json
      mogul demo generate --customers 10000 --seed 7 --base-url http://127.0.0.1:8080 --api-key KEY
    """
    from ..demo.generator import GeneratorConfig
    from ..demo.run import Target, embedded_target, generate_and_import

    knobs: dict[str, Any] = dict(
        customers=customers, seed=seed, months=months, growth=growth, seasonality=seasonality, churn=churn,
        currency=currency,
    )  # fmt: skip
    if start and end_month:
        raise click.UsageError("--start and --end-month both place the history; give one of them")
    config = GeneratorConfig(start=start.date(), **knobs) if start else history_config(end_month, **knobs)
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
        elif self.shown >= total:
            return  # finished and closed
        self.bar.update(done - self.shown)
        self.shown = done
        if done >= total:  # end the line now: `mogul demo` goes on printing before this object exits
            self.bar.__exit__(None, None, None)

    def __enter__(self) -> _Bar | None:
        return self if sys.stderr.isatty() else None

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None and self.shown < self.bar.length:
            self.bar.__exit__(None, None, None)
