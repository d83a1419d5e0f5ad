"""`mogul customers|plans|import ...` against a real server: in-process with click's runner (a subprocess per call
would cost seconds each), plus one subprocess run for the error path a user sees."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from mogul.cli import main
from mogul.client import Client
from mogul.server.embedded import EmbeddedServer

from ..conftest import MOGUL, subprocess_env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def test_customers_plans_and_invoice_import(
    server: EmbeddedServer, rw_key: str, client: Client, tmp_path: Path
) -> None:
    env = {"CHARTMOGUL_API_KEY": rw_key, "CHARTMOGUL_BASE_URL": server.base_url}
    ds = client.data_sources.create("Billing").uuid

    created = json.loads(run(env, "customers", "create", "cus_1", "--data-source-uuid", ds, "--name", "Ann",
                             "--email", "ann@x.com", "--tag", "vip", "--json").stdout)  # fmt: skip
    assert created["external_id"] == "cus_1" and created["attributes"]["tags"] == ["vip"]
    run(env, "customers", "create", "cus_2", "--data-source-uuid", ds)
    listed = json.loads(run(env, "customers", "list", "--data-source-uuid", ds, "--json").stdout)
    assert [c["external_id"] for c in listed["entries"]] == ["cus_1", "cus_2"]
    limited = json.loads(run(env, "customers", "list", "--limit", "1", "--json").stdout)
    assert len(limited["entries"]) == 1
    assert json.loads(run(env, "customers", "get", created["uuid"], "--json").stdout) == created
    found = json.loads(run(env, "customers", "search", "ann@x.com", "--json").stdout)
    assert [c["uuid"] for c in found["entries"]] == [created["uuid"]]
    assert json.loads(run(env, "customers", "search", "nobody@x.com", "--json").stdout) == {"entries": []}
    table = run(env, "customers", "list")
    assert table.returncode == 0 and "cus_1" in table.stdout and "Ann" in table.stdout

    plan = json.loads(run(env, "plans", "create", "Gold", "--data-source-uuid", ds, "--external-id", "gold",
                          "--json").stdout)  # fmt: skip
    assert json.loads(run(env, "plans", "list", "--json").stdout) == {"plans": [plan]}
    assert json.loads(run(env, "plans", "get", plan["uuid"], "--json").stdout) == plan

    invoices = [
        {"external_id": f"inv_{i}", "date": "2024-01-01", "currency": "USD", "data_source_uuid": ds,
         "customer_external_id": ext,
         "line_items": [{"type": "subscription", "subscription_external_id": f"s_{ext}", "plan_uuid": plan["uuid"],
                         "service_period_start": "2024-01-01", "service_period_end": "2024-02-01",
                         "amount_in_cents": 1000}]}
        for i, ext in enumerate(["cus_1", "cus_2", "cus_1"])
    ]  # fmt: skip
    path = tmp_path / "invoices.json"
    path.write_text(json.dumps({"invoices": invoices}))
    result = run(env, "import", "invoices", str(path), "--json")
    assert result.returncode == 0, result.stderr
    imported = json.loads(result.stdout)["invoices"]
    assert sorted(i["external_id"] for i in imported) == ["inv_0", "inv_1", "inv_2"]
    assert len(client.invoices.list(customer_uuid=created["uuid"]).all()) == 2

    again = run(env, "import", "invoices", str(path))
    assert again.returncode == 1 and "already exists in our system" in again.stderr and "Traceback" not in again.stderr
    deleted = run(env, "plans", "delete", plan["uuid"])
    assert deleted.returncode == 1 and "cannot be deleted" in deleted.stderr


def test_import_file_errors_are_one_line(server: EmbeddedServer, rw_key: str, tmp_path: Path) -> None:
    env = {"CHARTMOGUL_API_KEY": rw_key, "CHARTMOGUL_BASE_URL": server.base_url}
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = run(env, "import", "invoices", str(bad))
    assert r.returncode == 1 and r.stderr.startswith("error: ") and "not valid JSON" in r.stderr
    anonymous = tmp_path / "anon.json"
    anonymous.write_text(json.dumps([{"external_id": "x"}]))
    r = run(env, "import", "invoices", str(anonymous))
    assert r.returncode == 1 and "--customer" in r.stderr
    user_env = subprocess_env(**env)
    r = subprocess.run(
        [*MOGUL, "customers", "get", "cus_nope"], capture_output=True, text=True, env=user_env, timeout=60
    )
    assert (r.returncode, r.stderr.strip()) == (1, 'error: 404 Customer "nope" does not exist')


def test_merge_unmerge_and_connections(server: EmbeddedServer, rw_key: str, client: Client) -> None:
    env = {"CHARTMOGUL_API_KEY": rw_key, "CHARTMOGUL_BASE_URL": server.base_url}
    ds = client.data_sources.create("Billing").uuid
    a, b = client.customers.create(ds, "a"), client.customers.create(ds, "b", name="Bea")
    merged = run(env, "customers", "merge", b.uuid, a.uuid)
    assert merged.returncode == 0 and "merged" in merged.stdout
    assert client.customers.retrieve(a.uuid).external_ids == ["a", "b"]
    r = run(env, "customers", "unmerge", a.uuid, "--data-source-uuid", ds, "--external-id", "b", "--move", "notes",
            "--json")  # fmt: skip
    assert (r.returncode, json.loads(r.stdout)) == (0, {})
    assert [c.name for c in client.customers.list(external_id="b")] == ["Bea"]
    again = run(env, "customers", "unmerge", a.uuid, "--data-source-uuid", ds, "--external-id", "b")
    assert again.returncode == 1 and again.stderr.startswith("error: ")

    plan = client.plans.create(ds, "Gold", external_id="gold")
    item = {"type": "subscription", "plan_uuid": plan.uuid, "service_period_start": "2024-01-01",
            "service_period_end": "2024-02-01", "amount_in_cents": 100}  # fmt: skip
    client.invoices.import_(
        a.uuid,
        [
            {"external_id": f"i{n}", "date": "2024-01-01", "currency": "USD",
             "line_items": [{**item, "subscription_external_id": f"s{n}"}]}
            for n in (1, 2)
        ],
    )  # fmt: skip
    subs = [s.uuid for s in client.subscriptions.list(a.uuid)]
    connected = run(env, "customers", "connect-subscriptions", a.uuid, *subs, "--data-source-uuid", ds)
    assert connected.returncode == 0 and "connected 2 subscriptions" in connected.stdout
    alone = run(env, "customers", "connect-subscriptions", a.uuid, subs[0], "--data-source-uuid", ds)
    assert alone.returncode == 1 and "at least two" in alone.stderr
    r = run(env, "customers", "disconnect-subscriptions", a.uuid, subs[0], "--data-source-uuid", ds, "--json")
    assert (r.returncode, json.loads(r.stdout)) == (0, {})
