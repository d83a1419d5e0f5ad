"""`mogul settings ...` as a user runs it: a subprocess on the server's database, seen through the API."""

from __future__ import annotations

import json
import subprocess

import httpx

from mogul.server.store import Database

from ..conftest import MOGUL, subprocess_env


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MOGUL, *args], capture_output=True, text=True, env=subprocess_env(), timeout=60)


def test_show_and_change_settings(api: httpx.Client, database_url: str, db: Database) -> None:
    ds = api.post("/data_sources", json={"name": "Billing"}).json()["uuid"]
    shown = json.loads(run("settings", "show", "--database", database_url).stdout)
    assert shown["account"] == {
        "churn_recognition": "immediate",
        "proximate_movement_reclassification": "one_hour_reclassification",
        "ltv_formula": "arpa_over_trailing_six_month_churn",
    }
    assert shown["data_sources"] == [
        {
            "uuid": ds,
            "name": "Billing",
            "create_subscription_when_invoice_is": "paid",
            "update_subscription_when_invoice_is": "open",
            "auto_churn_days": None,
        }
    ]

    changed = run("settings", "account", "ltv_formula", "arpa_over_churn", "--database", database_url)
    assert changed.returncode == 0 and "ltv_formula = arpa_over_churn" in changed.stdout
    assert api.get("/account?include=ltv_formula").json()["ltv_formula"] == "arpa_over_churn"

    source = run(
        "settings", "source", ds, "--create-when", "open", "--auto-churn-days", "30", "--database", database_url
    )
    assert source.returncode == 0, source.stderr
    body = api.get(
        f"/data_sources/{ds}",
        params={"with_invoice_handling_setting": "true", "with_auto_churn_subscription_setting": "true"},
    ).json()
    assert body["auto_churn_subscription_setting"] == {"enabled": True, "interval": 30}
    assert body["invoice_handling_setting"]["automatic"]["create_subscription_when_invoice_is"] == "open"


def test_bad_settings_are_one_line_errors(database_url: str, db: Database) -> None:
    bad_value = run("settings", "account", "proximate_movement_reclassification", "always", "--database", database_url)
    assert bad_value.returncode == 1
    assert bad_value.stderr.strip() == (
        "error: proximate_movement_reclassification must be one of one_hour_reclassification, disabled"
    )
    unknown = run("settings", "source", "ds_nope", "--update-when", "paid", "--database", database_url)
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: no data source ds_nope")
    nothing = run("settings", "source", "ds_nope", "--database", database_url)
    assert nothing.returncode == 2 and "nothing to change" in nothing.stderr
