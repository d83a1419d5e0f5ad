"""`mogul data-sources list|get|create|delete`."""

from __future__ import annotations

import click

from ..client.models import DataSource
from .common import api_options, echo_deleted, emit, make_client, print_table

COLUMNS = ("uuid", "name", "system", "created_at", "status")


def _rows(sources: list[DataSource]) -> list[list[object]]:
    rows = []
    for s in sources:
        row: list[object] = [s[c] for c in COLUMNS]
        if "processing_status" in s:
            ps = s.processing_status
            row.append(f"{ps.processed}/{ps.pending}/{ps.failed}")
        rows.append(row)
    return rows


def _show(sources: list[DataSource]) -> None:
    columns = list(COLUMNS)
    if sources and "processing_status" in sources[0]:
        columns.append("processed/pending/failed")
    print_table(None, columns, _rows(sources))


@click.group("data-sources", short_help="List, show, create and delete data sources.")
def data_sources() -> None:
    """List, inspect, create and delete data sources (ChartMogul's /v1/data_sources)."""


@data_sources.command("list")
@click.option("--name", help="Only the source with this exact name.")
@click.option("--system", help="Only sources of this billing system, e.g. Custom or Stripe.")
@click.option("--with-processing-status", is_flag=True, help="Include processed/pending/failed counts.")
@click.option("--with-auto-churn-subscription-setting", is_flag=True, help="Include the auto-churn setting.")
@click.option("--with-invoice-handling-setting", is_flag=True, help="Include the invoice handling setting.")
@api_options
def list_(
    api_key: str,
    base_url: str,
    as_json: bool,
    name: str | None,
    system: str | None,
    with_processing_status: bool,
    with_auto_churn_subscription_setting: bool,
    with_invoice_handling_setting: bool,
) -> None:
    """List data sources.

    \b
    Example:
      mogul data-sources list --system Custom --json
    """
    with make_client(api_key, base_url) as cm:
        sources = cm.data_sources.list(
            name=name,
            system=system,
            with_processing_status=with_processing_status or None,
            with_auto_churn_subscription_setting=with_auto_churn_subscription_setting or None,
            with_invoice_handling_setting=with_invoice_handling_setting or None,
        )
    emit(sources, as_json, _show, key="data_sources")


@data_sources.command("get")
@click.argument("uuid")
@click.option("--with-processing-status", is_flag=True, help="Include processed/pending/failed counts.")
@api_options
def get(api_key: str, base_url: str, as_json: bool, uuid: str, with_processing_status: bool) -> None:
    """Show one data source by its uuid (ds_...)."""
    with make_client(api_key, base_url) as cm:
        source = cm.data_sources.retrieve(uuid, with_processing_status=with_processing_status or None)
    emit([source], as_json, _show)


@data_sources.command("create")
@click.argument("name")
@api_options
def create(api_key: str, base_url: str, as_json: bool, name: str) -> None:
    """Create a custom data source named NAME (names are unique)."""
    with make_client(api_key, base_url) as cm:
        source = cm.data_sources.create(name)
    emit([source], as_json, _show)


@data_sources.command("delete")
@click.argument("uuid")
@api_options
def delete(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
    """Delete a data source and everything imported through it."""
    with make_client(api_key, base_url) as cm:
        cm.data_sources.delete(uuid)
    echo_deleted(uuid, as_json)
