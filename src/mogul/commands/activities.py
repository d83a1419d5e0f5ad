"""`mogul activities export`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..client.models import ActivitiesExport
from ..objects.exports import ActivityType
from .common import api_options, emit, make_client, print_json, print_table


@click.group("activities")
def activities() -> None:
    """Export the account's activities (MRR movements)."""


@activities.command("export")
@click.option("--start-date", help="From this day or instant (default: the first activity).")
@click.option("--end-date", help="Through this day (its whole day) or instant (default: the last).")
@click.option("--type", "activity_type", type=click.Choice(ActivityType.__args__), help="Only this type.")
@click.option("--id", "export_id", help="Fetch this earlier export instead of starting one.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to save the zip (default: its own name, in the current directory).",
)
@click.option("--no-wait", is_flag=True, help="Start the export, print it, and return without waiting.")
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to wait for the export.")
@api_options
def export(
    api_key: str,
    base_url: str,
    as_json: bool,
    start_date: str | None,
    end_date: str | None,
    activity_type: str | None,
    export_id: str | None,
    output: Path | None,
    no_wait: bool,
    timeout: float,
) -> None:
    """Export activities to a zip holding one CSV.

    ChartMogul's /v1/activities_export: start the export, wait for it, download
    its file.

    \b
    Example:
      mogul activities export --start-date 2024-01-01 --end-date 2024-12-31 --type churn -o churn.zip
    """
    with make_client(api_key, base_url) as cm:
        exports = cm.activities_exports
        if export_id:
            job = exports.retrieve(export_id)
        else:
            job = exports.create(start_date=start_date, end_date=end_date, type=activity_type)
        if no_wait:
            emit([job], as_json, _show)
            return
        if job.status != "succeeded":
            job = exports.wait(job.id, timeout=timeout)
        content = exports.download(job)
    target = output or Path(str(job.file_url).split("?", 1)[0].rsplit("/", 1)[-1])
    target.write_bytes(content)
    if as_json:
        print_json(job.to_dict())
    click.echo(f"saved {target} ({len(content)} bytes) from export {job.id}", err=as_json)


def _show(jobs: Sequence[ActivitiesExport]) -> None:
    print_table(None, ("id", "status", "expires_at"), [(j.id, j.status, j["expires_at"]) for j in jobs])
