"""The Import API's invoices, transactions and subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import pagination
from ..openapi import (
    BOOLEAN,
    CODED_ERROR,
    INT64,
    NOT_FOUND,
    NULLABLE_STRING,
    REQUEST_TIMESTAMP,
    STRING,
    TIMESTAMP,
    UNPROCESSABLE,
    VALIDATION_ERRORS,
    JsonSchema,
    Param,
    Reply,
    array,
    component,
    nullable,
    obj,
    operation,
    text,
)
from ..pagination import Page, PageParams
from ..responses import json, no_content
from ..store.fields import CURRENCIES
from ..store.invoice_input import (
    INT32_MAX,
    LINE_ITEM_TYPES,
    MAX_TEXT,
    PRORATION_TYPES,
    TRANSACTION_RESULTS,
    TRANSACTION_TYPES,
)
from ..store.invoices import Invoices
from ..store.subscriptions import Subscriptions
from .common import DELETED, PAGING, apply_body, delete_by_uuid, envelope, list_page, paging

_TAG = "import"
# An ISO 4217 code in any case.
CURRENCY = {
    "type": "string",
    "pattern": "^(?:" + "|".join("".join(f"[{ch}{ch.lower()}]" for ch in code) for code in sorted(CURRENCIES)) + ")$",
}
_TEXT = text(MAX_TEXT, nullable=True)
_REQUIRED_TEXT = text(MAX_TEXT, minLength=1)
# An optional request timestamp: null and "" mean none.
_WHEN = {"anyOf": [REQUEST_TIMESTAMP, {"const": ""}, {"type": "null"}]}
_CENTS = nullable({**INT64, "minimum": 0})
_OPTIONAL_CURRENCY = {"anyOf": [CURRENCY, {"const": ""}, {"type": "null"}]}
NEW_TRANSACTION = component(
    "NewTransaction",
    obj(
        {
            "external_id": _TEXT,
            "type": {"enum": list(TRANSACTION_TYPES)},
            "date": REQUEST_TIMESTAMP,
            "result": {"enum": list(TRANSACTION_RESULTS)},
            "amount_in_cents": _CENTS,
            "transaction_fees_in_cents": _CENTS,
            "transaction_fees_currency": _OPTIONAL_CURRENCY,
        },
        required=["type", "date", "result"],
    ),
)
_LINE_ITEM_COMMON: dict[str, JsonSchema] = {
    "external_id": _TEXT,
    "amount_in_cents": INT64,
    "quantity": nullable({"type": "integer", "minimum": 0, "maximum": INT32_MAX}),
    "prorated": nullable(BOOLEAN),
    "proration_type": nullable({"enum": list(PRORATION_TYPES)}),
    "cancelled_at": _WHEN,
    "discount_code": _TEXT,
    "discount_amount_in_cents": _CENTS,
    "discount_description": text(nullable=True),
    "tax_amount_in_cents": _CENTS,
    "transaction_fees_in_cents": _CENTS,
    "transaction_fees_currency": _OPTIONAL_CURRENCY,
    "account_code": _TEXT,
    "description": text(nullable=True),
    "event_order": nullable(INT64),
}
NEW_LINE_ITEM = component(
    "NewLineItem",
    {
        "anyOf": [
            obj(
                {
                    "type": {"const": "subscription"},
                    "subscription_external_id": _REQUIRED_TEXT,
                    "subscription_set_external_id": _TEXT,
                    "plan_uuid": _REQUIRED_TEXT,
                    "service_period_start": REQUEST_TIMESTAMP,
                    "service_period_end": REQUEST_TIMESTAMP,
                    **_LINE_ITEM_COMMON,
                },
                required=[
                    "type",
                    "subscription_external_id",
                    "plan_uuid",
                    "service_period_start",
                    "service_period_end",
                    "amount_in_cents",
                ],
            ),
            obj(
                {
                    "type": {"const": "one_time"},
                    "plan_uuid": _TEXT,
                    "service_period_start": _WHEN,
                    "service_period_end": _WHEN,
                    **_LINE_ITEM_COMMON,
                },
                required=["type", "amount_in_cents"],
            ),
        ]
    },
)
NEW_INVOICE = component(
    "NewInvoice",
    obj(
        {
            "external_id": _REQUIRED_TEXT,
            "date": REQUEST_TIMESTAMP,
            "due_date": _WHEN,
            "currency": CURRENCY,
            "data_source_uuid": _TEXT,
            "line_items": array(NEW_LINE_ITEM, minItems=1),
            "transactions": nullable(array(NEW_TRANSACTION)),
        },
        required=["external_id", "date", "currency", "line_items"],
    ),
)
_CENTS_OUT = {"type": "integer"}
LINE_ITEM = component(
    "LineItem",
    obj(
        {
            "uuid": {"type": "string", "pattern": "^li_"},
            "external_id": NULLABLE_STRING,
            "type": {"enum": list(LINE_ITEM_TYPES)},
            "subscription_uuid": {"type": ["string", "null"], "pattern": "^sub_"},
            "subscription_external_id": NULLABLE_STRING,
            "subscription_set_external_id": NULLABLE_STRING,
            "prorated": BOOLEAN,
            "proration_type": {"enum": [*PRORATION_TYPES, None]},
            "service_period_start": nullable(TIMESTAMP),
            "service_period_end": nullable(TIMESTAMP),
            "plan_uuid": {"type": ["string", "null"], "pattern": "^pl_"},
            "amount_in_cents": _CENTS_OUT,
            "quantity": _CENTS_OUT,
            "discount_code": STRING,
            "discount_amount_in_cents": _CENTS_OUT,
            "tax_amount_in_cents": _CENTS_OUT,
            "transaction_fees_in_cents": _CENTS_OUT,
            "account_code": STRING,
            "transaction_fees_currency": NULLABLE_STRING,
            "discount_description": NULLABLE_STRING,
            "event_order": {"type": ["integer", "null"]},
            "description": NULLABLE_STRING,
            "cancelled_at": nullable(TIMESTAMP),
        }
    ),
)
_TRANSACTION_FIELDS: dict[str, JsonSchema] = {
    "uuid": {"type": "string", "pattern": "^tr_"},
    "external_id": NULLABLE_STRING,
    "amount_in_cents": {"type": ["integer", "null"]},
    "type": {"enum": list(TRANSACTION_TYPES)},
    "date": TIMESTAMP,
    "result": {"enum": list(TRANSACTION_RESULTS)},
    "transaction_fees_in_cents": {"type": ["integer", "null"]},
    "transaction_fees_currency": NULLABLE_STRING,
}
TRANSACTION = component("Transaction", obj(_TRANSACTION_FIELDS))
_INVOICE_FIELDS: dict[str, JsonSchema] = {
    "uuid": {"type": "string", "pattern": "^inv_"},
    "date": TIMESTAMP,
    "due_date": nullable(TIMESTAMP),
    "external_id": STRING,
    "currency": STRING,
    "line_items": {"type": "array", "items": LINE_ITEM},
    "transactions": {"type": "array", "items": TRANSACTION},
}
INVOICE = component(
    "Invoice",
    obj(
        {
            **_INVOICE_FIELDS,
            "customer_uuid": {"type": "string", "pattern": "^cus_"},
            "customer_external_id": STRING,
            "data_source_uuid": {"type": "string", "pattern": "^ds_"},
        }
    ),
)
IMPORTED_INVOICE = component(
    "ImportedInvoice", obj({**_INVOICE_FIELDS, "errors": {"type": "object", "maxProperties": 0}})
)
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
SUBSCRIPTION_FIELDS: dict[str, JsonSchema] = {
    "external_id": STRING,
    "uuid": {"type": "string", "pattern": "^sub_"},
    "cancellation_dates": {"type": "array", "items": TIMESTAMP},
    "subscription_set_external_id": NULLABLE_STRING,
    "plan_uuid": {"type": ["string", "null"], "pattern": "^pl_"},
    "data_source_uuid": {"type": "string", "pattern": "^ds_"},
}
IMPORTED_SUBSCRIPTION = component("ImportedSubscription", obj(SUBSCRIPTION_FIELDS))
CANCELLED_SUBSCRIPTION = component(
    "CancelledSubscription",
    obj({**SUBSCRIPTION_FIELDS, "customer_uuid": {"type": "string", "pattern": "^cus_"}}),
)
CANCELLATION = component(
    "SubscriptionCancellation",
    {
        "anyOf": [
            obj({"cancellation_dates": array(nullable(REQUEST_TIMESTAMP))}),
            obj({"cancelled_at": REQUEST_TIMESTAMP}),
        ]
    },
)
_CUSTOMER_UUID_HEAD = {"customer_uuid": STRING}
# The recorded key order of a transaction added to an invoice.
TRANSACTION_ORDER = ("external_id", "result", "amount_in_cents", "transaction_fees_in_cents", "uuid", "type", "date")


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
    page, items = await run_in_threadpool(list_, uuid, paging(request))
    head = {"customer_uuid": uuid}
    return json(page.envelope(key, items, pagination.CUSTOMER_INVOICES, head=head, total_pages=total_pages))


@operation(
    "importInvoices",
    "Import a customer's invoices, all or none",
    {
        201: Reply("The imported invoices.", obj({"invoices": {"type": "array", "items": IMPORTED_INVOICE}})),
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
        200: Reply(
            "A page of invoices.",
            envelope("invoices", INVOICE, pagination.CUSTOMER_INVOICES, head=_CUSTOMER_UUID_HEAD),
        ),
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
    {200: Reply("A page of invoices.", envelope("invoices", INVOICE, pagination.INVOICES))},
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
    store = _invoices(request)
    wanted = ("customer_uuid", "data_source_uuid", "external_id")
    return await list_page(request, store.list, "invoices", pagination.INVOICES, *wanted)


@operation(
    "retrieveInvoice", "Retrieve an invoice", {200: Reply("The invoice.", INVOICE), 404: NOT_FOUND}, tag="invoices"
)
async def get_invoice(request: Request) -> Response:
    return json(await run_in_threadpool(_invoices(request).get, request.path_params["uuid"]))


@operation("deleteInvoice", "Delete an invoice, its line items and transactions", DELETED, tag="invoices")
async def delete_invoice(request: Request) -> Response:
    return await delete_by_uuid(request, _invoices(request).delete)


@operation("deleteCustomerInvoices", "Delete a customer's invoices from one data source", DELETED, tag="invoices")
async def delete_customer_invoices(request: Request) -> Response:
    params = request.path_params
    await run_in_threadpool(_invoices(request).delete_for_customer, params["ds"], params["cus"])
    return no_content()


@operation(
    "addTransaction",
    "Add a payment or refund to an invoice",
    {
        201: Reply(
            "The new transaction.",
            obj({k: _TRANSACTION_FIELDS[k] for k in (*TRANSACTION_ORDER, "transaction_fees_currency")}),
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
        200: Reply(
            "A page of subscriptions.",
            envelope("subscriptions", IMPORTED_SUBSCRIPTION, pagination.CUSTOMER_INVOICES, head=_CUSTOMER_UUID_HEAD),
        ),
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
    {202: Reply("The subscription.", CANCELLED_SUBSCRIPTION), 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=CANCELLATION,
    tag=_TAG,
)
async def cancel_subscription(request: Request) -> Response:
    return await apply_body(request, _subscriptions(request).cancel, status=202)


ROUTES = [
    Route("/import/customers/{uuid}/invoices", import_invoices, methods=["POST"]),
    Route("/import/customers/{uuid}/invoices", customer_invoices, methods=["GET"]),
    Route("/import/customers/{uuid}/subscriptions", customer_subscriptions, methods=["GET"]),
    Route("/import/invoices/{uuid}/transactions", add_transaction, methods=["POST"]),
    Route("/import/subscriptions/{uuid}", cancel_subscription, methods=["PATCH"]),
    Route("/invoices", list_invoices, methods=["GET"]),
    Route("/invoices/{uuid}", get_invoice, methods=["GET"]),
    Route("/invoices/{uuid}", delete_invoice, methods=["DELETE"]),
    Route("/data_sources/{ds}/customers/{cus}/invoices", delete_customer_invoices, methods=["DELETE"]),
]
