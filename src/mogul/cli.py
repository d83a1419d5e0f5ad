"""`mogul`: one command for the server, the API, the Airbyte source, sync and the demo."""

from __future__ import annotations

import sys
from typing import Any

import click

from . import __version__
from .client.errors import ChartMogulError
from .commands import (
    account,
    activities,
    contacts,
    customers,
    data_sources,
    demo,
    fx_rates,
    imports,
    keys,
    notes,
    opportunities,
    plan_groups,
    plans,
    serve,
    settings,
    source,
    subscription_events,
    sync,
    tasks,
)


class MogulGroup(click.Group):
    """Turns expected failures into one line on stderr and exit code 1: no traceback for a user error."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChartMogulError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except (ValueError, LookupError, OSError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except Exception as exc:
            # A --database URL that does not parse or a server that does not answer (serve, keys...). Only
            # checked when SQLAlchemy is loaded: a command that never opened a database cannot raise its errors.
            sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
            opening = () if sqlalchemy_exc is None else (sqlalchemy_exc.ArgumentError, sqlalchemy_exc.OperationalError)
            if not isinstance(exc, opening):
                raise
            cause = " ".join(str(getattr(exc, "orig", None) or exc).split())
            if isinstance(exc, sqlalchemy_exc.ArgumentError):
                cause = f"{cause}; --database takes sqlite:///FILE or postgresql://USER@HOST:5432/DB"
            click.echo(f"error: cannot open the database: {cause}", err=True)
            sys.exit(1)


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
    """


main.add_command(serve.serve)
main.add_command(keys.keys)
main.add_command(fx_rates.fx_rates)
main.add_command(settings.settings)
main.add_command(data_sources.data_sources)
main.add_command(customers.customers)
main.add_command(plans.plans)
main.add_command(contacts.contacts)
main.add_command(notes.notes)
main.add_command(opportunities.opportunities)
main.add_command(tasks.tasks)
main.add_command(plan_groups.plan_groups)
main.add_command(subscription_events.subscription_events)
main.add_command(activities.activities)
main.add_command(account.account)
main.add_command(imports.import_)
main.add_command(demo.demo)
main.add_command(source.source)
main.add_command(sync.sync)


if __name__ == "__main__":
    main()
