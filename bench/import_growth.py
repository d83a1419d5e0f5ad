"""Import cost as the database grows, in-process through the stores (no HTTP, one thread): what each customer
(create + import of its invoices) and its processing cost per block of customers, with the bytes written.

    .venv/bin/python bench/import_growth.py --customers 20000 --block 2000
    .venv/bin/python bench/import_growth.py --customers 20000 --uuid v4        # the random UUIDs of before
    .venv/bin/python bench/import_growth.py --customers 5000 --profile /tmp/import.prof
    .venv/bin/python bench/import_growth.py --customers 20000 --threads 8 --no-processing   # a server's threads

CPU time is this process's (user + system), so it does not depend on what else the machine runs (on PostgreSQL
the server's own CPU is not in it); `written` is what the process wrote to storage (`/proc/self/io`), database
and WAL together, or on PostgreSQL the WAL the server wrote (`pg_stat_wal`, the whole cluster's).
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from import_load import invoices_for  # noqa: E402
from mogul.server import processing  # noqa: E402
from mogul.server.app import Stores  # noqa: E402
from mogul.server.store import Database, ids  # noqa: E402


def written_bytes(db: Database) -> int:
    """SQLite: what this process wrote. PostgreSQL: the server's WAL bytes (cluster-wide: other clients count)."""
    if db.dialect == "postgresql":
        with db.read() as conn:
            return int(conn.exec_driver_sql("SELECT wal_bytes FROM pg_stat_wal").scalar_one())
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--block", type=int, default=2_000, help="customers per reported block")
    parser.add_argument("--invoices-per-customer", type=int, default=10)
    parser.add_argument("--line-items", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="importing threads (as a server's request threads)")
    parser.add_argument("--uuid", choices=("v7", "v4"), default="v7")
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--no-processing", action="store_true", help="skip the processor's drain per block")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the imports (not processing) here")
    args = parser.parse_args()
    if args.uuid == "v4":
        ids.uuid7 = lambda: str(uuid.uuid4())  # type: ignore[assignment]

    tmp = tempfile.TemporaryDirectory()
    db = Database(args.database or f"sqlite:///{tmp.name}/growth.db")
    db.migrate()
    stores = Stores.on(db)
    ds = stores.data_sources.create({"name": f"growth {time.time_ns()}"})["uuid"]
    plan_body = {"data_source_uuid": ds, "interval_count": 1, "interval_unit": "month"}
    plans = [stores.plans.create({**plan_body, "name": f"Plan {p}"})["uuid"] for p in range(5)]
    profiler = cProfile.Profile() if args.profile else None
    db_file = Path(db.engine.url.database or "") if db.dialect == "sqlite" else None

    print(
        f"{'customers':>9} {'import ms/cus':>13} {'wall ms/cus':>11} {'proc ms/cus':>11} {'KiB written/cus':>15}"
        f" {'db MiB':>7} {'load':>5}"
    )
    done = 0
    while done < args.customers:
        block = min(args.block, args.customers - done)
        bodies = [
            orjson.loads(invoices_for(i, args.invoices_per_customer, args.line_items, plans))
            for i in range(done, done + block)
        ]
        w0, c0, t0 = written_bytes(db), time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()

        def one(i: int, body: dict) -> None:
            cus = stores.customers.create({"data_source_uuid": ds, "external_id": f"cus_{i}", "name": f"Customer {i}"})
            stores.invoices.import_invoices(cus["uuid"], body)

        if args.threads == 1:
            for i, body in zip(range(done, done + block), bodies, strict=True):
                one(i, body)
        else:
            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(one, range(done, done + block), bodies))
        if profiler:
            profiler.disable()
        c1, t1 = time.process_time(), time.perf_counter()
        processed = 0 if args.no_processing else processing.drain(db)
        c2 = time.process_time()
        w1 = written_bytes(db)
        done += block
        size = sum(p.stat().st_size for p in db_file.parent.glob(db_file.name + "*")) if db_file else 0
        print(
            f"{done:>9,} {(c1 - c0) / block * 1e3:>13.2f} {(t1 - t0) / block * 1e3:>11.2f}"
            f" {(c2 - c1) / max(processed, 1) * 1e3:>11.2f} {(w1 - w0) / block / 1024:>15.1f}"
            f" {size / 2**20:>7.0f} {Path('/proc/loadavg').read_text().split()[0]:>5}",
            flush=True,
        )
    if profiler and args.profile:
        profiler.dump_stats(str(args.profile))
    db.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
