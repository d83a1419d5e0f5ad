"""Server CPU per list page: `/v1/customers`, `/v1/activities` and `/v1/invoices` on a seeded SQLite account.

    .venv/bin/python bench/list_pages.py                                  # 20,000 customers (seeded once, kept)
    .venv/bin/python bench/list_pages.py --save after.json
    .venv/bin/python bench/list_pages.py --tree /tmp/main-ref --save before.json   # another checkout's server
    .venv/bin/python bench/list_pages.py --baseline before.json           # compare, bodies included

The account is the demo generator's history seeded through the server's stores (bench/source.py, 24 months:
about 2.3 activities per customer), kept under /tmp and copied for each run, so a server that upgrades the schema
never changes the kept file. Seed with the oldest tree you compare: a newer schema is refused by an older server.

The server is `mogul serve` in its own process, from `--tree`'s `src` (default: this checkout), unthrottled. Each
list is walked page by page along its cursor chain (`per_page=200`) by one keep-alive client, `--pages` pages,
after a warm-up walk of the same pages (the first read of a page pays the OS cache and lazy imports). The figure
is the server process's CPU time (user + system, from /proc, in 10 ms ticks) over `--rounds` walks divided by the
pages read: CPU time, not wall time, so it holds on a machine shared with other work; totals over about a
thousand pages, so the ticks are fine enough.

Every run also hashes the bodies it received: `--baseline` says whether two servers answered the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from source import START, cpu_seconds, database_path, free_port, seeded_database, wait_ready  # noqa: E402

LISTS = ("customers", "activities", "invoices")


def serve(tree: Path, database: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    args = [sys.executable, "-m", "mogul", "serve", "--database", f"sqlite:///{database}", "--port", str(port)]
    args += ["--rate-limit", "0", "--max-connections", "0", "--log-level", "error"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", proc


def walk(http: httpx.Client, name: str, pages: int, digest: Any) -> int:
    """`pages` pages of one list along its cursor chain; the pages read (fewer when the list ends)."""
    params: dict[str, str] = {"per_page": "200"}
    for n in range(pages):
        r = http.get(f"/v1/{name}", params=params)
        if r.status_code != 200:
            raise RuntimeError(f"{name}: {r.status_code} {r.text[:200]}")
        digest.update(r.content)
        cursor = orjson.loads(r.content).get("cursor")
        if not cursor:
            return n + 1
        params = {"per_page": "200", "cursor": cursor}
    return pages


def measure(tree: Path, seeded: Path, key: str, pages: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.db"
        for part in seeded.parent.glob(seeded.name + "*"):
            if not part.name.endswith(".key"):
                shutil.copy(part, Path(tmp) / part.name.replace(seeded.name, "bench.db"))
        base, proc = serve(tree, database)
        try:
            wait_ready(base, key, proc)
            out: dict[str, Any] = {}
            with httpx.Client(base_url=base, auth=(key, ""), timeout=120) as http:
                for name in LISTS:
                    digest = hashlib.sha256()
                    walk(http, name, pages, digest)  # warm-up
                    per_round, read = [], 0
                    for _ in range(rounds):
                        before = cpu_seconds(proc.pid)
                        read = walk(http, name, pages, hashlib.sha256())
                        per_round.append((cpu_seconds(proc.pid) - before) * 1000)
                    out[name] = {
                        "pages": read,
                        "cpu_ms_per_page": sum(per_round) / (read * rounds),
                        "rounds_ms_per_page": [round(v / read, 3) for v in per_round],
                        "sha256": digest.hexdigest(),
                    }
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    out["load_average"] = os.getloadavg()[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=24, help="months of seeded history")
    parser.add_argument("--database", type=Path, help="the seeded SQLite file (default: /tmp/mogul-bench/...)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose server is measured")
    parser.add_argument("--pages", type=int, default=100, help="pages per walk (customers: 100 is all of 20,000)")
    parser.add_argument("--rounds", type=int, default=10, help="walks per list")
    parser.add_argument("--save", type=Path, help="write the results as JSON")
    parser.add_argument("--baseline", type=Path, help="compare with results saved by --save")
    args = parser.parse_args()
    seeded = args.database or database_path(Path("/tmp/mogul-bench"), args.customers, args.months)
    key = seeded_database(seeded, args.customers, args.months)
    started = time.perf_counter()
    result = measure(args.tree.resolve(), seeded, key, args.pages, args.rounds)
    baseline = orjson.loads(args.baseline.read_bytes()) if args.baseline else {}
    print(f"{args.customers:,} customers from {START}, {args.months} months; server from {args.tree}")
    head = f"{'list':<12}{'pages':>6}{'CPU ms/page':>13}"
    print(head + (f"{'baseline':>10}{'ratio':>8}  same bytes" if baseline else ""))
    for name in LISTS:
        now = result[name]
        line = f"{name:<12}{now['pages']:>6}{now['cpu_ms_per_page']:>13.3f}"
        if name in baseline:
            then = baseline[name]
            same = "yes" if then["sha256"] == now["sha256"] else "NO"
            line += f"{then['cpu_ms_per_page']:>10.3f}{now['cpu_ms_per_page'] / then['cpu_ms_per_page']:>7.2f}x  {same}"
        print(line)
    print(f"load average {result['load_average']:.1f}; {time.perf_counter() - started:.0f}s")
    if args.save:
        args.save.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
