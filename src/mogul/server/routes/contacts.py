"""`/v1/contacts`, with merge and the customer-scoped `/customers/{uuid}/contacts`."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import Contact
from ..openapi import CODED_ERROR, Reply, declared, operation
from ..store.contacts import Contacts
from .common import CURSOR, PER_PAGE, apply_body, envelope, list_page
from .crm import INVALID, LAYOUT, Family, crud_routes, text_filter

CONTACTS = Family(
    Contact,
    "/contacts",
    "contacts",
    "Contact",
    "Contacts",
    filters=[
        text_filter("customer_uuid", "Only this customer's contacts."),
        text_filter("data_source_uuid", "Only contacts in this data source."),
        text_filter("email", "Only contacts with exactly this email."),
        text_filter("customer_external_id", "Only contacts of customers with this external id."),
    ],
    create_description=(
        "`data_source_uuid` must be one of the customer's data sources. `custom` is a list of `{key, value}` (or an"
        " object) and is answered as an object. `position` defaults to one more than the customer's highest."
    ),
)
CONTACT = declared(Contact)
MISSING = Reply("No such contact (or customer).", CODED_ERROR)


def _store(request: Request) -> Contacts:
    return request.app.state.stores.contacts


@operation(
    "mergeContacts",
    "Merge contact `from_uuid` into contact `uuid`",
    {
        200: Reply("The merged contact; `customer_uuid` is null, as ChartMogul answers.", CONTACT),
        404: MISSING,
        422: INVALID,
    },
    description=(
        "Each field of the surviving contact keeps its value unless it has none (null or empty), when the other's"
        " is taken; `notes` are joined with a space; custom fields are united, the survivor's winning. The merged"
        " contact is deleted."
    ),
    tag="contacts",
)
async def merge(request: Request) -> Response:
    merge_from = partial(_store(request).merge, from_uuid=request.path_params["from_uuid"])
    return await apply_body(request, merge_from, status=200)


@operation(
    "listCustomerContacts",
    "List a customer's contacts, newest first",
    {200: Reply("A page of contacts.", envelope("entries", CONTACT, LAYOUT)), 404: MISSING},
    query=[PER_PAGE, CURSOR],
    tag="contacts",
)
async def list_of_customer(request: Request) -> Response:
    store = _store(request)
    listing = partial(store.list_of_customer, request.path_params["uuid"])
    return await list_page(request, listing, "entries", LAYOUT, allow_page=False, row_key=str)


@operation(
    "createCustomerContact",
    "Create a contact of a customer",
    {201: Reply("The new contact.", CONTACT), 404: MISSING, 422: INVALID},
    body=declared(Contact, "create", omit=("customer_uuid",)),
    description="As `POST /contacts`, with the customer from the path.",
    valid_input_statuses=[422],
    tag="contacts",
)
async def create_of_customer(request: Request) -> Response:
    store = _store(request)

    def create(customer_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        return store.create(body, customer_uuid=customer_uuid)

    return await apply_body(request, create, status=201)


ROUTES = [
    *crud_routes(CONTACTS),
    Route("/contacts/{uuid}/merge/{from_uuid}", merge, methods=["POST"]),
    Route("/customers/{uuid}/contacts", list_of_customer, methods=["GET"]),
    Route("/customers/{uuid}/contacts", create_of_customer, methods=["POST"]),
]
