"""Library code leaves the host process as it found it: another program imports and uses mogul's client, source,
sync, engine and server (an app built with `create_app`, called in-process), and its garbage collector, thread
switch interval and `sys.modules` are as before (modules are only added, by being imported). Only mogul's own
console programs tune the process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import SRC, subprocess_env
from .conftest import Target

ROOT = Path(__file__).resolve().parents[2]

HOST = """
import gc, json, sys
before = {"gc": gc.isenabled(), "threshold": gc.get_threshold(), "switch": sys.getswitchinterval(),
          "frozen": gc.get_freeze_count()}
modules = dict(sys.modules)

from datetime import date
from mogul.source import discover, read
from mogul.client import Client
from mogul.engine import MetricsAggregate, compute_customers, metrics_response
from mogul.sync import connect, run_sync
from mogul.sync.source_sync import plan_sync, sync_source
from mogul.client.asgi import ASGIAppTransport
from mogul.process import settle
from mogul.server.app import create_app
from mogul.server.serve import prepare
from tests.engine.engine_builders import Book

config = json.loads(sys.argv[1])
with Client(config["api_key"], config["base_url"]) as client:
    assert client.ping() == "pong!" and client.customers.list().all()
streams = {"customers", "activities"}
catalog = {"streams": [{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                       for s in discover(config)["catalog"]["streams"] if s["name"] in streams]}
records = sum(1 for m in read(config, catalog) if m["type"] == "RECORD")
result = sync_source(config, "duckdb:///" + sys.argv[2], plan_sync(config, streams=sorted(streams)))
assert result.ok, result.errors

book = Book()
gold = book.plan("Gold")
customer = book.customer()
subscription = book.sub(customer, "s1", gold)
book.item(subscription, "2024-01-01", "2024-02-01", 5000)
results = compute_customers([(customer, [subscription], book.items[customer.uuid])], book.plans, book.settings)
aggregate = MetricsAggregate.from_results(results)
assert metrics_response(aggregate, "mrr", date(2024, 1, 1), date(2024, 1, 31), "month")["entries"][0]["mrr"] == 5000

database = "sqlite:///" + sys.argv[3]
prepare(database)  # what `mogul serve` does first: the schema and a key
app = create_app(database)
settle()  # what `mogul serve` does once the app is built: nothing outside mogul's own programs
with Client("no-such-key", "http://mogul.test", transport=ASGIAppTransport(app)) as client:
    try:
        client.ping()
    except Exception as exc:
        assert type(exc).__name__ == "AuthenticationError", exc
    else:
        raise AssertionError("an unknown key was accepted")

after = {"gc": gc.isenabled(), "threshold": gc.get_threshold(), "switch": sys.getswitchinterval(),
         "frozen": gc.get_freeze_count()}
replaced = sorted(name for name, module in modules.items() if sys.modules.get(name) is not module)
not_modules = sorted(name for name, module in sys.modules.items() if name not in modules and module is None)
print(json.dumps({"before": before, "after": after, "replaced": replaced, "not_modules": not_modules,
                  "records": records, "added": len(sys.modules) - len(modules)}))
"""


def test_using_the_libraries_changes_nothing_process_wide(target: Target, tmp_path: Path) -> None:
    config = target.config(requests_per_second=200)
    env = subprocess_env(PYTHONPATH=f"{SRC}:{ROOT}")
    proc = subprocess.run(
        [sys.executable, "-c", HOST, json.dumps(config), str(tmp_path / "sync.duckdb"), str(tmp_path / "served.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["after"] == report["before"]
    assert report["replaced"] == [] and report["not_modules"] == []
    assert report["records"] > 0 and report["added"] > 100  # the libraries were imported and used


@pytest.mark.parametrize(
    ("program", "args", "switch"),
    [("mogul", ["--version"], 100), ("source_chartmogul", ["spec"], 5000)],
    ids=["mogul", "source-chartmogul"],
)
def test_the_console_programs_tune_their_own_process(program: str, args: list[str], switch: int) -> None:
    """What `run_program` does, seen from inside each console script."""
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('TUNED', gc.get_threshold(), round(sys.getswitchinterval() * 1e6),"
        " gc.get_freeze_count() > 0, sys.modules.get('httpx._main', 0), file=sys.stderr))\n"
        f"sys.argv = ['{program}', *{args!r}]\n"
        f"from mogul.process import {program}\n"
        f"{program}()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=subprocess_env(), timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    # httpx's own command line was never imported; only `mogul` (DuckDB's writes) shortens the switch interval
    assert f"TUNED (10000, 10, 10) {switch} True None" in proc.stderr
