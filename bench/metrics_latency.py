"""How soon an import shows in the metrics, and how fast the server recomputes customers.

Seeds a server with a generated history (the demo generator, through the Import API), then:
- full reprocessing: every customer re-queued and recomputed by `processing.drain` (customers/s, seconds);
- latency: for each trial, one invoice for a new customer is imported over HTTP and `/v1/metrics/mrr` is polled
  until the new MRR shows; the time from the 201 to that answer is reported (goal: at most 100 ms).

    .venv/bin/python bench/metrics_latency.py --customers 2000 --trials 20 [--save out.json] [--baseline out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import select

from mogul.client import Client
from mogul.demo.generator import GeneratorConfig, generate
from mogul.demo.importer import import_dataset
from mogul.server import processing
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database, schema
from mogul.server.store.keys import create_key


def wait_idle(http: httpx.Client, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(s["status"] == "idle" for s in http.get("/v1/data_sources").json()["data_sources"]):
            return
        time.sleep(0.05)
    raise SystemExit("processing did not finish")


def requeue_all(db: Database) -> int:
    with db.begin() as conn:
        rows = conn.execute(select(schema.customers.c.id, schema.customers.c.data_source_id)).all()
        processing.enqueue(conn, [(r.id, r.data_source_id) for r in rows])
    return len(rows)


def latency_trial(http: httpx.Client, ds: str, plan_uuid: str, n: int) -> float:
    today = date.today()
    params = {"start-date": today.isoformat(), "end-date": today.isoformat(), "interval": "day"}
    before = http.get("/v1/metrics/mrr", params=params).json()["entries"][-1]["mrr"]
    cus = http.post("/v1/customers", json={"data_source_uuid": ds, "external_id": f"latency-{n}"}).json()
    start = today.replace(day=1).isoformat()
    invoice = {
        "external_id": f"latency-inv-{n}",
        "date": start,
        "currency": "USD",
        "line_items": [
            {
                "type": "subscription",
                "subscription_external_id": f"latency-sub-{n}",
                "plan_uuid": plan_uuid,
                "service_period_start": start,
                "service_period_end": f"{today.year + 1}-{today.month:02d}-01",
                "amount_in_cents": 12000,
            }
        ],
    }
    r = http.post(f"/v1/import/customers/{cus['uuid']}/invoices", json={"invoices": [invoice]})
    assert r.status_code == 201, r.text
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 10:
        if http.get("/v1/metrics/mrr", params=params).json()["entries"][-1]["mrr"] != before:
            return time.perf_counter() - t0
    raise SystemExit("the import never showed in the metrics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--database", help="a database URL (default: a temporary SQLite file)")
    parser.add_argument("--save", type=Path, help="write the figures as JSON")
    parser.add_argument("--baseline", type=Path, help="compare with figures saved earlier")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="mogul-bench-")
    db = Database(args.database or f"sqlite:///{tmp}/bench.db")
    db.migrate()
    key, _ = create_key(db, "bench", "read-write")
    dataset = generate(GeneratorConfig(customers=args.customers, seed=7))
    figures: dict[str, float] = {}
    with (
        EmbeddedServer(db) as srv,
        Client(key, srv.base_url) as cm,
        httpx.Client(base_url=srv.base_url, auth=(key, ""), timeout=60) as http,
    ):
        t = time.perf_counter()
        summary = import_dataset(cm, dataset)
        wait_idle(http)
        figures["import_and_process_s"] = round(time.perf_counter() - t, 2)
        ds = summary.data_source_uuid
        plan_uuid = http.get("/v1/plans", params={"data_source_uuid": ds}).json()["plans"][0]["uuid"]

        count = requeue_all(db)  # the running processor picks them up at once, as a full recompute
        t = time.perf_counter()
        wait_idle(http)
        full = time.perf_counter() - t
        figures["full_recompute_s"] = round(full, 2)
        figures["customers_per_s"] = round(count / full)

        samples = sorted(latency_trial(http, ds, plan_uuid, n) for n in range(args.trials))
    figures["latency_median_ms"] = round(statistics.median(samples) * 1000, 1)
    figures["latency_p95_ms"] = round(samples[max(0, int(len(samples) * 0.95) - 1)] * 1000, 1)
    figures["latency_max_ms"] = round(samples[-1] * 1000, 1)
    figures["load_average"] = round(os.getloadavg()[0], 2)

    baseline = json.loads(args.baseline.read_text()) if args.baseline else {}
    print(f"{'customers':<24}{args.customers:>12}")
    print(f"{'measure':<24}{'value':>12}{'baseline':>12}")
    for name, value in figures.items():
        print(f"{name:<24}{value:>12}{baseline.get(name, ''):>12}")
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))
    db.dispose()


if __name__ == "__main__":
    main()
