"""Write speed of `mogul.sync`: rows/s per destination, write mode and record shape.

Records are built in memory first (activities: 15 fields; customers: 27 with nested objects and
arrays), with a STATE every 200 records as the source sends one per page; the clock covers
`run_sync` alone. Usage:

    python bench/sync_write.py [--rows 200000] [--destinations duckdb,postgres]
                               [--modes overwrite,append,append_dedup] [--streams activities,customers]
                               [--save results.json] [--baseline results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from mogul.process import tune_process
from mogul.sync import run_sync

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PAGE = 200
S = {"type": ["null", "string"]}
I = {"type": ["null", "integer"]}  # noqa: E741
TS = {"type": ["null", "string"], "format": "date-time"}

ACTIVITY_SCHEMA = {
    "properties": {
        "uuid": {"type": "string"}, "description": S, "activity-mrr-movement": I, "activity-mrr": I,
        "activity-arr": I, "date": TS, "type": S, "currency": S, "subscription-external-id": S,
        "plan-external-id": S, "customer-name": S, "customer-uuid": S, "customer-external-id": S,
        "billing-connector-uuid": S, "amount": {"type": ["null", "number"]},
    }
}  # fmt: skip
CUSTOMER_SCHEMA = {
    "properties": {
        "uuid": {"type": "string"}, "id": I, "external_id": S, "name": S, "email": S, "company": S,
        "country": S, "state": S, "city": S, "zip": S, "status": S, "customer-since": TS,
        "lead_created_at": TS, "free_trial_started_at": TS, "mrr": I, "arr": I, "billing-system-url": S,
        "chartmogul-url": S, "billing-system-type": S, "currency": S, "currency-sign": S,
        "data_source_uuid": S, "data_source_uuids": {"type": ["null", "array"]},
        "external_ids": {"type": ["null", "array"]}, "address": {"type": ["null", "object"]},
        "attributes": {"type": ["null", "object"]}, "website_url": S,
    }
}  # fmt: skip


def activity(i: int) -> dict[str, Any]:
    return {
        "uuid": f"act_{i:010d}", "description": "purchased the Gold plan", "activity-mrr-movement": 5000,
        "activity-mrr": 5000 + i % 977, "activity-arr": 60000 + 12 * (i % 977),
        "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", "type": "new_biz",
        "currency": "USD", "subscription-external-id": f"sub_{i}", "plan-external-id": "gold",
        "customer-name": f"Customer {i % 5000}", "customer-uuid": f"cus_{i % 5000:010d}",
        "customer-external-id": f"ext_{i % 5000}", "billing-connector-uuid": "ds_0001", "amount": i / 8,
    }  # fmt: skip


def customer(i: int) -> dict[str, Any]:
    return {
        "uuid": f"cus_{i:010d}", "id": i, "external_id": f"ext_{i}", "name": f"Customer {i}",
        "email": f"c{i}@example.com", "company": f"Company {i % 97}", "country": "DE", "state": None,
        "city": "Berlin", "zip": "10115", "status": "Active",
        "customer-since": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z", "lead_created_at": None,
        "free_trial_started_at": "2023-12-01T00:00:00Z", "mrr": i % 10000, "arr": 12 * (i % 10000),
        "billing-system-url": f"https://dashboard.stripe.com/customers/cus_{i}",
        "chartmogul-url": f"https://app.chartmogul.com/#customers/{i}", "billing-system-type": "Stripe",
        "currency": "USD", "currency-sign": "$", "data_source_uuid": "ds_0001",
        "data_source_uuids": ["ds_0001"], "external_ids": [f"ext_{i}"],
        "address": {"address_zip": "10115", "city": "Berlin", "country": "Germany", "state": None},
        "attributes": {"tags": ["vip"] if i % 7 == 0 else [], "stripe": {"uid": i},
                       "custom": {"seats": i % 50}},
        "website_url": None,
    }  # fmt: skip


SHAPES: dict[str, tuple[dict[str, Any], Callable[[int], dict[str, Any]]]] = {
    "activities": (ACTIVITY_SCHEMA, activity),
    "customers": (CUSTOMER_SCHEMA, customer),
}


def messages(stream: str, rows: int) -> list[dict[str, Any]]:
    make = SHAPES[stream][1]
    out: list[dict[str, Any]] = []
    for i in range(rows):
        record = {"stream": stream, "data": make(i), "emitted_at": 1735689600000 + i}
        out.append({"type": "RECORD", "record": record})
        if (i + 1) % PAGE == 0 or i + 1 == rows:
            state = {"stream_descriptor": {"name": stream}, "stream_state": {"offset": i + 1}}
            out.append({"type": "STATE", "state": {"type": "STREAM", "stream": state}})
    return out


def catalog(stream: str) -> list[dict[str, Any]]:
    schema = SHAPES[stream][0]
    return [{"name": stream, "json_schema": schema, "supported_sync_modes": ["full_refresh", "incremental"],
             "source_defined_primary_key": [["uuid"]]}]  # fmt: skip


def measure(url: str, stream: str, mode: str, batch: list[dict[str, Any]], repeat: int) -> tuple[float, ...]:
    """The best rows/s (wall clock) and rows per CPU-second over `repeat` runs, each into an empty
    table (dedup still does its real work: every batch is checked against the table). CPU time
    counts both threads and is steadier than the wall clock on a busy machine."""
    best = (0.0, 0.0)
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_sync(batch, catalog(stream), url, {stream: mode})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert result.ok and result.records == len(batch) - result.streams[stream].states
        best = max(best, (result.records / wall, result.records / cpu))
        _reset(url, stream)
    return best


def _reset(url: str, stream: str) -> None:
    from mogul.sync import connect

    with connect(url) as dest:
        dest._execute(f"DROP TABLE IF EXISTS {dest.ref(stream)}")  # type: ignore[attr-defined]
        dest._execute(f"DELETE FROM {dest.ref('_mogul_state')}")  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--destinations", default="duckdb,postgres")
    parser.add_argument("--modes", default="overwrite,append,append_dedup")
    parser.add_argument("--streams", default=",".join(SHAPES), help="activities,customers")
    parser.add_argument("--save", type=Path, help="write the results as JSON")
    parser.add_argument("--baseline", type=Path, help="compare with results saved earlier")
    args = parser.parse_args()
    tune_process()  # as the `mogul sync` command runs

    baseline = json.loads(args.baseline.read_text()) if args.baseline else {}
    results: dict[str, dict[str, float]] = {}
    workdir = Path(tempfile.mkdtemp(prefix="mogul-bench-"))
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    urls = {"duckdb": f"duckdb:///{workdir / 'bench.duckdb'}", "postgres": f"{PG_SERVER}?schema={schema}"}
    header = ("destination", "mode", "stream", "rows/s", "rows/cpu-s", "baseline", "change")
    line = "{:<12}{:<14}{:<12}{:>10}{:>12}{:>10}{:>8}"
    print(line.format(*header))
    try:
        for stream in args.streams.split(","):
            batch = messages(stream, args.rows)
            for destination in args.destinations.split(","):
                for mode in args.modes.split(","):
                    key = f"{destination}/{mode}/{stream}"
                    rate, cpu_rate = measure(urls[destination], stream, mode, batch, args.repeat)
                    results[key] = {"rows_per_s": rate, "rows_per_cpu_s": cpu_rate}
                    before = baseline.get(key, {}).get("rows_per_s")
                    change = f"{(rate / before - 1) * 100:+.0f}%" if before else ""
                    shown = f"{before:,.0f}" if before else ""
                    numbers = f"{rate:,.0f}", f"{cpu_rate:,.0f}", shown, change
                    print(line.format(destination, mode, stream, *numbers), flush=True)
    finally:
        if "postgres" in args.destinations:
            with psycopg.connect(PG_SERVER, autocommit=True) as con:
                con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    median = statistics.median(r["rows_per_s"] for r in results.values())
    print(f"median {median:,.0f} rows/s; {args.rows:,} rows per run, best of {args.repeat}")
    if args.save:
        args.save.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
