"""How a running sync reports what it is doing: a rich display, plain log lines, or nothing."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, Literal

from .catalog import WriteMode
from .results import StreamResult, SyncResult

ProgressKind = Literal["auto", "rich", "plain", "quiet"]


class Progress:
    """The callbacks the runner makes. This base class ignores them all: it is the quiet mode."""

    def start(self, streams: Mapping[str, WriteMode]) -> None:
        """The sync begins with these streams."""

    def estimate(self, stream: str, rows: int) -> None:
        """The source expects `rows` records for the stream (TRACE ESTIMATE)."""

    def records(self, stream: str, result: StreamResult) -> None:
        """More records arrived or were committed; called every few thousand records, not each."""

    def stream_done(self, result: StreamResult) -> None:
        """The stream completed or was given up."""

    def message(self, level: str, text: str) -> None:
        """A log line or error from the source or the runner."""

    def finish(self, result: SyncResult) -> None:
        """The sync ended (also after a failure, with what was done)."""


class QuietProgress(Progress):
    pass


class PlainProgress(Progress):
    """One line per event, at most one progress line per stream every `interval` seconds: fit for
    logs and pipes."""

    def __init__(
        self,
        out: IO[str] | None = None,
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out or sys.stderr
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def start(self, streams: Mapping[str, WriteMode]) -> None:
        listed = ", ".join(f"{name} ({mode.value})" for name, mode in streams.items())
        self._print(f"sync: {len(streams)} streams: {listed}")

    def records(self, stream: str, result: StreamResult) -> None:
        now = self.clock()
        if now - self._last.get(stream, -self.interval) < self.interval:
            return
        self._last[stream] = now
        total = f"/{result.estimate:,}" if result.estimate else ""
        self._print(f"sync: {stream}: {result.records:,}{total} records, {result.batches} batches committed")

    def stream_done(self, result: StreamResult) -> None:
        self._print(
            f"sync: {result.name}: {result.outcome.value}, {result.records:,} records "
            f"in {result.seconds:.1f} s ({result.rate:,.0f}/s), {result.batches} batches"
        )

    def message(self, level: str, text: str) -> None:
        self._print(f"sync: {level.lower()}: {text}")

    def finish(self, result: SyncResult) -> None:
        verdict = "done" if result.ok else "finished with problems"
        self._print(f"sync: {verdict}: {result.records:,} records in {result.seconds:.1f} s")


class RichProgress(Progress):
    """A bar per stream (records, rate, and an ETA once the source estimates a total), then a
    summary table."""

    def __init__(self, console: object | None = None, *, summary: bool = True) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TaskID,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as Bars,
        )

        self.console = console if isinstance(console, Console) else Console(stderr=True)
        self._bars = Bars(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self.summary = summary  # False: the caller prints its own summary (`mogul sync` does, on stdout)

    def start(self, streams: Mapping[str, WriteMode]) -> None:
        for name in streams:
            self._tasks[name] = self._bars.add_task(name, total=None, rate="")
        self._bars.start()

    def estimate(self, stream: str, rows: int) -> None:
        if stream in self._tasks:
            self._bars.update(self._tasks[stream], total=rows)

    def records(self, stream: str, result: StreamResult) -> None:
        if stream in self._tasks:
            rate = f"{result.rate:,.0f}/s" if result.seconds > 0 else ""
            self._bars.update(self._tasks[stream], completed=result.records, rate=rate)

    def stream_done(self, result: StreamResult) -> None:
        if result.name in self._tasks:
            task = self._tasks[result.name]
            total = result.records if result.outcome.value == "complete" else None
            self._bars.update(task, completed=result.records, total=total, rate=f"{result.rate:,.0f}/s")

    def message(self, level: str, text: str) -> None:
        style = {"ERROR": "red", "FATAL": "red", "WARN": "yellow"}.get(level.upper(), "dim")
        self._bars.console.print(f"[{style}]{level.lower()}: {text}[/]", markup=True, highlight=False)

    def finish(self, result: SyncResult) -> None:
        from rich.table import Table

        self._bars.stop()
        if not self.summary:
            return
        table = Table(title=f"sync {result.sync_id}")
        for column in ("stream", "mode", "outcome"):
            table.add_column(column)
        for column in ("records", "batches", "seconds", "records/s"):
            table.add_column(column, justify="right")
        for stream in result.streams.values():
            table.add_row(
                stream.name,
                stream.mode.value,
                stream.outcome.value,
                f"{stream.records:,}",
                str(stream.batches),
                f"{stream.seconds:.1f}",
                f"{stream.rate:,.0f}",
            )
        self.console.print(table)  # type: ignore[attr-defined]


def make_progress(kind: ProgressKind = "auto", out: IO[str] | None = None) -> Progress:
    """`auto` draws bars on a terminal and writes plain lines otherwise."""
    stream = out or sys.stderr
    if kind == "auto":
        kind = "rich" if stream.isatty() else "plain"
    if kind == "rich":
        from rich.console import Console

        return RichProgress(Console(file=stream))
    if kind == "plain":
        return PlainProgress(stream)
    if kind == "quiet":
        return QuietProgress()
    raise ValueError(f"unknown progress kind {kind!r}: choose auto, rich, plain or quiet")
