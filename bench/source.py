"""Records/s of a full `source-chartmogul read` of customers + activities from a real `mogul serve`, end to end.

The server is `mogul serve` in its own process, on a SQLite database seeded with a demo history: 20,000
customers and about 86,000 activities by default (the generator's customers over 94 months from 2018, no
growth). Seeding goes straight through the server's stores and `processing.drain` (tests/source/seed.py), not
HTTP; it takes minutes, so the database is kept (`--database`, default under /tmp) and reused.

The source runs as a platform runs it: a subprocess writing AirbyteMessages to a pipe, which this script
drains and counts. Each scenario records the wall time, both processes' CPU seconds and the load average.

    python bench/source.py                           # (a) unthrottled, (b) serve --rate-limit 40 --latency 150ms
    python bench/source.py --only b --save b.json    # keep the figures...
    python bench/source.py --only b --baseline b.json  # ...and compare a change with them
    python bench/source.py --customers 2000          # a smaller account (its own database file)
    python bench/source.py --months 24               # customer-heavy: 20,000 customers, about 2.3 activities each
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

START = dt.date(2018, 1, 1)
MONTHS = 94
"""The default history: about 4.3 activities per customer. Over 24 months it is about 2.3 (customer-heavy)."""
# The `share` column: (a) of the 60,000 records/s goal; (b) of the 8,000 records/s bound (40 req/s x 200 a page),
# whose goal is 90%.
SHARE_OF = {"a": 60_000.0, "b": 40 * 200.0}

SCENARIOS = {
    # key: (label, server rate limit, server latency s, client requests/s)
    "a": ("unthrottled", 0, 0.0, 100_000.0),
    "b": ("serve 40 req/s + 150 ms", 40, 0.15, 40.0),
}


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + out.get("PYTHONPATH", "")
    return out


def source_command(python: str = sys.executable) -> list[str]:
    """The `source-chartmogul` console script of `python`'s environment, as a platform runs it; `python -m
    mogul.source` where the script is not installed."""
    script = Path(python).with_name("source-chartmogul")
    return [str(script)] if script.exists() else [python, "-m", "mogul.source"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_path(cache: Path, customers: int, months: int = MONTHS) -> Path:
    return cache / f"source-{customers}-{START}-{months}m.db"


def seeded_database(path: Path, customers: int, months: int = MONTHS) -> str:
    """Seed `path` unless a finished seed is there; returns a read-only API key for it."""
    key_file = path.with_suffix(".key")
    if key_file.exists():
        return key_file.read_text().strip()
    from tests.source.seed import seed

    from mogul.demo.generator import GeneratorConfig
    from mogul.server.store import Database
    from mogul.server.store.keys import create_key

    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"seeding {path} with {customers:,} customers (minutes; kept for the next runs)...", file=sys.stderr)
    started = time.perf_counter()
    db = Database(f"sqlite:///{path}")
    db.migrate()
    config = GeneratorConfig(customers=customers, seed=1, start=START, months=months, growth=0.0)
    seeded = seed(db, config, data_sources=1)
    key = create_key(db, "bench-source", "read-only")[0]
    db.dispose()
    print(
        f"seeded in {time.perf_counter() - started:.0f}s: {len(seeded.customers):,} customers, "
        f"{seeded.invoices:,} invoices, {seeded.activities:,} activities",
        file=sys.stderr,
    )
    key_file.write_text(key)
    return key


def wait_ready(base: str, key: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            if httpx.get(base + "/v1/ping", auth=(key, ""), timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


@contextlib.contextmanager
def serve(database: Path, rate_limit: int, latency: float) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    args = [sys.executable, "-m", "mogul", "serve", "--database", f"sqlite:///{database}", "--port", str(port)]
    args += ["--rate-limit", str(rate_limit), "--max-connections", "20" if rate_limit else "0", "--log-level", "error"]
    if latency:
        args += ["--latency", f"{latency * 1000:.0f}ms"]
    proc = subprocess.Popen(args, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_read(base_url: str, api_key: str, rps: float, server_pid: int) -> dict[str, Any]:
    catalog = {
        "streams": [
            {
                "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for name in ("customers", "activities")
        ]
    }
    config = {
        "api_key": api_key,
        "base_url": base_url,
        "start_date": f"{START.isoformat()}T00:00:00Z",  # where the seeded history begins
        "requests_per_second": rps,
        "max_connections": int(os.environ.get("BENCH_CONNECTIONS", "20")),
        "window_days": int(os.environ.get("BENCH_WINDOW_DAYS", "30")),
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.json").write_text(json.dumps(config))
        (Path(tmp) / "catalog.json").write_text(json.dumps(catalog))
        args = [*source_command(), "read", "--config", f"{tmp}/config.json"]
        args += ["--catalog", f"{tmp}/catalog.json"]
        load_before = os.getloadavg()[0]
        server_cpu = cpu_seconds(server_pid)
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        records = limited = 0
        tail = b""
        while chunk := proc.stdout.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"\n") + 1
            whole, tail = data[:cut], data[cut:]
            records += whole.count(b'{"type":"RECORD"')
            limited += whole.count(b'"RATE_LIMITED"')
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(server_pid) - server_cpu
        load_after = os.getloadavg()[0]
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"the source exited with {code}")
    return {
        "records": records,
        "seconds": round(elapsed, 2),
        "per_second": round(records / elapsed),
        "rate_limited": limited,
        "source_cpu": round(usage.ru_utime + usage.ru_stime, 2),
        "server_cpu": round(server_cpu, 2),
        "load": [round(load_before, 1), round(load_after, 1)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--only", choices=sorted(SCENARIOS), help="run one scenario")
    parser.add_argument("--months", type=int, default=MONTHS, help="months of history (24: customer-heavy)")
    parser.add_argument("--database", type=Path, help="the seeded SQLite file (default: /tmp/mogul-bench/...)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario; the best is kept")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--baseline", type=Path, help="compare with figures saved by --save")
    args = parser.parse_args()
    database = args.database or database_path(Path("/tmp/mogul-bench"), args.customers, args.months)
    key = seeded_database(database, args.customers, args.months)
    baseline = json.loads(args.baseline.read_text()) if args.baseline else {}
    results: dict[str, Any] = {}
    head = f"{'scenario':32} {'records':>8} {'seconds':>8} {'records/s':>10} {'share':>5} {'429s':>5}"
    print(head + f" {'source CPU':>10} {'server CPU':>10} {'load avg':>10}" + ("  vs baseline" if baseline else ""))
    for name, (label, rate_limit, latency, client_rps) in SCENARIOS.items():
        if args.only and name != args.only:
            continue
        runs = []
        for _ in range(args.repeat):
            with serve(database, rate_limit, latency) as (base, proc):
                wait_ready(base, key, proc)
                runs.append(run_read(base, key, client_rps, proc.pid))
        result = max(runs, key=lambda r: r["per_second"])
        results[name] = result
        load = f"{result['load'][0]:.1f}-{result['load'][1]:.1f}"
        line = (
            f"({name}) {label:28} {result['records']:>8,} {result['seconds']:>8.2f} {result['per_second']:>10,}"
            f" {result['per_second'] / SHARE_OF[name]:>5.0%} {result['rate_limited']:>5} {result['source_cpu']:>10.2f}"
            f" {result['server_cpu']:>10.2f} {load:>10}"
        )
        if name in baseline:
            line += f"  {result['per_second'] / baseline[name]['per_second'] - 1:+.0%}"
        print(line, flush=True)
    if args.save:
        args.save.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
