"""`mogul contacts|notes|opportunities|tasks ...` against a real server: in-process through click's runner (a
subprocess per command would take about two seconds each), and once as a subprocess."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.server.embedded import EmbeddedServer

from ..conftest import subprocess_env
from .test_data_sources_cli import run


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # The commands only speak HTTP: one backend is enough (the stores run on both in tests/server).
    return f"sqlite:///{tmp_path / 'mogul.db'}"


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def invoke(*args: str, env: dict[str, str]) -> Done:
    result = CliRunner().invoke(main, list(args), env=env)
    return Done(result.exit_code, result.stdout, result.stderr)


def test_every_family_from_the_command_line(server: EmbeddedServer, rw_key: str, api: httpx.Client) -> None:
    env = subprocess_env(CHARTMOGUL_API_KEY=rw_key, CHARTMOGUL_BASE_URL=server.base_url)
    ds = api.post("/data_sources", json={"name": "Billing"}).json()["uuid"]
    cus = api.post("/customers", json={"data_source_uuid": ds, "external_id": "c1"}).json()["uuid"]

    def mogul(*args: str) -> Any:
        done = invoke(*args, "--json", env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    a = mogul("contacts", "create", "--customer-uuid", cus, "--data-source-uuid", ds, "--first-name", "Ada",
              "--custom", "Seats=4", "--custom", "Plan=Gold")  # fmt: skip
    assert a["custom"] == {"Seats": 4, "Plan": "Gold"} and a["first_name"] == "Ada"
    b = mogul("contacts", "create", "--customer-uuid", cus, "--data-source-uuid", ds, "--title", "CTO")
    assert [c["uuid"] for c in mogul("contacts", "list", "--customer-uuid", cus)["entries"]] == [b["uuid"], a["uuid"]]
    assert mogul("contacts", "update", a["uuid"], "--email", "ada@example.com")["email"] == "ada@example.com"
    merged = mogul("contacts", "merge", a["uuid"], b["uuid"])
    assert merged["title"] == "CTO" and merged["customer_uuid"] is None
    assert mogul("contacts", "get", a["uuid"])["first_name"] == "Ada"

    note = mogul("notes", "create", "--customer-uuid", cus, "--type", "call", "--text", "Called")
    assert note["call_duration"] == 60
    assert mogul("notes", "list", "--type", "call")["entries"] == [note]

    opp = mogul("opportunities", "create", "--customer-uuid", cus, "--owner", "o@example.com", "--pipeline", "New",
                "--pipeline-stage", "Discovery", "--estimated-close-date", "2024-03-30", "--currency", "USD",
                "--amount-in-cents", "1000", "--type", "one-time")  # fmt: skip
    assert opp["type"] == "one-time" and opp["amount_in_cents"] == 1000
    assert mogul("opportunities", "update", opp["uuid"], "--win-likelihood", "40")["win_likelihood"] == 40

    task = mogul("tasks", "create", "--customer-uuid", cus, "--task-details", "Call back",
                 "--assignee", "k@example.com", "--due-date", "2025-04-30")  # fmt: skip
    assert mogul("tasks", "list", "--completed", "false")["entries"] == [task]
    assert mogul("tasks", "list", "--completed", "true")["entries"] == []

    table = run("tasks", "list", env=env)
    assert table.returncode == 0 and task["task_uuid"] in table.stdout and "Call back" in table.stdout
    for family, key in (("contacts", a["uuid"]), ("notes", note["uuid"]), ("opportunities", opp["uuid"]),
                        ("tasks", task["task_uuid"])):  # fmt: skip
        deleted = invoke(family, "delete", key, env=env)
        assert deleted.returncode == 0 and key in deleted.stdout
        missing = invoke(family, "get", key, env=env)
        assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_bad_input_is_refused_before_or_by_the_server(server: EmbeddedServer, rw_key: str) -> None:
    env = {"CHARTMOGUL_API_KEY": rw_key, "CHARTMOGUL_BASE_URL": server.base_url}
    no_customer = invoke(
        "tasks", "create", "--task-details", "x", "--assignee", "a@b.co", "--due-date", "2025-01-01", env=env
    )
    assert no_customer.returncode == 1 and "give customer_uuid or contact_uuid" in no_customer.stderr
    unknown = invoke("notes", "create", "--customer-uuid", "cus_nope", "--type", "note", env=env)
    assert (
        unknown.returncode == 1 and 'Customer \\"nope\\" does not exist' in unknown.stderr
    ) or "nope" in unknown.stderr
    nothing = invoke("tasks", "update", "abc", env=env)
    assert nothing.returncode == 2 and "Nothing to change" in nothing.stderr
    bad_custom = invoke("contacts", "update", "con_x", "--custom", "novalue", env=env)
    assert bad_custom.returncode == 2 and "KEY=VALUE" in bad_custom.stderr
