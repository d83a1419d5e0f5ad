"""`mogul customers list|get|create|search|merge|unmerge|connect-subscriptions|disconnect-subscriptions`."""

from __future__ import annotations

from collections.abc import Iterable

import click

from ..client.models import Customer
from ..client.resources.customers import UNMERGE_MOVABLE
from .common import api_options, emit, make_client, print_json, print_table

COLUMNS = ("uuid", "external_id", "name", "email", "status", "mrr", "data_source_uuid")


def _show(customers: Iterable[Customer]) -> None:
    print_table(None, COLUMNS, ([c[k] for k in COLUMNS] for c in customers))


@click.group("customers", short_help="List, show, search and create customers.")
def customers() -> None:
    """List, inspect, search and create customers (ChartMogul's /v1/customers)."""


@customers.command("list")
@click.option("--data-source-uuid", help="Only customers of this data source.")
@click.option("--external-id", help="Only customers with this external id.")
@click.option("--status", help="Active, Cancelled, New_Lead, Past_Due, Working_Lead...")
@click.option("--system", help="Billing system, e.g. Custom or Stripe.")
@click.option("--limit", type=click.IntRange(1), help="Stop after this many customers.")
@api_options
def list_(
    api_key: str,
    base_url: str,
    as_json: bool,
    data_source_uuid: str | None,
    external_id: str | None,
    status: str | None,
    system: str | None,
    limit: int | None,
) -> None:
    """List customers, following every page.

    \b
    Example:
      mogul customers list --status Active --json
    """
    with make_client(api_key, base_url) as cm:
        listing = cm.customers.list(
            data_source_uuid=data_source_uuid, external_id=external_id, status=status, system=system
        )
        found = []
        for customer in listing:
            found.append(customer)
            if limit and len(found) >= limit:
                break
    emit(found, as_json, _show, key="entries")


@customers.command("get")
@click.argument("uuid")
@api_options
def get(api_key: str, base_url: str, as_json: bool, uuid: str) -> None:
    """Show one customer by its uuid (cus_...)."""
    with make_client(api_key, base_url) as cm:
        customer = cm.customers.retrieve(uuid)
    emit([customer], as_json, _show)


@customers.command("search")
@click.argument("email")
@api_options
def search(api_key: str, base_url: str, as_json: bool, email: str) -> None:
    """Customers with this exact email (none is not an error)."""
    with make_client(api_key, base_url) as cm:
        found = cm.customers.search(email).all()
    emit(found, as_json, _show, key="entries")


@customers.command("create")
@click.argument("external_id")
@click.option("--data-source-uuid", required=True, help="The data source the customer belongs to.")
@click.option("--name", help="Customer name.")
@click.option("--email", help="Customer email.")
@click.option("--company", help="Company name.")
@click.option("--country", help="ISO 3166-1 alpha-2 code, e.g. US.")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for more.")
@api_options
def create(
    api_key: str,
    base_url: str,
    as_json: bool,
    external_id: str,
    data_source_uuid: str,
    name: str | None,
    email: str | None,
    company: str | None,
    country: str | None,
    tags: tuple[str, ...],
) -> None:
    """Create a customer with EXTERNAL_ID (unique per data source)."""
    fields = {"name": name, "email": email, "company": company, "country": country}
    body = {k: v for k, v in fields.items() if v is not None}
    if tags:
        body["attributes"] = {"tags": list(tags)}
    with make_client(api_key, base_url) as cm:
        customer = cm.customers.create(data_source_uuid, external_id, **body)
    emit([customer], as_json, _show)


def _done(as_json: bool, message: str) -> None:
    # The API answers these with 202 and `{}`: --json prints that, a person gets a sentence.
    if as_json:
        print_json({})
    else:
        click.echo(message)


@customers.command("merge")
@click.argument("from_uuid")
@click.argument("into_uuid")
@api_options
def merge(api_key: str, base_url: str, as_json: bool, from_uuid: str, into_uuid: str) -> None:
    """Merge customer FROM_UUID into INTO_UUID (its invoices, subscriptions, ids and tags move)."""
    with make_client(api_key, base_url) as cm:
        cm.customers.merge(from_uuid, into_uuid)
    _done(as_json, f"merged {from_uuid} into {into_uuid}")


@customers.command("unmerge")
@click.argument("customer_uuid")
@click.option("--data-source-uuid", required=True, help="The data source of the customer to split out.")
@click.option("--external-id", required=True, help="Its external id, as listed in the customer's external_ids.")
@click.option("--move", multiple=True, type=click.Choice(UNMERGE_MOVABLE), help="Also move these; repeat it.")
@api_options
def unmerge(
    api_key: str,
    base_url: str,
    as_json: bool,
    customer_uuid: str,
    data_source_uuid: str,
    external_id: str,
    move: tuple[str, ...],
) -> None:
    """Split a customer merged into CUSTOMER_UUID out again, with its invoices and subscriptions.

    \b
    Example:
      mogul customers unmerge cus_... --data-source-uuid ds_... --external-id cus_002
    """
    with make_client(api_key, base_url) as cm:
        cm.customers.unmerge(customer_uuid, data_source_uuid, external_id, move_to_new_customer=move)
    _done(as_json, f"unmerged {external_id} from {customer_uuid}")


def _connection_command(name: str, undo: bool) -> click.Command:
    @customers.command(name)
    @click.argument("customer_uuid")
    @click.argument("subscription_uuids", nargs=-1, required=True)
    @click.option("--data-source-uuid", required=True, help="The data source of the subscriptions.")
    @api_options
    def command(
        api_key: str, base_url: str, as_json: bool, customer_uuid: str, subscription_uuids: tuple[str, ...],
        data_source_uuid: str,
    ) -> None:  # fmt: skip
        with make_client(api_key, base_url) as cm:
            call = cm.customer_subscriptions.disconnect if undo else cm.customer_subscriptions.connect
            call(customer_uuid, [(data_source_uuid, uuid) for uuid in subscription_uuids])
        _done(as_json, f"{name.split('-')[0]}ed {len(subscription_uuids)} subscriptions of {customer_uuid}")

    return command


connect_subscriptions = _connection_command("connect-subscriptions", undo=False)
connect_subscriptions.help = """Connect subscriptions of CUSTOMER_UUID (sub_... uuids): a stop of one and a start of
another at the same instant then count as a plan switch (expansion or contraction), not churn and new business."""
disconnect_subscriptions = _connection_command("disconnect-subscriptions", undo=True)
disconnect_subscriptions.help = "Disconnect subscriptions of CUSTOMER_UUID connected with connect-subscriptions."
