"""`mogul subscription-events list|create|update|delete|disable|enable`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from ..client.models import SubscriptionEvent
from ..objects.subscription_events import EventType
from .common import api_options, emit, make_client, print_json, print_table

F = TypeVar("F", bound=Callable[..., Any])
COLUMNS = (
    "id",
    "event_type",
    "customer_external_id",
    "subscription_external_id",
    "event_date",
    "effective_date",
    "amount_in_cents",
    "currency",
    "external_id",
)
TYPES = click.Choice(EventType.__args__)
# The optional fields of an event: (option, type, help). A create may send them; an update sends the ones given.
FIELDS: tuple[tuple[str, Any, str], ...] = (
    ("--plan-external-id", str, "The plan (required for starts and updates)."),
    ("--currency", str, "ISO 4217 code (required for starts and updates)."),
    ("--amount-in-cents", int, "The subscription's amount (required for starts and updates)."),
    ("--quantity", int, "Quantity (required for starts and updates)."),
    ("--tax-amount-in-cents", int, "Tax included in the amount."),
    ("--subscription-set-external-id", str, "The subscription set."),
    ("--retracted-event-id", str, "The id of the event a subscription_event_retracted retracts."),
    ("--event-order", int, "Order among events of the same date."),
)


def _show(events: Iterable[SubscriptionEvent]) -> None:
    print_table(None, COLUMNS, ([e[k] for k in COLUMNS] for e in events))


def field_options(func: F) -> F:
    for name, kind, text in reversed(FIELDS):
        func = click.option(name, type=kind, help=text)(func)
    return func


def identity_options(func: F) -> F:
    """`--id`, or `--data-source-uuid` with `--external-id`."""
    func = click.option("--external-id", help="With --data-source-uuid: the event's external id.")(func)
    func = click.option("--data-source-uuid", help="With --external-id: the event's data source.")(func)
    return click.option("--id", "event_id", type=int, help="The event's id.")(func)


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@click.group("subscription-events")
def subscription_events() -> None:
    """List, create, change and delete subscription events.

    ChartMogul's /v1/subscription_events: scheduled and immediate starts, updates
    and cancellations, for committed MRR. They change no MRR, activity or metric.
    """


@subscription_events.command("list")
@click.option("--data-source-uuid", help="Only events of this data source.")
@click.option("--customer-external-id", help="Only this customer's events.")
@click.option("--subscription-external-id", help="Only this subscription's events.")
@click.option("--plan-external-id", help="Only events of this plan.")
@click.option("--external-id", help="Only the event with this external id.")
@click.option("--type", "event_type", type=TYPES, help="Only events of this type.")
@click.option("--event-date", help="Only events of this day (YYYY-MM-DD) or instant.")
@click.option("--effective-date", help="Only events effective this day or instant.")
@api_options
def list_(api_key: str, base_url: str, as_json: bool, **filters: Any) -> None:
    """List subscription events, newest first, following every page."""
    with make_client(api_key, base_url) as cm:
        found = cm.subscription_events.list(**filters).all()
    emit(found, as_json, _show, key="subscription_events")


@subscription_events.command("create")
@click.option("--data-source-uuid", required=True, help="The data source (ds_...).")
@click.option("--customer-external-id", required=True, help="The customer's external id in that source.")
@click.option("--subscription-external-id", required=True, help="The subscription's external id.")
@click.option("--type", "event_type", type=TYPES, required=True, help="What happened, or is scheduled.")
@click.option("--event-date", required=True, help="When it was recorded (date or ISO-8601 instant).")
@click.option("--effective-date", required=True, help="When it takes effect.")
@click.option("--external-id", help="Your id for the event (unique in the source).")
@field_options
@api_options
def create(api_key: str, base_url: str, as_json: bool, **values: Any) -> None:
    """Create a subscription event.

    \b
    Example:
      mogul subscription-events create --data-source-uuid ds_... --customer-external-id c1 \\
        --subscription-external-id s1 --type subscription_start_scheduled \\
        --event-date 2024-05-01 --effective-date 2024-06-01 \\
        --plan-external-id gold --currency USD --amount-in-cents 5000 --quantity 1
    """
    with make_client(api_key, base_url) as cm:
        event = cm.subscription_events.create(**_given(values))
    emit([event], as_json, _show)


@subscription_events.command("update")
@identity_options
@click.option("--customer-external-id", help="Move the event to this customer.")
@click.option("--subscription-external-id", help="The subscription's external id.")
@click.option("--type", "event_type", type=TYPES, help="The event type.")
@click.option("--event-date", help="When it was recorded.")
@click.option("--effective-date", help="When it takes effect.")
@click.option("--new-external-id", help="With --id: a new external id for the event.")
@field_options
@api_options
def update(
    api_key: str,
    base_url: str,
    as_json: bool,
    event_id: int | None,
    data_source_uuid: str | None,
    external_id: str | None,
    new_external_id: str | None,
    **changes: Any,
) -> None:
    """Change an event's fields.

    Name it by --id, or by --data-source-uuid and --external-id; the field options
    given replace the event's.
    """
    changes = _given(changes)
    if new_external_id is not None:
        if event_id is None:
            raise click.UsageError("--new-external-id needs --id")
        external_id = new_external_id
    if not changes and new_external_id is None:
        raise click.UsageError("nothing to change: give at least one field option")
    with make_client(api_key, base_url) as cm:
        event = cm.subscription_events.update(
            id=event_id, data_source_uuid=data_source_uuid, external_id=external_id, **changes
        )
    emit([event], as_json, _show)


@subscription_events.command("delete")
@identity_options
@api_options
def delete(
    api_key: str,
    base_url: str,
    as_json: bool,
    event_id: int | None,
    data_source_uuid: str | None,
    external_id: str | None,
) -> None:
    """Delete an event.

    Name it by --id, or by --data-source-uuid and --external-id.
    """
    with make_client(api_key, base_url) as cm:
        cm.subscription_events.delete(id=event_id, data_source_uuid=data_source_uuid, external_id=external_id)
    named = event_id if event_id is not None else f"{data_source_uuid}/{external_id}"
    if as_json:
        print_json({"deleted": named})
    else:
        click.echo(f"deleted {named}")


def _disabled_command(name: str, disabled: bool) -> None:
    @subscription_events.command(name)
    @identity_options
    @api_options
    def command(
        api_key: str,
        base_url: str,
        as_json: bool,
        event_id: int | None,
        data_source_uuid: str | None,
        external_id: str | None,
    ) -> None:
        with make_client(api_key, base_url) as cm:
            event = cm.subscription_events.set_disabled(
                disabled, id=event_id, data_source_uuid=data_source_uuid, external_id=external_id
            )
        emit([event], as_json, _show)

    command.help = (
        f"{name.capitalize()} an event.\n\nName it by --id, or by --data-source-uuid and --external-id. ChartMogul "
        "allows it for automatic sources' events only; `mogul serve` refuses, as ChartMogul does for API sources."
    )


_disabled_command("disable", True)
_disabled_command("enable", False)
