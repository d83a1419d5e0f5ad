"""The examples of docs/warehouses.md (and the README's dlt lines), taken from the files and run against a test
server, so they cannot rot: the ten-line pipeline into DuckDB, its one-line change to PostgreSQL, the secrets.toml
block, the tap's commands and the meltano.yml entry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import psycopg
import pytest
import yaml

from ..conftest import PG_ADMIN, subprocess_env
from ..source.conftest import Account, open_account
from .helpers import dlt_env, environ

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "warehouses.md").read_text()


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def ten_lines() -> str:
    return next(block for block in blocks(DOC, "python") if block.startswith("import dlt"))


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory.mktemp("docs"), customers=10)


def run_python(code: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (cwd / "example.py").write_text(code)
    return subprocess.run([sys.executable, "example.py"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_ten_lines_load_duckdb_with_the_key_from_the_docs_secrets_toml(account: Account, tmp_path: Path) -> None:
    toml = next(block for block in blocks(DOC, "toml") if "[sources.chartmogul]" in block)
    secrets = tomllib.loads(toml)
    assert set(secrets["sources"]["chartmogul"]) == {"api_key"}
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        toml.replace(secrets["sources"]["chartmogul"]["api_key"], account.key)
    )
    env = environ(**subprocess_env(), **dlt_env(tmp_path), SOURCES__CHARTMOGUL__BASE_URL=account.served.base_url)
    proc = run_python(ten_lines(), tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "LOADED" in proc.stdout
    with duckdb.connect(str(tmp_path / "chartmogul.duckdb")) as con:
        assert con.execute("SELECT count(*) FROM chartmogul_data.activities").fetchone() == (account.seeded.activities,)
        assert con.execute("SELECT count(*) FROM chartmogul_data.customers").fetchone() == (
            len(account.seeded.customers),
        )


def test_the_one_line_change_to_postgres_and_the_readmes_lines(account: Account, tmp_path: Path) -> None:
    line = next(row for row in blocks(DOC, "python")[1].splitlines() if '"postgres"' in row)
    code = re.sub(r'    destination="duckdb",\n', line.split("#")[0].rstrip() + "\n", ten_lines())
    assert 'destination="postgres"' in code
    dataset = f"docs_{uuid.uuid4().hex[:10]}"  # a schema of the test's own, not the doc's shared name
    code = code.replace('dataset_name="chartmogul_data"', f'dataset_name="{dataset}"')
    url = urlsplit(PG_ADMIN)
    env = environ(
        **subprocess_env(),
        **dlt_env(tmp_path),
        SOURCES__CHARTMOGUL__API_KEY=account.key,
        SOURCES__CHARTMOGUL__BASE_URL=account.served.base_url,
        DESTINATION__POSTGRES__CREDENTIALS=url._replace(netloc=f"{url.username}:unused@{url.hostname}").geturl(),
    )
    try:
        proc = run_python(code, tmp_path, env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        with psycopg.connect(PG_ADMIN) as con:
            count = con.execute(f'SELECT count(*) FROM "{dataset}".activities').fetchone()
        assert count == (account.seeded.activities,)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as con:
            for schema in (dataset, f"{dataset}_staging"):
                con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    readme = next(b for b in blocks((ROOT / "README.md").read_text(), "python") if "mogul.dlt" in b)
    proc = run_python(readme.replace('destination="bigquery"', 'destination="duckdb"'), tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "chartmogul.duckdb").exists()


def test_the_taps_commands_and_the_meltano_entry(account: Account, tmp_path: Path) -> None:
    commands = next(b for b in blocks(DOC, "bash") if "tap-chartmogul --about" in b).splitlines()
    tap = [sys.executable, "-m", "mogul.singer"]
    env = environ(**subprocess_env())
    about = subprocess.run([*tap, *commands[0].split("#")[0].split()[1:]], capture_output=True, text=True, env=env)
    assert about.returncode == 0, about.stderr
    info = json.loads(about.stdout)

    meltano = yaml.safe_load(next(b for b in blocks(DOC, "yaml") if "tap-chartmogul" in b))
    plugin = meltano["plugins"]["extractors"][0]
    assert plugin["executable"] == "tap-chartmogul" and plugin["variant"] == "mogul"
    assert plugin["executable"] in (ROOT / "pyproject.toml").read_text()
    assert set(plugin["capabilities"]) == {"catalog", "discover", "state", "about"} <= set(info["capabilities"])
    settings = {s["name"]: s for s in plugin["settings"]}
    assert set(settings) <= set(info["settings"]["properties"]), set(settings) - set(info["settings"]["properties"])
    assert settings["api_key"]["sensitive"] is True and settings["api_key"]["kind"] == "password"
    intervals = [option["value"] for option in settings["interval"]["options"]]
    assert intervals == info["settings"]["properties"]["interval"]["enum"]

    # The entry's config, with the key Meltano would add, is a config the tap reads; its select rules name streams.
    config = {**plugin["config"], "api_key": account.key, "base_url": account.served.base_url}
    (tmp_path / "config.json").write_text(json.dumps(config))
    discover = commands[1].split(">")[0].split()[1:]
    proc = subprocess.run([*tap, *discover], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    streams = {entry["tap_stream_id"] for entry in json.loads(proc.stdout)["streams"]}
    assert {rule.split(".")[0] for rule in plugin["select"]} <= streams
