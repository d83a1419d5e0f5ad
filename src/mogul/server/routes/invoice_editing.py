"""Editing invoices, line items and transactions one by one: by uuid in the path, or by
`data_source_uuid` and `external_id` in the query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import DisabledState, Invoice, Transaction
from ...objects.invoices import MAX_QUANTITY, MAX_TEXT, ProrationType
from ..errors import bad_request
from ..openapi import (
    BOOLEAN,
    CODED_ERROR,
    CURRENCY,
    DETAILED_ERRORS,
    INT64,
    LEGACY_ERROR,
    REQUEST_TIMESTAMP,
    Param,
    Reply,
    component,
    declared,
    nullable,
    obj,
    operation,
    text,
)
from ..requests import json_body, query_bool
from ..responses import json, no_content
from ..store.invoice_editing import InvoiceEditing, Target
from ..store.invoices import check_uuid
from .common import EMPTY_OBJECT, write
from .imports import (
    INVOICE,
    LINE_ITEM,
    NEW_LINE_ITEM,
    TRANSACTION,
    USER_EDIT,
)

_TAG = "invoices"
_BY_ID = ("data_source_uuid", "external_id")
_ID_PARAMS = [Param(name, {"type": "string", "minLength": 1}, required=True) for name in _BY_ID]
WITH_DISABLED = Param("with_disabled", BOOLEAN, "Accepted; mogul's records are never disabled.")
EDIT_HISTORIES = Param("include_edit_histories", BOOLEAN, "Accepted; edits of API sources are not kept apart.")
REFUSED = Reply("A value an import would refuse, or one that cannot change.", DETAILED_ERRORS)
# The record's legacy 404, or the router's for a path that matches nothing.
_404 = {"anyOf": [LEGACY_ERROR, CODED_ERROR]}
INVOICE_NOT_FOUND = Reply("No such invoice.", _404)
TRANSACTION_NOT_FOUND = Reply("No such transaction.", _404)
LINE_ITEM_NOT_FOUND = Reply("No such line item.", _404)
DELETED_EMPTY = Reply("Deleted.", EMPTY_OBJECT)
NOT_DISABLEABLE = Reply(
    "A missing `disabled`, or `disabled: true`: only automatic sources' records can be disabled.", DETAILED_ERRORS
)
_TEXT = text(MAX_TEXT, nullable=True)
_WHEN = {"anyOf": [REQUEST_TIMESTAMP, {"const": ""}, {"type": "null"}]}
_CENTS = nullable({**INT64, "minimum": 0})
LINE_ITEM_UPDATE = component(
    "LineItemUpdate",
    obj(
        {
            "external_id": _TEXT,
            "amount_in_cents": INT64,
            "quantity": nullable({"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY}),
            "prorated": nullable(BOOLEAN),
            "proration_type": nullable({"enum": list(get_args(ProrationType))}),
            "cancelled_at": _WHEN,
            "discount_code": _TEXT,
            "discount_amount_in_cents": _CENTS,
            "discount_description": text(nullable=True),
            "tax_amount_in_cents": _CENTS,
            "transaction_fees_in_cents": _CENTS,
            "transaction_fees_currency": {"anyOf": [CURRENCY, {"const": ""}, {"type": "null"}]},
            "account_code": _TEXT,
            "description": text(nullable=True),
            "event_order": nullable(INT64),
            "service_period_start": _WHEN,
            "service_period_end": _WHEN,
        }
    ),
)


def _store(request: Request) -> InvoiceEditing:
    store: InvoiceEditing = request.app.state.stores.invoice_editing
    return store


def _target(request: Request, *, invoice: bool = False) -> Target:
    """The record the path's uuid names, or the one the query's data source uuid and external id name."""
    if "uuid" in request.path_params:
        uuid = request.path_params["uuid"]
        return {"uuid": check_uuid(uuid) if invoice else uuid}
    target = {name: request.query_params.get(name) for name in _BY_ID}
    for name, value in target.items():
        if not value:
            raise bad_request(f"{name} is required", name)
    return target


async def _edit(request: Request, fn: Callable[[Target, dict[str, Any]], Any], *, invoice: bool = False) -> Response:
    """200 with what `fn(target, body)` answers, run by the writer."""
    query_bool(request, USER_EDIT.name)
    target = _target(request, invoice=invoice)
    return json(await write(request, fn, target, await json_body(request)))


async def _read(request: Request, fn: Callable[[Target], Any]) -> Response:
    for param in (WITH_DISABLED, EDIT_HISTORIES):
        query_bool(request, param.name)
    return json(await run_in_threadpool(fn, _target(request)))


async def _delete(request: Request, fn: Callable[[Target], object]) -> Response:
    """200 `{}` once `fn(target)` has run (line items and transactions answer so)."""
    query_bool(request, USER_EDIT.name)
    await write(request, fn, _target(request))
    return json({})


async def _disable(request: Request, fn: Callable[[Target, dict[str, Any]], Any]) -> Response:
    """As for invoices: nothing changes (enabling an enabled record, or a refusal), so no writer."""
    query_bool(request, USER_EDIT.name)
    target = _target(request)
    return json(await run_in_threadpool(fn, target, await json_body(request)))


# --- invoices


@operation(
    "deleteInvoiceByExternalId",
    "Delete an invoice by `data_source_uuid` and `external_id`, its line items and transactions",
    {204: Reply("Deleted."), 404: INVOICE_NOT_FOUND},
    query=_ID_PARAMS,
    valid_input_statuses=[404],
    tag=_TAG,
)
async def delete_invoice_by_external_id(request: Request) -> Response:
    await write(request, _store(request).delete_invoice, _target(request))
    return no_content()


_INVOICE_EDIT = {200: Reply("The invoice.", INVOICE), 404: INVOICE_NOT_FOUND, 422: REFUSED}
_INVOICE_EDIT_DOC = "`date`, `due_date`, `currency` and `collection_method`; line items and transactions are edited on "
_INVOICE_EDIT_DOC += "their own. The customer's metrics are computed again."


@operation(
    "updateInvoice",
    "Change an invoice's dates, currency or collection method",
    {**_INVOICE_EDIT, 422: Reply("A malformed uuid, or a refused value.", DETAILED_ERRORS)},
    body=declared(Invoice, "update"),
    query=[USER_EDIT],
    path_params={"uuid": {"type": "string", "pattern": "^inv_[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"}},
    description=_INVOICE_EDIT_DOC,
    valid_input_statuses=[404, 422],
    tag=_TAG,
)
async def update_invoice(request: Request) -> Response:
    return await _edit(request, _store(request).update_invoice, invoice=True)


@operation(
    "updateInvoiceByExternalId",
    "Change an invoice's dates, currency or collection method, by `data_source_uuid` and `external_id`",
    _INVOICE_EDIT,
    body=declared(Invoice, "update"),
    query=[*_ID_PARAMS, USER_EDIT],
    description=_INVOICE_EDIT_DOC,
    valid_input_statuses=[404, 422],
    tag=_TAG,
)
async def update_invoice_by_external_id(request: Request) -> Response:
    return await _edit(request, _store(request).update_invoice)


# --- transactions and line items: the same five operations each, by uuid and by external id


def _record_operations(
    kind: str,
    reply: dict[str, Any],
    not_found: Reply,
    update_body: dict[str, Any],
    *,
    by_id: bool,
) -> dict[str, Callable[[Any], Any]]:
    """The OpenAPI operations of a record's retrieve, update, delete and disabled state."""
    name = kind.title().replace(" ", "")
    suffix, tail = ("ByExternalId", " by `data_source_uuid` and `external_id`") if by_id else ("", "")
    ids = _ID_PARAMS if by_id else []
    return {
        "get": operation(
            f"retrieve{name}{suffix}",
            f"Retrieve a {kind}{tail}",
            {200: Reply(f"The {kind}.", reply), 404: not_found},
            query=[*ids, WITH_DISABLED, EDIT_HISTORIES],
            valid_input_statuses=[404],
            tag=_TAG,
        ),
        "patch": operation(
            f"update{name}{suffix}",
            f"Change a {kind}{tail}",
            {200: Reply(f"The {kind}.", reply), 404: not_found, 422: REFUSED},
            body=update_body,
            query=[*ids, USER_EDIT],
            description="The changed record is checked whole, as an import checks a new one; the customer's "
            "metrics are computed again.",
            valid_input_statuses=[404, 422],
            tag=_TAG,
        ),
        "delete": operation(
            f"delete{name}{suffix}",
            f"Delete a {kind}{tail}",
            {200: DELETED_EMPTY, 404: not_found},
            query=[*ids, USER_EDIT],
            valid_input_statuses=[404],
            tag=_TAG,
        ),
        "disable": operation(
            f"disable{name}{suffix}",
            f"Disable or enable a {kind}{tail}",
            {
                200: Reply(f"The {kind} (enabled: mogul's sources are API sources).", reply),
                404: not_found,
                422: NOT_DISABLEABLE,
            },
            body=declared(DisabledState, "create"),
            query=[*ids, USER_EDIT],
            valid_input_statuses=[404, 422],
            tag=_TAG,
        ),
    }


def _record_routes(
    path: str,
    kind: str,
    reply: dict[str, Any],
    not_found: Reply,
    update_body: dict[str, Any],
    methods: dict[str, Callable[[InvoiceEditing], Callable[..., Any]]],
) -> list[Route]:
    """GET, PATCH, DELETE and PATCH `…/disabled_state` on `path/{uuid}` and on `path` with the external-id query."""

    def handlers(by_id: bool) -> dict[str, Callable[[Request], Any]]:
        ops = _record_operations(kind, reply, not_found, update_body, by_id=by_id)

        async def get(request: Request) -> Response:
            return await _read(request, methods["get"](_store(request)))

        async def patch(request: Request) -> Response:
            return await _edit(request, methods["patch"](_store(request)))

        async def delete(request: Request) -> Response:
            return await _delete(request, methods["delete"](_store(request)))

        async def disable(request: Request) -> Response:
            return await _disable(request, methods["disable"](_store(request)))

        found = {"get": get, "patch": patch, "delete": delete, "disable": disable}
        return {verb: ops[verb](handler) for verb, handler in found.items()}

    by_uuid, by_external_id = handlers(False), handlers(True)
    one = f"{path}/{{uuid:invoice_uuid}}"
    return [
        Route(f"{path}/disabled_state", by_external_id["disable"], methods=["PATCH"]),
        Route(path, by_external_id["get"], methods=["GET"]),
        Route(path, by_external_id["patch"], methods=["PATCH"]),
        Route(path, by_external_id["delete"], methods=["DELETE"]),
        Route(one, by_uuid["get"], methods=["GET"]),
        Route(one, by_uuid["patch"], methods=["PATCH"]),
        Route(one, by_uuid["delete"], methods=["DELETE"]),
        Route(f"{path}/{{uuid}}/disabled_state", by_uuid["disable"], methods=["PATCH"]),
    ]


_ADD_LINE_ITEM = {201: Reply("The new line item, `user_created`.", LINE_ITEM), 404: INVOICE_NOT_FOUND, 422: REFUSED}
_ADD_LINE_ITEM_DOC = (
    "Checked as an import checks a line item; 422 also for an unknown plan, a plan of another data source, or an "
    "external id already taken. The customer's metrics are computed again."
)


async def _add_line_item(request: Request) -> Response:
    query_bool(request, USER_EDIT.name)
    body = await json_body(request)
    return json(await write(request, _store(request).add_line_item, request.path_params["uuid"], body), status=201)


@operation(
    "addLineItem",
    "Add a line item to an invoice",
    _ADD_LINE_ITEM,
    body=NEW_LINE_ITEM,
    query=[USER_EDIT],
    description=_ADD_LINE_ITEM_DOC,
    valid_input_statuses=[404, 422],
    tag=_TAG,
)
async def add_line_item(request: Request) -> Response:
    return await _add_line_item(request)


@operation(
    "addLineItemToInvoice",
    "Add a line item to an invoice (the path one document revision gives, without `import/`)",
    _ADD_LINE_ITEM,
    body=NEW_LINE_ITEM,
    query=[USER_EDIT],
    description=_ADD_LINE_ITEM_DOC,
    valid_input_statuses=[404, 422],
    tag=_TAG,
)
async def add_line_item_to_invoice(request: Request) -> Response:
    return await _add_line_item(request)


# `{uuid:invoice_uuid}`, registered by the imports' routes, keeps `…/disabled_state` from being taken for a uuid.
ROUTES = [
    Route("/invoices", delete_invoice_by_external_id, methods=["DELETE"]),
    Route("/invoices", update_invoice_by_external_id, methods=["PATCH"]),
    Route("/invoices/{uuid:invoice_uuid}", update_invoice, methods=["PATCH"]),
    Route("/import/invoices/{uuid}/line_items", add_line_item, methods=["POST"]),
    Route("/invoices/{uuid}/line_items", add_line_item_to_invoice, methods=["POST"]),
    *_record_routes(
        "/transactions",
        "transaction",
        TRANSACTION,
        TRANSACTION_NOT_FOUND,
        declared(Transaction, "update"),
        {
            "get": lambda s: s.get_transaction,
            "patch": lambda s: s.update_transaction,
            "delete": lambda s: s.delete_transaction,
            "disable": lambda s: s.set_transaction_disabled,
        },
    ),
    *_record_routes(
        "/line_items",
        "line item",
        LINE_ITEM,
        LINE_ITEM_NOT_FOUND,
        LINE_ITEM_UPDATE,
        {
            "get": lambda s: s.get_line_item,
            "patch": lambda s: s.update_line_item,
            "delete": lambda s: s.delete_line_item,
            "disable": lambda s: s.set_line_item_disabled,
        },
    ),
]
