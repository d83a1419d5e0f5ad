"""Kill -9 a sync at random moments, resume it, and compare with a sync nobody interrupted.

The second sync of each trial replaces customers (overwrite) with new values and appends new
activities. After every kill: the customers table is wholly the old or wholly the new copy, and
every table agrees with the state stored beside it. After the final resume: both tables equal
those of the uninterrupted run, row for row.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sync_child
from sync_helpers import PG_SERVER, rows, stored_states, table_exists

HERE = Path(__file__).parent
SRC = HERE.parents[1] / "src"
FIRST = (1, 500, 500, 50)  # version, customers, activities, page
SECOND = (2, 800, 1200, 50)
KILLS_PER_TRIAL = 3
TRIALS = 2

pytestmark = pytest.mark.slow


def start(url: str, args: tuple[int, ...]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)])}
    child = subprocess.Popen(
        [sys.executable, str(HERE / "sync_child.py"), url, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    ready = child.stdout.readline()
    assert ready.startswith("ready"), f"child did not start: {ready!r} {child.stderr.read() if child.stderr else ''}"
    child.backend_pid = ready.split()[1] if len(ready.split()) > 1 else None  # type: ignore[attr-defined]
    return child


def wait_for_backend(pid: str | None) -> None:
    """Until PostgreSQL's backend for a killed sync has ended: it may still be committing the transaction the
    client sent just before the kill, and a check reading meanwhile sees the state before that commit and the
    rows after it."""
    if pid is None:
        return
    deadline = time.monotonic() + 30
    with psycopg.connect(PG_SERVER, autocommit=True) as con:
        while con.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (int(pid),)).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} of a killed sync is still there after 30 s"
            time.sleep(0.02)


def finish(url: str, args: tuple[int, ...]) -> float:
    """Run a sync to its end, in this process (nothing kills it); returns its duration."""
    began = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):
        sync_child.sync(url, *args)
    return time.monotonic() - began


def kill_later(url: str, args: tuple[int, ...], after: float) -> bool:
    """Start a sync and kill -9 it `after` seconds in; False if it finished first."""
    child = start(url, args)
    try:
        child.wait(timeout=after)
        assert child.returncode == 0, child.stderr.read() if child.stderr else ""
        return False
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.communicate()
        wait_for_backend(child.backend_pid)  # type: ignore[attr-defined]
        return True


def offset(state: object) -> int:
    return int(state["stream"]["stream_state"]["offset"])  # type: ignore[index]


def check_consistent(url: str) -> None:
    """What any reader may see after a kill."""
    version, old_count, new_count = SECOND[0], FIRST[1], SECOND[1]
    customers = rows(url, "customers")
    mrrs = {row["uuid"]: int(row["mrr"]) for row in customers}
    old = len(customers) == old_count and all(m == (int(u[4:]) % 1000) * 100 for u, m in mrrs.items())
    new = len(customers) == new_count
    new = new and all(m == (int(u[4:]) % 1000) * 100 * version for u, m in mrrs.items())
    assert old or new, f"customers is neither the old nor the new copy ({len(customers)} rows)"
    states = stored_states(url)
    assert len(rows(url, "activities")) == offset(states["activities"].state), "activities and state disagree"
    if states["customers"].status == "running" and states["customers"].state is not None:
        staged = rows(url, "_mogul_staging_customers")
        assert len(staged) == offset(states["customers"].state), "staging and state disagree"


@pytest.fixture(params=["duckdb", "postgres"])
def make_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A fresh destination URL per name; PostgreSQL schemas are dropped afterwards."""
    schemas: list[str] = []

    def make(name: str) -> str:
        if request.param == "duckdb":
            return f"duckdb:///{tmp_path / name}.duckdb"
        schemas.append(f"sync_kill_{name}_{uuid.uuid4().hex[:12]}")
        return f"{PG_SERVER}?schema={schemas[-1]}"

    yield make
    with psycopg.connect(PG_SERVER, autocommit=True) as con:
        for schema in schemas:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_killed_sync_resumes_to_exactly_the_uninterrupted_result(make_url):
    reference = make_url("reference")
    finish(reference, FIRST)
    duration = finish(reference, SECOND)
    expected = {table: rows(reference, table) for table in ("customers", "activities")}
    assert len(expected["customers"]) == SECOND[1] and len(expected["activities"]) == SECOND[2]

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    kills = 0
    for trial in range(TRIALS):
        url = make_url(f"trial{trial}")
        finish(url, FIRST)
        for _ in range(KILLS_PER_TRIAL):
            kills += kill_later(url, SECOND, rng.uniform(0, duration / 2))  # resumed runs are shorter
            check_consistent(url)
        finish(url, SECOND)
        for table, want in expected.items():
            assert rows(url, table) == want, f"trial {trial} (seed {seed}): {table} differs after resuming"
        assert not table_exists(url, "_mogul_staging_customers")
    print(f"seed {seed}: {kills} of {TRIALS * KILLS_PER_TRIAL} kills landed; a sync takes {duration:.2f} s")
    assert kills >= 1, f"no kill landed inside a sync (seed {seed}, sync takes {duration:.2f} s)"
