"""What a newcomer types first (the README's first screen): help that says where to start, and a database
option that fails in one line saying what it takes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..conftest import MOGUL, subprocess_env

SOURCE = [sys.executable, "-c", "from mogul.source.entrypoint import main; main()"]


def run(*args: str, program: list[str] = MOGUL) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*program, *args], capture_output=True, text=True, env=subprocess_env(COLUMNS="80"), timeout=60
    )


def test_help_says_where_to_start_without_cut_summaries() -> None:
    top = run("--help")
    assert top.returncode == 0
    assert "Start here:" in top.stdout and "mogul demo " in top.stdout and "mogul serve " in top.stdout
    commands = top.stdout.split("Commands:")[1].splitlines()[1:]
    assert len(commands) == 10 and not [line for line in commands if line.endswith("...")]
    assert "mogul demo generate --base-url" in run("serve", "--help").stdout


@pytest.mark.parametrize("command", [["serve"], ["keys", "list"], ["demo", "generate", "--customers", "1"]])
def test_a_database_that_is_no_url_is_one_line(command: list[str]) -> None:
    result = run(*command, "--database", "mogul.db")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: cannot open the database: Could not parse SQLAlchemy URL from given URL string; --database takes "
        "sqlite:///FILE or postgresql://USER@HOST:5432/DB"
    ]


def test_an_unreachable_database_is_one_line_without_its_password() -> None:
    result = run("keys", "list", "--database", "postgresql://someone:s3cret-pw@127.0.0.1:9/nowhere")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open the database: ") and "s3cret" not in lines[0]
    assert "127.0.0.1" in lines[0] and "Traceback" not in result.stderr


def test_source_help_shows_a_config() -> None:
    result = run("--help", program=SOURCE)
    assert result.returncode == 0
    assert '"api_key": "KEY", "start_date": "2024-01-01T00:00:00Z"' in result.stdout
    assert "source-chartmogul check --config config.json" in result.stdout
    bare = run(program=SOURCE)
    assert bare.returncode == 2 and "{spec,check,discover,read}" in bare.stderr
