"""`mogul serve`: the ChartMogul-compatible API server."""

from __future__ import annotations

import click

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
def serve(host: str, port: int, database: str, workers: int, log_level: str) -> None:
    """Run a ChartMogul-compatible API server.

    \b
    The schema is created or upgraded on start. On a database without API keys
    a read-write key is created and printed once to stderr.

    \b
    Example:
      mogul serve --port 8080 --database sqlite:///mogul.db
      export CHARTMOGUL_BASE_URL=http://127.0.0.1:8080 CHARTMOGUL_API_KEY=<printed key>
      mogul data-sources create "In-house billing"
    """
    from ..server.serve import serve as run

    run(host=host, port=port, database_url=database, workers=workers, log_level=log_level)
