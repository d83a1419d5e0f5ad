"""`mogul plan-groups list|get|plans|create|update|delete`."""

from __future__ import annotations

from collections.abc import Iterable

import click

from ..client.models import PlanGroup
from .common import api_options, echo_deleted, emit, make_client, print_table
from .plans import _show as show_plans

COLUMNS = ("uuid", "name", "plans_count")


def _show(groups: Iterable[PlanGroup]) -> None:
    print_table(None, COLUMNS, ([g[k] for k in COLUMNS] for g in groups))


@click.group("plan-groups")
def plan_groups() -> None:
    """List, show, create, change and delete plan groups.

    ChartMogul's /v1/plan_groups: named sets of plans, for reports.
    """


@plan_groups.command("list")
@api_options
def list_(api_key: str, base_url: str, as_json: bool) -> None:
    """List plan groups, newest first, following every page."""
    with make_client(api_key, base_url) as cm:
        found = cm.plan_groups.list().all()
    emit(found, as_json, _show, key="plan_groups")


@plan_groups.command("get")
@click.argument("uuid")
@api_options
def get(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
    """Show one plan group by its uuid (plg_...)."""
    with make_client(api_key, base_url) as cm:
        group = cm.plan_groups.retrieve(uuid)
    emit([group], as_json, _show)


@plan_groups.command("plans")
@click.argument("uuid")
@api_options
def plans(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
    """List the plans of the plan group UUID, newest first."""
    with make_client(api_key, base_url) as cm:
        found = cm.plan_groups.plans(uuid).all()
    emit(found, as_json, show_plans, key="plans")


@plan_groups.command("create")
@click.argument("name")
@click.option("--plan", "plan_uuids", multiple=True, required=True, help="A plan's uuid (pl_...); repeat for more.")
@api_options
def create(api_key: str, base_url: str, as_json: bool, name: str, plan_uuids: tuple[str, ...]) -> None:
    """Create a plan group called NAME.

    \b
    Example:
      mogul plan-groups create "Annual plans" --plan pl_... --plan pl_...
    """
    with make_client(api_key, base_url) as cm:
        group = cm.plan_groups.create(name, plan_uuids)
    emit([group], as_json, _show)


@plan_groups.command("update")
@click.argument("uuid")
@click.option("--name", help="The new name.")
@click.option("--plan", "plan_uuids", multiple=True, help="The group's plans, all of them (replaces the old set).")
@api_options
def update(
    api_key: str, base_url: str, as_json: bool, uuid: str, name: str | None, plan_uuids: tuple[str, ...]
) -> None:
    """Rename the plan group UUID, or replace its plans."""
    if name is None and not plan_uuids:
        raise click.UsageError("give --name, --plan, or both")
    with make_client(api_key, base_url) as cm:
        group = cm.plan_groups.update(uuid, name=name, plans=plan_uuids or None)
    emit([group], as_json, _show)


@plan_groups.command("delete")
@click.argument("uuid")
@api_options
def delete(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
    """Delete the plan group UUID (its plans stay)."""
    with make_client(api_key, base_url) as cm:
        cm.plan_groups.delete(uuid)
    echo_deleted(uuid, as_json)
