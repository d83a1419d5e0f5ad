"""`mogul contacts list|get|create|update|delete|merge`."""

from __future__ import annotations

import click

from ..objects import Contact
from .common import api_options, emit, make_client
from .crm import CrmCommands, Filter, crm_group

SPEC = CrmCommands(
    "contacts",
    "List, inspect, create, change, merge and delete contacts: the people at a customer (ChartMogul's /v1/contacts).",
    "contacts",
    Contact,
    ("uuid", "customer_uuid", "first_name", "last_name", "email", "title", "position"),
    [
        Filter("customer_uuid", "Only this customer's contacts."),
        Filter("data_source_uuid", "Only contacts in this data source."),
        Filter("email", "Only contacts with this exact email."),
        Filter("customer_external_id", "Only contacts of the customers with this external id."),
    ],
    "mogul contacts list --customer-uuid cus_... --json",
)
contacts = crm_group(SPEC)


@contacts.command("merge")
@click.argument("into_uuid")
@click.argument("from_uuid")
@api_options
def merge(api_key: str, base_url: str, as_json: bool, into_uuid: str, from_uuid: str) -> None:
    """Merge contact FROM_UUID into INTO_UUID and delete FROM_UUID.

    INTO_UUID keeps each of its fields unless it is empty, when FROM_UUID's is taken; notes are joined; custom
    fields are united, INTO_UUID's winning.
    """
    with make_client(api_key, base_url) as cm:
        merged = cm.contacts.merge(into_uuid, from_uuid)
    emit([merged], as_json, SPEC.show)
