"""`mogul plans list|get|create|delete`."""

from __future__ import annotations

from collections.abc import Iterable

import click

from ..client.models import Plan
from .common import api_options, echo_deleted, emit, make_client, print_table

COLUMNS = ("uuid", "external_id", "name", "interval_count", "interval_unit", "data_source_uuid")


def _show(plans: Iterable[Plan]) -> None:
    print_table(None, COLUMNS, ([p[k] for k in COLUMNS] for p in plans))


@click.group("plans", short_help="List, show, create and delete plans.")
def plans() -> None:
    """List, inspect, create and delete plans (ChartMogul's /v1/plans)."""


@plans.command("list")
@click.option("--data-source-uuid", help="Only plans of this data source.")
@click.option("--external-id", help="Only the plan with this external id.")
@click.option("--system", help="Billing system, e.g. Custom or Stripe.")
@api_options
def list_(
    api_key: str,
    base_url: str,
    as_json: bool,
    data_source_uuid: str | None,
    external_id: str | None,
    system: str | None,
) -> None:
    """List plans, following every page."""
    with make_client(api_key, base_url) as cm:
        found = cm.plans.list(data_source_uuid=data_source_uuid, external_id=external_id, system=system).all()
    emit(found, as_json, _show, key="plans")


@plans.command("get")
@click.argument("uuid")
@api_options
def get(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
    """Show one plan by its uuid (pl_...)."""
    with make_client(api_key, base_url) as cm:
        plan = cm.plans.retrieve(uuid)
    emit([plan], as_json, _show)


@plans.command("create")
@click.argument("name")
@click.option("--data-source-uuid", required=True, help="The data source the plan belongs to.")
@click.option("--interval-count", default=1, show_default=True, type=click.IntRange(1), help="Billing interval length.")
@click.option(
    "--interval-unit", default="month", show_default=True, type=click.Choice(["day", "month", "year"]), help="Unit."
)
@click.option("--external-id", help="Your id for the plan (default: generated).")
@api_options
def create(
    api_key: str,
    base_url: str,
    as_json: bool,
    name: str,
    data_source_uuid: str,
    interval_count: int,
    interval_unit: str,
    external_id: str | None,
) -> None:
    """Create a plan called NAME."""
    with make_client(api_key, base_url) as cm:
        plan = cm.plans.create(
            data_source_uuid, name, interval_count=interval_count, interval_unit=interval_unit, external_id=external_id
        )
    emit([plan], as_json, _show)


@plans.command("delete")
@click.argument("uuid")
@api_options
def delete(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
    """Delete a plan no invoice uses."""
    with make_client(api_key, base_url) as cm:
        cm.plans.delete(uuid)
    echo_deleted(uuid, as_json)
