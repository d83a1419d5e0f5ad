"""`mogul serve`: the ChartMogul-compatible API server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..server.settings import (
    CHARTMOGUL_MAX_CONNECTIONS,
    CHARTMOGUL_RATE_LIMIT,
    RequestLimits,
    parse_duration,
    parse_size,
)
from ..server.store import DEFAULT_DATABASE

DATABASE_HELP = "SQLAlchemy URL: sqlite:///FILE (default, in the working directory) or postgresql://USER@HOST/DB."


def database_option(func):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN201
    return click.option(
        "--database",
        envvar="MOGUL_DATABASE",
        default=DEFAULT_DATABASE,
        show_default=True,
        help=DATABASE_HELP + " [env: MOGUL_DATABASE]",
    )(func)


def _per_key_limit(flag: str, default: int, what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A limit counted per API key and per worker; 0 turns it off."""
    return click.option(
        flag,
        default=default,
        show_default=True,
        type=click.IntRange(0),
        metavar="N",
        help=f"{what}; 0: no limit. Per worker.",
    )


def _convert(parse):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
    def callback(_ctx: click.Context, _param: click.Parameter, value: str | None):  # noqa: ANN202
        try:
            return parse(value) if value is not None else None
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


def _check_faults(value: str) -> str:
    from ..server.faults import FaultPlan

    FaultPlan.parse(value)
    return value


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@database_option
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (use PostgreSQL for more than one).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@_per_key_limit("--rate-limit", CHARTMOGUL_RATE_LIMIT, "Requests per second per API key, as ChartMogul (429 past it)")
@_per_key_limit(
    "--max-connections",
    CHARTMOGUL_MAX_CONNECTIONS,
    "Requests in flight at once per API key, as ChartMogul (503 past it)",
)
@click.option(
    "--max-body-size",
    default="8MiB",
    show_default=True,
    callback=_convert(parse_size),
    metavar="SIZE",
    help="Largest request body (413 past it).",
)
@click.option(
    "--request-timeout",
    default="30s",
    show_default=True,
    callback=_convert(parse_duration),
    metavar="DURATION",
    help="A request's headers and body must arrive within this time of its first byte, or the connection is "
    "closed unanswered (half-sent requests are not held). 0: no limit.",
)
@click.option(
    "--connection-limit",
    default=1000,
    show_default=True,
    type=click.IntRange(0),
    help="Open connections per worker process; past it new requests get a plain 503 Service Unavailable. 0: no limit.",
)
@click.option(
    "--faults",
    default="",
    envvar="MOGUL_FAULTS",
    callback=_convert(_check_faults),
    metavar="SPEC",
    help="Inject faults for testing clients, e.g. '429=0.05,500=0.02,503=0.01,reset=0.01,slow=0.02:2s' "
    "(probability per request; reset: close the connection unanswered; slow: delay). Implies --fault-header. "
    "[env: MOGUL_FAULTS]",
)
@click.option("--fault-seed", type=int, default=None, help="Seed the fault draws, to replay a run.")
@click.option(
    "--fault-header/--no-fault-header",
    default=False,
    help="Honour 'X-Mogul-Fault: 500|429|503|reset|slow:2s|none' on a request.",
)
@click.option(
    "--latency",
    default="0",
    callback=_convert(parse_duration),
    metavar="DURATION",
    help="Delay added to every /v1 response, e.g. 150ms.",
)
def serve(
    host: str,
    port: int,
    database: str,
    workers: int,
    log_level: str,
    rate_limit: int,
    max_connections: int,
    max_body_size: int,
    request_timeout: float,
    connection_limit: int,
    faults: str,
    fault_seed: int | None,
    fault_header: bool,
    latency: float,
) -> None:
    """Run a ChartMogul-compatible API server.

    \b
    The schema is created or upgraded on start. On a database without API keys
    a read-write key is created and printed once to stderr. The API is under
    /v1; the dashboard is at / (sign in with a key).

    \b
    Example:
      mogul serve --port 8080 --database sqlite:///mogul.db
      export CHARTMOGUL_BASE_URL=http://127.0.0.1:8080 CHARTMOGUL_API_KEY=<printed key>
      mogul demo generate --base-url $CHARTMOGUL_BASE_URL   # a generated history to look at
      mogul data-sources create "In-house billing"
      mogul serve --faults "500=0.05,reset=0.02" --fault-seed 7 --latency 50ms
    """
    from ..server.serve import serve as run
    from ..server.settings import ServerSettings

    settings = ServerSettings(
        rate_limit=rate_limit,
        max_connections=max_connections,
        faults=faults,
        fault_seed=fault_seed,
        fault_header=fault_header or bool(faults),
        latency=latency,
        limits=RequestLimits(max_body_bytes=max_body_size),
    )
    run(
        host=host,
        port=port,
        database_url=database,
        workers=workers,
        log_level=log_level,
        settings=settings,
        request_timeout=request_timeout,
        connection_limit=connection_limit,
    )
