"""`tap-chartmogul`: mogul's source as a Singer tap (the Singer spec's SPEC.md and DISCOVERY_MODE.md; Meltano's
`--about`).

    tap-chartmogul --about [--format json|markdown]
    tap-chartmogul --config CONFIG --discover > catalog.json
    tap-chartmogul --config CONFIG [--catalog CATALOG | --properties CATALOG] [--state STATE]

SCHEMA, RECORD and STATE messages go to stdout, one JSON object a line; logs and errors to stderr. The records
come from mogul's reader (`mogul.source.read_batches`), as for `source-chartmogul` and `mogul sync`: the same
streams, rate limits, retries and parallel reads. The state is Singer's `{"bookmarks": {stream: {...}}}`, each
bookmark the source's own cursor for that stream (`{"date": ..., "boundary_uuids": [...]}` for activities).

Exit codes: 0 done; 1 a bad config, catalog or state (one line on stderr), or a stream that failed (its error on
stderr, the other streams read and their state emitted); 2 a bad command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from .. import __version__
from ..source import SPEC, ConfigError, ReadFailed, RecordBatch, read_batches
from ..source.config import parse_config
from ..source.entrypoint import InputError
from ..source.entrypoint import _load as load_json  # the same reading of a --config/--catalog/--state file
from ..source.errors import classify
from .catalog import Chosen, choose, discover

NAME = "tap-chartmogul"
ENV_PREFIX = "TAP_CHARTMOGUL_"
CAPABILITIES = ["catalog", "discover", "state", "about"]

EPILOG = """\
A config file needs api_key and start_date; base_url points at a `mogul serve`:
  {"api_key": "KEY", "start_date": "2024-01-01T00:00:00Z", "base_url": "http://127.0.0.1:8080"}
  tap-chartmogul --config config.json --discover > catalog.json
  tap-chartmogul --config config.json --catalog catalog.json --state state.json | target-jsonl
`--config ENV` reads the settings from TAP_CHARTMOGUL_API_KEY, TAP_CHARTMOGUL_START_DATE, ...
`--about` lists every setting; docs/warehouses.md has the meltano.yml entry."""


def settings_schema() -> dict[str, Any]:
    """The settings as a JSON Schema, in Meltano's terms: the Airbyte spec's, with `secret` for the key."""
    spec = SPEC["connectionSpecification"]
    properties: dict[str, Any] = {}
    for name, prop in spec["properties"].items():
        out = {k: v for k, v in prop.items() if k not in ("airbyte_secret", "order")}
        if prop.get("airbyte_secret"):
            out.update(secret=True, writeOnly=True)
        properties[name] = out
    return {"type": "object", "properties": properties, "required": list(spec["required"])}


def about() -> dict[str, Any]:
    return {
        "name": NAME,
        "description": "ChartMogul's API (or a `mogul serve`) as Singer streams, read by mogul's source.",
        "version": __version__,
        "sdk_version": None,
        "supported_python_versions": ["3.11", "3.12", "3.13"],
        "capabilities": CAPABILITIES,
        "settings": settings_schema(),
        "env_var_prefix": ENV_PREFIX,
    }


def about_markdown(info: dict[str, Any]) -> str:
    lines = [f"# `{info['name']}`", "", info["description"], "", f"Version: {info['version']}", "", "## Capabilities"]
    lines += [f"- `{cap}`" for cap in info["capabilities"]] + [
        "",
        "## Settings",
        "",
        "| Setting | Required | Default |",
    ]
    lines.append("|:--|:--:|:--:|")
    required = set(info["settings"]["required"])
    for name, prop in info["settings"]["properties"].items():
        lines.append(f"| {name} | {'True' if name in required else 'False'} | {prop.get('default', 'None')} |")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=NAME,
        description="Singer tap for ChartMogul (mogul): SCHEMA, RECORD and STATE messages, one JSON line each.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config", action="append", default=[], metavar="CONFIG", help="config JSON file, or ENV (repeatable)"
    )
    parser.add_argument("--discover", action="store_true", help="print the catalog of streams")
    parser.add_argument("--catalog", help="catalog JSON: the streams and properties to read")
    parser.add_argument("--properties", help="the same as --catalog (the older name)")
    parser.add_argument("--state", help="state JSON from a previous run")
    parser.add_argument("--about", action="store_true", help="print what this tap is and its settings")
    parser.add_argument("--format", choices=("json", "markdown"), help="--about's format (default: text)")
    return parser


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    """Settings from TAP_CHARTMOGUL_<NAME> variables, typed as the settings schema says."""
    out: dict[str, Any] = {}
    for name, prop in SPEC["connectionSpecification"]["properties"].items():
        value = environ.get(ENV_PREFIX + name.upper())
        if value is None:
            continue
        try:
            out[name] = {"integer": int, "number": float}.get(prop.get("type"), str)(value)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be a {prop['type']}") from None
    return out


def load_config(paths: Sequence[str], environ: dict[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for path in paths:
        part = _from_env(environ) if path == "ENV" else load_json(path, "config")
        if part is None:
            continue
        if not isinstance(part, dict):
            raise ConfigError("config must be a JSON object")
        config.update(part)
    return config


def bookmarks_of(state: Any) -> dict[str, dict[str, Any]]:
    """The bookmarks of a Singer state: `{"bookmarks": {...}}`, or a whole STATE message holding one. A
    singer-sdk style bookmark (`replication_key_value`) is read as the date it names."""
    if isinstance(state, dict) and state.get("type") == "STATE" and "value" in state:
        state = state["value"]
    if state is None or state == {}:
        return {}
    if not isinstance(state, dict) or not isinstance(state.get("bookmarks", {}), dict):
        raise ConfigError('state must be a JSON object like {"bookmarks": {"activities": {"date": "..."}}}')
    out: dict[str, dict[str, Any]] = {}
    for name, mark in state.get("bookmarks", {}).items():
        if isinstance(mark, dict):
            mark = dict(mark)
            if "date" not in mark and isinstance(mark.get("replication_key_value"), str):
                mark["date"] = mark["replication_key_value"]
            out[name] = mark
    return out


def _airbyte(chosen: list[Chosen], bookmarks: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], list[Any]]:
    """The configured catalog and the state the source reads."""
    streams = [
        {"stream": {"name": c.stream.name}, "sync_mode": "incremental" if c.incremental else "full_refresh"}
        for c in chosen
    ]
    states = [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": c.stream.name}, "stream_state": bookmarks[name]}}
        for c in chosen
        if c.incremental and (name := c.stream.name) in bookmarks
    ]
    return {"streams": streams}, states


class Output:
    """Records buffered; every other message flushed at once, so a STATE reaches the target after its records."""

    def __init__(self, out: IO[bytes], err: IO[bytes]) -> None:
        self.out, self.err = out, err

    def message(self, message: dict[str, Any]) -> None:
        self.out.write(orjson.dumps(message) + b"\n")
        self.out.flush()

    def records(self, chosen: Chosen, records: Iterable[dict[str, Any]], extracted: str) -> None:
        head = b'{"type":"RECORD","stream":' + orjson.dumps(chosen.stream.name) + b',"time_extracted":'
        head += orjson.dumps(extracted) + b',"record":'
        drop = chosen.dropped
        for record in records:
            data = {k: v for k, v in record.items() if k not in drop} if drop else record
            self.out.write(head + orjson.dumps(data) + b"}\n")

    def log(self, level: str, text: str) -> None:
        self.err.write(f"{level} {NAME}: {text}\n".encode())
        self.err.flush()


def sync(config: dict[str, Any], catalog: Any, state: Any, output: Output) -> int:
    parse_config(config)  # one line for a bad config before anything is written
    chosen, notes = choose(catalog)
    bookmarks = bookmarks_of(state)
    for note in notes:
        output.log("INFO", note)
    if not chosen:
        output.log("WARNING", "the catalog selects no stream; nothing to read")
        return 0
    by_name = {c.stream.name: c for c in chosen}
    for c in chosen:
        schema: dict[str, Any] = {
            "type": "SCHEMA",
            "stream": c.stream.name,
            "schema": c.schema(),
            "key_properties": list(c.stream.primary_key),
        }
        if c.incremental:
            schema["bookmark_properties"] = [c.stream.cursor_field]
        output.message(schema)
    airbyte_catalog, airbyte_state = _airbyte(chosen, bookmarks)
    failed = False
    try:
        for message in read_batches(config, airbyte_catalog, airbyte_state):
            if isinstance(message, RecordBatch):
                extracted = datetime.fromtimestamp(message.emitted_at / 1000, UTC).isoformat()
                output.records(by_name[message.stream], message.records, extracted.replace("+00:00", "Z"))
                continue
            kind = message["type"]
            if kind == "STATE":
                stream_state = message["state"]["stream"]
                name, value = stream_state["stream_descriptor"]["name"], stream_state["stream_state"]
                # A FULL_TABLE read leaves the stream's bookmark as it was.
                if by_name[name].incremental and value and bookmarks.get(name) != value:
                    bookmarks[name] = value
                    output.message({"type": "STATE", "value": {"bookmarks": bookmarks}})
            elif kind == "LOG":
                output.log(message["log"]["level"], message["log"]["message"])
            elif kind == "TRACE" and message["trace"]["type"] == "ERROR":
                failed = True
                output.log("ERROR", message["trace"]["error"]["message"])
    except ReadFailed:
        failed = True
    output.message({"type": "STATE", "value": {"bookmarks": bookmarks}})
    return 1 if failed else 0


def run(argv: Sequence[str], out: IO[bytes], err: IO[bytes], environ: dict[str, str] | None = None) -> int:
    args = _parser().parse_args(list(argv))
    output = Output(out, err)
    environ = dict(os.environ) if environ is None else environ
    config: dict[str, Any] = {}
    try:
        if args.about:
            info = about()
            if args.format == "json":
                out.write(orjson.dumps(info, option=orjson.OPT_INDENT_2) + b"\n")
            elif args.format == "markdown":
                out.write(about_markdown(info).encode())
            else:
                settings = ", ".join(info["settings"]["properties"])
                out.write(f"{NAME} {info['version']}\ncapabilities: {', '.join(CAPABILITIES)}\n".encode())
                out.write(f"settings: {settings}\n".encode())
            return 0
        if not args.config:
            raise ConfigError("--config is required: a JSON file with api_key and start_date (or ENV)")
        config = load_config(args.config, environ)
        if args.discover:
            parse_config(config)
            output.message(discover())
            return 0
        path = args.catalog or args.properties
        catalog = load_json(path, "catalog") if path else None
        state = load_json(args.state, "state") if args.state else None
        return sync(config, catalog, state, output)
    except InputError as exc:
        output.log("ERROR", str(exc))
        return 1
    except BrokenPipeError:
        raise  # launch() says it once
    except Exception as exc:  # ConfigError and CatalogError included: classify gives their one line
        output.log("ERROR", classify(exc, secret=_secret(config)).message)
        return 1
    finally:
        out.flush()


def _secret(config: dict[str, Any]) -> str | None:
    key = config.get("api_key")
    return key if isinstance(key, str) else None


def launch(argv: Sequence[str]) -> int:
    out = open(sys.stdout.fileno(), "wb", buffering=1 << 16, closefd=False)  # noqa: SIM115
    try:
        return run(argv, out, sys.stderr.buffer)
    except BrokenPipeError:  # the target stopped reading, and said why on its own stderr
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        sys.stderr.write(f"ERROR {NAME}: the target closed its input; stopping\n")
        return 1
