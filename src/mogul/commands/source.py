"""`mogul source spec|check|discover|read`: the Airbyte source, the same as `source-chartmogul`."""

from __future__ import annotations

import sys

import click


@click.command(
    short_help="The Airbyte source (the same as source-chartmogul).",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def source(args: tuple[str, ...]) -> None:
    """Airbyte-protocol source for ChartMogul: spec | check --config F | discover --config F |
    read --config F --catalog F [--state F]."""
    from ..source.entrypoint import launch

    sys.exit(launch(list(args) or ["--help"]))
