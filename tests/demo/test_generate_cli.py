"""`mogul demo generate` as a user runs it: dry runs, a kept database, and refused option mixes."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mogul.client import Client
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database

from ..conftest import MOGUL, subprocess_env


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MOGUL, "demo", "generate", *args], capture_output=True, text=True, env=subprocess_env(**env), timeout=300
    )


def test_dry_run_writes_the_same_payloads_for_the_same_seed(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.json", "b.json"):
        out = str(tmp_path / name)
        result = run(
            "--customers", "40", "--seed", "5", "--months", "12", "--end-month", "2025-06", "--dry-run", "--output", out
        )
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout)
        assert summary["customers"] == 40 and summary["plans"] == 9 and "import_seconds" not in summary
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    written = json.loads(outputs[0])
    assert written["config"]["seed"] == 5 and len(written["customers"]) == 40
    assert sum(len(c["invoices"]) for c in written["customers"]) == summary["invoices"]


def test_database_option_keeps_the_history_and_prints_a_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = run("--customers", "12", "--database", url)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    key = re.search(r"its new key: (\S+)", result.stderr)
    assert key, result.stderr
    db = Database(url)
    try:
        with EmbeddedServer(db) as server, Client(key.group(1), server.base_url) as cm:
            customers = cm.customers.list().all()
            invoices = cm.invoices.list().all()
    finally:
        db.dispose()
    assert len(customers) == 12 and len(invoices) == summary["invoices"]


def test_refused_option_mixes() -> None:
    no_key = run("--customers", "1", "--base-url", "http://127.0.0.1:9")
    assert no_key.returncode == 2 and "--api-key" in no_key.stderr
    both = run("--customers", "1", "--base-url", "http://127.0.0.1:9", "--database", "sqlite:///x.db", "--api-key", "k")
    assert both.returncode == 2 and "--database" in both.stderr
    bad_churn = run("--churn", "1.5", "--dry-run")
    assert bad_churn.returncode == 2


def test_unreachable_server_is_one_line_and_exit_1() -> None:
    result = run("--customers", "1", "--base-url", "http://127.0.0.1:9", "--api-key", "k")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_the_history_ends_this_month_unless_pinned(tmp_path: Path) -> None:
    this_month = datetime.now(UTC).strftime("%Y-%m")
    out = tmp_path / "h.json"
    default = run("--customers", "30", "--months", "4", "--dry-run", "--output", str(out))
    assert default.returncode == 0, default.stderr
    summary = json.loads(default.stdout)
    assert summary["end_month"] == this_month
    dates = [i["date"][:7] for c in json.loads(out.read_bytes())["customers"] for i in c["invoices"]]
    assert max(dates) == this_month and len(set(dates)) == 4
    assert summary["start"] == json.loads(out.read_bytes())["config"]["start"]

    pinned = run("--customers", "30", "--months", "4", "--end-month", "2024-02", "--dry-run", "--output", str(out))
    assert pinned.returncode == 0, pinned.stderr
    assert json.loads(pinned.stdout)["start"] == "2023-11-01" and json.loads(pinned.stdout)["end_month"] == "2024-02"
    dates = {i["date"][:7] for c in json.loads(out.read_bytes())["customers"] for i in c["invoices"]}
    assert dates == {"2023-11", "2023-12", "2024-01", "2024-02"}

    started = run("--customers", "5", "--months", "2", "--start", "2024-05-01", "--dry-run")
    assert started.returncode == 0 and json.loads(started.stdout)["end_month"] == "2024-06"


@pytest.mark.parametrize("value", ["2026-13", "2026-00", "12/2026", "2026-1", "2026", "", "next month", "0999-01"])
def test_a_bad_end_month_is_one_line(value: str) -> None:
    for command in (["demo", "generate", "--dry-run"], ["demo", "--no-serve"]):
        result = subprocess.run(
            [*MOGUL, *command, "--end-month", value],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=60,
        )
        assert result.returncode == 2, command
        assert result.stderr.splitlines() == [
            f"error: Invalid value for '--end-month': {value!r} is not a month: use YYYY-MM, e.g. "
            f"{datetime.now(UTC):%Y-%m}"
        ]
        assert result.stdout == ""


def test_start_and_end_month_are_one_too_many() -> None:
    both = run("--start", "2024-01-01", "--end-month", "2024-12", "--dry-run")
    assert both.returncode == 2 and "--start and --end-month" in both.stderr
