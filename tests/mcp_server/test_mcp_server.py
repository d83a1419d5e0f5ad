"""ChartMogul's own MCP server (chartmogul-mcp-server 0.3.1 from PyPI, in .venv-mcp on Python 3.13, built by
`make mcp-server`), unchanged, against a `mogul serve` process: tests/mcp_server/drive_mcp.py, an MCP client, calls
each of its 54 tools over stdio on data seeded here through the API; every one must answer without an error and
with the right shape, and what the writing tools sent must be on the server. Fails, never skips, when the venv
is missing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from mogul.server.store import Database
from mogul.server.store.keys import create_key

from ..server.processes import serving
from ..server.processing_helpers import customer, import_invoices, invoice, plan, settle, source

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-mcp" / "bin" / "python"
TOOLS = 54


def _created(r: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return r.json()


def seed(api: httpx.Client) -> dict[str, Any]:
    """One of each object the tools read: a customer with an invoice history, CRM objects, a plan group and a
    subscription event."""
    ds = source(api)
    gold = plan(api, ds, "Gold", external_id="gold")
    cus = customer(api, ds, "cus_mcp", email="ada@example.com")
    made = import_invoices(
        api,
        cus["uuid"],
        invoice("inv_mcp_1", gold["uuid"], "2024-01-01", "2024-02-01", 5000, sub="sub_mcp"),
        invoice("inv_mcp_2", gold["uuid"], "2024-02-01", "2024-03-01", 8000, sub="sub_mcp", quantity=2),
    )
    settle(api)
    ids = {"customer_uuid": cus["uuid"]}
    contact = _created(api.post("/contacts", json={**ids, "data_source_uuid": ds, "first_name": "Ada"}))
    note = _created(api.post("/customer_notes", json={**ids, "type": "call", "text": "Intro call"}))
    opportunity = _created(
        api.post(
            "/opportunities",
            json={
                **ids,
                "owner": "sam@example.com",
                "pipeline": "New Business",
                "pipeline_stage": "Discovery",
                "estimated_close_date": "2024-06-30",
                "currency": "USD",
                "amount_in_cents": 100000,
            },
        )
    )
    task = _created(
        api.post(
            "/tasks",
            json={**ids, "task_details": "Follow up", "assignee": "sam@example.com", "due_date": "2024-07-01"},
        )
    )
    group = _created(api.post("/plan_groups", json={"name": "Metals", "plans": [gold["uuid"]]}), 200)
    event = {
        "data_source_uuid": ds,
        "customer_external_id": "cus_mcp",
        "subscription_external_id": "sub_mcp_events",
        "event_type": "subscription_start",
        "event_date": "2024-01-01",
        "effective_date": "2024-01-01",
        "external_id": "evt_mcp_1",
        "plan_external_id": "gold",
        "currency": "USD",
        "amount_in_cents": 1000,
        "quantity": 1,
    }
    sub_event = _created(api.post("/subscription_events", json={"subscription_event": event}))
    return {
        "data_source": ds,
        "plan": gold["uuid"],
        "plan_external_id": "gold",
        "customer": cus["uuid"],
        "customer_external_id": "cus_mcp",
        "email": "ada@example.com",
        "contact": contact["uuid"],
        "note": note["uuid"],
        "opportunity": opportunity["uuid"],
        "task": task["task_uuid"],
        "plan_group": group["uuid"],
        "subscription_event": sub_event["id"],
        "invoice": made[0]["uuid"],
    }


def test_every_tool_of_chartmogul_mcp_server(database_url: str, db: Database, tmp_path: Path) -> None:
    if not PYTHON.exists():
        pytest.fail("ChartMogul's MCP server is not installed: run `make mcp-server`")
    key, _ = create_key(db, "mcp", "read-write")
    with (
        serving(database_url, tmp_path / "serve.log") as served,
        httpx.Client(base_url=served.base_url + "/v1", auth=(key, ""), timeout=30) as api,
    ):
        seeds = seed(api)
        env = {**os.environ, "MOGUL_BASE_URL": served.base_url, "CHARTMOGUL_TOKEN": key}
        done = subprocess.run(
            [str(PYTHON), str(Path(__file__).with_name("drive_mcp.py"))],
            cwd=tmp_path,  # no stray .env: the MCP server loads one from its working directory
            env={**env, "MOGUL_MCP_SEEDS": json.dumps(seeds)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        tools: dict[str, str | None] = json.loads(done.stdout.strip().splitlines()[-1])["tools"]
        assert len(tools) == TOOLS, sorted(tools)
        failed = {name: why for name, why in tools.items() if why is not None}
        assert failed == {}, json.dumps(failed, indent=1)
        _writes_landed(api, seeds)
        assert "Traceback" not in served.log()


def _writes_landed(api: httpx.Client, s: dict[str, Any]) -> None:
    """What the update, add and create tools sent is on the server (update_plan's 202 has no body to check)."""
    assert api.get(f"/plans/{s['plan']}").json()["name"] == "Gold (renamed)"
    cus = api.get(f"/customers/{s['customer']}").json()
    assert cus["city"] == "Berlin" and cus["attributes"]["tags"] == ["vip", "mcp"]
    assert cus["attributes"]["custom"]["channel"] == "MCP"
    assert api.get(f"/contacts/{s['contact']}").json()["title"] == "CTO"
    assert api.get(f"/customer_notes/{s['note']}").json()["text"] == "Called back"
    assert api.get(f"/opportunities/{s['opportunity']}").json()["win_likelihood"] == 60
    assert api.get(f"/tasks/{s['task']}").json()["task_details"] == "Call again"
    assert api.get(f"/plan_groups/{s['plan_group']}").json()["name"] == "Renamed group"
    events = api.get("/subscription_events", params={"data_source_uuid": s["data_source"]}).json()
    assert {(e["external_id"], e["quantity"]) for e in events["subscription_events"]} == {
        ("evt_mcp_1", 2),
        ("evt_mcp_2", 1),
    }
    invoices = api.get("/invoices", params={"customer_uuid": s["customer"]}).json()["invoices"]
    assert [i["external_id"] for i in invoices] == ["inv_mcp_1", "inv_mcp_2", "inv_mcp_3"]
    created = {
        "/customers": ("entries", "external_id", "cus_mcp_2"),
        "/contacts": ("entries", "first_name", "Alan"),
        "/customer_notes": ("entries", "text", "From MCP"),
        "/opportunities": ("entries", "owner", "sam@example.com"),
        "/tasks": ("entries", "task_details", "Send the contract"),
        "/plans": ("plans", "name", "Silver"),
        "/plan_groups": ("plan_groups", "name", "From MCP"),
    }
    for path, (key, field, value) in created.items():
        assert value in [x[field] for x in api.get(path).json()[key]], path
