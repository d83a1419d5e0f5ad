"""`mogul sync`: ChartMogul (or a `mogul serve`) into DuckDB or PostgreSQL, resuming where the last sync ended."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click
import orjson

from .. import redact
from ..sync.destinations import DEFAULT_URL
from ..sync.results import SyncResult
from .common import print_json, print_table

MODES = ("overwrite", "append", "append_dedup")


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, whatever the exception's text looked like (psycopg's span several lines)."""
    click.echo(f"error: {' '.join(redact.text(str(message)).split())}", err=True)
    sys.exit(code)


def load_config(
    ctx: click.Context, path: Path | None, api_key: str | None, base_url: str | None, start_date: str | None
) -> dict[str, Any]:
    """The source config: the --config file, where a flag on the command line wins and an environment
    variable only fills a field the file leaves out."""
    config: dict[str, Any] = {}
    if path is not None:
        config.update(_json_object(path, "--config", 'a JSON object like {"api_key": "...", "start_date": "..."}'))
    for field, value, param in (("api_key", api_key, "api_key"), ("base_url", base_url, "base_url")):
        from_command_line = ctx.get_parameter_source(param) is click.core.ParameterSource.COMMANDLINE
        if value and (from_command_line or not config.get(field)):
            config[field] = value
    if start_date:
        config["start_date"] = start_date
    if not config.get("api_key"):
        fail("no API key: give --api-key, set CHARTMOGUL_API_KEY, or put api_key in the --config file")
    if not config.get("start_date"):
        fail("no start date: give --start-date 2023-01-01T00:00:00Z or put start_date in the --config file")
    return config


def load_catalog(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    return _json_object(path, "--catalog", "a ConfiguredAirbyteCatalog JSON object with a 'streams' list")


def _json_object(path: Path, option: str, expected: str) -> dict[str, Any]:
    """The JSON object in the file given to `option`; exits with an error for bad JSON or anything else."""
    try:
        loaded = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        fail(f"{option} {path}: not valid JSON ({exc})")
    if not isinstance(loaded, dict):
        fail(f"{option} {path}: must be {expected}")
    return loaded


def make_cli_progress(quiet: bool) -> Any:
    """Bars on a terminal, log lines otherwise, nothing with --quiet; always on stderr. The summary
    table is printed by the command (on stdout), so the bars do not draw their own."""
    from ..sync.progress import PlainProgress, QuietProgress, RichProgress

    if quiet:
        return QuietProgress()
    if sys.stderr.isatty():
        from rich.console import Console

        return RichProgress(Console(file=sys.stderr), summary=False)
    return PlainProgress(sys.stderr)


def print_summary(result: SyncResult, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "sync_id": result.sync_id,
                "ok": result.ok,
                "records": result.records,
                "seconds": round(result.seconds, 3),
                "streams": {
                    s.name: {
                        "mode": s.mode.value,
                        "outcome": s.outcome.value,
                        "records": s.records,
                        "batches": s.batches,
                        "seconds": round(s.seconds, 3),
                        "resumed": s.resumed,
                    }
                    for s in result.streams.values()
                },
                "errors": result.errors,
            }
        )
        return
    rows = [
        (s.name, s.mode.value, s.outcome.value, f"{s.records:,}", f"{s.seconds:.1f}", "yes" if s.resumed else "no")
        for s in result.streams.values()
    ]
    rows.append(
        ("total", "", "complete" if result.ok else "incomplete", f"{result.records:,}", f"{result.seconds:.1f}", "")
    )
    print_table(f"sync {result.sync_id}", ("stream", "mode", "outcome", "records", "seconds", "resumed"), rows)


@click.command(short_help="Copy ChartMogul data into DuckDB or PostgreSQL tables.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The source's config JSON (api_key, start_date, base_url, interval...; see docs/source.md).",
)
@click.option(
    "--api-key", envvar="CHARTMOGUL_API_KEY", help="API key; overrides the config's. [env: CHARTMOGUL_API_KEY]"
)
@click.option(
    "--base-url",
    envvar="CHARTMOGUL_BASE_URL",
    help="API origin, e.g. http://127.0.0.1:8080 for a `mogul serve`; overrides the config's. "
    "[env: CHARTMOGUL_BASE_URL; default https://api.chartmogul.com]",
)
@click.option("--start-date", help="First day of activities and metric series, e.g. 2023-01-01T00:00:00Z.")
@click.option("--streams", help="Comma-separated streams to sync (default: all), e.g. customers,activities.")
@click.option(
    "--destination",
    "-d",
    default=DEFAULT_URL,
    show_default=True,
    help="duckdb:///file.duckdb or postgresql://user:pass@host:5432/db; both take ?schema=name.",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    help="Write mode for every stream. Default: append_dedup for incremental streams "
    "(activities, metric series), overwrite for the others, or the --catalog's destination_sync_mode.",
)
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A ConfiguredAirbyteCatalog JSON: its streams and their destination_sync_mode.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress output; the summary and errors are still printed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def sync(
    ctx: click.Context,
    config_path: Path | None,
    api_key: str | None,
    base_url: str | None,
    start_date: str | None,
    streams: str | None,
    destination: str,
    mode: str | None,
    catalog_path: Path | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Copy ChartMogul data into DuckDB or PostgreSQL tables, one per stream.

    \b
    Runs mogul's Airbyte source in this process and writes each stream into a
    table named after it. Incremental streams (activities, metrics,
    customer counts) continue from the state stored in the destination, so
    running the same command again only fetches what is new. An interrupted
    sync (Ctrl-C, crash) keeps what it committed; run it again to resume.

    \b
    Write modes:
      overwrite     replace the table at the end of the stream (full refresh)
      append        add the rows (incremental where the stream supports it)
      append_dedup  add the rows, replacing older rows with the same key

    \b
    Examples:
      mogul sync --api-key KEY --start-date 2023-01-01T00:00:00Z
      mogul sync --config config.json -d duckdb:///cm.duckdb --streams customers,activities
      mogul sync --config config.json -d 'postgresql://me@db:5432/analytics?schema=chartmogul'
      mogul sync --config config.json --catalog configured_catalog.json --quiet
      CHARTMOGUL_BASE_URL=http://127.0.0.1:8080 mogul sync --api-key KEY --start-date 2023-01-01

    \b
    Progress goes to stderr (bars on a terminal, log lines otherwise); the
    summary (records and seconds per stream) to stdout. Exit code 0 when every
    stream completed, 1 otherwise, 130 after Ctrl-C.
    """
    import duckdb
    import psycopg

    from ..source import ConfigError, ReadFailed
    from ..sync import CatalogError, DestinationError
    from ..sync.source_sync import RecordingProgress, SourceUnavailable, plan_sync, preflight, sync_source

    config = load_config(ctx, config_path, api_key, base_url, start_date)
    catalog = load_catalog(catalog_path)
    chosen = [name.strip() for name in (streams or "").split(",") if name.strip()] or None
    progress = RecordingProgress(make_cli_progress(quiet))
    try:
        plan = plan_sync(config, streams=chosen, mode=mode, catalog=catalog)
        preflight(config)
        result = sync_source(config, destination, plan, progress)
    except (ConfigError, CatalogError, SourceUnavailable, DestinationError) as exc:
        fail(str(exc))
    except ReadFailed as exc:
        # The source's TRACE ERRORs were shown as they came; the committed streams are kept.
        if progress.result is not None:
            print_summary(progress.result, as_json)
        errors = "; ".join(progress.result.errors) if progress.result and progress.result.errors else str(exc)
        fail(f"sync incomplete: {errors}")
    except (duckdb.Error, psycopg.Error) as exc:
        from ..sync.destinations.postgres import describe

        fail(f"{describe(destination)}: {exc}")
    except KeyboardInterrupt:
        if progress.result is not None:
            print_summary(progress.result, as_json)
        fail("interrupted: what was committed is kept; run the same command again to resume", 130)
    print_summary(result, as_json)
    if not result.ok:
        fail(f"sync incomplete: {'; '.join(result.errors) or 'some streams did not complete'}")
