"""mogul's own source into a destination, in one process: what `mogul sync` and `mogul demo` run.

The source's messages go straight from its generator into the runner (no subprocess, no JSON), and
incremental streams start from the state stored in the destination, so a second sync continues
where the first one ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..source import check, discover, read
from .catalog import CatalogError, StreamSpec, WriteMode, configured_catalog, parse_catalog, resolve_modes
from .destinations import connect
from .progress import Progress
from .results import StreamResult, SyncResult
from .runner import load_state, run_sync


class SourceUnavailable(Exception):
    """The API cannot be read with this config (bad key, unreachable host...); the message says why."""


@dataclass(frozen=True)
class SyncPlan:
    """Which streams to sync, how each is written, and the configured catalog the source is started with."""

    specs: list[StreamSpec]
    modes: dict[str, WriteMode]

    @property
    def catalog(self) -> dict[str, Any]:
        return configured_catalog(self.specs, self.modes)


def plan_sync(
    config: Mapping[str, Any],
    *,
    streams: Sequence[str] | None = None,
    mode: str | WriteMode | None = None,
    catalog: Mapping[str, Any] | None = None,
) -> SyncPlan:
    """Every stream of the source (or of `catalog`, a ConfiguredAirbyteCatalog whose
    `destination_sync_mode`s are the defaults), narrowed to `streams`, written with `mode` when given.

    Raises `ConfigError` for a bad config and `CatalogError` for an unknown stream or mode."""
    available = parse_catalog(discover(dict(config)))  # validates the config, too
    known = [spec.name for spec in available]
    specs = available
    if catalog is not None:
        specs = parse_catalog(catalog)
        _check_known([spec.name for spec in specs], known)
        if not specs:
            raise CatalogError("the catalog selects no stream")
    if streams:
        _check_known(streams, [spec.name for spec in specs])
        wanted = set(streams)
        specs = [spec for spec in specs if spec.name in wanted]
    return SyncPlan(specs, resolve_modes(specs, mode))


def _check_known(names: Sequence[str], known: Sequence[str]) -> None:
    unknown = [name for name in names if name not in known]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        raise CatalogError(f"unknown stream {listed}; the streams are: {', '.join(known)}")


def preflight(config: Mapping[str, Any]) -> None:
    """One ping with a short retry budget, so a wrong key or URL fails in seconds with one clear line
    instead of as a failed read of every stream."""
    status = check(dict(config))["connectionStatus"]
    if status["status"] != "SUCCEEDED":
        raise SourceUnavailable(status.get("message") or "the API did not answer")


def sync_source(
    config: Mapping[str, Any],
    destination_url: str,
    plan: SyncPlan,
    progress: Progress | None = None,
    *,
    resume: bool = True,
) -> SyncResult:
    """Read the plan's streams from the API into the destination.

    `resume=False` ignores stored states (every stream is read from `start_date`). Raises
    `DestinationError` when the destination cannot be opened, and `ReadFailed` (after committing
    what the failed streams' states cover) when the source gave up on a stream."""
    catalog = plan.catalog
    with connect(destination_url) as destination:
        state = load_state(destination, plan.specs, plan.modes) if resume else []
        messages = read(dict(config), catalog, state)
        return run_sync(messages, plan.specs, destination, plan.modes, progress, resume=resume)


class RecordingProgress(Progress):
    """Passes every callback on, and keeps the final `SyncResult`: the runner hands it to
    `finish()` even when the source raises, which is when the caller still wants the summary."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner
        self.result: SyncResult | None = None

    def start(self, streams: Mapping[str, WriteMode]) -> None:
        self.inner.start(streams)

    def estimate(self, stream: str, rows: int) -> None:
        self.inner.estimate(stream, rows)

    def records(self, stream: str, result: StreamResult) -> None:
        self.inner.records(stream, result)

    def stream_done(self, result: StreamResult) -> None:
        self.inner.stream_done(result)

    def message(self, level: str, text: str) -> None:
        self.inner.message(level, text)

    def finish(self, result: SyncResult) -> None:
        self.result = result
        self.inner.finish(result)
