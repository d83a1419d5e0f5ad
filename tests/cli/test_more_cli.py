"""`mogul plan-groups`, `mogul subscription-events`, `mogul activities export` and `mogul account`, as a user
runs them: subprocesses against a real server."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import httpx

from mogul.server.embedded import EmbeddedServer

from ..conftest import subprocess_env
from .test_data_sources_cli import run


def test_plan_groups(server: EmbeddedServer, rw_key: str, api: httpx.Client) -> None:
    env = subprocess_env(CHARTMOGUL_API_KEY=rw_key, CHARTMOGUL_BASE_URL=server.base_url)
    ds = api.post("/data_sources", json={"name": "Billing"}).json()["uuid"]
    plans = [
        api.post(
            "/plans", json={"data_source_uuid": ds, "name": n, "interval_count": 1, "interval_unit": "month"}
        ).json()["uuid"]
        for n in ("Gold", "Silver")
    ]
    made = json.loads(
        run("plan-groups", "create", "Paid", "--plan", plans[0], "--plan", plans[1], "--json", env=env).stdout
    )
    assert (made["name"], made["plans_count"]) == ("Paid", 2)
    changed = run("plan-groups", "update", made["uuid"], "--plan", plans[1], "--name", "Silver only", env=env)
    assert changed.returncode == 0 and "Silver only" in changed.stdout
    members = json.loads(run("plan-groups", "plans", made["uuid"], "--json", env=env).stdout)
    assert [p["uuid"] for p in members["plans"]] == [plans[1]]
    listed = run("plan-groups", "list", env=env)
    assert listed.stdout.splitlines()[0] == "uuid\tname\tplans_count" and made["uuid"] in listed.stdout
    assert run("plan-groups", "delete", made["uuid"], env=env).returncode == 0
    missing = run("plan-groups", "get", made["uuid"], env=env)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: 404 Plan group not found"
    blank = run("plan-groups", "update", made["uuid"], env=env)
    assert blank.returncode == 2 and "give --name, --plan, or both" in blank.stderr


def test_subscription_events(server: EmbeddedServer, rw_key: str, api: httpx.Client) -> None:
    env = subprocess_env(CHARTMOGUL_API_KEY=rw_key, CHARTMOGUL_BASE_URL=server.base_url)
    ds = api.post("/data_sources", json={"name": "Billing"}).json()["uuid"]
    api.post("/customers", json={"data_source_uuid": ds, "external_id": "c1"})
    common = ["--data-source-uuid", ds, "--customer-external-id", "c1", "--subscription-external-id", "s1"]
    dates = ["--event-date", "2024-05-01", "--effective-date", "2024-06-01"]
    price = ["--plan-external-id", "gold", "--currency", "USD", "--amount-in-cents", "5000", "--quantity", "1"]
    created = run(
        "subscription-events", "create", *common, "--type", "subscription_start_scheduled", *dates, *price,
        "--external-id", "ev1", "--json", env=env,
    )  # fmt: skip
    made = json.loads(created.stdout)
    assert made["effective_date"] == "2024-06-01T00:00:00Z" and made["amount_in_cents"] == 5000
    unpriced = run("subscription-events", "create", *common, "--type", "subscription_updated", *dates, env=env)
    assert unpriced.returncode == 1 and "Plan external id can't be blank" in unpriced.stderr
    changed = run("subscription-events", "update", "--id", str(made["id"]), "--quantity", "4", "--json", env=env)
    assert json.loads(changed.stdout)["quantity"] == 4
    listed = json.loads(run("subscription-events", "list", "--customer-external-id", "c1", "--json", env=env).stdout)
    assert [e["id"] for e in listed["subscription_events"]] == [made["id"]]
    refused = run("subscription-events", "disable", "--data-source-uuid", ds, "--external-id", "ev1", env=env)
    assert refused.returncode == 1 and "automatic data sources" in refused.stderr
    deleted = run("subscription-events", "delete", "--data-source-uuid", ds, "--external-id", "ev1", env=env)
    assert deleted.returncode == 0 and f"deleted {ds}/ev1" in deleted.stdout
    assert api.get("/subscription_events").json()["subscription_events"] == []


def test_activities_export_and_account(server: EmbeddedServer, rw_key: str, tmp_path: Path) -> None:
    env = subprocess_env(CHARTMOGUL_API_KEY=rw_key, CHARTMOGUL_BASE_URL=server.base_url)
    target = tmp_path / "activities.zip"
    done = run("activities", "export", "--start-date", "2024-01-01", "--type", "churn", "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert f"saved {target}" in done.stdout
    with zipfile.ZipFile(target) as archive:
        assert archive.read(archive.namelist()[0]).decode().startswith("description,")
    started = json.loads(run("activities", "export", "--no-wait", "--json", env=env).stdout)
    assert started["status"] == "pending"
    again = run("activities", "export", "--id", started["id"], "-o", str(tmp_path / "again.zip"), env=env)
    assert again.returncode == 0 and (tmp_path / "again.zip").stat().st_size > 0

    account = json.loads(run("account", "--include", "churn_recognition", "--json", env=env).stdout)
    assert list(account) == ["id", "name", "currency", "time_zone", "week_start_on", "churn_recognition"]
    table = run("account", "--include", "all", env=env)
    assert "proximate_movement_reclassification" in table.stdout
