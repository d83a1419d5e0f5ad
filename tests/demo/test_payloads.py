"""Every request body the importer sends matches the API contract."""

from __future__ import annotations

from collections import Counter
from typing import Any

import jsonschema
import pytest

from mogul.demo.generator import DemoDataset, GeneratorConfig, generate
from mogul.demo.payloads import cancellation_bodies, crm_bodies, resolve_invoices, with_source
from mogul.objects import Contact, CustomerNote, Opportunity, Task
from mogul.objects.base import json_schema
from mogul.server.timefmt import parse_timestamp

DS = "ds_00000000-0000-0000-0000-000000000001"
TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$"}
CENTS = {"type": "integer", "minimum": 0}
TEXT = {"type": "string", "minLength": 1}
SOURCE = {"type": "string", "const": DS}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """A closed object schema: unknown keys fail, so a leftover placeholder or a typo cannot slip through."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


CUSTOMER = obj(
    {"data_source_uuid": SOURCE, "external_id": TEXT},
    {
        "name": TEXT,
        "email": {"type": "string", "pattern": r"^[a-z.]+@[a-z0-9]+\.example$"},
        "company": TEXT,
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "city": TEXT,
        "website_url": {"type": "string", "pattern": r"^https://"},
        "lead_created_at": TIMESTAMP,
        "free_trial_started_at": TIMESTAMP,
        "attributes": obj(
            {},
            {
                "tags": {"type": "array", "items": TEXT},
                "custom": {
                    "type": "array",
                    "items": obj(
                        {
                            "type": {"enum": ["String", "Integer", "Decimal", "Timestamp", "Boolean"]},
                            "key": TEXT,
                            "value": {},
                        },
                        {"source": TEXT},
                    ),
                },
            },
        ),
    },
)
PLAN = obj(
    {
        "data_source_uuid": SOURCE,
        "name": TEXT,
        "interval_count": {"type": "integer", "minimum": 1},
        "interval_unit": {"enum": ["day", "month", "year"]},
    },
    {"external_id": TEXT},
)
SUBSCRIPTION_ITEM = obj(
    {
        "type": {"const": "subscription"},
        "plan_uuid": {"type": "string", "pattern": "^pl_"},
        "subscription_external_id": TEXT,
        "service_period_start": TIMESTAMP,
        "service_period_end": TIMESTAMP,
        "amount_in_cents": CENTS,
        "external_id": TEXT,
    },
    {
        "subscription_set_external_id": TEXT,
        "quantity": {"type": "integer", "minimum": 1},
        "prorated": {"type": "boolean"},
        "proration_type": {"enum": ["differential", "full", "differential_mrr"]},
        "discount_amount_in_cents": CENTS,
        "discount_code": TEXT,
        "tax_amount_in_cents": CENTS,
    },
)
ONE_TIME_ITEM = obj(
    {"type": {"const": "one_time"}, "amount_in_cents": CENTS, "description": TEXT, "external_id": TEXT},
    {"quantity": {"type": "integer", "minimum": 1}, "tax_amount_in_cents": CENTS},
)
TRANSACTION = obj(
    {"type": {"enum": ["payment", "refund"]}, "date": TIMESTAMP, "result": {"enum": ["successful", "failed"]}},
    {"external_id": TEXT, "amount_in_cents": CENTS},
)
INVOICE = obj(
    {
        "external_id": TEXT,
        "date": TIMESTAMP,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "customer_external_id": TEXT,
        "data_source_uuid": SOURCE,
        "line_items": {"type": "array", "minItems": 1, "items": {"oneOf": [SUBSCRIPTION_ITEM, ONE_TIME_ITEM]}},
        "transactions": {"type": "array", "items": TRANSACTION},
    },
    {"due_date": TIMESTAMP},
)
IMPORT_BODY = obj({"invoices": {"type": "array", "minItems": 1, "items": INVOICE}})
CANCEL_BODY = {
    "oneOf": [
        obj({"cancelled_at": TIMESTAMP}),
        obj({"cancellation_dates": {"type": "array", "minItems": 2, "items": TIMESTAMP}}),
    ]
}


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return generate(GeneratorConfig(customers=400, seed=11))


@pytest.fixture(scope="module")
def plan_uuids(dataset: DemoDataset) -> dict[str, str]:
    return {p["external_id"]: f"pl_{n:08d}-0000-0000-0000-000000000000" for n, p in enumerate(dataset.plans)}


def test_plan_and_customer_bodies(dataset: DemoDataset) -> None:
    for plan in dataset.plans:
        jsonschema.validate(with_source(plan, DS), PLAN)
    for history in dataset.customers:
        jsonschema.validate(with_source(history.customer, DS), CUSTOMER)


def test_invoice_import_bodies(dataset: DemoDataset, plan_uuids: dict[str, str]) -> None:
    validator = jsonschema.Draft202012Validator(IMPORT_BODY)
    for history in dataset.customers:
        if not history.invoices:
            continue
        body = {"invoices": resolve_invoices(history.invoices, DS, plan_uuids)}
        errors = list(validator.iter_errors(body))
        assert not errors, (history.customer["external_id"], errors[0].message, list(errors[0].absolute_path))
        for invoice in body["invoices"]:
            assert invoice["customer_external_id"] == history.customer["external_id"]
            for item in invoice["line_items"]:
                assert item.get("plan_uuid", "pl_") in set(plan_uuids.values()) | {"pl_"}


def test_timestamps_parse_with_the_servers_parser(dataset: DemoDataset) -> None:
    for invoice in dataset.invoices():
        assert parse_timestamp(invoice["date"]) < parse_timestamp(invoice["due_date"])
        for item in invoice["line_items"]:
            if item["type"] == "subscription":
                start, end = parse_timestamp(item["service_period_start"]), parse_timestamp(item["service_period_end"])
                assert start < end


def test_resolving_does_not_touch_the_generated_records(dataset: DemoDataset, plan_uuids: dict[str, str]) -> None:
    before = dataset.to_json()
    for history in dataset.customers:
        resolve_invoices(history.invoices, DS, plan_uuids)
    assert dataset.to_json() == before


def test_unknown_plan_is_an_error_not_a_silent_null() -> None:
    invoice = {"line_items": [{"type": "subscription", "plan_external_id": "gold"}]}
    with pytest.raises(KeyError):
        resolve_invoices([invoice], DS, {})


def test_cancellation_bodies(dataset: DemoDataset) -> None:
    bodies = [body for h in dataset.customers for _, body in cancellation_bodies(h.cancellations)]
    assert any("cancelled_at" in b for b in bodies)
    for body in bodies:
        jsonschema.validate(body, CANCEL_BODY)
    twice = [
        {"subscription_external_id": "sub_1", "cancelled_at": "2023-02-01 00:00:00 UTC"},
        {"subscription_external_id": "sub_2", "cancelled_at": "2023-03-01 00:00:00 UTC"},
        {"subscription_external_id": "sub_1", "cancelled_at": "2023-09-01 00:00:00 UTC"},
    ]
    assert cancellation_bodies(twice) == [
        ("sub_1", {"cancellation_dates": ["2023-02-01 00:00:00 UTC", "2023-09-01 00:00:00 UTC"]}),
        ("sub_2", {"cancelled_at": "2023-03-01 00:00:00 UTC"}),
    ]


CRM_DECLARATIONS = {
    "/v1/contacts": Contact,
    "/v1/customer_notes": CustomerNote,
    "/v1/opportunities": Opportunity,
    "/v1/tasks": Task,
}


def test_crm_bodies_follow_the_declarations_and_the_history(dataset: DemoDataset) -> None:
    counts: Counter[str] = Counter()
    leads = worked = noted = 0
    for number, history in enumerate(dataset.customers):
        lead = not history.invoices
        uuid = f"cus_{number:08d}-0000-0000-0000-000000000000"
        bodies = crm_bodies(history.customer, history.cancellations, customer_uuid=uuid, data_source_uuid=DS, lead=lead)
        mine: Counter[str] = Counter()
        for path, body in bodies:
            jsonschema.validate(body, json_schema(CRM_DECLARATIONS[path], "create"))
            assert body["customer_uuid"] == uuid
            mine[path] += 1
        # A worked account has its contact (the customer's own) and a note per cancellation; a lead its
        # opportunity and follow-up task.
        assert mine["/v1/contacts"] in (0, 1)
        assert mine["/v1/customer_notes"] == len(history.cancellations) * mine["/v1/contacts"]
        assert mine["/v1/opportunities"] == mine["/v1/tasks"] == lead
        if mine["/v1/contacts"]:
            assert bodies[0][1]["email"] == history.customer["email"]
        leads += lead
        worked += mine["/v1/contacts"]
        noted += bool(mine["/v1/customer_notes"])
        counts += mine
    assert leads and noted  # every branch ran
    assert 0.25 < worked / len(dataset.customers) < 0.45  # about one customer in three
