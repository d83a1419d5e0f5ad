"""Import load: customers and invoices through the HTTP Import API of one `mogul serve` process.

    .venv/bin/python bench/import_load.py                       # 100k customers, 1M invoices, SQLite
    .venv/bin/python bench/import_load.py --customers 2000 --database postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/import_load.py --customers 2000 --save base.json   # later: --baseline base.json

The server runs as a `mogul serve` subprocess (its own process and GIL, as in production); the load comes from
a pool of client threads, one customer per task: create it, then import its invoices in one request.
Each invoice has one subscription line item plus `--line-items - 1` one-time items and a payment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mogul.server.store import Database  # noqa: E402
from mogul.server.store.keys import create_key  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux): throughput per CPU-second does not depend on what else the
    machine is running, wall-clock throughput does."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve(database: str) -> Iterator[tuple[str, str, int]]:
    db = Database(database)
    db.migrate()
    key = create_key(db, "bench", "read-write")[0]
    db.dispose()
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [
        sys.executable,
        "-m",
        "mogul",
        "serve",
        "--port",
        str(port),
        "--database",
        database,
        "--log-level",
        "warning",
        # A load test measures the server, not ChartMogul's 40 requests/s per key that `mogul serve` enforces.
        "--rate-limit",
        "0",
        "--max-connections",
        "0",
    ]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/ping", auth=(key, "")).status_code == 200:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("mogul serve did not start")
        yield base, key, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def database_mib(database: str) -> float:
    """Size of a SQLite database with its WAL (0 for another database)."""
    if not database.startswith("sqlite:///"):
        return 0.0
    path = Path(database.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def invoices_for(i: int, n: int, line_items: int, plans: list[str]) -> bytes:
    out = []
    for k in range(n):
        month = k % 12 + 1
        year = 2020 + k // 12
        start = f"{year}-{month:02d}-01 00:00:00"
        end = f"{year + (month == 12)}-{month % 12 + 1:02d}-01 00:00:00"
        items: list[dict[str, Any]] = [
            {
                "type": "subscription",
                "subscription_external_id": f"sub_{i}",
                "plan_uuid": plans[i % len(plans)],
                "service_period_start": start,
                "service_period_end": end,
                "amount_in_cents": 1000 + i % 500,
                "quantity": 1,
                "external_id": f"li_{i}_{k}",
            }
        ]
        items += [{"type": "one_time", "amount_in_cents": 500, "description": "Extra"} for _ in range(line_items - 1)]
        out.append(
            {
                "external_id": f"inv_{i}_{k}",
                "date": start,
                "currency": "USD",
                "line_items": items,
                "transactions": [
                    {"type": "payment", "date": start, "result": "successful", "external_id": f"tr_{i}_{k}"}
                ],
            }
        )
    return orjson.dumps({"invoices": out})


def wait_idle(http: httpx.Client, ds: str) -> float:
    """When the data source stopped `working`: every imported customer computed. Polled every 50 ms."""
    while http.get(f"/data_sources/{ds}").json()["status"] != "idle":
        time.sleep(0.05)
    return time.perf_counter()


class Load:
    def __init__(self, base: str, key: str, args: argparse.Namespace) -> None:
        self.base, self.key, self.args = base, key, args
        self.local = threading.local()
        self.customer_seconds = 0.0
        self.invoice_seconds = 0.0
        self.lock = threading.Lock()

    def http(self) -> httpx.Client:
        if not hasattr(self.local, "http"):
            self.local.http = httpx.Client(base_url=self.base, auth=(self.key, ""), timeout=120)
        return self.local.http

    def one(self, i: int, ds: str, plans: list[str]) -> None:
        http = self.http()
        t0 = time.perf_counter()
        r = http.post("/customers", json={"data_source_uuid": ds, "external_id": f"cus_{i}", "name": f"Customer {i}"})
        t1 = time.perf_counter()
        if r.status_code != 201:
            raise RuntimeError(f"customer {i}: {r.status_code} {r.text[:200]}")
        body = invoices_for(i, self.args.invoices_per_customer, self.args.line_items, plans)
        headers = {"Content-Type": "application/json"}
        r = http.post(f"/import/customers/{r.json()['uuid']}/invoices", content=body, headers=headers)
        t2 = time.perf_counter()
        if r.status_code != 201:
            raise RuntimeError(f"invoices {i}: {r.status_code} {r.text[:200]}")
        with self.lock:
            self.customer_seconds += t1 - t0
            self.invoice_seconds += t2 - t1


def run(args: argparse.Namespace) -> dict[str, float]:
    tmp = tempfile.TemporaryDirectory()
    database = args.database or f"sqlite:///{tmp.name}/bench.db"
    with serve(database) as (base, key, pid), httpx.Client(base_url=base, auth=(key, "")) as http:
        ds = http.post("/data_sources", json={"name": f"bench {time.time_ns()}"}).json()["uuid"]
        plans = [
            http.post(
                "/plans",
                json={"data_source_uuid": ds, "name": f"Plan {p}", "interval_count": 1, "interval_unit": "month"},
            ).json()["uuid"]
            for p in range(5)
        ]
        load = Load(base, key, args)
        cpu_before = cpu_seconds(pid)
        started = time.perf_counter()
        done = 0
        step = max(1, args.customers // args.progress_steps)
        last = (started, cpu_before)
        with ThreadPoolExecutor(args.concurrency) as pool:
            for _ in pool.map(lambda i: load.one(i, ds, plans), range(args.customers)):
                done += 1
                if done % step == 0:
                    # The rate curve: how throughput holds as the database grows.
                    now, cpu = time.perf_counter(), cpu_seconds(pid)
                    print(
                        f"  {done:,} customers in {now - started:.0f}s: last {step:,} at {step / (now - last[0]):.0f}"
                        f" customers/s, {(cpu - last[1]) / step * 1e3:.2f} ms server CPU each;"
                        f" database {database_mib(database):.0f} MiB; load {os.getloadavg()[0]:.1f}",
                        file=sys.stderr,
                        flush=True,
                    )
                    last = (now, cpu)
        wall = time.perf_counter() - started
        server_cpu = cpu_seconds(pid) - cpu_before
        # The server recomputes imported customers in a background thread; the import is only done for a user
        # once the data source is idle again. The tail is what the processor still had queued at the end.
        processed_at = wait_idle(http, ds)
        total_wall = processed_at - started
        total_cpu = cpu_seconds(pid) - cpu_before
        size = database_mib(database)
    tmp.cleanup()
    invoices = args.customers * args.invoices_per_customer
    # Time spent on each kind of request, spread over the concurrent workers.
    share = wall / (load.customer_seconds + load.invoice_seconds)
    return {
        "customers": args.customers,
        "invoices": invoices,
        "line_items": invoices * args.line_items,
        "wall_s": wall,
        "customers_per_s": args.customers / (load.customer_seconds * share),
        "invoices_per_s": invoices / (load.invoice_seconds * share),
        "line_items_per_s": invoices * args.line_items / (load.invoice_seconds * share),
        "overall_invoices_per_s": invoices / wall,
        "overall_line_items_per_s": invoices * args.line_items / wall,
        "server_cpu_s": server_cpu,
        "server_cpu_share": server_cpu / wall,
        "line_items_per_server_cpu_s": invoices * args.line_items / server_cpu,
        "processing_tail_s": total_wall - wall,
        "until_processed_s": total_wall,
        "until_processed_cpu_s": total_cpu,
        "processed_customers_per_s": args.customers / total_wall,
        "load_average": os.getloadavg()[0],
        "database_mib": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices-per-customer", type=int, default=10)
    parser.add_argument("--line-items", type=int, default=2, help="line items per invoice (>= 1)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--database", help="server database URL (default: a fresh SQLite file)")
    parser.add_argument("--progress-steps", type=int, default=10, help="progress lines (the rate curve)")
    parser.add_argument("--save", type=Path, help="write the results as JSON")
    parser.add_argument("--baseline", type=Path, help="compare with results saved by --save")
    args = parser.parse_args()
    result = run(args)
    baseline = orjson.loads(args.baseline.read_bytes()) if args.baseline else {}
    print(f"{'metric':<26}{'value':>14}" + (f"{'baseline':>14}{'change':>9}" if baseline else ""))
    for name, value in result.items():
        line = f"{name:<26}{value:>14,.1f}"
        if name in baseline:
            change = (value / baseline[name] - 1) * 100 if baseline[name] else 0.0
            line += f"{baseline[name]:>14,.1f}{change:>+8.1f}%"
        print(line)
    if args.save:
        args.save.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
