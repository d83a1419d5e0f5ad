"""PyAirbyte (package `airbyte` 0.71.3, in its own virtualenv because of its pins) reads every stream
of `mogul serve` through `local_executable` into its DuckDB cache. Fails, never skips, when PyAirbyte cannot
run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mogul.source.streams import BY_NAME

from ..conftest import SRC
from .conftest import Target

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = Path(os.environ.get("MOGUL_PYAIRBYTE_VENV", ROOT / ".venv-pyairbyte"))


@pytest.fixture(scope="module")
def pyairbyte_python() -> Path:
    """Creates the virtualenv on first use (about 80 s, needs the package index)."""
    proc = subprocess.run(
        ["sh", str(HERE / "pyairbyte_env.sh"), str(VENV)], capture_output=True, text=True, timeout=900, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"could not create the PyAirbyte virtualenv at {VENV}:\n{proc.stderr[-2000:]}")
    return VENV / "bin" / "python"


def test_pyairbyte_reads_every_stream_into_duckdb(pyairbyte_python: Path, target: Target, tmp_path: Path) -> None:
    executable = tmp_path / "source-chartmogul"
    executable.write_text(f'#!/bin/sh\nPYTHONPATH="{SRC}" exec "{sys.executable}" -m mogul.source "$@"\n')
    executable.chmod(0o755)
    config = target.config()
    expected = target.streams or set(BY_NAME)
    proc = subprocess.run(
        [
            str(pyairbyte_python),
            str(HERE / "pyairbyte_read.py"),
            str(executable),
            json.dumps(config),
            str(tmp_path),
            ",".join(sorted(expected)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(result["streams"]) == expected
    counts = result["counts"]
    seeded = target.extra["seeded"]
    assert counts["customers"] == len(seeded.customers) and counts["activities"] == seeded.activities
    assert counts["invoices"] == seeded.invoices and counts["data_sources"] == 3
    assert all(counts[stream] > 0 for stream in expected)
    # PyAirbyte asks for incremental everywhere and sends our state back: activities come once.
    assert result["second"] < result["first"]
    assert result["columns"]["activities"]["date"].startswith("TIMESTAMP")
    # PyAirbyte's cache normalises column names (customer-since → customer_since); records keep the API's.
    assert result["columns"]["customers"]["customer_since"].startswith("TIMESTAMP"), result["columns"]["customers"]
    assert result["columns"]["customers"]["mrr"] == "BIGINT"
    if target.name == "serve":  # the CRM tables come out typed too
        columns = result["columns"]
        assert columns["opportunities"]["amount_in_cents"] == "BIGINT"
        assert columns["opportunities"]["estimated_close_date"] == "DATE"
        assert columns["tasks"]["due_date"].startswith("TIMESTAMP")
        assert columns["customer_notes"]["created_at"].startswith("TIMESTAMP")
        assert columns["contacts"]["position"] == "BIGINT"
