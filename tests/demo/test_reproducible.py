"""`mogul demo generate` with the same seed and `--end-month` is reproducible byte for byte: the payloads it
writes, and the whole account the server computes from them (see api_dump.py for what is compared)."""

from __future__ import annotations

import difflib
import re
import subprocess
from datetime import date
from pathlib import Path

import httpx
import orjson

from mogul.client import Client
from mogul.demo.pipeline import wait_until_idle
from mogul.server.embedded import EmbeddedServer
from mogul.server.store import Database

from ..conftest import MOGUL, subprocess_env
from .api_dump import dump

ARGS = ("--customers", "60", "--seed", "11", "--months", "12")
START, END = date(2024, 7, 1), date(2025, 6, 30)  # the 12 months that end with 2025-06


def generate_and_dump(directory: Path, end_month: str) -> tuple[bytes, bytes]:
    """A `mogul demo generate` run into its own SQLite file (12 parallel import requests, so rows land in a
    different order each time), then that database's dump once the server has processed it."""
    directory.mkdir()
    url = f"sqlite:///{directory / 'demo.db'}"
    payloads = directory / "history.json"
    result = subprocess.run(
        [*MOGUL, "demo", "generate", *ARGS, "--end-month", end_month, "--database", url, "--output", str(payloads)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    key = re.search(r"its new key: (\S+)", result.stderr)
    assert key, result.stderr
    db = Database(url)
    try:
        with EmbeddedServer(db) as server:
            with Client(key.group(1), server.base_url) as client:
                wait_until_idle(client)
            with httpx.Client(base_url=server.base_url + "/v1", auth=(key.group(1), ""), timeout=60) as http:
                return payloads.read_bytes(), dump(http, START, END)
    finally:
        db.dispose()


def first_difference(one: bytes, other: bytes) -> str:
    diff = difflib.unified_diff(one.decode().splitlines(), other.decode().splitlines(), lineterm="", n=2)
    return "\n".join(list(diff)[:40])


def test_same_seed_and_end_month_give_the_same_bytes(tmp_path: Path) -> None:
    first_payloads, first = generate_and_dump(tmp_path / "first", "2025-06")
    second_payloads, second = generate_and_dump(tmp_path / "second", "2025-06")
    assert first_payloads == second_payloads
    assert first == second, first_difference(first, second)

    # The dump is the whole account, not an empty shell that would compare equal anyway.
    account, history = orjson.loads(first), orjson.loads(first_payloads)
    assert len(account["customers"]) == 60 and len(account["plans"]) == 9
    assert len(account["invoices"]) == sum(len(c["invoices"]) for c in history["customers"]) > 0
    assert {a["type"] for a in account["activities"]} >= {"new_biz", "churn"}
    assert account["metrics"]["entries"][-1]["date"] == "2025-06-30" and account["metrics"]["entries"][-1]["mrr"] > 0
    assert not re.search(rb"[0-9a-f]{8}-[0-9a-f]{4}-", first)  # every server id was named

    # Another end month is another history (its dates move with it): the comparison can fail.
    _, later = generate_and_dump(tmp_path / "later", "2025-07")
    assert later != first
