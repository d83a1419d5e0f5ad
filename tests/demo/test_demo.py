"""`mogul demo` end to end, as `make demo` runs it: a real process in an empty directory, stdout piped."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import pytest

from mogul.client import Client
from mogul.demo.generator import GeneratorConfig
from mogul.demo.report import MRR_COLUMNS
from mogul.demo.timeutil import current_month
from mogul.source import STREAMS

from ..conftest import MOGUL, subprocess_env

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def cents(text: str) -> int:
    """`-$1,234.56` -> -123456."""
    negative = text.startswith("-")
    value = round(float(text.lstrip("-").lstrip("$").replace(",", "")) * 100)
    return -value if negative else value


def month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def table_after(lines: list[str], heading: str) -> list[list[str]]:
    """The tab-separated table (header included) printed under a heading line."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line.split("\t"))
    return rows


def test_demo_end_to_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [*MOGUL, "demo", "--customers", "40", "--seed", "3", "--end-month", "2025-12"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=300,
        cwd=str(tmp_path),
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "server at" not in result.stdout and "mogul demo: done in" in result.stderr
    lines = result.stdout.splitlines()

    # Every stream has its table with rows, and the printed counts are the file's.
    database = tmp_path / "demo.duckdb"
    printed = {row[0]: int(row[1].replace(",", "")) for row in table_after(lines, "Rows per stream")[1:]}
    assert list(printed) == [stream.name for stream in STREAMS]
    with duckdb.connect(str(database), read_only=True) as con:
        for name, rows in printed.items():
            assert rows > 0, name  # the demo fills every stream, the CRM ones included
            assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone() == (rows,)
        synced = dict(con.execute("SELECT strftime(\"date\", '%Y-%m'), mrr FROM metrics").fetchall())

    # The MRR table (from /v1/metrics/mrr) agrees with the synced metrics table, month by month.
    mrr = table_after(lines, "MRR and its movements, last 12 months")
    assert tuple(mrr[0]) == MRR_COLUMNS and len(mrr) == 13
    assert mrr[-1][0] == max(synced) == "2025-12"
    for month, amount, *_ in mrr[1:]:
        assert cents(amount) == synced[month], month
    for row in mrr[1:]:  # the movements add up to the month's change, the first row's included
        previous = synced[month_before(row[0])]
        assert sum(cents(value) for value in row[2:7]) == cents(row[1]) - previous, row
        assert float(row[7]) == (round((cents(row[1]) - previous) / previous * 100, 2) if previous else 0.0), row

    # The charts: one in the terminal (plain text when piped), one as a PNG file.
    assert "MRR and customers by month" in result.stdout and "\x1b[" not in result.stdout
    assert (tmp_path / "demo-mrr.png").read_bytes()[:8] == PNG_SIGNATURE

    # The example query it prints runs as printed.
    command = next(line.strip() for line in lines if " -c " in line and "import duckdb" in line)
    query = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=str(tmp_path), timeout=60)
    assert query.returncode == 0, query.stderr
    assert "new_biz" in query.stdout and "mrr_movement" in query.stdout


def test_serve_keeps_the_server_until_interrupted(tmp_path: Path) -> None:
    """Without --end-month the history ends this month; the commands printed for the running server work."""
    process = subprocess.Popen(
        [*MOGUL, "demo", "--customers", "5", "--serve", "--png", "chart.png", "--output", "out/cm.duckdb"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=subprocess_env(),
        cwd=str(tmp_path),
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "sync --start-date" in line:
                break
        this_month = datetime.now(UTC).strftime("%Y-%m")
        assert table_after(lines, "MRR and its movements")[-1][0] == this_month
        dashboard = next(line for line in lines if "dashboard: " in line)
        exports = next(line for line in lines if "export CHARTMOGUL_BASE_URL=" in line)
        settings = dict(part.split("=", 1) for part in exports.split()[1:])
        base_url, key = settings["CHARTMOGUL_BASE_URL"], settings["CHARTMOGUL_API_KEY"]
        assert dashboard.strip() == f"dashboard: {base_url}/  (sign in with the API key {key})"
        assert 'id="api-key"' in httpx.get(base_url + "/").text
        with Client(key, base_url) as client:
            assert [source.status for source in client.data_sources.list()] == ["idle"]
        # The printed commands run as printed (the virtualenv's `mogul`, not one the PATH may lack).
        listed = subprocess.run(
            lines[-2].strip(), shell=True, capture_output=True, text=True, env=subprocess_env(**settings), timeout=60
        )
        assert listed.returncode == 0, listed.stderr
        assert len(listed.stdout.splitlines()) == 1 + 5  # a header and the five customers
        start = GeneratorConfig.ending(current_month()).start
        assert lines[-1].strip().endswith(f"sync --start-date {start.isoformat()} -d duckdb:///mine.duckdb")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait()
    assert (tmp_path / "chart.png").exists() and (tmp_path / "out" / "cm.duckdb").exists()


def read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    """What a terminal shows until `needle` appears (or the process ends, or time is up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.mark.parametrize("flag", [[], ["--no-serve"]], ids=["terminal-default", "no-serve"])
def test_on_a_terminal_it_serves_the_dashboard_unless_told_not_to(tmp_path: Path, flag: list[str]) -> None:
    """`make demo` on a terminal: the dashboard's URL, then serving until Ctrl-C; `--no-serve` exits at once."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [*MOGUL, "demo", "--customers", "5", *flag],
        stdin=secondary,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env=subprocess_env(),
        cwd=str(tmp_path),
    )
    os.close(secondary)
    try:
        # The last line printed before serving; with --no-serve the process ends and the read stops there.
        shown = read_until(primary, b"mogul sync --start-date", timeout=180)
        if flag:
            assert process.wait(timeout=60) == 0
            assert b"Ctrl-C" not in shown and b"Rows per stream" in shown
            return
        url = re.search(rb"dashboard: (http://127\.0\.0\.1:\d+)/", shown)
        assert url, shown[-2000:]
        assert 'id="api-key"' in httpx.get(url.group(1).decode() + "/").text
        time.sleep(1)
        assert process.poll() is None  # still serving
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait()
        os.close(primary)
