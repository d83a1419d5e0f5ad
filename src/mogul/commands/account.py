"""`mogul account`."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..client.models import Account
from ..objects.account import SETTINGS
from .common import api_options, emit, make_client, print_table


def _show(accounts: Sequence[Account]) -> None:
    print_table(None, ("key", "value"), list(accounts[0].items()))


@click.command("account")
@click.option(
    "--include",
    "names",
    multiple=True,
    type=click.Choice([*SETTINGS, "all"]),
    help="A setting to show as well; repeat for more, or `all`.",
)
@api_options
def account(api_key: str, base_url: str, as_json: bool, names: tuple[str, ...]) -> None:
    """Show the account and the settings asked for.

    \b
    The account's id, name, currency, time zone and week start, and with
    --include its settings (churn recognition, refund handling...).

    \b
    Example:
      mogul account --include all --json
    """
    wanted = SETTINGS if "all" in names else names
    with make_client(api_key, base_url) as cm:
        found = cm.account(include=wanted)
    emit([found], as_json, _show)
