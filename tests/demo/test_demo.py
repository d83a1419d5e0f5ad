"""`mogul demo` end to end, as `make demo` runs it."""

from __future__ import annotations

import json
import re
import subprocess

from ..conftest import MOGUL, subprocess_env


def test_demo_prints_the_two_seed_sources(tmp_path: object) -> None:
    result = subprocess.run(
        [*MOGUL, "demo"], capture_output=True, text=True, env=subprocess_env(), timeout=120, cwd=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert list(listing) == ["data_sources"]
    names = [s["name"] for s in listing["data_sources"]]
    assert names == ["In-house billing", "Enterprise billing connection"]
    for source in listing["data_sources"]:
        assert set(source) == {"uuid", "name", "system", "created_at", "status"}
        assert source["system"] == "Custom" and source["status"] == "idle"
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", source["created_at"])
    assert "server at http://127.0.0.1:" in result.stderr
