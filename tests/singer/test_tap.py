"""`tap-chartmogul` as Singer runners use it: `--about`/`--discover` checked against Singer's message schemas, and
the tap piped into MeltanoLabs' target-postgres (a real Singer target from PyPI, in .venv-singer because of its
pins) against `mogul serve` with a demo history. `mogul sync`'s tables are the reference."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest

from mogul.source import STREAMS

from ..conftest import PG_ADMIN, subprocess_env
from ..dlt.helpers import Rows, add_paying_customer, assert_same_rows, environ, mogul_sync
from ..source.conftest import Account, open_account
from .singer_schemas import ABOUT, CATALOG, MESSAGES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = Path(os.environ.get("MOGUL_SINGER_VENV", ROOT / ".venv-singer"))
TAP = [sys.executable, "-m", "mogul.singer"]
KEY = "sk_test_secret_key_42"


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    yield from open_account(tmp_path, customers=40)


@pytest.fixture(scope="module")
def target_postgres() -> Path:
    """Creates the virtualenv on first use (about 20 s, needs the package index)."""
    proc = subprocess.run(
        ["sh", str(HERE / "singer_env.sh"), str(VENV)], capture_output=True, text=True, timeout=900, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"could not create the Singer target's virtualenv at {VENV}:\n{proc.stderr[-2000:]}")
    return VENV / "bin" / "target-postgres"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    schema = f"tap_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def tap(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TAP, *args], capture_output=True, text=True, timeout=300, env=env or environ(**subprocess_env())
    )


def write(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def messages(stdout: str) -> list[dict[str, Any]]:
    out = [json.loads(line) for line in stdout.splitlines()]
    for message in out:
        jsonschema.validate(message, MESSAGES[message["type"]])
    return out


def test_about_and_discover_validate_against_singers_schemas(tmp_path: Path) -> None:
    about = tap("--about", "--format", "json")
    assert about.returncode == 0, about.stderr
    info = json.loads(about.stdout)
    jsonschema.validate(info, ABOUT)
    jsonschema.Draft7Validator.check_schema(info["settings"])
    assert info["name"] == "tap-chartmogul" and {"catalog", "discover", "state"} <= set(info["capabilities"])
    settings = info["settings"]
    assert settings["properties"]["api_key"]["secret"] is True and settings["required"] == ["api_key", "start_date"]
    markdown = tap("--about", "--format", "markdown")
    assert markdown.returncode == 0 and "| api_key | True |" in markdown.stdout

    config = write(tmp_path / "config.json", {"api_key": KEY, "start_date": "2023-01-01T00:00:00Z"})
    discovered = tap("--config", config, "--discover")  # no request: the streams do not depend on the account
    assert discovered.returncode == 0, discovered.stderr
    catalog = json.loads(discovered.stdout)
    jsonschema.validate(catalog, CATALOG)
    assert [entry["tap_stream_id"] for entry in catalog["streams"]] == [stream.name for stream in STREAMS]
    for entry, stream in zip(catalog["streams"], STREAMS, strict=True):
        jsonschema.Draft7Validator.check_schema(entry["schema"])
        assert entry["key_properties"] == list(stream.primary_key)
        assert all(key in entry["schema"]["properties"] for key in entry["key_properties"])
        top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        if stream.incremental:
            assert top["valid-replication-keys"] == ["date"] and entry["replication_method"] == "INCREMENTAL"
        else:
            assert top["forced-replication-method"] == "FULL_TABLE"
        automatic = {m["breadcrumb"][1] for m in entry["metadata"] if m["metadata"].get("inclusion") == "automatic"}
        assert set(stream.primary_key) <= automatic


def postgres_tables(schema: str) -> Rows:
    out: Rows = {}
    with psycopg.connect(PG_ADMIN) as con:
        for stream in STREAMS:
            cursor = con.execute(f'SELECT * FROM "{schema}"."{stream.name}"')
            names = [d.name for d in cursor.description or []]
            out[stream.name] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return out


def pipe(config: str, target: Path, target_config: str, tmp: Path, *extra: str) -> tuple[list[dict[str, Any]], Any]:
    """`tap-chartmogul ... | target-postgres`: the tap's messages (kept with tee) and the target's last state."""
    out = tmp / f"tap-{uuid.uuid4().hex[:6]}.jsonl"
    command = " ".join(
        [*TAP, "--config", config, *extra, "|", "tee", str(out), "|", str(target), "--config", target_config]
    )
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        timeout=600,
        env=environ(**subprocess_env()),
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    states = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return messages(out.read_text()), states[-1]


def test_tap_into_target_postgres_matches_mogul_sync_and_resumes_from_the_state_it_emitted(
    account: Account, target_postgres: Path, pg_schema: str, tmp_path: Path
) -> None:
    config = write(tmp_path / "config.json", account.config())
    target_config = write(
        tmp_path / "target.json",
        {
            "sqlalchemy_url": "postgresql+psycopg://" + PG_ADMIN.split("://", 1)[1],
            "default_target_schema": pg_schema,
            "add_record_metadata": False,
            "activate_version": False,
        },
    )
    first, state = pipe(config, target_postgres, target_config, tmp_path)
    reference = tmp_path / "mogul.duckdb"
    expected = mogul_sync(account.config(), reference)
    assert_same_rows(expected, postgres_tables(pg_schema))
    records = Counter(m["stream"] for m in first if m["type"] == "RECORD")
    assert records == {stream: len(rows) for stream, rows in expected.items()}
    assert [m["stream"] for m in first if m["type"] == "SCHEMA"] == [stream.name for stream in STREAMS]
    # Singer's state form: bookmarks per stream, each the source's own cursor.
    bookmarks = state["bookmarks"]
    assert set(bookmarks) == {stream.name for stream in STREAMS if stream.incremental}
    assert bookmarks["activities"]["date"] >= max(str(r["date"]) for r in expected["activities"])[:10]

    add_paying_customer(account, 1)
    add_paying_customer(account, 2)
    state_file = write(tmp_path / "state.json", state)
    second, _ = pipe(config, target_postgres, target_config, tmp_path, "--state", state_file)
    again = Counter(m["stream"] for m in second if m["type"] == "RECORD")
    assert again["activities"] == 2  # only the two new activities: the state was honoured
    assert again["customers"] == len(expected["customers"]) + 2  # full-table streams read in full
    expected = mogul_sync(account.config(), reference)
    assert_same_rows(expected, postgres_tables(pg_schema))


def test_the_catalog_selects_streams_properties_and_replication(account: Account, tmp_path: Path) -> None:
    config = write(tmp_path / "config.json", account.config())
    catalog = json.loads(tap("--config", config, "--discover").stdout)
    chosen = copy.deepcopy(catalog)
    for entry in chosen["streams"]:
        for item in entry["metadata"]:
            name = entry["tap_stream_id"]
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = name in ("customers", "activities")
                if name == "activities":
                    item["metadata"]["replication-method"] = "FULL_TABLE"
            elif item["breadcrumb"] == ["properties", "email"] or item["breadcrumb"] == ["properties", "uuid"]:
                item["metadata"]["selected"] = False  # uuid is the key: automatic, so it stays
    state = write(tmp_path / "state.json", {"bookmarks": {"activities": {"date": "2099-01-01T00:00:00Z"}}})
    proc = tap("--config", config, "--properties", write(tmp_path / "catalog.json", chosen), "--state", state)
    assert proc.returncode == 0, proc.stderr
    out = messages(proc.stdout)
    assert {m["stream"] for m in out if m["type"] != "STATE"} == {"customers", "activities"}
    customers = [m["record"] for m in out if m["type"] == "RECORD" and m["stream"] == "customers"]
    assert customers and all("email" not in r and "uuid" in r and "name" in r for r in customers)
    schema = next(m for m in out if m["type"] == "SCHEMA" and m["stream"] == "customers")["schema"]
    assert "email" not in schema["properties"] and "name" in schema["properties"]
    # FULL_TABLE: the bookmark in the future is ignored and every activity is read.
    activities = [m for m in out if m["type"] == "RECORD" and m["stream"] == "activities"]
    assert len(activities) == account.seeded.activities
    assert out[-1] == {"type": "STATE", "value": {"bookmarks": {"activities": {"date": "2099-01-01T00:00:00Z"}}}}


def test_config_from_the_environment(account: Account) -> None:
    env = environ(
        **subprocess_env(),
        TAP_CHARTMOGUL_API_KEY=account.key,
        TAP_CHARTMOGUL_START_DATE="2023-01-01T00:00:00Z",
        TAP_CHARTMOGUL_BASE_URL=account.served.base_url,
        TAP_CHARTMOGUL_REQUESTS_PER_SECOND="1000",
    )
    selected = [{"breadcrumb": [], "metadata": {"selected": True}}]
    chosen = {"streams": [{"tap_stream_id": "plans", "schema": {}, "metadata": selected}]}
    proc = subprocess.run(
        [*TAP, "--config", "ENV", "--catalog", "/dev/stdin"],
        input=json.dumps(chosen),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert Counter(m["type"] for m in messages(proc.stdout)) == {"SCHEMA": 1, "RECORD": 9 * 1, "STATE": 1}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"start_date": "2023-01-01T00:00:00Z"}, "api_key is required: a ChartMogul API key"),
        ({"api_key": KEY}, "start_date is required: a UTC date-time like 2017-01-25T00:00:00Z"),
        ({"api_key": KEY, "start_date": "last tuesday"}, "start_date must be a date-time like 2017-01-25T00:00:00Z"),
        (None, "--config is required"),
        ("not json", "is not valid JSON"),
    ],
)
def test_bad_config_is_one_line_on_stderr_without_the_key(tmp_path: Path, config: Any, expected: str) -> None:
    for mode in ([], ["--discover"]):
        if config is None:
            args = []
        else:
            path = tmp_path / "config.json"
            path.write_text(config if isinstance(config, str) else json.dumps(config))
            args = ["--config", str(path)]
        proc = tap(*args, *mode)
        assert proc.returncode == 1 and proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ERROR tap-chartmogul: ") and expected in lines[0], lines
        assert KEY not in proc.stderr


def test_a_rejected_key_fails_the_read_in_one_line_per_stream_without_the_key(account: Account, tmp_path: Path) -> None:
    config = write(tmp_path / "config.json", account.config(api_key=KEY))
    chosen = {"streams": [{"tap_stream_id": name, "schema": {}, "selected": True} for name in ("plans", "invoices")]}
    proc = tap("--config", config, "--catalog", write(tmp_path / "catalog.json", chosen))
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert sorted(errors) == [
        "ERROR tap-chartmogul: invoices: ChartMogul rejected the API key (HTTP 401): check api_key.",
        "ERROR tap-chartmogul: plans: ChartMogul rejected the API key (HTTP 401): check api_key.",
    ]
    assert KEY not in proc.stderr + proc.stdout
    assert messages(proc.stdout)[-1] == {"type": "STATE", "value": {"bookmarks": {}}}
