"""Records/s of a full `source-chartmogul read` of customers + activities, end to end.

The source runs as the platform runs it: a subprocess writing AirbyteMessages to a pipe, which this
script drains and counts. The server is either the stand-in API of tests/source/fake_api.py started
here (default), optionally throttled to N requests/s with added latency, or any running server
holding the data (`--base-url` + `--api-key`, e.g. a seeded `mogul serve`).

    python bench/source.py                         # (a) unthrottled and (b) 40 req/s + 150 ms, 20k + 100k
    python bench/source.py --only a --customers 2000 --activities 10000
    python bench/source.py --base-url http://127.0.0.1:8080 --api-key KEY --only a
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
FAKE = ROOT / "tests" / "source" / "fake_api.py"
FAKE_KEY = "fake-key-0123456789"


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + out.get("PYTHONPATH", "")
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_fake(customers: int, activities: int, rps: float | None, latency: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    args = [sys.executable, str(FAKE), "--port", str(port), "--customers", str(customers)]
    args += ["--activities", str(activities), "--latency", str(latency)]
    if rps:
        args += ["--rps", str(rps)]
    proc = subprocess.Popen(args, env=env(), stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/v1/ping", auth=(FAKE_KEY, ""), timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the stand-in API did not start")


def run_read(base_url: str, api_key: str, rps: float) -> dict[str, float]:
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
        "start_date": "2023-01-01T00:00:00Z",  # where the generated data begins
        "requests_per_second": rps,
        "max_connections": int(os.environ.get("BENCH_CONNECTIONS", "20")),
        "window_days": 30,
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.json").write_text(json.dumps(config))
        (Path(tmp) / "catalog.json").write_text(json.dumps(catalog))
        args = [sys.executable, "-m", "mogul.source", "read", "--config", f"{tmp}/config.json"]
        args += ["--catalog", f"{tmp}/catalog.json"]
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
        code = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"the source exited with {code}")
    return {
        "records": records,
        "seconds": elapsed,
        "per_second": records / elapsed,
        "rate_limited": limited,
        "cpu": usage.ru_utime + usage.ru_stime,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--only", choices=["a", "b"], help="run one scenario")
    parser.add_argument("--base-url", help="use this running server instead of starting the stand-in")
    parser.add_argument("--api-key", default=FAKE_KEY)
    args = parser.parse_args()
    scenarios = {
        "a": ("unthrottled", None, 0.0, 100_000.0),
        "b": ("server 40 req/s + 150 ms latency", 40.0, 0.15, 40.0),
    }
    print(f"{'scenario':40} {'records':>9} {'seconds':>8} {'records/s':>10} {'429 traces':>10} {'source CPU s':>12}")
    for key, (label, server_rps, latency, client_rps) in scenarios.items():
        if args.only and key != args.only:
            continue
        proc = None
        base = args.base_url
        if base is None:
            proc, base = start_fake(args.customers, args.activities, server_rps, latency)
        try:
            result = run_read(base, args.api_key, client_rps)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
        print(
            f"({key}) {label:36} {result['records']:>9,} {result['seconds']:>8.2f} "
            f"{result['per_second']:>10,.0f} {result['rate_limited']:>10} {result['cpu']:>12.2f}"
        )


if __name__ == "__main__":
    main()
