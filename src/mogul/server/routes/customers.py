"""`/v1/customers`: thin handlers over `store.customers`."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...objects import Attributes, Customer
from .. import pagination
from ..openapi import (
    BOOLEAN,
    CODED_ERROR,
    INT64,
    NOT_FOUND,
    REQUEST_TIMESTAMP,
    STRING,
    UNPROCESSABLE,
    VALIDATION_ERRORS,
    WHITESPACE,
    JsonSchema,
    Param,
    Reply,
    array,
    component,
    declared,
    nullable,
    obj,
    operation,
    text,
)
from ..requests import json_body, query_str
from ..responses import json, no_content
from ..store.attributes import DECIMAL_LIMIT
from ..store.customers import Customers
from ..store.merges import MOVABLE
from .common import PAGING, apply_body, create_from_body, delete_by_uuid, envelope, filters, paging, read, write

# `/customers/search`, `/customers/merges` and `/customers/unmerges` are resources of their own, never a customer's
# uuid: another method on them is a 405 (with their own `Allow`), not a lookup of the customer "search".
RESERVED = ("search", "merges", "unmerges")


class CustomerUuid(StringConvertor):
    regex = f"(?!(?:{'|'.join(RESERVED)})(?:/|$))[^/]+"


register_url_convertor("customer_uuid", CustomerUuid())
# `GET/PATCH/DELETE /customers/merges` (a uuid the parameter's schema excludes) reach the merges resource.
OTHER_RESOURCE = Reply("The uuid is another resource (`search`, `merges`, `unmerges`).", CODED_ERROR)
UUID_PARAM = {"uuid": {"type": "string", "minLength": 1, "not": {"enum": list(RESERVED)}}}
ATTRIBUTE_KEY = {"type": "string", "pattern": "^[A-Za-z0-9_]{1,255}$"}
# Any JSON value the request limits let through: a PATCH/PUT custom attribute keeps what was sent.
JSON_VALUE = component(
    "JsonValue",
    {
        "anyOf": [
            {"type": ["boolean", "null"]},
            {"type": "number", "minimum": -(2**63), "maximum": 2**63 - 1},
            text(),
            array({"$ref": "#/components/schemas/JsonValue"}),
            {
                "type": "object",
                "propertyNames": text(),
                "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
            },
        ]
    },
)
_W = f"[{WHITESPACE}]*"


def _typed(kind: str, value: JsonSchema) -> JsonSchema:
    # `type` defaults to String; a null or missing value is kept as null whatever the type.
    return obj(
        {"type": {"const": kind}, "key": ATTRIBUTE_KEY, "value": nullable(value)},
        required=["key"] if kind == "String" else ["type", "key"],
    )


TYPED_CUSTOM = component(
    "TypedCustomAttribute",
    {
        "anyOf": [
            _typed("String", text()),
            _typed("Integer", {"anyOf": [INT64, {"type": "string", "pattern": f"^{_W}-?[0-9]{{1,18}}{_W}$"}]}),
            _typed(
                "Decimal",
                {
                    "anyOf": [
                        {"type": "number", "exclusiveMinimum": -DECIMAL_LIMIT, "exclusiveMaximum": DECIMAL_LIMIT},
                        {"type": "string", "pattern": f"^{_W}-?[0-9]{{1,30}}(?:\\.[0-9]{{1,30}})?{_W}$"},
                    ]
                },
            ),
            _typed("Timestamp", REQUEST_TIMESTAMP),
            _typed(
                "Boolean",
                {"anyOf": [BOOLEAN, {"type": "string", "pattern": "^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"}]},
            ),
        ]
    },
)
TAGS = array(text(), description="Tags; surrounding whitespace is dropped, blank and repeated ones are ignored.")
PLAIN_CUSTOM = {"type": "object", "propertyNames": ATTRIBUTE_KEY, "additionalProperties": JSON_VALUE}
_STRINGS = {"type": "array", "items": STRING}
CUSTOM_VALUES = {"type": "object", "propertyNames": ATTRIBUTE_KEY}
NEW_CUSTOMER = declared(Customer, "create")
CUSTOMER_UPDATE = declared(Customer, "update")
CUSTOMER = declared(Customer)
CUSTOMER_LIST = envelope("entries", CUSTOMER, pagination.CUSTOMERS)
# An invalid email is refused in the coded body ChartMogul was recorded answering; other refusals in the map.
REFUSED = Reply(
    "The input breaks a rule of the resource; an invalid email in the coded body.",
    {"anyOf": [VALIDATION_ERRORS, CODED_ERROR]},
)
SEARCH_MISS = Reply("No customer has this email (on a page asked for without a cursor).", CODED_ERROR)
EMAIL_BODY = {"email": text(minLength=1)}
_TAG = "customers"


def _store(request: Request) -> Customers:
    return request.app.state.stores.customers


def _uuid(request: Request) -> str:
    return request.path_params["uuid"]


@operation(
    "listCustomers",
    "List customers, oldest first",
    {200: Reply("A page of customers.", CUSTOMER_LIST)},
    query=[
        Param("data_source_uuid", STRING, "Only this data source's customers."),
        Param("external_id", STRING, "Only the customers with this external id."),
        Param("status", STRING, "Only customers with this status, underscores for spaces (`New_Lead`)."),
        Param("system", STRING, "Only customers of sources of this billing system, any case."),
        *PAGING,
    ],
    valid_input_statuses=[400],
    tag=_TAG,
)
async def list_customers(request: Request) -> Response:
    wanted = filters(request, "data_source_uuid", "external_id", "status", "system")
    page, entries = await read(request, _store(request).list, wanted, paging(request))
    body = pagination.splice(page.envelope("entries", [], pagination.CUSTOMERS), "entries", entries)
    return Response(body, media_type="application/json")


@operation(
    "searchCustomers",
    "Customers with exactly this email",
    {
        200: Reply("A page of customers.", envelope("entries", CUSTOMER, pagination.CUSTOMERS, null_total_pages=True)),
        404: SEARCH_MISS,
    },
    query=[Param("email", {"type": "string", "minLength": 1}, required=True), *PAGING],
    valid_input_statuses=[400],
    tag=_TAG,
)
async def search(request: Request) -> Response:
    page, entries = await read(request, _store(request).search, query_str(request, "email"), paging(request))
    body = pagination.splice(page.envelope("entries", [], pagination.CUSTOMERS, total_pages=None), "entries", entries)
    return Response(body, media_type="application/json")


@operation(
    "createCustomer",
    "Create a customer",
    {201: Reply("The new customer.", CUSTOMER), 422: REFUSED},
    body=NEW_CUSTOMER,
    description="422 also for an unknown `data_source_uuid` or an `external_id` already taken in the source.",
    valid_input_statuses=[422],
    tag=_TAG,
)
async def create(request: Request) -> Response:
    return await create_from_body(request, _store(request).create)


@operation(
    "retrieveCustomer",
    "Retrieve a customer",
    {200: Reply("The customer.", CUSTOMER), 404: NOT_FOUND, 405: OTHER_RESOURCE},
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def get(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).get, _uuid(request)))


@operation(
    "updateCustomer",
    "Update a customer's profile, lead status, tags or custom attributes",
    {200: Reply("The customer.", CUSTOMER), 404: NOT_FOUND, 422: REFUSED, 405: OTHER_RESOURCE},
    body=CUSTOMER_UPDATE,
    description="422 also for an `external_id` already taken, or a lead status for a customer who is no lead.",
    valid_input_statuses=[422],
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def patch(request: Request) -> Response:
    return await apply_body(request, _store(request).update, status=200)


@operation(
    "deleteCustomer",
    "Delete a customer and its invoices and subscriptions",
    {204: Reply("Deleted."), 404: NOT_FOUND, 405: OTHER_RESOURCE},
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def delete(request: Request) -> Response:
    return await delete_by_uuid(request, _store(request).delete)


_MERGE_REF = {
    "anyOf": [
        obj({"customer_uuid": text(minLength=1)}),
        obj({"data_source_uuid": text(minLength=1), "external_id": text(minLength=1)}),
    ]
}


@operation(
    "mergeCustomers",
    "Merge one customer into another",
    {202: Reply("Merged.", obj({})), 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=obj({"from": _MERGE_REF, "into": _MERGE_REF}),
    description="422 when both name the same customer, or both have a subscription with the same external id.",
    valid_input_statuses=[422],
    tag=_TAG,
)
async def merge(request: Request) -> Response:
    body = await json_body(request)
    return json(await write(request, _store(request).merge, body), status=202)


@operation(
    "unmergeCustomers",
    "Split a merged customer out again",
    {202: Reply("Unmerged; both customers are recomputed.", obj({})), 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=obj(
        {
            "customer_uuid": text(minLength=1),
            "data_source_uuid": text(minLength=1),
            "external_id": text(minLength=1),
            "move_to_new_customer": array({"enum": list(MOVABLE)}),
        },
        required=["customer_uuid", "data_source_uuid", "external_id"],
    ),
    description=(
        "The customer merged from (`data_source_uuid`, `external_id`) becomes a customer of its own again, with a new"
        " uuid, its profile as it was before the merge, and the invoices and subscriptions imported under it."
        " `move_to_new_customer` names CRM objects (tasks, opportunities, notes) mogul does not keep: checked only."
        " 422 when that pair is not merged into the customer, or exists again as a customer of its own."
    ),
    valid_input_statuses=[422],
    tag=_TAG,
)
async def unmerge(request: Request) -> Response:
    body = await json_body(request)
    return json(await write(request, _store(request).unmerge, body), status=202)


_SUBSCRIPTION_REFS = obj(
    {
        "subscriptions": array(
            obj(
                {"data_source_uuid": text(minLength=1), "uuid": text(minLength=1)},
                required=["data_source_uuid", "uuid"],
            ),
            minItems=1,
        )
    },
    required=["subscriptions"],
)


@operation(
    "connectSubscriptions",
    "Connect subscriptions of a customer",
    {202: Reply("Connected; the customer is recomputed.", obj({})), 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=_SUBSCRIPTION_REFS,
    description=(
        "Connected subscriptions count as one for MRR movements: when one stops and another starts at the same"
        " instant, that is one expansion or contraction, not a churn and a new business. `uuid` is the imported"
        " subscription's (`sub_...`, or bare as in the customer's subscriptions view). 422 for fewer than two"
        " subscriptions, or one that is not the customer's or not in the named data source."
    ),
    valid_input_statuses=[422],
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def connect_subscriptions(request: Request) -> Response:
    return await apply_body(request, request.app.state.stores.subscriptions.connect, status=202)


@operation(
    "disconnectSubscriptions",
    "Disconnect subscriptions of a customer",
    {202: Reply("Disconnected; the customer is recomputed.", obj({})), 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=_SUBSCRIPTION_REFS,
    description="Each subscription leaves its connection group; a group left with one member is dissolved.",
    valid_input_statuses=[422],
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def disconnect_subscriptions(request: Request) -> Response:
    return await apply_body(request, request.app.state.stores.subscriptions.disconnect, status=202)


ATTRIBUTES = declared(Attributes)


@operation(
    "retrieveCustomerAttributes",
    "A customer's tags and custom attributes",
    {200: Reply("The attributes.", ATTRIBUTES), 404: NOT_FOUND},
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def attributes(request: Request) -> Response:
    return json(await run_in_threadpool(_store(request).attributes, _uuid(request)))


TAGS_REPLY = Reply("All the customer's tags.", obj({"tags": _STRINGS}))
CUSTOM_REPLY = Reply("All the customer's custom attributes.", obj({"custom": CUSTOM_VALUES}))


@operation(
    "addCustomerTags",
    "Add tags to a customer",
    {200: TAGS_REPLY, 404: NOT_FOUND},
    body=obj({"tags": TAGS}),
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def add_tags(request: Request) -> Response:
    return await apply_body(request, _store(request).change_tags, status=200)


@operation(
    "removeCustomerTags",
    "Remove tags from a customer",
    {200: TAGS_REPLY, 404: NOT_FOUND},
    body=obj({"tags": TAGS}),
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def remove_tags(request: Request) -> Response:
    return await apply_body(request, partial(_store(request).change_tags, remove=True), status=200)


@operation(
    "addCustomAttributes",
    "Add typed custom attributes to a customer",
    {200: CUSTOM_REPLY, 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=obj({"custom": array(TYPED_CUSTOM)}),
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def add_custom(request: Request) -> Response:
    return await apply_body(request, partial(_store(request).change_custom, mode="add"), status=200)


@operation(
    "updateCustomAttributes",
    "Set custom attributes of a customer",
    {200: CUSTOM_REPLY, 404: NOT_FOUND, 422: UNPROCESSABLE},
    body=obj({"custom": PLAIN_CUSTOM}),
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def update_custom(request: Request) -> Response:
    return await apply_body(request, partial(_store(request).change_custom, mode="update"), status=200)


@operation(
    "removeCustomAttributes",
    "Remove custom attributes from a customer",
    {204: Reply("Removed."), 404: NOT_FOUND},
    body=obj({"custom": array(text())}),
    tag=_TAG,
    path_params=UUID_PARAM,
)
async def remove_custom(request: Request) -> Response:
    body = await json_body(request)
    await write(request, partial(_store(request).change_custom, mode="remove"), _uuid(request), body)
    return no_content()


ENTRIES = Reply("Every customer with this email, updated.", obj({"entries": {"type": "array", "items": CUSTOMER}}))


@operation(
    "addTagsByEmail",
    "Add tags to every customer with an email",
    {200: ENTRIES, 404: SEARCH_MISS},
    body=obj({**EMAIL_BODY, "tags": TAGS}),
    tag=_TAG,
)
async def tags_by_email(request: Request) -> Response:
    body = await json_body(request)
    return json(await write(request, partial(_store(request).by_email, kind="tags"), body))


@operation(
    "addCustomAttributesByEmail",
    "Add typed custom attributes to every customer with an email",
    {200: ENTRIES, 404: SEARCH_MISS, 422: UNPROCESSABLE},
    body=obj({**EMAIL_BODY, "custom": array(TYPED_CUSTOM)}),
    tag=_TAG,
)
async def custom_by_email(request: Request) -> Response:
    body = await json_body(request)
    return json(await write(request, partial(_store(request).by_email, kind="custom"), body))


# Fixed paths before `{uuid}`: Starlette matches in order.
ROUTES = [
    Route("/customers", list_customers, methods=["GET"]),
    Route("/customers", create, methods=["POST"]),
    Route("/customers/search", search, methods=["GET"]),
    Route("/customers/merges", merge, methods=["POST"]),
    Route("/customers/unmerges", unmerge, methods=["POST"]),
    Route("/customers/attributes/tags", tags_by_email, methods=["POST"]),
    Route("/customers/attributes/custom", custom_by_email, methods=["POST"]),
    Route("/customers/{uuid:customer_uuid}", get, methods=["GET"]),
    Route("/customers/{uuid:customer_uuid}", patch, methods=["PATCH"]),
    Route("/customers/{uuid:customer_uuid}", delete, methods=["DELETE"]),
    Route("/customers/{uuid:customer_uuid}/connect_subscriptions", connect_subscriptions, methods=["POST"]),
    Route("/customers/{uuid:customer_uuid}/disconnect_subscriptions", disconnect_subscriptions, methods=["POST"]),
    Route("/customers/{uuid:customer_uuid}/attributes", attributes, methods=["GET"]),
    Route("/customers/{uuid:customer_uuid}/attributes/tags", add_tags, methods=["POST"]),
    Route("/customers/{uuid:customer_uuid}/attributes/tags", remove_tags, methods=["DELETE"]),
    Route("/customers/{uuid:customer_uuid}/attributes/custom", add_custom, methods=["POST"]),
    Route("/customers/{uuid:customer_uuid}/attributes/custom", update_custom, methods=["PUT"]),
    Route("/customers/{uuid:customer_uuid}/attributes/custom", remove_custom, methods=["DELETE"]),
]
