"""Benchmark of mogul.engine: full recompute and one customer's incremental refresh.

    python bench/engine.py --customers 100000 --line-items 1000000 [--json out.json] [--baseline out.json]

Synthetic input: monthly and annual subscriptions with renewals, price changes, seat prorations, a foreign
currency, cancellations and reactivations. Prints a table; `--baseline` adds the ratio to an earlier run.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mogul.engine import (
    Customer,
    LineItem,
    MetricsAggregate,
    Plan,
    Settings,
    Subscription,
    compute_customer,
    compute_customers,
    metrics_response,
)
from mogul.engine.timeutil import DAY_US, add_months, date_us

START = date_us(date(2021, 1, 1))
# "Now", as the server passes it: Past Due, auto-churn and `recompute_at` are computed as of this moment.
AS_OF = date_us(date(2025, 1, 1))


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def generate(n_customers: int, n_items: int, seed: int = 7) -> tuple[dict[str, Plan], list[tuple]]:
    rng = random.Random(seed)
    plans = {
        "pl_m": Plan("pl_m", "monthly", "Monthly", 1, "month"),
        "pl_m2": Plan("pl_m2", "pro", "Pro Monthly", 1, "month"),
        "pl_y": Plan("pl_y", "annual", "Annual", 1, "year"),
    }
    per_customer = max(1, n_items // n_customers)
    customers: list[tuple] = []
    li = 0
    for c in range(n_customers):
        cus = Customer(f"cus_{c}", f"c{c}", f"Customer {c}", "ds_1", rng.choice(["US", "DE", "FR", "GB"]))
        n_subs = 1 if rng.random() < 0.8 else 2
        subs: list[Subscription] = []
        items: list[LineItem] = []
        currency = "EUR" if rng.random() < 0.1 else "USD"
        for s in range(n_subs):
            annual = rng.random() < 0.15
            plan = "pl_y" if annual else "pl_m"
            sub = Subscription(f"sub_{c}_{s}", f"s{c}_{s}", cus.uuid, "ds_1", plan)
            at = START + rng.randrange(0, 900) * DAY_US
            amount = rng.choice([1900, 4900, 9900, 29900]) * (12 if annual else 1)
            for k in range(per_customer // n_subs):
                end = add_months(at, 12 if annual else 1)
                if rng.random() < 0.05:
                    amount = int(amount * rng.choice([0.5, 1.5, 2]))
                if rng.random() < 0.02:
                    plan = "pl_m2" if plan == "pl_m" else plan
                items.append(LineItem(f"li_{li}", "subscription", sub.uuid, sub.external_id, plan, at, end,
                                      amount, at, currency, quantity=1 + k // 6))  # fmt: skip
                li += 1
                if rng.random() < 0.03:  # mid-period seat added, prorated
                    mid = at + (end - at) // 2
                    items.append(LineItem(f"li_{li}", "subscription", sub.uuid, sub.external_id, plan, mid,
                                          end, amount // 2, mid, currency, prorated=True))  # fmt: skip
                    li += 1
                at = end
            if rng.random() < 0.12:
                sub = replace(sub, cancellation_dates=(at - rng.randrange(1, 20) * DAY_US,))
            subs.append(sub)
        customers.append((cus, subs, items))
    return plans, customers


def fx(currency: str, day: date) -> float:
    return 1.05 + (day.toordinal() % 90) / 1000  # a slowly moving EUR rate


def run(args: argparse.Namespace) -> dict[str, float]:
    t0 = time.perf_counter()
    plans, customers = generate(args.customers, args.line_items)
    gen_s = time.perf_counter() - t0
    n_items = sum(len(items) for _, _, items in customers)
    settings = Settings(currency="USD", fx_rates=fx)
    gc.collect()
    rss_before = rss_mib()

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    results = compute_customers(customers, plans, settings, as_of=AS_OF)
    compute_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    agg = MetricsAggregate.from_results(results, settings.time_zone, settings.week_start)
    aggregate_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    body = metrics_response(agg, "all", date(2021, 1, 1), date(2024, 12, 31), "month")
    query_s = time.perf_counter() - t2
    full_s = time.perf_counter() - t0
    full_cpu_s = time.process_time() - cpu0
    rss_peak = rss_mib()
    # What a server should do after a full build: move the long-lived objects out of the collector's
    # reach, or a later full collection (seconds with millions of objects) lands in some request.
    gc.freeze()

    # Incremental: one customer gets a cancellation; recompute it, update the aggregate, refresh metrics.
    samples, cpu_samples = [], []
    rng = random.Random(1)
    for _ in range(args.repeat):
        cus, subs, items = customers[rng.randrange(len(customers))]
        changed = [replace(subs[0], cancellation_dates=(START + 1000 * DAY_US,)), *subs[1:]]
        t, cpu = time.perf_counter(), time.process_time()
        agg.set(compute_customer(cus, changed, items, plans, settings, as_of=AS_OF))
        metrics_response(agg, "all", date(2021, 1, 1), date(2024, 12, 31), "month")
        samples.append(time.perf_counter() - t)
        cpu_samples.append(time.process_time() - cpu)

    activities = sum(len(r.activities) for r in results)
    return {
        "customers": len(customers),
        "line_items": n_items,
        "activities": activities,
        "generate_s": round(gen_s, 2),
        "compute_customers_s": round(compute_s, 2),
        "build_aggregate_s": round(aggregate_s, 2),
        "metrics_all_48_months_s": round(query_s, 3),
        "full_recompute_s": round(full_s, 2),
        "full_recompute_cpu_s": round(full_cpu_s, 2),
        "rss_after_input_mib": round(rss_before),
        "peak_rss_mib": round(rss_peak),
        "incremental_median_ms": round(statistics.median(samples) * 1000, 2),
        "incremental_max_ms": round(max(samples) * 1000, 2),
        "incremental_cpu_median_ms": round(statistics.median(cpu_samples) * 1000, 2),
        "final_mrr": body["entries"][-1]["mrr"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--line-items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50, help="incremental samples")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--baseline", type=Path, help="compare with an earlier --json output")
    args = parser.parse_args()
    results = run(args)
    baseline = json.loads(args.baseline.read_text()) if args.baseline else {}
    print(f"{'measure':<26}{'value':>14}" + (f"{'baseline':>14}{'ratio':>8}" if baseline else ""))
    for key, value in results.items():
        line = f"{key:<26}{value:>14}"
        if baseline and isinstance(baseline.get(key), int | float) and baseline[key]:
            line += f"{baseline[key]:>14}{value / baseline[key]:>8.2f}"
        print(line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
