"""Running `python -m mogul.source` as a subprocess and looking at what it said."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import orjson

from ..conftest import subprocess_env

SOURCE = [sys.executable, "-m", "mogul.source"]
FORMATS = jsonschema.FormatChecker()
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # jsonschema checks date-time only with an optional package; this is the RFC 3339 rule CAT applies.
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@dataclass
class Result:
    code: int
    messages: list[dict[str, Any]]
    stderr: str
    stdout: str

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    def records(self, stream: str | None = None) -> list[dict[str, Any]]:
        return [m["record"] for m in self.of("RECORD") if stream is None or m["record"]["stream"] == stream]

    def by_stream(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in self.records():
            out[record["stream"]].append(record["data"])
        return out

    def states(self, stream: str | None = None) -> list[dict[str, Any]]:
        return [
            m["state"]
            for m in self.of("STATE")
            if stream is None or m["state"]["stream"]["stream_descriptor"]["name"] == stream
        ]

    def traces(self, kind: str) -> list[dict[str, Any]]:
        return [m["trace"] for m in self.of("TRACE") if m["trace"]["type"] == kind]

    def statuses(self, stream: str) -> list[str]:
        return [
            t["stream_status"]["status"]
            for t in self.traces("STREAM_STATUS")
            if t["stream_status"]["stream_descriptor"]["name"] == stream and "reasons" not in t["stream_status"]
        ]


def run_source(tmp: Path, command: str, config: Any = None, catalog: Any = None, state: Any = None) -> Result:
    """Write the inputs as files, run the executable, parse every stdout line as an AirbyteMessage."""
    args = [*SOURCE, command]
    for name, value in (("config", config), ("catalog", catalog), ("state", state)):
        if value is None:
            continue
        path = tmp / f"{name}-{len(list(tmp.iterdir()))}.json"
        path.write_bytes(value if isinstance(value, bytes) else orjson.dumps(value))
        args += [f"--{name}", str(path)]
    proc = subprocess.run(args, capture_output=True, env=subprocess_env(), timeout=240, check=False)
    stdout = proc.stdout.decode()
    messages = [orjson.loads(line) for line in stdout.splitlines()]  # every line must be one JSON message
    return Result(proc.returncode, messages, proc.stderr.decode(), stdout)


def configured(catalog: dict[str, Any], mode: str = "full_refresh", only: set[str] | None = None) -> dict[str, Any]:
    """A configured catalog asking for every stream (or `only`) in `mode`, where the stream supports it."""
    streams = []
    for stream in catalog["streams"]:
        if only is not None and stream["name"] not in only:
            continue
        sync_mode = mode if mode in stream["supported_sync_modes"] else "full_refresh"
        streams.append(
            {
                "stream": stream,
                "sync_mode": sync_mode,
                "destination_sync_mode": "append",
                "cursor_field": stream.get("default_cursor_field"),
                "primary_key": stream.get("source_defined_primary_key"),
            }
        )
    return {"streams": streams}


def final_states(result: Result) -> list[dict[str, Any]]:
    """The last STATE of each stream, as a platform would pass them back."""
    last: dict[str, dict[str, Any]] = {}
    for state in result.states():
        last[state["stream"]["stream_descriptor"]["name"]] = state
    return list(last.values())


def validate_records(result: Result, catalog: dict[str, Any]) -> None:
    schemas = {s["name"]: s for s in catalog["streams"]}
    for record in result.records():
        stream = schemas[record["stream"]]
        jsonschema.validate(record["data"], stream["json_schema"], format_checker=FORMATS)
        for path in stream["source_defined_primary_key"]:
            assert record["data"].get(path[0]) is not None, (record["stream"], path, record["data"])
        assert isinstance(record["emitted_at"], int)
