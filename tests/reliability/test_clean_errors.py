"""What a user gets wrong is one clear line and a non-zero exit, never a traceback: a malformed `base_url` for the
client and the API commands, and a database `mogul serve` or `mogul keys` cannot open."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from mogul.cli import main
from mogul.client import Client

from ..conftest import MOGUL, subprocess_env


@pytest.mark.parametrize("base_url", ["http://[::1", "http://user:hunter2@[::1", "https://:443", "ftp://example.com"])
def test_client_refuses_a_malformed_base_url_in_one_line(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url") as caught:
        Client("a-key", base_url)
    assert "\n" not in str(caught.value) and "hunter2" not in str(caught.value)


def test_api_commands_refuse_a_malformed_base_url_in_one_line() -> None:
    result = CliRunner().invoke(main, ["data-sources", "list", "--api-key", "k", "--base-url", "http://[::1"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: base_url") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output


DATABASES = [
    ("postgresql://mogul:hunter2@127.0.0.1:1/mogul", "cannot open the database"),  # nothing listens
    ("postgresql://mogul:hunter2@host.invalid/mogul", "cannot open the database"),  # no such host
    ("postgresql://mogul:hunter2@[::1/mogul", "Could not parse"),
    ("postgresql://mogul:hunter2@localhost:port/mogul", "Could not parse"),
    ("mysql://mogul:hunter2@localhost/mogul", "SQLite or PostgreSQL"),
    ("sqlite:////nonexistent/dir/mogul.db", "cannot open the database"),
]


@pytest.mark.parametrize(("url", "says"), DATABASES)
@pytest.mark.parametrize("command", [["keys", "list"], ["serve", "--port", "0"]])
def test_a_database_that_cannot_be_opened_is_one_line(command: list[str], url: str, says: str) -> None:
    run = subprocess.run(
        [*MOGUL, *command, "--database", url], capture_output=True, text=True, env=subprocess_env(), timeout=60
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
    assert says in run.stderr and "Traceback" not in run.stderr and "hunter2" not in run.stderr
