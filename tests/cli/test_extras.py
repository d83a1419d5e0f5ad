"""`pip install mogul` is the client, the source and the API commands; the rest comes with extras. Without an
extra's packages (hidden here by an import hook in the child process), the base still works and a command that
needs the extra says which in one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..conftest import subprocess_env

SERVER = ["starlette", "uvicorn", "sqlalchemy", "psycopg"]
SYNC = ["duckdb", "pyarrow", "numpy", "psycopg"]
DEMO = ["matplotlib", "plotext"]

CHILD = """
import sys
hidden = set(sys.argv[1].split(","))

class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Hide())
sys.argv = ["mogul", *sys.argv[2:]]
from mogul.process import mogul
mogul()
"""


def mogul(hidden: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, ",".join(hidden), *args],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
        check=False,
    )


def test_the_base_install_runs_the_api_commands_and_the_source() -> None:
    everything = SERVER + SYNC + DEMO
    helped = mogul(everything, "--help")
    assert helped.returncode == 0, helped.stderr
    for command in ("serve", "sync", "demo", "customers", "source"):
        assert command in helped.stdout
    spec = mogul(everything, "source", "spec")
    assert spec.returncode == 0 and spec.stdout.startswith('{"type":"SPEC"'), spec.stderr
    listed = mogul(everything, "data-sources", "list", "--api-key", "k", "--base-url", "http://127.0.0.1:9")
    assert listed.returncode == 1 and "extra" not in listed.stderr and "Traceback" not in listed.stderr
    code = "import mogul.client, mogul.source, mogul.engine; print('ok')"
    hook = CHILD.split("sys.argv = ")[0]
    imported = subprocess.run(
        [sys.executable, "-c", hook + code, ",".join(everything)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=False,
    )
    assert imported.stdout.strip() == "ok", imported.stderr


@pytest.mark.parametrize(
    ("hidden", "args", "extra"),
    [
        (SERVER, ["serve", "--port", "1"], "server"),
        (SERVER, ["keys", "list"], "server"),
        (SERVER, ["fx-rates", "--help"], "server"),
        (SYNC, ["sync", "--config", "x.json"], "sync"),
        (DEMO, ["demo"], "demo"),
        (SERVER, ["demo"], "demo"),
    ],
)
def test_a_command_without_its_extra_says_so_in_one_line(hidden: list[str], args: list[str], extra: str) -> None:
    result = mogul(hidden, *args)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert f"needs mogul's {extra} extra" in line and f"pip install 'mogul[{extra}]'" in line
    assert f"`mogul {args[0]}`" in line
