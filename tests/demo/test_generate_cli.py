"""`mogul demo generate` as a user runs it: dry runs, a kept database, and refused option mixes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

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
        result = run("--customers", "40", "--seed", "5", "--months", "12", "--dry-run", "--output", out)
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
