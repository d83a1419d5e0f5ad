"""The Import API's request bodies as the OpenAPI document states them (derived from the declarations' create
views) and as the server reads them agree: each body below is valid to the document exactly when the server
takes it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from mogul.objects.invoices import MAX_AMOUNT_IN_CENTS
from mogul.server.app import app_routes
from mogul.server.openapi import build_document

from .conftest import invoice

Body = dict[str, Any]
Edit = Callable[[Body], None]


def _validator(path: str, method: str) -> Draft202012Validator:
    document = build_document(app_routes())  # what /openapi.json serves (test_openapi.py)
    body = document["paths"]["/v1" + path][method]["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**body, "components": document["components"]})


def _set(where: tuple[Any, ...], value: Any) -> Edit:
    def edit(body: Body) -> None:
        node: Any = body
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = value

    return edit


def _drop(where: tuple[Any, ...]) -> Edit:
    def edit(body: Body) -> None:
        node: Any = body
        for key in where[:-1]:
            node = node[key]
        del node[where[-1]]

    return edit


SUBSCRIPTION, ONE_TIME, TRANSACTION = ("line_items", 0), ("line_items", 1), ("transactions", 0)
INVOICE_CASES: list[tuple[str, Edit, int]] = [
    ("as sent", lambda body: None, 201),
    ("one-time item with subscription keys", _set((*ONE_TIME, "subscription_external_id"), "s9"), 201),
    ("one-time item with an empty service period", _set((*ONE_TIME, "service_period_start"), ""), 201),
    ("empty due date", _set(("due_date",), ""), 201),
    ("empty data source uuid: the customer's", _set(("data_source_uuid",), ""), 201),
    ("lower-case currency", _set(("currency",), "eur"), 201),
    ("empty transaction fee currency", _set((*TRANSACTION, "transaction_fees_currency"), ""), 201),
    ("largest amount", _set((*SUBSCRIPTION, "amount_in_cents"), -MAX_AMOUNT_IN_CENTS), 201),
    ("amount past the bound", _set((*SUBSCRIPTION, "amount_in_cents"), MAX_AMOUNT_IN_CENTS + 1), 422),
    ("fee past the bound", _set((*TRANSACTION, "transaction_fees_in_cents"), MAX_AMOUNT_IN_CENTS + 1), 422),
    ("quantity past an INTEGER column", _set((*ONE_TIME, "quantity"), 2**31), 422),
    ("empty external id", _set(("external_id",), ""), 422),
    ("empty currency", _set(("currency",), ""), 422),
    ("unknown currency", _set(("currency",), "XXY"), 422),
    ("unknown line item type", _set((*ONE_TIME, "type"), "usage"), 422),
    ("subscription item without a plan", _drop((*SUBSCRIPTION, "plan_uuid")), 422),
    ("subscription item with an empty service period", _set((*SUBSCRIPTION, "service_period_end"), ""), 422),
    ("no line items", _set(("line_items",), []), 422),
    ("transaction without a result", _drop((*TRANSACTION, "result")), 422),
    ("text past 255 characters", _set((*ONE_TIME, "account_code"), "a" * 256), 422),
]


@pytest.mark.parametrize(("name", "edit", "status"), INVOICE_CASES, ids=[case[0] for case in INVOICE_CASES])
def test_an_import_is_valid_to_the_document_when_the_server_takes_it(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any], name: str, edit: Edit, status: int
) -> None:
    body = {"invoices": [invoice(plan["uuid"])]}
    edit(body["invoices"][0])
    valid = _validator("/import/customers/{uuid}/invoices", "post").is_valid(body)
    r = api.post(f"/import/customers/{customer['uuid']}/invoices", json=body)
    assert r.status_code == status, r.text
    assert valid == (status == 201), name


def test_a_transaction_and_a_cancellation_are_valid_to_the_document_when_the_server_takes_them(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    imported = api.post(f"/import/customers/{customer['uuid']}/invoices", json={"invoices": [invoice(plan["uuid"])]})
    assert imported.status_code == 201, imported.text
    invoice_uuid = imported.json()["invoices"][0]["uuid"]
    payment: Body = {"type": "payment", "date": "2016-01-02", "result": "successful"}
    transactions: list[tuple[Body, int]] = [
        (payment, 201),
        ({**payment, "transaction_fees_currency": "", "amount_in_cents": MAX_AMOUNT_IN_CENTS}, 201),
        ({**payment, "amount_in_cents": MAX_AMOUNT_IN_CENTS + 1}, 422),
        ({**payment, "date": ""}, 422),
        ({**payment, "type": "chargeback"}, 422),
    ]
    schema = _validator("/import/invoices/{uuid}/transactions", "post")
    for body, status in transactions:
        r = api.post(f"/import/invoices/{invoice_uuid}/transactions", json=copy.deepcopy(body))
        assert r.status_code == status, (body, r.text)
        assert schema.is_valid(body) == (status == 201), body

    subscription = api.get(f"/import/customers/{customer['uuid']}/subscriptions").json()["subscriptions"][0]
    cancellations: list[tuple[Body, int]] = [
        ({"cancelled_at": "2016-03-01"}, 202),
        ({"cancellation_dates": ["2016-03-01", None]}, 202),
        ({"cancellation_dates": []}, 202),
        ({"cancelled_at": "not a date"}, 422),
        ({"cancellation_dates": "2016-03-01"}, 400),
        ({}, 400),
    ]
    schema = _validator("/import/subscriptions/{uuid}", "patch")
    for body, status in cancellations:
        r = api.patch(f"/import/subscriptions/{subscription['uuid']}", json=body)
        assert r.status_code == status, (body, r.text)
        assert schema.is_valid(body) == (status == 202), body
