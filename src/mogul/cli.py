"""`mogul`: one command for the server, the API, the Airbyte source, sync and the demo.

Commands are imported when used, so `pip install mogul` (the client and the source) runs every command whose
extra is installed, and a command whose extra is missing says which one in a line.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from . import __version__, redact
from .client.errors import ChartMogulError


@dataclass(frozen=True)
class Command:
    module: str
    attribute: str
    extra: str | None
    """The `mogul[...]` extra the command needs; None: the base install."""


COMMANDS = {
    "serve": Command("serve", "serve", "server"),
    "keys": Command("keys", "keys", "server"),
    "fx-rates": Command("fx_rates", "fx_rates", "server"),
    "data-sources": Command("data_sources", "data_sources", None),
    "customers": Command("customers", "customers", None),
    "plans": Command("plans", "plans", None),
    "contacts": Command("contacts", "contacts", None),
    "notes": Command("notes", "notes", None),
    "opportunities": Command("opportunities", "opportunities", None),
    "tasks": Command("tasks", "tasks", None),
    "plan-groups": Command("plan_groups", "plan_groups", None),
    "subscription-events": Command("subscription_events", "subscription_events", None),
    "activities": Command("activities", "activities", None),
    "account": Command("account", "account", None),
    "settings": Command("settings", "settings", "server"),
    "import": Command("imports", "import_", None),
    "source": Command("source", "source", None),
    "sync": Command("sync", "sync", "sync"),
    "demo": Command("demo", "demo", "demo"),
}
EXTRAS = {
    "server": ("starlette", "uvicorn", "sqlalchemy", "psycopg"),
    "sync": ("duckdb", "pyarrow", "numpy", "psycopg"),
    "demo": ("starlette", "uvicorn", "sqlalchemy", "duckdb", "pyarrow", "numpy", "matplotlib", "plotext"),
}
"""The modules of each extra's packages: the absence of one means the extra is missing, not a bug."""
OPTIONAL = frozenset(module for modules in EXTRAS.values() for module in modules)


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The missing package's module, when `exc` is an extra's package not being installed."""
    top = (exc.name or "").partition(".")[0]
    return top if top in OPTIONAL else None


def not_installed(extra: str) -> str | None:
    """The first module of `extra` that cannot be imported, found without importing anything."""
    for module in EXTRAS[extra]:
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except ImportError:
            return module
    return None


def needs_extra(command: str, extra: str, module: str) -> NoReturn:
    click.echo(
        f"error: `mogul {command}` needs mogul's {extra} extra ({module} is not installed): "
        f"pip install 'mogul[{extra}]'",
        err=True,
    )
    sys.exit(1)


class MogulGroup(click.Group):
    """Loads commands on first use, and turns expected failures into one line on stderr and exit code 1: no
    traceback for a user error or a missing extra."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        missing = not_installed(spec.extra) if spec.extra else None
        if spec.extra and missing:
            return _unavailable(cmd_name, spec.extra, missing)
        try:
            module = importlib.import_module(f"{__package__}.commands.{spec.module}")
        except ModuleNotFoundError as exc:
            missing = missing_extra(exc)
            if missing is None:
                raise
            return _unavailable(cmd_name, spec.extra or "all", missing)
        command: click.Command = getattr(module, spec.attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            missing = missing_extra(exc)
            if missing is None:
                raise
            name = ctx.invoked_subcommand or ""
            spec = COMMANDS.get(name)
            needs_extra(name, spec.extra if spec and spec.extra else "all", missing)
        except (ChartMogulError, ValueError, LookupError, OSError) as exc:
            click.echo(f"error: {' '.join(redact.text(str(exc)).split())}", err=True)
            sys.exit(1)
        except Exception as exc:
            # A --database URL that does not parse or a server that does not answer (serve, keys...). Only
            # checked when SQLAlchemy is loaded: a command that never opened a database cannot raise its errors.
            sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
            opening = () if sqlalchemy_exc is None else (sqlalchemy_exc.ArgumentError, sqlalchemy_exc.OperationalError)
            if not isinstance(exc, opening):
                raise
            cause = " ".join(redact.text(str(getattr(exc, "orig", None) or exc)).split())
            if isinstance(exc, sqlalchemy_exc.ArgumentError):
                cause = f"{cause}; --database takes sqlite:///FILE or postgresql://USER@HOST:5432/DB"
            click.echo(f"error: cannot open the database: {cause}", err=True)
            sys.exit(1)


def _unavailable(name: str, extra: str, missing: str) -> click.Command:
    def fail() -> None:
        needs_extra(name, extra, missing)

    return click.Command(
        name,
        callback=fail,
        help=f"(needs `pip install 'mogul[{extra}]'`)",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    )


@click.group(cls=MogulGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mogul")
def main() -> None:
    """mogul: a ChartMogul toolkit.

    \b
    Run a ChartMogul-compatible API server locally, talk to it (or to the real
    api.chartmogul.com) from the command line, and see it all work with `mogul demo`.

    \b
    Start here:
      mogul demo          generated data end to end, then its dashboard
      mogul serve         a server on ./mogul.db (prints a key and the dashboard URL)
      mogul COMMAND -h    a command's options, with examples

    \b
    Commands that call the API read the key from --api-key or CHARTMOGUL_API_KEY
    and the server from --base-url or CHARTMOGUL_BASE_URL.

    \b
    `pip install mogul` runs the API commands and `source`; `serve`, `keys` and
    `fx-rates` need mogul[server], `sync` mogul[sync], `demo` mogul[demo].
    """
