"""`mogul demo`: run the pipeline end to end on generated data."""

from __future__ import annotations

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
