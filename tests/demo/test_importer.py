"""The importer's orchestration against a recording fake of the Import API (the real server: test_end_to_end)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest

from mogul.client import NO_RETRY, Client, ValidationError
from mogul.demo.generator import DemoDataset, GeneratorConfig, generate
from mogul.demo.importer import import_dataset
from mogul.demo.payloads import crm_bodies

CRM_PATHS = ("/v1/contacts", "/v1/customer_notes", "/v1/opportunities", "/v1/tasks")


class FakeImportAPI:
    """Answers the eleven calls the importer makes, in ChartMogul's shapes, and records them."""

    def __init__(self, *, fail_customer: str | None = None) -> None:
        self.fail_customer = fail_customer
        self.lock = threading.Lock()
        self.calls: list[tuple[str, str, Any]] = []
        self.customers: dict[str, str] = {}  # uuid -> external id
        self.subscriptions: dict[str, tuple[str, str]] = {}  # sub uuid -> (customer uuid, external id)
        self.plans: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content) if request.content else None
        path, method = request.url.path, request.method
        with self.lock:
            self.calls.append((method, path, body))
            if (method, path) == ("POST", "/v1/data_sources"):
                return self.json(201, {"uuid": "ds_fake", "name": body["name"], "system": "Custom", "status": "idle"})
            if (method, path) == ("POST", "/v1/plans"):
                plan = {**body, "uuid": f"pl_{body['external_id']}"}
                self.plans[plan["uuid"]] = plan
                return self.json(201, plan)
            if (method, path) == ("POST", "/v1/customers"):
                if body["external_id"] == self.fail_customer:
                    return self.json(422, {"errors": {"external_id": "The external ID already exists."}})
                uuid = f"cus_{len(self.customers):06d}"
                self.customers[uuid] = body["external_id"]
                return self.json(201, {**body, "uuid": uuid})
            if method == "POST" and path.startswith("/v1/import/customers/"):
                customer_uuid = path.split("/")[4]
                assert customer_uuid in self.customers
                for invoice in body["invoices"]:
                    invoice["uuid"] = f"inv_{invoice['external_id']}"
                    for item in invoice["line_items"]:
                        if item["type"] == "subscription":
                            assert item["plan_uuid"] in self.plans
                            sub_uuid = f"sub_{item['subscription_external_id']}"
                            self.subscriptions[sub_uuid] = (customer_uuid, item["subscription_external_id"])
                            item["subscription_uuid"] = sub_uuid
                return self.json(201, body)
            if (method, path) == ("POST", "/v1/plan_groups"):
                assert body["plans"] and set(body["plans"]) <= set(self.plans)
                return self.json(200, {"name": body["name"], "uuid": "plg_fake", "plans_count": len(body["plans"])})
            if (method, path) == ("POST", "/v1/subscription_events"):
                event = body["subscription_event"]
                assert event["customer_external_id"] in self.customers.values()
                return self.json(201, {"id": len(self.calls), **event})
            if method == "POST" and path in CRM_PATHS:
                assert body["customer_uuid"] in self.customers
                key = "task_uuid" if path == "/v1/tasks" else "uuid"
                return self.json(201, {**body, key: f"crm_{len(self.calls)}"})
            if method == "PATCH" and path.startswith("/v1/import/subscriptions/"):
                sub_uuid = path.rsplit("/", 1)[1]
                assert sub_uuid in self.subscriptions
                return self.json(202, {"uuid": sub_uuid, "cancellation_dates": []})
        return self.json(404, {"code": 404, "message": "The requested resource does not exist."})

    @staticmethod
    def json(status: int, body: Any) -> httpx.Response:
        return httpx.Response(status, content=orjson.dumps(body), headers={"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return generate(GeneratorConfig(customers=120, seed=5))


@contextmanager
def fake_client(api: FakeImportAPI) -> Iterator[Client]:
    with Client("key", "http://fake.test", retry=NO_RETRY, transport=httpx.MockTransport(api)) as client:
        yield client


def test_imports_everything_in_order(dataset: DemoDataset) -> None:
    api = FakeImportAPI()
    seen: list[tuple[int, int]] = []
    with fake_client(api) as client:
        summary = import_dataset(client, dataset, workers=8, progress=lambda done, total: seen.append((done, total)))
    counts = dataset.counts()
    assert summary.data_source_uuid == "ds_fake"
    assert (summary.customers, summary.invoices, summary.cancellations) == (
        120,
        counts["invoices"],
        counts["cancellations"],
    )
    assert seen[0] == (0, 120) and seen[-1] == (120, 120)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    methods = [(m, p.split("/")[2]) for m, p, _ in api.calls]
    assert methods[0] == ("POST", "data_sources") and methods[1:10] == [("POST", "plans")] * 9
    groups = [b for m, p, b in api.calls if p == "/v1/plan_groups"]
    assert sorted(g["name"] for g in groups)[0] == "Annual plans" and methods[10 : 10 + len(groups)] == [
        ("POST", "plan_groups")
    ] * len(groups)
    assert sorted(u for g in groups for u in g["plans"]) == sorted(api.plans)  # every plan in one group
    # The CRM records: those `crm_bodies` gives for each customer, each naming its customer.
    crm = Counter(p for m, p, b in api.calls if p in CRM_PATHS)
    expected: Counter[str] = Counter()
    for history in dataset.customers:
        bodies = crm_bodies(
            history.customer, history.cancellations, customer_uuid="", data_source_uuid="", lead=not history.invoices
        )
        expected.update(path for path, _ in bodies)
    assert crm == expected and all(expected[path] for path in CRM_PATHS)
    events = [b["subscription_event"] for m, p, b in api.calls if p == "/v1/subscription_events"]
    assert len(events) == counts["cancellations"]
    assert {e["event_type"] for e in events} == {"subscription_cancelled"}
    assert sorted(api.customers.values()) == [h.customer["external_id"] for h in dataset.customers]
    # One invoice POST per customer with invoices, carrying all of them.
    imports = [(p, b) for m, p, b in api.calls if p.startswith("/v1/import/customers/")]
    assert len(imports) == sum(1 for h in dataset.customers if h.invoices)
    assert sum(len(b["invoices"]) for _, b in imports) == counts["invoices"]
    assert all(i["data_source_uuid"] == "ds_fake" for _, b in imports for i in b["invoices"])

    # Cancellations go to the subscription uuids the import answered with, after that customer's invoices.
    by_customer = {h.customer["external_id"]: h for h in dataset.customers}
    patched = 0
    for index, (method, path, body) in enumerate(api.calls):
        if method != "PATCH":
            continue
        patched += 1
        customer_uuid, sub_external_id = api.subscriptions[path.rsplit("/", 1)[1]]
        history = by_customer[api.customers[customer_uuid]]
        expected = [
            c["cancelled_at"] for c in history.cancellations if c["subscription_external_id"] == sub_external_id
        ]
        assert body == ({"cancelled_at": expected[0]} if len(expected) == 1 else {"cancellation_dates": expected})
        earlier = [p for _, p, _ in api.calls[:index]]
        assert f"/v1/import/customers/{customer_uuid}/invoices" in earlier
    cancelled = {c["subscription_external_id"] for h in dataset.customers for c in h.cancellations}
    assert patched == len(cancelled) > 0


def test_the_first_error_stops_the_import_and_names_the_customer(dataset: DemoDataset) -> None:
    api = FakeImportAPI(fail_customer="cus_000050")
    with pytest.raises(ValidationError) as raised, fake_client(api) as client:
        import_dataset(client, dataset, workers=4)
    assert "importing customer cus_000050" in str(raised.value)
    assert raised.value.status == 422


def test_workers_are_bounded_by_chartmoguls_connection_limit(dataset: DemoDataset) -> None:
    with fake_client(FakeImportAPI()) as client, pytest.raises(ValueError, match="workers"):
        import_dataset(client, dataset, workers=21)
