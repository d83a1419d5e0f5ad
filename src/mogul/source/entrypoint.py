"""`source-chartmogul spec|check|discover|read`: the Airbyte protocol on stdin/stdout.

One AirbyteMessage per line on stdout (orjson, never pretty-printed); LOG messages go to stderr
(the brief's choice: stdout stays pure data). Exit 0 when the command did its job, `check` with
FAILED included; 1 after a TRACE ERROR; 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import IO, Any

import orjson

from . import protocol
from .connector import check, discover, read_batches, spec
from .errors import ReadFailed, classify
from .protocol import RecordBatch


class InputError(ValueError):
    """A --config/--catalog/--state file is missing or not JSON."""


EPILOG = """\
A config file needs api_key and start_date; base_url points at a `mogul serve`:
  {"api_key": "KEY", "start_date": "2024-01-01T00:00:00Z", "base_url": "http://127.0.0.1:8080"}
  source-chartmogul check --config config.json
  source-chartmogul read --config config.json --catalog configured_catalog.json
`spec` lists every setting; docs/source.md explains them and the catalog. `mogul sync` runs this source
into DuckDB or PostgreSQL without an Airbyte platform."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="source-chartmogul",
        description="Airbyte source for ChartMogul (mogul): Airbyte protocol messages, one JSON line each, on stdout.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{spec,check,discover,read}")
    commands.add_parser("spec", help="print the connector specification")
    for name, does in (
        ("check", "check that the config's key and server work"),
        ("discover", "print the catalog of streams and their schemas"),
    ):
        sub = commands.add_parser(name, help=does)
        sub.add_argument("--config", required=True, help="path to the config JSON")
    sub = commands.add_parser("read", help="read the streams of a configured catalog")
    sub.add_argument("--config", required=True, help="path to the config JSON")
    sub.add_argument("--catalog", required=True, help="path to the configured catalog JSON")
    sub.add_argument("--state", help="path to the state JSON")
    return parser


def _load(path: str, what: str) -> Any:
    try:
        with open(path, "rb") as file:
            text = file.read()
    except OSError as exc:
        raise InputError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    if not text.strip():
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InputError(f"the {what} file {path} is not valid JSON") from None


class Output:
    """Buffered binary stdout for records; flushed at every non-RECORD message so states and
    statuses reach the platform promptly."""

    def __init__(self, out: IO[bytes], err: IO[bytes]) -> None:
        self.out, self.err = out, err

    def write(self, message: dict[str, Any] | RecordBatch) -> None:
        if isinstance(message, RecordBatch):
            self.out.write(message.lines())
            return
        kind = message["type"]
        if kind == "LOG":
            self.err.write(orjson.dumps(message) + b"\n")
            self.err.flush()
            return
        self.out.write(orjson.dumps(message) + b"\n")
        if kind != "RECORD":
            self.out.flush()


def run(argv: Sequence[str], out: IO[bytes], err: IO[bytes]) -> int:
    args = _parser().parse_args(list(argv))
    output = Output(out, err)
    secret: str | None = None
    try:
        if args.command == "spec":
            output.write(spec())
            return 0
        config = _load(args.config, "config")
        if isinstance(config, dict) and isinstance(config.get("api_key"), str):
            secret = config["api_key"]
        if args.command == "check":
            output.write(check(config))
            return 0
        if args.command == "discover":
            output.write(discover(config if config is not None else {}))
            return 0
        catalog = _load(args.catalog, "catalog")
        state = _load(args.state, "state") if args.state else None
        for message in read_batches(config, catalog, state):
            output.write(message)
        return 0
    except ReadFailed:
        return 1  # the TRACE ERROR is already out
    except InputError as exc:
        output.write(protocol.error_trace(str(exc), "config_error"))
        return 1
    except Exception as exc:
        failure = classify(exc, secret=secret)
        output.write(
            protocol.error_trace(
                failure.message,
                failure.failure_type,
                internal_message=failure.internal_message,
                stack_trace=failure.stack_trace,
            )
        )
        return 1
    finally:
        out.flush()


def launch(argv: Sequence[str]) -> int:
    """`run` on this process's stdout and stderr; the exit code."""
    out = open(sys.stdout.fileno(), "wb", buffering=1 << 16, closefd=False)  # noqa: SIM115
    return run(argv, out, sys.stderr.buffer)
