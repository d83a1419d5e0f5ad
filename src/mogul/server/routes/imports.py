"""The Import API's invoices, transactions and subscriptions (reference §5.2-§5.4)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import pagination
from ..requests import json_body
from ..responses import json, no_content
from ..store.invoices import Invoices
from ..store.subscriptions import Subscriptions
from .common import filters, paging


def _invoices(request: Request) -> Invoices:
    return request.app.state.stores.invoices


def _subscriptions(request: Request) -> Subscriptions:
    return request.app.state.stores.subscriptions


async def import_invoices(request: Request) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(_invoices(request).import_invoices, request.path_params["uuid"], body)
    return json(result, status=201)


async def customer_invoices(request: Request) -> Response:
    uuid = request.path_params["uuid"]
    page, items = await run_in_threadpool(_invoices(request).list_for_customer, uuid, paging(request))
    head = {"customer_uuid": uuid}
    body = page.envelope("invoices", items, pagination.CUSTOMER_INVOICES, head=head, total_pages=False)
    return json(body)


async def list_invoices(request: Request) -> Response:
    wanted = filters(request, "customer_uuid", "data_source_uuid", "external_id")
    page, items = await run_in_threadpool(_invoices(request).list, wanted, paging(request))
    return json(page.envelope("invoices", items, pagination.INVOICES))


async def get_invoice(request: Request) -> Response:
    return json(await run_in_threadpool(_invoices(request).get, request.path_params["uuid"]))


async def delete_invoice(request: Request) -> Response:
    await run_in_threadpool(_invoices(request).delete, request.path_params["uuid"])
    return no_content()


async def delete_customer_invoices(request: Request) -> Response:
    params = request.path_params
    await run_in_threadpool(_invoices(request).delete_for_customer, params["ds"], params["cus"])
    return no_content()


async def add_transaction(request: Request) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(_invoices(request).add_transaction, request.path_params["uuid"], body)
    return json(result, status=201)


async def customer_subscriptions(request: Request) -> Response:
    uuid = request.path_params["uuid"]
    page, items = await run_in_threadpool(_subscriptions(request).list_for_customer, uuid, paging(request))
    body = page.envelope("subscriptions", items, pagination.CUSTOMER_INVOICES, head={"customer_uuid": uuid})
    return json(body)


async def cancel_subscription(request: Request) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(_subscriptions(request).cancel, request.path_params["uuid"], body)
    return json(result, status=202)


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
