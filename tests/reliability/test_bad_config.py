"""Issue 7: a bad config gives one line naming the field, never a traceback, from `mogul sync` and from the
source's `check` and `read` (the cases tests/source/test_read.py and tests/cli/test_sync_cli.py already cover
are not repeated: missing api_key and start_date on the command line, an unknown stream, a bad destination)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.source.entrypoint import run

from .conftest import write_config

GOOD = {"api_key": "k", "start_date": "2024-01-01T00:00:00Z", "base_url": "http://127.0.0.1:9"}
BAD = [
    ({"api_key": None}, "api_key"),
    ({"start_date": "2024-13-45T00:00:00Z"}, "start_date"),
    ({"end_date": "soon"}, "end_date"),
    ({"interval": "fortnight"}, "interval"),
    ({"base_url": "127.0.0.1:8080"}, "base_url"),
    ({"base_url": "http://[::1"}, "base_url"),
    ({"base_url": "http://:8080"}, "base_url"),
    ({"max_retry_seconds": 0}, "max_retry_seconds"),
    ({"max_retry_seconds": "long"}, "max_retry_seconds"),
    ({"read_timeout_seconds": -1}, "read_timeout_seconds"),
    ({"connect_timeout_seconds": True}, "connect_timeout_seconds"),
    ({"max_attempts": 0}, "max_attempts"),
]


def bad(change: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in {**GOOD, **change}.items() if v is not None}


@pytest.mark.parametrize(("change", "field"), BAD)
def test_sync_cli_names_the_field_in_one_line(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    config = write_config(tmp_path / "config.json", bad(change))
    result = CliRunner().invoke(main, ["sync", "--config", str(config), "-d", f"duckdb:///{tmp_path / 'x.duckdb'}"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert field in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "x.duckdb").exists()  # refused before anything was created


def source(tmp_path: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.BytesIO(), io.BytesIO()
    code = run(args, out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue().decode()


@pytest.mark.parametrize(("change", "field"), BAD)
def test_source_check_and_read_name_the_field(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    config = write_config(tmp_path / "config.json", bad(change))
    code, [status], stderr = source(tmp_path, "check", "--config", str(config))
    assert code == 0 and status["connectionStatus"]["status"] == "FAILED"
    message = status["connectionStatus"]["message"]
    assert field in message and "\n" not in message, message
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"streams": []}))
    code, messages, stderr = source(tmp_path, "read", "--config", str(config), "--catalog", str(catalog))
    assert code == 1
    [error] = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert error["failure_type"] == "config_error" and field in error["message"] and "\n" not in error["message"]
    assert "Traceback" not in stderr


def test_unreachable_base_url_is_one_line_naming_it(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", GOOD)
    result = CliRunner().invoke(main, ["sync", "--config", str(config), "-d", f"duckdb:///{tmp_path / 'x.duckdb'}"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: Could not reach http://127.0.0.1:9") and "base_url" in result.stderr
    _, [status], _ = source(tmp_path, "check", "--config", str(config))
    assert status["connectionStatus"]["status"] == "FAILED" and "base_url" in status["connectionStatus"]["message"]
