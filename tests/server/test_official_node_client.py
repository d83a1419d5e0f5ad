"""ChartMogul's official Node client (`chartmogul-node` 3.12.3 from npm, installed by `make node-client` into
tests/node/node_modules), unchanged, against `mogul serve`: tests/node/crm.js calls every method it has for
contacts, customer notes, opportunities and tasks; tests/node/more.js every method it has for plan groups,
subscription events, the account, JSON imports and invoice editing. Fails, never skips, when the client is not
installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer

from .conftest import invoice

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
# Every method chartmogul-node 3.12.3 has for these resources (`update`, a PUT, is not an endpoint of theirs).
CRUD = ("create", "all", "retrieve", "modify", "patch", "destroy")
CUSTOMER = ("contacts", "createContact", "notes", "createNote", "opportunities", "createOpportunity", "tasks")
METHODS = {
    "Contact.merge",
    "Customer.createTask",
    *(f"{cls}.{m}" for cls in ("Contact", "CustomerNote", "Opportunity", "Task") for m in CRUD),
    *(f"Customer.{m}" for m in CUSTOMER),
}
# Every method 3.12.3 has for these resources that mogul serves: not the inherited ones whose path or verb is no
# endpoint of ChartMogul's (`PlanGroup.update`, a PUT; `Account.all`; `SubscriptionEvent.retrieve`, …), nor the
# deprecated snake_case aliases. `disable` and `disableByExternalId` count when answered with ChartMogul's 422
# for an API data source, which all of mogul's are.
EDITING = ("retrieve", "all", "modify", "update", "destroy", "destroyByExternalId", "enable", "disable")
BY_EXTERNAL_ID = ("enableByExternalId", "disableByExternalId")
MORE_METHODS = {
    *(f"PlanGroup.{m}" for m in ("create", "all", "allAny", "retrieve", "modify", "patch", "destroy")),
    "PlanGroupPlans.all",
    *(f"SubscriptionEvent.{m}" for m in ("create", "all", "modify", "patch", "destroy", "disable", "enable")),
    "SubscriptionEvent.updateWithParams",
    "SubscriptionEvent.deleteWithParams",
    "Account.retrieve",
    "JsonImport.create",
    "JsonImport.retrieve",
    *(f"Invoice.{m}" for m in ("create", *EDITING, *BY_EXTERNAL_ID, "allCustomer", "updateStatus", "destroyAll")),
    *(f"{cls}.{m}" for cls in ("LineItem", "Transaction") for m in ("create", *EDITING, *BY_EXTERNAL_ID)),
    "LineItem.patch",
}


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None or not (NODE_DIR / "node_modules" / "chartmogul-node").is_dir():
        pytest.fail("node or chartmogul-node is missing: run `make node-client`")
    return found


def run(node: str, script: str, server: EmbeddedServer, key: str, **env: str) -> set[str]:
    """The methods `script` reports as worked; it fails on the first that did not."""
    variables = {**os.environ, "MOGUL_BASE_URL": server.base_url, "MOGUL_API_KEY": key}
    variables.update({f"MOGUL_{name.upper()}": value for name, value in env.items()})
    done = subprocess.run(
        [node, script], cwd=NODE_DIR, env=variables, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1])["worked"])


def seed_customer(api: httpx.Client) -> tuple[str, str]:
    source = api.post("/data_sources", json={"name": "Node"}).json()["uuid"]
    customer = api.post("/customers", json={"data_source_uuid": source, "external_id": "node"}).json()["uuid"]
    return source, customer


def test_every_crm_method_of_the_node_client(node: str, server: EmbeddedServer, rw_key: str, api: httpx.Client):
    source, customer = seed_customer(api)
    worked = run(node, "crm.js", server, rw_key, data_source=source, customer=customer)
    assert worked == METHODS, METHODS - worked


def test_every_plan_group_event_account_import_and_editing_method_of_the_node_client(
    node: str, server: EmbeddedServer, rw_key: str, api: httpx.Client
) -> None:
    source, customer = seed_customer(api)
    plans = []
    for name in ("gold", "silver"):
        body = {"data_source_uuid": source, "name": name, "interval_count": 1, "interval_unit": "month"}
        r = api.post("/plans", json={**body, "external_id": name})
        assert r.status_code == 201, r.text
        plans.append(r.json()["uuid"])
    invoices = [invoice(plans[0], n=n) for n in range(3)]
    r = api.post(f"/import/customers/{customer}/invoices", json={"invoices": invoices})
    assert r.status_code == 201, r.text
    seed = json.dumps({"plans": plans, "invoices": r.json()["invoices"]})
    worked = run(node, "more.js", server, rw_key, data_source=source, customer=customer, seed=seed)
    assert worked == MORE_METHODS, MORE_METHODS - worked
