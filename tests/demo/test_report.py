"""The pieces of the `mogul demo` report that the end-to-end test does not pin down."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from mogul.demo.report import dollars, example_queries, mogul_command, terminal_chart, write_png


def test_dollars() -> None:
    assert [dollars(v) for v in (0, 5, 123456, -99, -100000)] == ["$0.00", "$0.05", "$1,234.56", "-$0.99", "-$1,000.00"]


def test_example_query_survives_awkward_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = Path("a dir") / 'it\'s "here".duckdb'
    (tmp_path / "a dir").mkdir()
    with duckdb.connect(str(tmp_path / output)) as con:
        con.execute('CREATE TABLE activities (type VARCHAR, "activity-mrr-movement" BIGINT)')
        con.execute("INSERT INTO activities VALUES ('new_biz', 1000), ('new_biz', 500), ('churn', -300)")
    monkeypatch.chdir(tmp_path)  # the printed command is for the directory the demo ran in
    command = example_queries(output)[0]
    result = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=str(tmp_path), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "new_biz" in result.stdout and "15.0" in result.stdout and "-3.0" in result.stdout


def test_charts(tmp_path: Path) -> None:
    series = [(date(2025, month, 28), month * 10_000, month) for month in range(1, 13)]
    text = terminal_chart(series, width=80, colour=False)
    assert "MRR and customers by month" in text and "2025-01" in text
    assert max(len(line) for line in text.splitlines()) <= 80 and "\x1b[" not in text
    assert "\x1b[" in terminal_chart(series, width=80, colour=True)
    write_png(series, tmp_path / "sub" / "chart.png")
    assert (tmp_path / "sub" / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_the_mogul_it_suggests_is_this_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After `make demo` the virtualenv is not on the PATH: the hint names its script, relative when under the
    working directory; the bare name only when the PATH finds this very script; `-m` when there is none."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    python, script = bin_dir / "python", bin_dir / "mogul"
    python.touch()
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert mogul_command() == "venv/bin/python -m mogul"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert mogul_command() == "venv/bin/mogul"
    monkeypatch.setenv("PATH", str(bin_dir))
    assert mogul_command() == "mogul"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert mogul_command() == str(script)
