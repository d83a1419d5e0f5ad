"""The pieces of the `mogul demo` report that the end-to-end test does not pin down."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from mogul.demo.report import dollars, example_queries, terminal_chart, write_png


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
