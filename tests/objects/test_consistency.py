"""Every declared object names the same keys at every level in each of its forms: what the server sends, the
server's OpenAPI document, the Airbyte stream's JSON schema and the client's typed model.

A new object joins by adding a `Case`: its declaration, a way to make the server send it, its OpenAPI component
and its stream (if it has one).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mogul.client import models
from mogul.objects import (
    Account,
    ActivitiesExport,
    Activity,
    AllMetricsSummary,
    ApiObject,
    CodedError,
    Contact,
    Customer,
    CustomerActivity,
    CustomerInvoiceList,
    CustomerNote,
    CustomerSubscription,
    CustomerSubscriptionList,
    DataSource,
    DetailedError,
    ImportedInvoice,
    ImportedInvoices,
    Invoice,
    InvoiceList,
    JsonImport,
    LegacyError,
    MetricSummary,
    Note,
    OneTimeLineItem,
    Opportunity,
    Plan,
    PlanGroup,
    PlanList,
    StatusChanged,
    Subscription,
    SubscriptionEvent,
    SubscriptionLineItem,
    SubscriptionList,
    Task,
    Transaction,
    ValidationErrors,
    key_tree,
    schema_key_tree,
    undeclared,
)
from mogul.objects.account import SETTINGS
from mogul.objects.metrics import ENTRIES
from mogul.server.embedded import EmbeddedServer
from mogul.source.streams import BY_NAME

from ..server.processing_helpers import gt1, settle


def data_sources(api: httpx.Client) -> list[dict[str, Any]]:
    created = api.post("/data_sources", json={"name": "In-house billing"})
    assert created.status_code == 201, created.text
    flags = "with_processing_status=true&with_auto_churn_subscription_setting=true&with_invoice_handling_setting=1"
    listed = api.get(f"/data_sources?{flags}").json()["data_sources"]
    return [created.json(), *listed, api.get(f"/data_sources/{created.json()['uuid']}?{flags}").json()]


def customers(api: httpx.Client) -> list[dict[str, Any]]:
    """Created, listed (on the first page and by cursor), searched, retrieved, updated, tagged by email."""
    source = api.post("/data_sources", json={"name": f"Customers {uuid.uuid4()}"}).json()["uuid"]
    full = {
        "data_source_uuid": source,
        "external_id": "full",
        "name": "Full",
        "email": "full@example.com",
        "country": "US",
        "state": "CA",
        "website_url": "https://example.com",
        "owner": "o@example.com",
        "lead_created_at": "2024-01-01",
        "attributes": {"tags": ["a"], "custom": [{"type": "Integer", "key": "seats", "value": 3}]},
        "primary_contact": {"first_name": "Ada"},
    }
    created = api.post("/customers", json=full)
    assert created.status_code == 201, created.text
    other = api.post("/customers", json={"data_source_uuid": source, "external_id": "bare"}).json()
    merged = api.post(
        "/customers/merges",
        json={"from": {"customer_uuid": other["uuid"]}, "into": {"customer_uuid": created.json()["uuid"]}},
    )
    assert merged.status_code == 202, merged.text
    uuid_ = created.json()["uuid"]
    return [
        created.json(),
        other,
        *api.get("/customers").json()["entries"],
        *api.get("/customers?per_page=1&cursor=").json()["entries"],
        *api.get("/customers/search?email=full@example.com").json()["entries"],
        api.get(f"/customers/{uuid_}").json(),
        api.patch(f"/customers/{uuid_}", json={"primary_contact": {"last_name": "L"}, "status": "Working_Lead"}).json(),
        *api.post("/customers/attributes/tags", json={"email": "full@example.com", "tags": ["b"]}).json()["entries"],
    ]


def _customer(api: httpx.Client) -> dict[str, Any]:
    source = api.post("/data_sources", json={"name": f"CRM {uuid.uuid4()}"}).json()
    return api.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "crm"}).json()


def _crm(path: str, key: str, body: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., Any]:
    """Objects of a CRM family as its create, list, retrieve and update send them."""

    def sent(api: httpx.Client) -> list[dict[str, Any]]:
        customer = _customer(api)
        created = api.post(path, json=body(customer))
        assert created.status_code == 201, created.text
        uuid = created.json()[key]
        updated = api.patch(f"{path}/{uuid}", json={})
        return [created.json(), *api.get(path).json()["entries"], api.get(f"{path}/{uuid}").json(), updated.json()]

    return sent


def contacts(api: httpx.Client) -> list[dict[str, Any]]:
    made = _crm("/contacts", "uuid", lambda c: {"customer_uuid": c["uuid"], "data_source_uuid": c["data_source_uuid"]})
    sent = made(api)
    seen = api.patch(f"/contacts/{sent[0]['uuid']}", json={"last_seen": "2024-01-01", "custom": [{"key": "a"}]})
    return [*sent, seen.json()]


notes = _crm("/customer_notes", "uuid", lambda c: {"customer_uuid": c["uuid"], "type": "call"})
opportunities = _crm(
    "/opportunities",
    "uuid",
    lambda c: {
        "customer_uuid": c["uuid"],
        "owner": "o@example.com",
        "pipeline": "New Business",
        "pipeline_stage": "Discovery",
        "estimated_close_date": "2024-03-30",
        "currency": "USD",
        "amount_in_cents": 1,
    },
)
entity_notes = _crm("/notes", "uuid", lambda c: {"customer_uuid": c["uuid"], "type": "note"})
_task = {"task_details": "x", "assignee": "a@example.com", "due_date": "2025-01-01"}


def tasks(api: httpx.Client) -> list[dict[str, Any]]:
    sent = _crm("/tasks", "task_uuid", lambda c: {"customer_uuid": c["uuid"], **_task})(api)
    contact = contacts(api)[0]
    named = {"associated_object": "contact", "method": "uuid", "value": contact["uuid"]}
    attached = api.post("/tasks", json={**_task, "associated_object_identifier": named})
    assert attached.status_code == 201, attached.text
    return [*sent, attached.json()]


def plan_groups(api: httpx.Client) -> list[dict[str, Any]]:
    source = api.post("/data_sources", json={"name": "Plans"}).json()["uuid"]
    body = {"data_source_uuid": source, "name": "Gold", "interval_count": 1, "interval_unit": "month"}
    plan = api.post("/plans", json=body).json()["uuid"]
    created = api.post("/plan_groups", json={"name": "Group", "plans": [plan]})
    assert created.status_code == 200, created.text
    uuid = created.json()["uuid"]
    changed = api.patch(f"/plan_groups/{uuid}", json={"name": "Renamed"}).json()
    return [
        created.json(),
        changed,
        api.get(f"/plan_groups/{uuid}").json(),
        *api.get("/plan_groups").json()["plan_groups"],
    ]


def subscription_events(api: httpx.Client) -> list[dict[str, Any]]:
    source = api.post("/data_sources", json={"name": "Events"}).json()["uuid"]
    api.post("/customers", json={"data_source_uuid": source, "external_id": "c1"})
    event = {
        "data_source_uuid": source,
        "customer_external_id": "c1",
        "subscription_external_id": "s1",
        "event_type": "subscription_cancellation_scheduled",
        "event_date": "2024-01-01",
        "effective_date": "2024-02-01",
        "external_id": "e1",
    }
    created = api.post("/subscription_events", json={"subscription_event": event})
    assert created.status_code == 201, created.text
    changed = api.patch(
        "/subscription_events", json={"subscription_event": {"id": created.json()["id"], "quantity": 1}}
    )
    return [created.json(), changed.json(), *api.get("/subscription_events").json()["subscription_events"]]


def activities_exports(api: httpx.Client) -> list[dict[str, Any]]:
    created = api.post("/activities_export", json={"type": "churn", "start-date": "2024-01-01"})
    assert created.status_code == 200, created.text
    deadline = time.monotonic() + 30
    while (done := api.get(f"/activities_export/{created.json()['id']}").json())["status"] == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return [created.json(), done]


def json_imports(api: httpx.Client) -> list[dict[str, Any]]:
    source = api.post("/data_sources", json={"name": f"Bulk {uuid.uuid4()}"}).json()["uuid"]
    body = {"external_id": "bulk_1", "customers": [{"external_id": "c1"}]}
    created = api.post(f"/data_sources/{source}/json_imports", json=body)
    assert created.status_code == 201, created.text
    deadline = time.monotonic() + 30
    path = f"/data_sources/{source}/json_imports/{created.json()['id']}"
    while (done := api.get(path).json())["status"] in ("queued", "processing"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return [created.json(), done]


def _billing(api: httpx.Client) -> dict[str, Any]:
    """A customer with a plan and an invoice of each kind of line item, and what each endpoint sends of them."""
    source = api.post("/data_sources", json={"name": f"Billing {uuid.uuid4()}"}).json()["uuid"]
    body = {"data_source_uuid": source, "name": "Gold", "interval_count": 1, "interval_unit": "month"}
    plan = api.post("/plans", json=body).json()
    customer = api.post("/customers", json={"data_source_uuid": source, "external_id": "c1"}).json()["uuid"]
    item = {
        "type": "subscription",
        "subscription_external_id": "s1",
        "subscription_set_external_id": "set1",
        "plan_uuid": plan["uuid"],
        "service_period_start": "2024-01-01",
        "service_period_end": "2024-02-01",
        "amount_in_cents": 1000,
    }
    one_time = {"type": "one_time", "amount_in_cents": 500, "description": "Setup"}
    payment = {"type": "payment", "date": "2024-01-01", "result": "successful"}
    invoice = {"external_id": "i1", "date": "2024-01-01", "currency": "USD", "line_items": [item, one_time]}
    imported = api.post(
        f"/import/customers/{customer}/invoices", json={"invoices": [{**invoice, "transactions": [payment]}]}
    )
    assert imported.status_code == 201, imported.text
    inv = imported.json()["invoices"][0]["uuid"]
    added = api.post(f"/import/invoices/{inv}/transactions", json={**payment, "type": "refund"})
    assert added.status_code == 201, added.text
    subscriptions = api.get(f"/import/customers/{customer}/subscriptions").json()
    cancelled = api.patch(
        f"/import/subscriptions/{subscriptions['subscriptions'][0]['uuid']}", json={"cancelled_at": "2024-03-01"}
    )
    # A second invoice to void: the first one's subscription stays in the metrics' view.
    other = {**invoice, "external_id": "i2", "line_items": [one_time]}
    assert api.post(f"/import/customers/{customer}/invoices", json={"invoices": [other]}).status_code == 201
    status = api.put(f"/data_sources/{source}/invoices/i2/status", json={"status": "voided"})
    assert status.status_code == 200, status.text
    enabled = api.patch(f"/invoices/{inv}/disabled_state", json={"disabled": False})
    assert enabled.status_code == 200, enabled.text
    # Edited one by one: what an invoice, a line item and a transaction answer on their own.
    edited = api.patch(f"/invoices/{inv}", json={"collection_method": "manual"})
    assert edited.status_code == 200, edited.text
    added_items = [
        api.post(f"/import/invoices/{inv}/line_items", json={**one, "external_id": f"added{n}"})
        for n, one in enumerate((item, one_time))
    ]
    assert [r.status_code for r in added_items] == [201, 201], [r.text for r in added_items]
    own_items = [api.get(f"/line_items/{li['uuid']}").json() for li in imported.json()["invoices"][0]["line_items"]]
    settle(api)
    return {
        "status": status.json(),
        "enabled": enabled.json(),
        "plans": [plan, api.get(f"/plans/{plan['uuid']}").json(), api.patch(f"/plans/{plan['uuid']}", json={}).json()],
        "plan_lists": [api.get("/plans").json(), api.get("/plans", params={"page": 1}).json()],
        "imported": imported.json(),
        "invoice_lists": [api.get("/invoices").json(), api.get("/invoices", params={"per_page": 1}).json()],
        "customer_invoices": api.get(f"/import/customers/{customer}/invoices").json(),
        "invoice": api.get(f"/invoices/{inv}").json(),
        "transaction": added.json(),
        "own_transaction": api.get(f"/transactions/{added.json()['uuid']}").json(),
        "edited": edited.json(),
        "line_items": [*(r.json() for r in added_items), *own_items],
        "subscriptions": subscriptions,
        "cancelled": cancelled.json(),
        "customer_subscriptions": api.get(f"/customers/{customer}/subscriptions").json(),
    }


def plans(api: httpx.Client) -> list[dict[str, Any]]:
    sent = _billing(api)
    return [*sent["plans"], *(plan for page in sent["plan_lists"] for plan in page["plans"])]


def plan_lists(api: httpx.Client) -> list[dict[str, Any]]:
    return list(_billing(api)["plan_lists"])


def invoices(api: httpx.Client) -> list[dict[str, Any]]:
    sent = _billing(api)
    lists = [*sent["invoice_lists"][0]["invoices"], *sent["customer_invoices"]["invoices"]]
    return [sent["invoice"], sent["enabled"], sent["edited"], *lists]


def imported_invoices(api: httpx.Client) -> list[dict[str, Any]]:
    return list(_billing(api)["imported"]["invoices"])


def _line_items(api: httpx.Client, kind: str) -> list[dict[str, Any]]:
    sent = _billing(api)
    everything = [*sent["imported"]["invoices"], sent["invoice"], {"line_items": sent["line_items"]}]
    return [item for inv in everything for item in inv["line_items"] if item["type"] == kind]


def transactions(api: httpx.Client) -> list[dict[str, Any]]:
    sent = _billing(api)
    return [
        sent["transaction"],
        sent["own_transaction"],
        *sent["invoice"]["transactions"],
        *sent["imported"]["invoices"][0]["transactions"],
    ]


def imported_subscriptions(api: httpx.Client) -> list[dict[str, Any]]:
    sent = _billing(api)
    return [*sent["subscriptions"]["subscriptions"], sent["cancelled"]]


def customer_subscriptions(api: httpx.Client) -> list[dict[str, Any]]:
    return list(_billing(api)["customer_subscriptions"]["entries"])


def _envelope(key: str) -> Callable[[httpx.Client], list[dict[str, Any]]]:
    def sent(api: httpx.Client) -> list[dict[str, Any]]:
        found = _billing(api)[key]
        return found if isinstance(found, list) else [found]

    return sent


def accounts(api: httpx.Client) -> list[dict[str, Any]]:
    return [api.get("/account").json(), api.get(f"/account?include={','.join(SETTINGS)}").json()]


def _computed(api: httpx.Client) -> str:
    """A customer with three months of movements, computed; its uuid."""
    made = gt1(api, external_id=f"m{uuid.uuid4().hex[:8]}")
    settle(api)
    return str(made["customer"]["uuid"])


def activities(api: httpx.Client) -> list[dict[str, Any]]:
    _computed(api)
    return [
        *api.get("/activities").json()["entries"],
        *api.get("/activities?per_page=1&type=expansion").json()["entries"],
    ]


def customer_activities(api: httpx.Client) -> list[dict[str, Any]]:
    return api.get(f"/customers/{_computed(api)}/activities").json()["entries"]


def metric_entries(metric: str) -> Callable[[httpx.Client], list[dict[str, Any]]]:
    def sent(api: httpx.Client) -> list[dict[str, Any]]:
        _computed(api)
        body = api.get(f"/metrics/{metric}?start-date=2024-01-01&end-date=2024-04-30&interval=month").json()
        return body["entries"]

    return sent


def summaries(metrics: tuple[str, ...]) -> Callable[[httpx.Client], list[dict[str, Any]]]:
    def sent(api: httpx.Client) -> list[dict[str, Any]]:
        _computed(api)
        params = "start-date=2024-01-01&end-date=2024-04-30"
        return [api.get(f"/metrics/{metric}?{params}").json()["summary"] for metric in metrics]

    return sent


def _error(status: int, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def legacy_errors(api: httpx.Client) -> list[dict[str, Any]]:
    return [
        _error(404, api.delete(f"/data_sources/ds_{uuid.uuid4()}")),
        _error(404, api.get(f"/customers/cus_{uuid.uuid4()}/activities")),
    ]


def validation_errors(api: httpx.Client) -> list[dict[str, Any]]:
    return [_error(422, api.post("/data_sources", json={"name": None})), _error(422, api.post("/customers", json={}))]


def coded_errors(api: httpx.Client) -> list[dict[str, Any]]:
    return [
        _error(404, api.get(f"/customers/cus_{uuid.uuid4()}")),
        _error(400, api.post("/data_sources", json={})),
        _error(401, httpx.get(str(api.base_url.join("/v1/customers")), auth=("wrong", ""))),
    ]


def detailed_errors(api: httpx.Client) -> list[dict[str, Any]]:
    return [_error(422, api.post("/subscription_events", json={"subscription_event": {}}))]


@dataclass(frozen=True)
class Case:
    cls: type[ApiObject]
    sent: Callable[[httpx.Client], list[dict[str, Any]]]
    """Objects as the server sends them, between them carrying every optional key."""
    component: str
    stream: str | None = None
    added: tuple[str, ...] = ()
    """Keys a stream adds to the API's object (a subscription's `customer_uuid`)."""


CASES = [
    Case(Customer, customers, "Customer", "customers"),
    Case(Activity, activities, "Activity", "activities"),
    Case(CustomerActivity, customer_activities, "CustomerActivity"),
    *(
        Case(
            cls,
            metric_entries(metric),
            cls.__name__,
            {"all": "metrics", "customer-count": "customer_count"}.get(metric),
        )
        for metric, cls in ENTRIES.items()
    ),
    Case(MetricSummary, summaries(tuple(metric for metric in ENTRIES if metric != "all")), "MetricSummary"),
    Case(AllMetricsSummary, summaries(("all",)), "AllMetricsSummary"),
    Case(LegacyError, legacy_errors, "LegacyError"),
    Case(ValidationErrors, validation_errors, "ValidationErrors"),
    Case(CodedError, coded_errors, "CodedError"),
    Case(DetailedError, detailed_errors, "DetailedError"),
    Case(DataSource, data_sources, "DataSource", "data_sources"),
    Case(Contact, contacts, "Contact", "contacts"),
    Case(CustomerNote, notes, "CustomerNote", "customer_notes"),
    Case(Note, entity_notes, "Note"),
    Case(Opportunity, opportunities, "Opportunity", "opportunities"),
    Case(Task, tasks, "Task", "tasks"),
    Case(PlanGroup, plan_groups, "PlanGroup", "plan_groups", added=("plan_uuids",)),
    Case(SubscriptionEvent, subscription_events, "SubscriptionEvent", "subscription_events"),
    Case(ActivitiesExport, activities_exports, "ActivitiesExport"),
    Case(JsonImport, json_imports, "JsonImport"),
    Case(Account, accounts, "Account", "account"),
    Case(Plan, plans, "Plan", "plans"),
    Case(PlanList, plan_lists, "PlanList"),
    Case(Invoice, invoices, "Invoice", "invoices"),
    Case(ImportedInvoice, imported_invoices, "ImportedInvoice"),
    Case(ImportedInvoices, _envelope("imported"), "ImportedInvoices"),
    Case(InvoiceList, _envelope("invoice_lists"), "InvoiceList"),
    Case(CustomerInvoiceList, _envelope("customer_invoices"), "CustomerInvoiceList"),
    Case(SubscriptionLineItem, lambda api: _line_items(api, "subscription"), "SubscriptionLineItem"),
    Case(OneTimeLineItem, lambda api: _line_items(api, "one_time"), "OneTimeLineItem"),
    Case(Transaction, transactions, "Transaction"),
    Case(Subscription, imported_subscriptions, "Subscription"),
    Case(SubscriptionList, _envelope("subscriptions"), "SubscriptionList"),
    Case(CustomerSubscription, customer_subscriptions, "CustomerSubscription", "subscriptions", ("customer_uuid",)),
    Case(CustomerSubscriptionList, _envelope("customer_subscriptions"), "CustomerSubscriptionList"),
    Case(StatusChanged, _envelope("status"), "StatusChanged"),
]


@pytest.fixture
def document(server: EmbeddedServer) -> dict[str, Any]:
    return httpx.get(server.base_url + "/openapi.json").json()


def resolve(node: Any, document: dict[str, Any]) -> Any:
    """The schema with every `$ref` replaced by what it names."""
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve(document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], document)
        return {key: resolve(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, document) for value in node]
    return node


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.cls.__name__)
def test_the_server_sends_what_is_declared(case: Case, api: httpx.Client):
    sent = case.sent(api)
    assert sent
    for obj in sent:
        assert undeclared(case.cls, obj) == [], obj
    optional = {f for f in key_tree(case.cls)} - {key for obj in sent for key in obj}
    assert not optional, f"no response carried {optional}: the case should show every key"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.cls.__name__)
def test_the_openapi_document_names_the_declared_keys(case: Case, document: dict[str, Any]):
    schema = resolve(document["components"]["schemas"][case.component], document)
    assert schema_key_tree(schema) == key_tree(case.cls)


@pytest.mark.parametrize("case", [c for c in CASES if c.stream], ids=lambda case: case.cls.__name__)
def test_the_stream_schema_names_the_declared_keys(case: Case):
    assert case.stream is not None
    tree = schema_key_tree(BY_NAME[case.stream].schema)
    assert tree is not None
    for key in case.added:
        tree.pop(key)
    assert tree == key_tree(case.cls)


# The client's typed models: the objects, not the envelopes its `Listing` unwraps.
MODELS = [case for case in CASES if not case.cls.__name__.endswith(("List", "Invoices", "Changed"))]


@pytest.mark.parametrize("case", MODELS, ids=lambda case: case.cls.__name__)
def test_the_client_model_is_the_declaration(case: Case):
    assert getattr(models, case.cls.__name__) is case.cls
