"""The Import API's invoices, transactions and subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import (
    CancellationDate,
    CancellationDates,
    CustomerInvoiceList,
    DisabledState,
    ImportedInvoice,
    ImportedInvoices,
    Invoice,
    InvoiceList,
    OneTimeLineItem,
    StatusChange,
    StatusChanged,
    Subscription,
    SubscriptionLineItem,
    SubscriptionList,
    Transaction,
)
from .. import pagination
from ..errors import bad_request
from ..openapi import (
    CODED_ERROR,
    DETAILED_ERRORS,
    LEGACY_ERROR,
    NOT_FOUND,
    NULLABLE_STRING,
    STRING,
    UNPROCESSABLE,
    VALIDATION_ERRORS,
    Param,
    Reply,
    array,
    component,
    declared,
    declared_items,
    obj,
    operation,
)
from ..pagination import Page, PageParams
from ..requests import json_body, query_bool
from ..responses import json, no_content
from ..store.invoices import Invoices
from ..store.subscriptions import Subscriptions
from .common import DELETED, PAGING, apply_body, delete_by_uuid, list_page, paging, write
from .data_sources import FLAG

_TAG = "import"


class InvoiceUuid(StringConvertor):
    """`/invoices/disabled_state` is a resource of its own, never an invoice's uuid: another method on it is a 405
    with its own `Allow`."""

    regex = "(?!disabled_state(?:/|$))[^/]+"


register_url_convertor("invoice_uuid", InvoiceUuid())
NEW_TRANSACTION = declared(Transaction, "create")
NEW_INVOICE = declared(Invoice, "create")
NEW_LINE_ITEM = declared_items(Invoice, "line_items", "NewLineItem")
LINE_ITEM = component("LineItem", {"anyOf": [declared(SubscriptionLineItem), declared(OneTimeLineItem)]})
TRANSACTION = declared(Transaction)
INVOICE = declared(Invoice)
IMPORTED_INVOICE = declared(ImportedInvoice)
INVOICE_BATCH_ERRORS = component(
    "InvoiceBatchErrors",
    obj(
        {
            "invoices": {
                "type": "array",
                "items": obj(
                    {
                        "external_id": NULLABLE_STRING,
                        "errors": {"type": "object", "additionalProperties": STRING},
                    }
                ),
                "minItems": 1,
            }
        }
    ),
)
UNKNOWN_CUSTOMER = component(
    "UnknownCustomerForImport",
    obj(
        {
            "error": STRING,
            "error_details": {
                "type": "array",
                "items": obj({"param": STRING, "code": STRING, "message": STRING}),
            },
        }
    ),
)
IMPORTED_SUBSCRIPTION = declared(Subscription)
# A well-formed invoice uuid; anything else is ChartMogul's 422 on DELETE.
_INVOICE_UUID = {"type": "string", "pattern": "^inv_[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"}
INVALID_UUID = Reply("A malformed invoice uuid (`inv_` and a UUID).", DETAILED_ERRORS)
# The legacy 404, or the router's for a path that matches nothing (a path parameter with a line break).
INVOICE_NOT_FOUND = Reply("No such invoice.", {"anyOf": [LEGACY_ERROR, CODED_ERROR]})
USER_EDIT = Param("handle_as_user_edit", FLAG, "Accepted; it matters only for automatic sources' invoices.")
NOT_DISABLEABLE = Reply(
    "A malformed uuid, a missing `disabled`, or `disabled: true`: only automatic sources' invoices can be disabled.",
    DETAILED_ERRORS,
)
CANCELLATION = component(
    "SubscriptionCancellation",
    {"anyOf": [declared(CancellationDates, "create"), declared(CancellationDate, "create")]},
)


def _invoices(request: Request) -> Invoices:
    return request.app.state.stores.invoices


def _subscriptions(request: Request) -> Subscriptions:
    return request.app.state.stores.subscriptions


async def _customer_page(
    request: Request,
    list_: Callable[[str, PageParams], tuple[Page, list[Any]]],
    key: str,
    *,
    total_pages: bool | None = True,
) -> Response:
    """A page of `list_(customer_uuid, paging)` under `key`, after the customer's uuid."""
    uuid = request.path_params["uuid"]
    params = paging(request)
    page, items = await run_in_threadpool(list_, uuid, params)
    layout = pagination.legacy_layout(params, pagination.CUSTOMER_INVOICES)
    return json(page.envelope(key, items, layout, head={"customer_uuid": uuid}, total_pages=total_pages))


@operation(
    "importInvoices",
    "Import a customer's invoices, all or none",
    {
        201: Reply("The imported invoices.", declared(ImportedInvoices)),
        404: Reply("No customer with this uuid.", {"anyOf": [UNKNOWN_CUSTOMER, CODED_ERROR]}),
        422: Reply(
            "`invoices` missing or empty, or invoices refused: then every invoice of the batch, in order.",
            {"anyOf": [VALIDATION_ERRORS, INVOICE_BATCH_ERRORS]},
        ),
    },
    body=obj({"invoices": array(NEW_INVOICE, minItems=1)}),
    description="422 also for what needs stored data or several fields: an unknown plan or one of another data "
    "source, a data source that is not the customer's, an external id already taken, a service period that ends "
    "before it starts.",
    valid_input_statuses=[422],
    tag=_TAG,
)
async def import_invoices(request: Request) -> Response:
    return await apply_body(request, _invoices(request).import_invoices, status=201)


@operation(
    "listCustomerInvoices",
    "A customer's invoices, by date",
    {
        200: Reply("A page of invoices.", declared(CustomerInvoiceList)),
        404: NOT_FOUND,
    },
    query=PAGING,
    valid_input_statuses=[400],
    tag=_TAG,
)
async def customer_invoices(request: Request) -> Response:
    return await _customer_page(request, _invoices(request).list_for_customer, "invoices", total_pages=False)


@operation(
    "listInvoices",
    "List invoices, by date",
    {200: Reply("A page of invoices; only the page keys with `page`.", declared(InvoiceList))},
    query=[
        Param("customer_uuid", STRING, "Only this customer's invoices."),
        Param("data_source_uuid", STRING, "Only this data source's invoices."),
        Param("external_id", STRING, "Only the invoices with this external id."),
        *PAGING,
    ],
    valid_input_statuses=[400],
    tag="invoices",
)
async def list_invoices(request: Request) -> Response:
    wanted = ("customer_uuid", "data_source_uuid", "external_id")
    layout = pagination.legacy_layout(paging(request), pagination.INVOICES)
    return await list_page(request, _invoices(request).list, "invoices", layout, *wanted)


@operation(
    "retrieveInvoice", "Retrieve an invoice", {200: Reply("The invoice.", INVOICE), 404: NOT_FOUND}, tag="invoices"
)
async def get_invoice(request: Request) -> Response:
    return json(await run_in_threadpool(_invoices(request).get, request.path_params["uuid"]))


@operation(
    "deleteInvoice",
    "Delete an invoice, its line items and transactions",
    {**DELETED, 422: INVALID_UUID},
    path_params={"uuid": _INVOICE_UUID},
    tag="invoices",
)
async def delete_invoice(request: Request) -> Response:
    return await delete_by_uuid(request, _invoices(request).delete)


@operation("deleteCustomerInvoices", "Delete a customer's invoices from one data source", DELETED, tag="invoices")
async def delete_customer_invoices(request: Request) -> Response:
    params = request.path_params
    await write(request, _invoices(request).delete_for_customer, params["ds"], params["cus"])
    return no_content()


@operation(
    "addTransaction",
    "Add a payment or refund to an invoice",
    {
        201: Reply(
            "The new transaction.",
            TRANSACTION,
        ),
        404: NOT_FOUND,
        422: UNPROCESSABLE,
    },
    body=NEW_TRANSACTION,
    description="422 also for an external id already taken.",
    valid_input_statuses=[422],
    tag=_TAG,
)
async def add_transaction(request: Request) -> Response:
    return await apply_body(request, _invoices(request).add_transaction, status=201)


@operation(
    "listImportedSubscriptions",
    "A customer's imported subscriptions, oldest first",
    {
        200: Reply("A page of subscriptions.", declared(SubscriptionList)),
        404: NOT_FOUND,
    },
    query=PAGING,
    valid_input_statuses=[400],
    tag=_TAG,
)
async def customer_subscriptions(request: Request) -> Response:
    return await _customer_page(request, _subscriptions(request).list_for_customer, "subscriptions")


@operation(
    "cancelSubscription",
    "Add a cancellation date to a subscription, or replace them all",
    {
        202: Reply("The subscription, with its customer's uuid.", IMPORTED_SUBSCRIPTION),
        404: NOT_FOUND,
        422: UNPROCESSABLE,
    },
    body=CANCELLATION,
    tag=_TAG,
)
async def cancel_subscription(request: Request) -> Response:
    return await apply_body(request, _subscriptions(request).cancel, status=202)


@operation(
    "updateInvoiceStatus",
    "Void an invoice or write it off",
    {
        200: Reply("Done.", declared(StatusChanged)),
        404: INVOICE_NOT_FOUND,
        422: Reply("A status other than `voided` or `written_off`.", DETAILED_ERRORS),
    },
    body=declared(StatusChange, "create"),
    query=[USER_EDIT],
    description="`open`, `paid` and `refunded` follow from the invoice's transactions. A voided or written-off "
    "invoice leaves MRR where its data source's invoice handling says so.",
    valid_input_statuses=[404],
    tag="invoices",
)
async def update_status(request: Request) -> Response:
    query_bool(request, USER_EDIT.name)
    body = await json_body(request)
    params = request.path_params
    return json(await write(request, _invoices(request).set_status, params["ds"], params["external_id"], body))


@operation(
    "disableInvoice",
    "Disable or enable an invoice",
    {
        200: Reply("The invoice (enabled: mogul's sources are API sources).", INVOICE),
        404: INVOICE_NOT_FOUND,
        422: NOT_DISABLEABLE,
    },
    body=declared(DisabledState, "create"),
    query=[USER_EDIT],
    path_params={"uuid": _INVOICE_UUID},
    valid_input_statuses=[404, 422],
    tag="invoices",
)
async def disable_invoice(request: Request) -> Response:
    query_bool(request, USER_EDIT.name)
    body = await json_body(request)
    target = {"uuid": request.path_params["uuid"]}
    return json(await run_in_threadpool(_invoices(request).set_disabled, target, body))


@operation(
    "disableInvoiceByExternalId",
    "Disable or enable an invoice by `data_source_uuid` and `external_id`",
    {
        200: Reply("The invoice (enabled: mogul's sources are API sources).", INVOICE),
        404: INVOICE_NOT_FOUND,
        422: NOT_DISABLEABLE,
    },
    body=declared(DisabledState, "create"),
    query=[
        Param("data_source_uuid", {"type": "string", "minLength": 1}, required=True),
        Param("external_id", {"type": "string", "minLength": 1}, required=True),
        USER_EDIT,
    ],
    valid_input_statuses=[404, 422],
    tag="invoices",
)
async def disable_invoice_by_external_id(request: Request) -> Response:
    query_bool(request, USER_EDIT.name)
    target = {name: request.query_params.get(name) for name in ("data_source_uuid", "external_id")}
    for name, value in target.items():
        if not value:
            raise bad_request(f"{name} is required", name)
    body = await json_body(request)
    return json(await run_in_threadpool(_invoices(request).set_disabled, target, body))


ROUTES = [
    Route("/import/customers/{uuid}/invoices", import_invoices, methods=["POST"]),
    Route("/import/customers/{uuid}/invoices", customer_invoices, methods=["GET"]),
    Route("/import/customers/{uuid}/subscriptions", customer_subscriptions, methods=["GET"]),
    Route("/import/invoices/{uuid}/transactions", add_transaction, methods=["POST"]),
    Route("/import/subscriptions/{uuid}", cancel_subscription, methods=["PATCH"]),
    Route("/invoices", list_invoices, methods=["GET"]),
    Route("/invoices/disabled_state", disable_invoice_by_external_id, methods=["PATCH"]),
    Route("/invoices/{uuid:invoice_uuid}", get_invoice, methods=["GET"]),
    Route("/invoices/{uuid:invoice_uuid}", delete_invoice, methods=["DELETE"]),
    Route("/invoices/{uuid}/disabled_state", disable_invoice, methods=["PATCH"]),
    Route("/data_sources/{ds}/invoices/{external_id}/status", update_status, methods=["PUT"]),
    Route("/data_sources/{ds}/customers/{cus}/invoices", delete_customer_invoices, methods=["DELETE"]),
]
