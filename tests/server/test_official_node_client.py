"""ChartMogul's official Node client (`chartmogul-node` 3.12.3 from npm, installed by `make node-client` into
tests/node/node_modules), unchanged, against `mogul serve`: tests/node/crm.js calls every method it has for
contacts, customer notes, opportunities and tasks. Fails, never skips, when the client is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from mogul.server.embedded import EmbeddedServer

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


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None or not (NODE_DIR / "node_modules" / "chartmogul-node").is_dir():
        pytest.fail("node or chartmogul-node is missing: run `make node-client`")
    return found


def test_every_crm_method_of_the_node_client(node: str, server: EmbeddedServer, rw_key: str, api: httpx.Client):
    source = api.post("/data_sources", json={"name": "Node"}).json()["uuid"]
    customer = api.post("/customers", json={"data_source_uuid": source, "external_id": "node"}).json()["uuid"]
    env = {
        **os.environ,
        "MOGUL_BASE_URL": server.base_url,
        "MOGUL_API_KEY": rw_key,
        "MOGUL_DATA_SOURCE": source,
        "MOGUL_CUSTOMER": customer,
    }
    done = subprocess.run(
        [node, "crm.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    worked = set(json.loads(done.stdout.strip().splitlines()[-1])["worked"])
    assert worked == METHODS, METHODS - worked
