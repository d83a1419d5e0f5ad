"""What the schemathesis fuzz found once every route was in /openapi.json: each was a 500, or input the
document calls invalid that the server accepted. Plus: real responses, with data in them, match the document
(the fuzz only ever sees empty lists and unknown uuids)."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mogul.server.app import app_routes
from mogul.server.openapi import REQUEST_TIMESTAMP_PATTERN, build_document
from mogul.server.timefmt import parse_timestamp

from .conftest import invoice
from .processing_helpers import gt1, settle

DOCUMENT = build_document(app_routes())


def assert_documented(response: httpx.Response, path: str, method: str = "get") -> None:
    """The response matches the schema the document gives for its status."""
    op = DOCUMENT["paths"][f"/v1{path}"][method]
    schema = op["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": DOCUMENT["components"]})


def test_plan_interval_past_the_column_is_a_422_and_integral_floats_are_integers(
    api: httpx.Client, source: dict[str, Any], plan: dict[str, Any]
) -> None:
    r = api.patch(f"/plans/{plan['uuid']}", json={"interval_count": 2**31})
    assert r.status_code == 422, r.text  # PostgreSQL's INTEGER column refused it with a 500
    assert r.json() == {"errors": {"interval_count": "must be a positive integer"}}
    body = {"data_source_uuid": source["uuid"], "name": "Silver", "interval_count": 3.0, "interval_unit": "month"}
    r = api.post("/plans", json=body)
    assert r.status_code == 201, r.text  # JSON Schema's integer includes 3.0
    assert r.json()["interval_count"] == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "0999-12-31"),  # before year 1000
        ("date", "9999-12-31 23:00:00 -0200"),  # past 9999 in UTC: was a 500
        ("date", "２０１６-01-01"),  # not ASCII digits
        ("currency", "ıNR"),  # "ı".upper() is "I"
    ],
)
def test_invoice_values_the_document_refuses_are_refused(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any], field: str, value: str
) -> None:
    r = api.post(
        f"/import/customers/{customer['uuid']}/invoices", json={"invoices": [invoice(plan["uuid"], **{field: value})]}
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["invoices"][0]["errors"]


def test_line_item_quantity_past_the_column_is_a_422(
    api: httpx.Client, customer: dict[str, Any], plan: dict[str, Any]
) -> None:
    body = invoice(plan["uuid"])
    body["line_items"][0]["quantity"] = 2**31
    r = api.post(f"/import/customers/{customer['uuid']}/invoices", json={"invoices": [body]})
    assert r.status_code == 422, r.text
    assert r.json()["invoices"][0]["errors"] == {"line_items.quantity": "must be less than or equal to 2147483647"}


@pytest.mark.parametrize(
    ("kind", "value"),
    [("Decimal", "NaN"), ("Decimal", "1e999"), ("Decimal", "1_0"), ("Integer", "٣"), ("Integer", "1" * 19)],
)
def test_custom_attribute_strings_are_checked_by_pattern(
    api: httpx.Client, customer: dict[str, Any], kind: str, value: str
) -> None:
    body = {"custom": [{"type": kind, "key": "k", "value": value}]}
    r = api.post(f"/customers/{customer['uuid']}/attributes/custom", json=body)
    assert r.status_code == 422, r.text


def test_custom_attribute_numbers_in_strings_still_work(api: httpx.Client, customer: dict[str, Any]) -> None:
    body = {
        "custom": [
            {"type": "Decimal", "key": "d", "value": " 1.5 "},
            {"type": "Integer", "key": "i", "value": "-7"},
            {"type": "Integer", "key": "j", "value": "8\x1f"},  # was a 500: int() keeps \x1f, strip() does not
        ]
    }
    r = api.post(f"/customers/{customer['uuid']}/attributes/custom", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"custom": {"d": 1.5, "i": -7, "j": 8}}


def test_merge_with_a_wrong_type_is_a_400(api: httpx.Client, source: dict[str, Any], customer: dict[str, Any]) -> None:
    body = {"from": {"data_source_uuid": {"a": 1}, "external_id": "x"}, "into": {"customer_uuid": customer["uuid"]}}
    r = api.post("/customers/merges", json=body)
    assert r.status_code == 400, r.text  # was a 500: the object reached the SQL as a parameter


def test_customer_update_checks_the_external_id_length(api: httpx.Client, customer: dict[str, Any]) -> None:
    r = api.patch(f"/customers/{customer['uuid']}", json={"external_id": "x" * 256})
    assert r.status_code == 422, r.text


def test_search_and_merges_are_not_customer_uuids(api: httpx.Client) -> None:
    r = api.delete("/customers/merges")
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    r = api.patch("/customers/search", json={})
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert api.get("/customers/search/attributes").status_code == 404


@pytest.mark.parametrize(("name", "value"), [("page", str(10**15 + 1)), ("per_page", "1_0"), ("per_page", "٣")])
def test_paging_numbers_are_ascii_and_bounded(api: httpx.Client, name: str, value: str) -> None:
    r = api.get("/customers", params={name: value})
    assert r.status_code == 400, r.text
    assert r.json()["param"] == name


def test_activities_check_both_per_page_spellings(api: httpx.Client) -> None:
    assert api.get("/activities", params={"per_page": "5", "per-page": "x"}).status_code == 400
    assert api.get("/activities", params={"per-page": "5"}).json()["per_page"] == 5


@pytest.mark.parametrize(
    ("start", "end", "interval"),
    [
        ("20240101", "2024-12-31", "month"),  # date.fromisoformat takes these too
        ("2024-W01-1", "2024-12-31", "month"),
        ("9999-01-01", "9999-12-31", "year"),  # was a 500: the next period is past date's range
        ("0001-01-01", "0001-12-31", "month"),  # was a 500: the look-back is before year 1
    ],
)
def test_metrics_dates_are_plain_days_in_range(api: httpx.Client, start: str, end: str, interval: str) -> None:
    r = api.get("/metrics/mrr", params={"start-date": start, "end-date": end, "interval": interval})
    assert r.status_code == 400, r.text
    assert r.json()["param"] == "start-date"


def test_real_responses_match_the_document(api: httpx.Client) -> None:
    made = gt1(api)
    settle(api)
    cus = made["customer"]["uuid"]
    api.post(f"/customers/{cus}/attributes/tags", json={"tags": ["vip"]})
    api.patch(f"/customers/{cus}", json={"website_url": "https://example.com", "country": "us", "state": "CA"})
    # (path, the list that must not be empty, so its item schema is checked too)
    for path, items in (
        ("/customers", "entries"),
        (f"/customers/{cus}", None),
        (f"/customers/{cus}/attributes", "tags"),
        ("/plans", "plans"),
        (f"/plans/{made['plan']['uuid']}", None),
        ("/invoices", "invoices"),
        (f"/import/customers/{cus}/invoices", "invoices"),
        (f"/import/customers/{cus}/subscriptions", "subscriptions"),
        ("/activities", "entries"),
        (f"/customers/{cus}/activities", "entries"),
        (f"/customers/{cus}/subscriptions", "entries"),
    ):
        r = api.get(path)
        assert r.status_code == 200, (path, r.text)
        assert items is None or r.json()[items], path
        assert_documented(r, path.replace(cus, "{uuid}").replace(made["plan"]["uuid"], "{uuid}"))
    first = api.get("/invoices").json()["invoices"][0]
    assert_documented(api.get(f"/invoices/{first['uuid']}"), "/invoices/{uuid}")
    assert_documented(
        api.get("/customers", params={"per_page": 1, "cursor": api.get("/customers").json()["cursor"]}), "/customers"
    )
    for metric in ("all", "mrr", "customer-count", "ltv"):
        r = api.get(
            f"/metrics/{metric}", params={"start-date": "2024-01-01", "end-date": "2024-06-30", "interval": "month"}
        )
        assert_documented(r, "/metrics/{metric}")
    subscription = api.get(f"/import/customers/{cus}/subscriptions").json()["subscriptions"][0]
    r = api.patch(f"/import/subscriptions/{subscription['uuid']}", json={"cancelled_at": "2024-05-01"})
    assert r.status_code == 202
    assert_documented(r, "/import/subscriptions/{uuid}", "patch")


@given(st.from_regex(REQUEST_TIMESTAMP_PATTERN, fullmatch=True))
@settings(max_examples=300, deadline=None, database=None)
def test_every_documented_request_timestamp_parses(text: str) -> None:
    # An offset of 23:94 was documented valid and refused. The one documented-valid refusal left: the last
    # day of year 9999 with a negative offset, past what datetime can hold.
    try:
        parse_timestamp(text)
    except ValueError:
        assert text.strip().startswith("9999-12-31"), text
