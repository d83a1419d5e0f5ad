"""How long `mogul demo generate` takes: generation alone, then the import into a fresh local server.

    .venv/bin/python bench/demo_generate.py --sizes 1000,10000
    .venv/bin/python bench/demo_generate.py --sizes 10000 --server process --server-workers 2 \
        --database postgresql://postgres@127.0.0.1:5432/test --save /tmp/demo.json
    .venv/bin/python bench/demo_generate.py --sizes 10000 --baseline /tmp/demo.json

`--server process` (the default) runs `mogul serve` in a child process without rate limits, as `mogul demo generate`
does without --base-url; with `--server-workers` above 1, `mogul serve --workers N` with its default (ChartMogul's)
rate limits. `--server embedded` runs uvicorn on a thread of this process (as `mogul demo generate` did before),
so client and server share one GIL.
Each size gets an empty database (a temporary SQLite file, or a fresh schema of the PostgreSQL URL).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mogul.client import Client  # noqa: E402
from mogul.demo.generator import GeneratorConfig, generate  # noqa: E402
from mogul.demo.importer import import_dataset  # noqa: E402
from mogul.demo.run import IMPORT_RETRY  # noqa: E402
from mogul.server.embedded import EmbeddedServer, ServerProcess  # noqa: E402
from mogul.server.store import Database  # noqa: E402
from mogul.server.store.keys import create_key  # noqa: E402


@contextlib.contextmanager
def fresh_database(base: str | None) -> Iterator[str]:
    if base is None:
        with tempfile.TemporaryDirectory(prefix="mogul-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its descendants (uvicorn's workers), from /proc (Linux only)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    tree, total = {root}, 0.0
    for pid in sorted(stats):  # children have larger pids than their parents here
        if pid == root or stats[pid][0] in tree:
            tree.add(pid)
            total += stats[pid][1]
    return total


class Server:
    def __init__(self, base_url: str, key: str, pid: int | None) -> None:
        self.base_url, self.key, self.pid = base_url, key, pid

    def cpu(self) -> float | None:
        return cpu_seconds(self.pid) if self.pid else None


@contextlib.contextmanager
def running_server(url: str, mode: str, workers: int) -> Iterator[Server]:
    db = Database(url)
    db.migrate()
    key, _ = create_key(db, "bench", "read-write")
    try:
        if mode == "embedded":
            with EmbeddedServer(db) as server:
                yield Server(server.base_url, key, None)
            return
        if workers == 1:
            # As `mogul demo generate` runs it: `mogul serve` in a child process, without rate limits.
            os.environ["PYTHONPATH"] = str(ROOT / "src")
            with ServerProcess(url) as child:
                assert child._proc is not None
                yield Server(child.base_url, key, child._proc.pid)
            return
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        command = [sys.executable, "-m", "mogul", "serve", "--port", str(port), "--database", url]
        command += ["--workers", str(workers), "--log-level", "warning"]
        proc = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        base_url = f"http://127.0.0.1:{port}"
        try:
            with Client(key, base_url) as probe:
                probe.ping()  # retried with backoff until the server listens
            yield Server(base_url, key, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        db.dispose()


def measure(size: int, args: argparse.Namespace) -> dict[str, float | int]:
    started = time.perf_counter()
    dataset = generate(GeneratorConfig(customers=size, seed=args.seed))
    generate_s = time.perf_counter() - started
    counts = dataset.counts()
    with fresh_database(args.database) as url, running_server(url, args.server, args.server_workers) as server:
        server_before, client_before = server.cpu(), time.process_time()
        with Client(server.key, server.base_url, retry=IMPORT_RETRY, max_connections=args.workers) as client:
            summary = import_dataset(client, dataset, workers=args.workers)
        server_after, client_cpu = server.cpu(), time.process_time() - client_before
    # On a shared machine wall time depends on the neighbours; CPU seconds say what the work itself costs.
    server_cpu = None if server_before is None or server_after is None else server_after - server_before
    return {
        "customers": size,
        "invoices": counts["invoices"],
        "requests": size + sum(1 for h in dataset.customers if h.invoices) + counts["cancellations"],
        "generate_s": round(generate_s, 2),
        "import_s": round(summary.seconds, 2),
        "client_cpu_s": round(client_cpu, 1),
        "server_cpu_s": None if server_cpu is None else round(server_cpu, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="Comma-separated customer counts.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=12, help="Importer threads.")
    parser.add_argument("--server", choices=("embedded", "process"), default="process")
    parser.add_argument("--server-workers", type=int, default=1, help="`mogul serve --workers` (process mode).")
    parser.add_argument("--database", help="PostgreSQL URL to benchmark on instead of a temporary SQLite file.")
    parser.add_argument("--baseline", type=Path, help="A --save file to compare with.")
    parser.add_argument("--save", type=Path, help="Write these results as JSON.")
    args = parser.parse_args()

    baseline = {row["customers"]: row for row in json.loads(args.baseline.read_text())} if args.baseline else {}
    rows = []
    backend = "postgresql" if args.database else "sqlite"
    print(f"server: {args.server}, {backend}, server workers {args.server_workers}, importer threads {args.workers}")
    header = f"{'customers':>9} {'invoices':>9} {'requests':>9} {'generate s':>11} {'import s':>9} {'cust/s':>8}"
    header += f" {'client cpu s':>13} {'server cpu s':>13}"
    print(header + ("   vs baseline (import s)" if baseline else ""))
    for size in (int(s) for s in args.sizes.split(",")):
        row = measure(size, args)
        rows.append(row)
        line = (
            f"{row['customers']:>9} {row['invoices']:>9} {row['requests']:>9} {row['generate_s']:>11.2f}"
            f" {row['import_s']:>9.2f} {row['customers'] / max(row['import_s'], 1e-9):>8.0f}"
            f" {row['client_cpu_s']:>13} {row['server_cpu_s'] if row['server_cpu_s'] is not None else '-':>13}"
        )
        if size in baseline:
            before = float(baseline[size]["import_s"])
            line += f"   {before:.2f} -> {row['import_s']:.2f} ({(row['import_s'] / before - 1) * 100:+.0f}%)"
        print(line, flush=True)
    if args.save:
        args.save.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
