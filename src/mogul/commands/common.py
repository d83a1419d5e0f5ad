"""Options and output shared by the commands that call the API."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table

from ..client import DEFAULT_BASE_URL, ApiObject, Client, RetryPolicy

F = TypeVar("F", bound=Callable[..., Any])


def api_options(func: F) -> F:
    """`--api-key` / `--base-url` (with their environment variables) and `--json`."""
    func = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")(func)
    func = click.option(
        "--base-url",
        envvar="CHARTMOGUL_BASE_URL",
        default=DEFAULT_BASE_URL,
        show_default=True,
        help="API origin; a `mogul serve` URL such as http://127.0.0.1:8080 works too. [env: CHARTMOGUL_BASE_URL]",
    )(func)
    return click.option(
        "--api-key",
        envvar="CHARTMOGUL_API_KEY",
        required=True,
        help="ChartMogul API key. [env: CHARTMOGUL_API_KEY]",
    )(func)


# A person at a prompt would rather see an error in seconds than wait out a long backoff.
CLI_RETRY = RetryPolicy(max_attempts=4, max_elapsed=20.0)


def make_client(api_key: str, base_url: str) -> Client:
    return Client(api_key, base_url, retry=CLI_RETRY)


def print_json(data: Any) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A table on a terminal; tab-separated lines with a header when piped, for grep, cut and awk."""
    if not sys.stdout.isatty():
        click.echo("\t".join(columns))
        for row in rows:
            click.echo("\t".join("" if v is None else str(v) for v in row))
        return
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console().print(table)


def emit(
    objects: Sequence[ApiObject], as_json: bool, show: Callable[[Sequence[Any]], None], key: str | None = None
) -> None:
    """The command's table, or with `--json` the API's JSON: a list under `key`, or the one object when no key."""
    if not as_json:
        show(objects)
    elif key is None:
        print_json(objects[0].to_dict())
    else:
        print_json({key: [o.to_dict() for o in objects]})


def echo_deleted(uuid: str, as_json: bool) -> None:
    """What a delete command prints: `deleted UUID`, or `{"deleted": UUID}` with `--json`."""
    if as_json:
        print_json({"deleted": uuid})
    else:
        click.echo(f"deleted {uuid}")
