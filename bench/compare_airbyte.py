"""mogul's `source-chartmogul` against Airbyte's ChartMogul connector: same data, same server, same machine, one run.

One `mogul serve` per dataset and scenario (seeded as bench/source.py seeds it, in its own cache directory)
is read by three connectors in turn, each a subprocess writing AirbyteMessages to a pipe:

- `mogul`: this tree's source (the `source-chartmogul` script of this Python's environment), as it is when
  the script runs;
- `mogul (NAME)`, with `--reference DIR [DIR ...]`: the source of another checkout (say, main exported with
  `git archive main | tar -x -C DIR`), run by `DIR/.venv/bin/python` when that exists, so a change and its
  base are measured in the same run;
- `airbyte 1.0.13`: Airbyte's connector as published on PyPI (`airbyte-source-chartmogul==1.0.13`, airbyte-cdk
  0.90, Python 3.10), run by bench/airbyte_launch.py;
- `airbyte-cdk 6.45.7`: the runtime Airbyte runs the connector on today (`source-declarative-manifest`, the
  manifest injected in the config as `__injected_declarative_manifest`), on the same manifest.

Both Airbyte connectors hard-code `url_base: https://api.chartmogul.com`; the script loads the manifest shipped
in the 1.0.13 wheel, replaces every `url_base` in memory with the local server's URL and hands the copy over, so
no installed file is edited. Airbyte's current manifest (connector 1.1.17) declares the same streams, requests
and paginators, with its `$ref`s expanded, so running 1.0.13's on the new runtime is running today's connector.

The streams both offer are read in full refresh (customers, activities and the four customer count streams),
catalogs built from each connector's own `discover`. Runs alternate (the order rotates each round) so load
from the neighbours lands on all three alike. Per run: records, wall seconds, the connector's CPU seconds and
peak RSS (`os.wait4`), the server's CPU seconds (/proc). The primary keys each connector emitted are compared
per stream with mogul's (customers and activities by `uuid`, count streams by `date`).

    python bench/compare_airbyte.py                                  # 20k customers: (a) unthrottled, (b) throttled
    python bench/compare_airbyte.py --customers 2000 20000 40000 --only a
    python bench/compare_airbyte.py --months 94 24                   # and the customer-heavy history (24 months)
    python bench/compare_airbyte.py --reference /tmp/main-ref        # main's source alongside this tree's
    python bench/compare_airbyte.py --save runs.json                 # keep the figures...
    python bench/compare_airbyte.py --baseline runs.json             # ...and compare later runs with them

The first run creates the two virtualenvs under bench/.venvs/ (pip, from PyPI; Python 3.10 from pyenv or PATH).
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from source import MONTHS, START, cpu_seconds, database_path, env, seeded_database, serve, source_command, wait_ready

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / "bench" / ".venvs"
LAUNCHER = ROOT / "bench" / "airbyte_launch.py"
START_DATE = f"{START.isoformat()}T00:00:00Z"  # where the seeded history begins
COUNT_STREAMS = [f"customer_{interval}_count" for interval in ("daily", "weekly", "monthly", "quarterly")]
STREAMS = ["customers", "activities", *COUNT_STREAMS]
PK = {"customers": "uuid", "activities": "uuid", **dict.fromkeys(COUNT_STREAMS, "date")}
BOUND = 40 * 200.0  # records/s: ChartMogul's 40 requests/s at 200 records a page

SCENARIOS = {
    # key: (label, server rate limit, server latency s, mogul's requests_per_second)
    "a": ("unthrottled", 0, 0.0, 100_000.0),
    "b": ("serve 40 req/s + 150 ms", 40, 0.15, 40.0),
}


@dataclasses.dataclass
class Venv:
    name: str
    python: str  # the minor version to find with pyenv or on PATH
    requirement: str

    @property
    def path(self) -> Path:
        return VENVS / self.name

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name

    def ensure(self) -> None:
        stamp = self.path / f".installed-{self.requirement}"
        if stamp.exists():
            return
        print(f"installing {self.requirement} into {self.path} (Python {self.python})...", file=sys.stderr)
        shutil.rmtree(self.path, ignore_errors=True)
        subprocess.run([find_python(self.python), "-m", "venv", str(self.path)], check=True)
        pip = [str(self.bin("python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, self.requirement], check=True)
        stamp.touch()


# The wheel asks for Python >=3.9,<3.12 and airbyte-cdk >=0,<1, which resolves to 0.90.0.
PYPI = Venv("airbyte-1.0.13", "3.10", "airbyte-source-chartmogul==1.0.13")
CDK = Venv("cdk-6.45.7", "3.11", "airbyte-cdk==6.45.7")  # allows Python >=3.10,<3.13; 3.11, like mogul


def find_python(version: str) -> str:
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
        found = sorted(Path(root, "versions").glob(f"{version}.*/bin/python"), key=lambda p: p.parent.parent.name)
        if found:
            return str(found[-1])
    except (OSError, subprocess.CalledProcessError):
        pass
    path = shutil.which(f"python{version}")
    if not path:
        raise SystemExit(f"Python {version} is needed (pyenv install {version}, or python{version} on PATH)")
    return path


def shipped_manifest() -> dict[str, Any]:
    """The manifest.yaml inside the installed 1.0.13 wheel, as a dict (PyYAML of the connector's venv)."""
    code = (
        "import json, sys, yaml, pathlib, source_chartmogul as s;"
        "json.dump(yaml.safe_load((pathlib.Path(s.__file__).parent / 'manifest.yaml').read_text()), sys.stdout)"
    )
    out = subprocess.run([str(PYPI.bin("python")), "-c", code], capture_output=True, check=True).stdout
    return json.loads(out)


def with_url_base(node: Any, url: str) -> Any:
    """A copy of the manifest with every `url_base` (stream requesters and definitions alike) set to `url`."""
    if isinstance(node, dict):
        return {k: url if k == "url_base" else with_url_base(v, url) for k, v in node.items()}
    if isinstance(node, list):
        return [with_url_base(v, url) for v in node]
    return node


@dataclasses.dataclass
class Connector:
    key: str  # for --without
    name: str
    command: Callable[[Path], list[str]]  # the workdir -> the argv prefix before `read --config ...`
    config: Callable[[str, str, float], dict[str, Any]]  # (base url, api key, mogul's rps) -> config
    environ: dict[str, str] = dataclasses.field(default_factory=env)


def mogul_config(base: str, key: str, rps: float) -> dict[str, Any]:
    return {"api_key": key, "start_date": START_DATE, "base_url": base, "requests_per_second": rps}


def reference_connector(tree: Path, number: int = 1, name: str = "reference") -> Connector:
    """Another checkout's source: its own virtualenv's `source-chartmogul` when it has one, its `src` first on
    the path either way."""
    python = tree / ".venv" / "bin" / "python"
    environ = env()
    environ["PYTHONPATH"] = str(tree / "src")
    command = source_command(str(python) if python.exists() else sys.executable)
    key = "reference" if number == 1 else f"reference{number}"
    return Connector(key, f"mogul ({name})", lambda work: command, mogul_config, environ)


def connectors(manifest: dict[str, Any]) -> list[Connector]:
    def airbyte_config(base: str, key: str, rps: float) -> dict[str, Any]:
        return {"api_key": key, "start_date": START_DATE}

    def cdk_config(base: str, key: str, rps: float) -> dict[str, Any]:
        return {**airbyte_config(base, key, rps), "__injected_declarative_manifest": with_url_base(manifest, base)}

    def pypi_command(work: Path) -> list[str]:
        return [str(PYPI.bin("python")), str(LAUNCHER), str(work / "manifest.json")]

    return [
        Connector("mogul", "mogul", lambda work: source_command(), mogul_config),
        Connector("cdk", "airbyte-cdk 6.45.7", lambda work: [str(CDK.bin("source-declarative-manifest"))], cdk_config),
        Connector("pypi", "airbyte 1.0.13 (PyPI)", pypi_command, airbyte_config),
    ]


def write_inputs(connector: Connector, work: Path, base: str, key: str, rps: float, manifest: dict[str, Any]) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / "config.json").write_text(json.dumps(connector.config(base, key, rps)))
    (work / "manifest.json").write_text(json.dumps(with_url_base(manifest, base)))
    discovered = subprocess.run(
        [*connector.command(work), "discover", "--config", str(work / "config.json")],
        env=connector.environ,
        capture_output=True,
        check=True,
    ).stdout
    streams = {}
    for line in discovered.splitlines():
        message = orjson.loads(line) if line.startswith(b"{") else {}
        if message.get("type") == "CATALOG":
            streams = {s["name"]: s for s in message["catalog"]["streams"]}
    missing = [name for name in STREAMS if name not in streams]
    if missing:
        raise RuntimeError(f"{connector.name} does not discover {missing}")
    catalog = {
        "streams": [
            {"stream": streams[name], "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            for name in STREAMS
        ]
    }
    (work / "catalog.json").write_text(json.dumps(catalog))


def read(connector: Connector, work: Path, server_pid: int) -> tuple[dict[str, Any], dict[str, set[str]], list[str]]:
    """One timed `read`; returns its figures, the primary keys per stream and any errors it reported."""
    args = [*connector.command(work), "read", "--config", str(work / "config.json")]
    args += ["--catalog", str(work / "catalog.json")]
    out_path, err_path = work / "out.jsonl", work / "err.log"
    load_before = os.getloadavg()[0]
    server_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        # Drained into a file, so parsing the messages costs this script nothing while the read is timed.
        proc = subprocess.Popen(args, env=connector.environ, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1 << 20):
            out.write(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - server_before
    load_after = os.getloadavg()[0]
    keys: dict[str, set[str]] = {name: set() for name in STREAMS}
    counts = dict.fromkeys(STREAMS, 0)
    errors = []
    code = os.waitstatus_to_exitcode(status)
    if code:
        errors.append(f"exit {code}: {err_path.read_text()[-2000:]}")
    with out_path.open("rb") as out:
        for line in out:
            if not line.startswith(b"{"):
                continue
            message = orjson.loads(line)
            kind = message.get("type")
            if kind == "RECORD":
                record = message["record"]
                counts[record["stream"]] += 1
                keys[record["stream"]].add(str(record["data"][PK[record["stream"]]]))
            elif kind == "TRACE" and message["trace"].get("type") == "ERROR":
                errors.append(message["trace"]["error"].get("message", "")[:500])
            elif kind == "LOG" and message["log"]["level"] in ("ERROR", "FATAL"):
                errors.append(message["log"]["message"][:500])
    out_path.unlink()
    figures = {
        "records": sum(counts.values()),
        "per_stream": counts,
        "seconds": round(elapsed, 2),
        "cpu": round(usage.ru_utime + usage.ru_stime, 2),
        "rss_mib": round(usage.ru_maxrss / 1024, 1),  # ru_maxrss is in KiB on Linux
        "server_cpu": round(server_cpu, 2),
        "load": [round(load_before, 1), round(load_after, 1)],
    }
    return figures, keys, errors


def compare_keys(reference: dict[str, set[str]], keys: dict[str, set[str]]) -> dict[str, Any]:
    """Per stream where the key sets differ: how many only the reference has, how many only the other, examples."""
    out = {}
    for name in STREAMS:
        missing, extra = reference[name] - keys[name], keys[name] - reference[name]
        if missing or extra:
            out[name] = {
                "missing": len(missing),
                "extra": len(extra),
                "examples": sorted(missing)[:3] + sorted(extra)[:3],
            }
    return out


def scenario(
    dataset: str,
    key_name: str,
    database: Path,
    key: str,
    repeat: int,
    work: Path,
    chosen: list[Connector],
    manifest: dict[str, Any],
) -> dict[str, Any]:
    label, rate_limit, latency, rps = SCENARIOS[key_name]
    runs: dict[str, list[dict[str, Any]]] = {}
    diffs: dict[str, Any] = {}
    all_keys: dict[str, dict[str, set[str]]] = {}
    with serve(database, rate_limit, latency) as (base, server):
        wait_ready(base, key, server)
        warm_up(base, key)
        for connector in chosen:
            write_inputs(connector, work / connector.key, base, key, rps, manifest)
        for round_ in range(repeat):
            # Rotate the order so no connector always runs first (cold caches) or right after the same neighbour.
            order = chosen[round_ % len(chosen) :] + chosen[: round_ % len(chosen)]
            for connector in order:
                figures, keys, errors = read(connector, work / connector.key, server.pid)
                figures["errors"] = errors
                runs.setdefault(connector.name, []).append(figures)
                print(
                    f"  {dataset} ({key_name}) round {round_ + 1} {connector.name:22} {figures['records']:>8,} "
                    f"records {figures['seconds']:>8.2f} s  cpu {figures['cpu']:>7.2f} s  "
                    f"rss {figures['rss_mib']:>6.0f} MiB  load {figures['load'][0]:.1f}"
                    + (f"  ERRORS {errors[:2]}" if errors else ""),
                    file=sys.stderr,
                    flush=True,
                )
                first = all_keys.setdefault(connector.name, keys)
                if first is not keys and (again := compare_keys(first, keys)):
                    # A connector must also agree with itself from one run to the next.
                    diffs[f"{connector.name} run {len(runs[connector.name])}"] = again
    for name, keys in all_keys.items():
        if name != "mogul" and (diff := compare_keys(all_keys["mogul"], keys)):
            diffs[name] = diff
    return {"label": label, "runs": runs, "key_diffs": diffs}


def warm_up(base: str, key: str) -> None:
    """One untimed pass over every customers and activities page and one customer count with a plain client, so
    that the first timed read (whichever connector it is) does not alone pay for the new server's cold caches
    (database pages, lazy imports, the metrics aggregate built on first use): that cost a 1.3 s read about 1.5
    CPU-s of the server more, the same as a 16 s read."""
    with httpx.Client(base_url=base, auth=(key, ""), timeout=60) as http:
        count = {"start-date": START_DATE[:10], "end-date": time.strftime("%Y-%m-%d"), "interval": "month"}
        http.get("/v1/metrics/customer-count", params=count).raise_for_status()
        for path in ("/v1/customers", "/v1/activities"):
            params: dict[str, Any] = {"per_page": 200}
            while True:
                page = http.get(path, params=params).raise_for_status().json()
                if not page.get("has_more") or not page.get("cursor"):
                    break
                params["cursor"] = page["cursor"]


def summary(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Medians per connector (of wall and CPU seconds), and mogul's ratios to each."""
    out = {}
    for name, runs in result["runs"].items():
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        records = runs[0]["records"]
        out[name] = {
            "records": records,
            "seconds": seconds,
            "cpu": cpu,
            "server_cpu": statistics.median(r["server_cpu"] for r in runs),
            "rss_mib": max(r["rss_mib"] for r in runs),
            "per_second": records / seconds,
            "per_cpu_second": records / cpu if cpu else 0.0,
            "runs": len(runs),
            "errors": sum(len(r["errors"]) for r in runs),
        }
    mogul = out["mogul"]
    for figures in out.values():
        figures["ratio"] = mogul["per_second"] / figures["per_second"]
        figures["cpu_ratio"] = mogul["per_cpu_second"] / figures["per_cpu_second"] if figures["cpu"] else 0.0
    return out


def table(results: dict[str, Any], baseline: dict[str, Any]) -> str:
    lines = [
        "| customers/months | scenario | connector | records | wall s | records/s | mogul x | CPU s | records/CPU-s | "
        "mogul x (CPU) | server CPU s | peak RSS MiB | share of 8,000/s | same PKs as mogul |"
        + (" vs baseline |" if baseline else ""),
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|" + ("---:|" if baseline else ""),
    ]
    for size_key, by_scenario in results.items():
        for key_name, result in by_scenario.items():
            for name, s in summary(result).items():
                # Against mogul's keys, and against the connector's own first run ("<name> run N").
                diff = {k: v for k, v in result["key_diffs"].items() if k == name or k.startswith(name + " run ")}
                same = ("reference" if name == "mogul" else "yes") if not diff else "NO: " + json.dumps(diff)
                share = f"{s['per_second'] / BOUND:.0%}" if key_name == "b" else ""
                row = (
                    f"| {size_key} | ({key_name}) {result['label']} | {name} | {s['records']:,} | "
                    f"{s['seconds']:.2f} | {s['per_second']:,.0f} | {s['ratio']:.1f} | {s['cpu']:.2f} | "
                    f"{s['per_cpu_second']:,.0f} | {s['cpu_ratio']:.1f} | {s['server_cpu']:.2f} | {s['rss_mib']:.0f} | "
                    f"{share} | {same}{' (errors logged)' if s['errors'] else ''} |"
                )
                if baseline:
                    old = baseline.get(size_key, {}).get(key_name)
                    old_s = summary(old).get(name) if old else None
                    row += f" {s['per_second'] / old_s['per_second'] - 1:+.0%} |" if old_s else " |"
                lines.append(row)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000], help="dataset sizes")
    parser.add_argument(
        "--months",
        type=int,
        nargs="+",
        default=[MONTHS],
        help="months of history (94: 4.3 activities a customer; 24: 2.3)",
    )
    parser.add_argument(
        "--reference", type=Path, nargs="+", default=[], help="other checkouts whose sources run too (e.g. main's)"
    )
    parser.add_argument("--only", choices=sorted(SCENARIOS), help="run one scenario: (a) unthrottled, (b) throttled")
    parser.add_argument("--repeat", type=int, default=3, help="reads per connector per scenario (median kept)")
    parser.add_argument(
        "--without", nargs="+", default=[], choices=["cdk", "pypi"], help="leave a connector out (pypi is the slowest)"
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/mogul-bench-airbyte"), help="seeded databases")
    parser.add_argument("--save", type=Path, help="write every run's figures as JSON")
    parser.add_argument("--baseline", type=Path, help="compare with figures saved by --save")
    parser.add_argument("--table", type=Path, nargs="+", help="only print the table of files saved by --save")
    args = parser.parse_args()
    baseline = json.loads(args.baseline.read_text())["results"] if args.baseline else {}
    if args.table:
        merged: dict[str, dict[str, Any]] = {}
        for path in args.table:
            for size, by_scenario in json.loads(path.read_text())["results"].items():
                merged.setdefault(size, {}).update(by_scenario)
        print(table(merged, baseline))
        return
    airbyte = {"cdk", "pypi"} - set(args.without)
    if airbyte:
        PYPI.ensure()  # the manifest comes from its wheel, for both Airbyte connectors
    if "cdk" in airbyte:
        CDK.ensure()
    manifest = shipped_manifest() if airbyte else {}
    chosen = [c for c in connectors(manifest) if c.key not in args.without]
    for number, tree in enumerate(args.reference, 1):
        chosen.insert(number, reference_connector(tree.resolve(), number, tree.name))
    # pip compiled the Airbyte connectors' modules when it installed them; an installed mogul has its .pyc files
    # too. This tree's may not (PYTHONDONTWRITEBYTECODE, an editable install): without them every mogul start
    # would compile its modules again, a cost no installed connector pays.
    compileall.compile_dir(ROOT / "src" / "mogul", quiet=1)
    results: dict[str, dict[str, Any]] = {}
    started = time.time()
    with tempfile.TemporaryDirectory(dir=args.cache if args.cache.exists() else None) as tmp:
        for customers in args.customers:
            for months in args.months:
                database = database_path(args.cache, customers, months)
                key = seeded_database(database, customers, months)
                dataset = f"{customers:,}/{months}"
                for key_name in SCENARIOS:
                    if args.only and key_name != args.only:
                        continue
                    work = Path(tmp) / f"{customers}-{months}-{key_name}"
                    results.setdefault(dataset, {})[key_name] = scenario(
                        dataset, key_name, database, key, args.repeat, work, chosen, manifest
                    )
                if args.save:  # after each scenario, so a long run interrupted later keeps what it measured
                    args.save.write_text(json.dumps(machine(started) | {"results": results}, indent=1))
    print(table(results, baseline))
    print(f"\nmachine: {json.dumps(machine(started))}")


def machine(started: float) -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "load_now": [round(x, 1) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
    }


if __name__ == "__main__":
    main()
