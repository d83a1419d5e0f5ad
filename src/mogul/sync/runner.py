"""The in-process sync: Airbyte messages in, committed tables and states out.

Records are buffered per stream. A STATE message marks the buffered records as covered; covered
records are committed together with that state in one transaction, at most every
`checkpoint_rows` records or `checkpoint_seconds` seconds. A sync killed at any moment therefore
leaves tables and states that agree, and `load_state` gives the source where to resume.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from .batch import Batch
from .catalog import StreamSpec, WriteMode, parse_catalog, resolve_modes
from .destinations import Destination, connect
from .destinations.base import PreparedBatch
from .progress import Progress, QuietProgress
from .results import Outcome, StreamResult, SyncResult
from .writer import BackgroundWriter

DEFAULT_CHECKPOINT_SECONDS = 2.0
# Past this many buffered records a stream is written even though no STATE covers them yet.
DEFAULT_MAX_BUFFER_ROWS = 200_000
PROGRESS_EVERY = 2_000
# A larger transaction is converted and inserted in parts of this many records, so that the
# conversion of one part overlaps the insert of the previous one (and the parts stay cache-sized).
PART_ROWS = 20_000

Message = Mapping[str, Any] | str | bytes
Modes = Mapping[str, str | WriteMode] | str | WriteMode | None


def _now_ms() -> int:
    return int(time.time() * 1000)


def new_sync_id() -> str:
    """Sortable by start time, unique across machines."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@contextmanager
def _opened(destination: Destination | str) -> Iterator[Destination]:
    if isinstance(destination, str):
        with connect(destination) as opened:
            yield opened
    else:
        yield destination


def load_state(destination: Destination | str, catalog: Any, modes: Modes = None) -> list[dict[str, Any]]:
    """The Airbyte state list (STATE message bodies) to start the source with, so it resumes
    where the destination's committed data ends."""
    specs = parse_catalog(catalog)
    chosen = resolve_modes(specs, modes)
    with _opened(destination) as dest:
        states = (dest.resume_state(spec.name, chosen[spec.name]) for spec in specs)
        return [dict(state) for state in states if state is not None]


def run_sync(
    messages: Iterable[Message],
    catalog: Any,
    destination: Destination | str,
    modes: Modes = None,
    progress: Progress | None = None,
    *,
    sync_id: str | None = None,
    resume: bool = True,
    checkpoint_rows: int | None = None,
    checkpoint_seconds: float = DEFAULT_CHECKPOINT_SECONDS,
    max_buffer_rows: int = DEFAULT_MAX_BUFFER_ROWS,
    background_writes: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> SyncResult:
    """Write the source's messages into the destination.

    `catalog` is an AirbyteCatalog or ConfiguredAirbyteCatalog dict or a list of `StreamSpec`;
    `modes` one write mode for all streams or a mapping by stream (default: `default_mode`).
    `resume=True` means the source was started with `load_state()`: an interrupted overwrite
    then continues into its staging table. With `checkpoint_rows=0` every STATE is committed;
    None takes the destination's `checkpoint_rows` (the transaction size it writes fastest).
    If the source raises, the records its STATEs cover are committed before the error propagates.
    `background_writes` commits on a second thread while the next messages are read.
    """
    specs = parse_catalog(catalog)
    chosen = resolve_modes(specs, modes)
    with _opened(destination) as dest:
        runner = _Runner(
            dest,
            specs,
            chosen,
            progress or QuietProgress(),
            sync_id=sync_id or new_sync_id(),
            resume=resume,
            checkpoint_rows=dest.checkpoint_rows if checkpoint_rows is None else checkpoint_rows,
            checkpoint_seconds=checkpoint_seconds,
            max_buffer_rows=max_buffer_rows,
            writer=BackgroundWriter() if background_writes else None,
            clock=clock,
        )
        return runner.run(messages)


@dataclass
class _Stream:
    spec: StreamSpec
    result: StreamResult
    batch: Batch = field(default_factory=Batch)
    covered: int = 0  # the first `covered` records of the batch are covered by `state`
    written: int = 0  # covered records already inserted in the open transaction, not committed
    state: dict[str, Any] | None = None  # the last STATE received and not yet committed
    begun: bool = False
    failed: bool = False
    finished: bool = False
    started_at: float = 0.0
    last_commit: float = 0.0


class _Runner:
    def __init__(
        self,
        destination: Destination,
        specs: list[StreamSpec],
        modes: dict[str, WriteMode],
        progress: Progress,
        *,
        sync_id: str,
        resume: bool,
        checkpoint_rows: int,
        checkpoint_seconds: float,
        max_buffer_rows: int,
        writer: BackgroundWriter | None,
        clock: Callable[[], float],
    ) -> None:
        self.dest = destination
        self.writer = writer
        self.modes = modes
        self.progress = progress
        self.sync_id = sync_id
        self.resume = resume
        self.checkpoint_rows = checkpoint_rows
        self.checkpoint_seconds = checkpoint_seconds
        self.max_buffer_rows = max(1, max_buffer_rows)
        self.clock = clock
        self.streams = {s.name: _Stream(s, StreamResult(s.name, modes[s.name])) for s in specs}
        self.result = SyncResult(sync_id, {name: s.result for name, s in self.streams.items()})
        self._warned: set[str] = set()

    # --- the loop ----------------------------------------------------------------------------
    def run(self, messages: Iterable[Message]) -> SyncResult:
        started = self.clock()
        self.progress.start(self.modes)
        iterator = iter(messages)
        streams, max_rows = self.streams, self.max_buffer_rows  # locals: read once per message
        try:
            while True:
                try:
                    message = next(iterator)
                except StopIteration:
                    break
                except BaseException:
                    # The source failed: keep what its STATEs cover, so a resume starts there.
                    self._save_covered()
                    raise
                # The hot path, inline: a record of a stream that is being written.
                if type(message) is dict and message.get("type") == "RECORD":
                    record = message.get("record")
                    stream = streams.get(record.get("stream")) if type(record) is dict else None
                    data = record.get("data") if stream is not None else None  # type: ignore[union-attr]
                    if stream is not None and stream.begun and not stream.finished and type(data) is dict:
                        emitted_at = record.get("emitted_at")  # type: ignore[union-attr]
                        if type(emitted_at) is not int:
                            emitted_at = int(emitted_at) if isinstance(emitted_at, float) else _now_ms()
                        batch = stream.batch
                        records = batch.records
                        records.append(data)
                        batch.emitted_at.append(emitted_at)
                        result = stream.result
                        count = result.records = result.records + 1
                        if count % PROGRESS_EVERY == 0:
                            self._tick(stream)
                        if len(records) >= max_rows:
                            self._overflow(stream)
                        continue
                self._handle(message)
            for stream in self.streams.values():
                if stream.failed:
                    self._commit(stream)
                elif not stream.finished:
                    self._finish(stream)
            self._drain()
        finally:
            if self.writer is not None:
                self.writer.close()
            for stream in self.streams.values():
                if stream.result.outcome is Outcome.RUNNING:
                    stream.result.outcome = Outcome.INCOMPLETE
            self.result.seconds = self.clock() - started
            self.progress.finish(self.result)
        return self.result

    def _handle(self, message: Message) -> None:
        if isinstance(message, str | bytes):
            try:
                message = orjson.loads(message)
            except orjson.JSONDecodeError:
                self._warn_once("not-json", f"a line that is not a JSON message: {message[:80]!r}: ignored")
                return
        if not isinstance(message, Mapping):
            return
        kind = message.get("type")
        if kind == "RECORD":
            self._record(message.get("record") or {})
        elif kind == "STATE":
            self._state(message.get("state") or {})
        elif kind == "TRACE":
            self._trace(message.get("trace") or {})
        elif kind == "LOG":
            log = message.get("log") or {}
            self.progress.message(str(log.get("level", "INFO")), str(log.get("message", "")))
        # SPEC, CATALOG, CONNECTION_STATUS and CONTROL say nothing about the data.

    def _warn_once(self, key: str, text: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.progress.message("WARN", text)

    def _lookup(self, name: Any, what: str) -> _Stream | None:
        stream = self.streams.get(name) if isinstance(name, str) else None
        if stream is None:
            self._warn_once(f"unknown:{name}", f"{what} for stream {name!r}, not in the catalog: ignored")
        return stream

    # --- messages ----------------------------------------------------------------------------
    def _record(self, record: Mapping[str, Any]) -> None:
        stream = self._lookup(record.get("stream"), "records")
        if stream is None:
            self.result.ignored_records += 1
            return
        data = record.get("data")
        if not isinstance(data, dict):
            self._warn_once(f"data:{stream.spec.name}", f"{stream.spec.name}: a record without data: ignored")
            return
        if stream.finished:
            self._warn_once(f"late:{stream.spec.name}", f"{stream.spec.name}: records after COMPLETE ignored")
            return
        if not stream.begun:
            self._begin(stream)
        emitted_at = record.get("emitted_at")
        stream.batch.append(data, int(emitted_at) if isinstance(emitted_at, int | float) else _now_ms())
        stream.result.records += 1
        if stream.result.records % PROGRESS_EVERY == 0:
            self._tick(stream)
        if len(stream.batch) >= self.max_buffer_rows:
            self._overflow(stream)

    def _overflow(self, stream: _Stream) -> None:
        """No STATE arrived for a long while: bound the memory, at the cost of the resume
        guarantee for the rows no state covers (see docs/sync.md)."""
        self._commit(stream)
        if stream.batch:
            prepared = self._prepare(stream.spec.name, stream.batch)
            self._write(self.dest.checkpoint, stream.spec.name, prepared, None)
            stream.batch = Batch()
            stream.result.batches += 1

    def _state(self, state: dict[str, Any]) -> None:
        descriptor = (state.get("stream") or {}).get("stream_descriptor") or {}
        if state.get("type", "STREAM") != "STREAM" or "name" not in descriptor:
            self._warn_once("state-type", f"{state.get('type', 'LEGACY')} state is not supported: ignored")
            return
        stream = self._lookup(descriptor["name"], "state")
        if stream is None or stream.finished:
            return
        if not stream.begun:
            self._begin(stream)
        stream.state = state
        stream.covered = len(stream.batch)
        stream.result.states += 1
        due = stream.written + stream.covered >= self.checkpoint_rows
        if due or self.clock() - stream.last_commit >= self.checkpoint_seconds:
            self._commit(stream)
        elif stream.covered >= PART_ROWS:
            self._write_part(stream)

    def _trace(self, trace: Mapping[str, Any]) -> None:
        kind = trace.get("type")
        if kind == "ESTIMATE":
            estimate = trace.get("estimate") or {}
            stream = self.streams.get(estimate.get("name"))  # a SYNC estimate names no stream
            rows = estimate.get("row_estimate")
            if stream is not None and isinstance(rows, int | float):
                stream.result.estimate = int(rows)
                self.progress.estimate(stream.spec.name, int(rows))
        elif kind == "STREAM_STATUS":
            status = trace.get("stream_status") or {}
            name = (status.get("stream_descriptor") or {}).get("name")
            stream = self._lookup(name, "a status")
            if stream is None or stream.finished:
                return
            value = status.get("status")
            if value == "COMPLETE" and not stream.failed:
                self._finish(stream)
            elif value == "INCOMPLETE":
                self._fail(stream)
            elif not stream.begun:
                self._begin(stream)
        elif kind == "ERROR":
            error = trace.get("error") or {}
            text = str(error.get("message") or error.get("internal_message") or "unknown error")
            name = (error.get("stream_descriptor") or {}).get("name")
            self.result.errors.append(f"{name}: {text}" if name else text)
            self.progress.message("ERROR", f"{name}: {text}" if name else text)
            stream = self.streams.get(name) if isinstance(name, str) else None
            if stream is not None and not stream.finished:
                self._fail(stream)

    # --- writes ------------------------------------------------------------------------------
    def _begin(self, stream: _Stream) -> None:
        name, mode = stream.spec.name, self.modes[stream.spec.name]
        self._release(stream)
        self._drain()  # the connection is the writer's until its queue is empty
        stream.result.resumed = self.resume and self.dest.resume_state(name, mode) is not None
        self.dest.begin_stream(stream.spec, mode, sync_id=self.sync_id, resume=self.resume)
        stream.begun = True
        stream.started_at = stream.last_commit = self.clock()
        stream.result.outcome = Outcome.RUNNING

    def _commit(self, stream: _Stream) -> None:
        """Commit the covered records with the state that covers them."""
        if stream.state is None:
            return
        covered, rest = stream.batch.split(stream.covered)
        # Converted here, on the reading thread, while the writer's thread is still committing the
        # previous batch: the database's work there runs without the GIL, so the two overlap.
        prepared = self._prepare(stream.spec.name, covered)
        self._write(self.dest.checkpoint, stream.spec.name, prepared, stream.state)
        stream.batch, stream.covered, stream.state, stream.written = rest, 0, None, 0
        stream.last_commit = self.clock()
        stream.result.batches += 1
        self._tick(stream)

    def _finish(self, stream: _Stream) -> None:
        if not stream.begun:
            self._begin(stream)
        prepared = self._prepare(stream.spec.name, stream.batch)  # while the last commit runs
        self._drain()
        self.dest.finish_stream(stream.spec.name, prepared, stream.state)
        stream.batch, stream.covered, stream.state, stream.written = Batch(), 0, None, 0
        stream.finished = True
        stream.result.batches += 1
        stream.result.outcome = Outcome.COMPLETE
        stream.result.seconds = self.clock() - stream.started_at
        self.progress.stream_done(stream.result)

    def _fail(self, stream: _Stream) -> None:
        """The source gave up on the stream: keep its checkpoints, never replace its table."""
        if stream.begun:
            self._commit(stream)
        if not stream.failed:
            stream.failed = True
            stream.result.outcome = Outcome.INCOMPLETE
            stream.result.seconds = self.clock() - stream.started_at if stream.begun else 0.0
            self.progress.stream_done(stream.result)

    def _write_part(self, stream: _Stream) -> None:
        """Insert the covered records into the stream's open transaction, uncommitted: the
        transaction grows towards `checkpoint_rows` while only a part's records stay buffered."""
        part, stream.batch = stream.batch.split(stream.covered)
        last = self._prepare(stream.spec.name, part)
        self._write(self.dest.write, stream.spec.name, last)
        stream.written += len(part)
        stream.covered = 0

    def _release(self, keep: _Stream | None) -> None:
        """Commit the open transaction of any other stream: the connection holds one at a time."""
        for stream in self.streams.values():
            if stream is not keep and stream.written:
                self._commit(stream)

    def _prepare(self, name: str, batch: Batch) -> PreparedBatch:
        """The batch converted for its transaction; all but its last part are converted and queued
        for `Destination.write` here, the last is returned for the write that commits."""
        self._release(self.streams[name])
        while len(batch) > PART_ROWS:
            part, batch = batch.split(PART_ROWS)
            self._write(self.dest.write, name, self.dest.prepare(name, part))
        return self.dest.prepare(name, batch)

    def _write(self, function: Callable[..., None], *args: Any) -> None:
        if self.writer is None:
            function(*args)
        else:
            self.writer.submit(function, *args)

    def _drain(self) -> None:
        if self.writer is not None:
            self.writer.drain()

    def _save_covered(self) -> None:
        try:
            for stream in self.streams.values():
                if stream.begun and not stream.finished:
                    self._commit(stream)
            self._drain()
        except Exception as error:  # the source's error matters more; report this one
            self.progress.message("ERROR", f"could not save progress: {error}")

    def _tick(self, stream: _Stream) -> None:
        stream.result.seconds = self.clock() - stream.started_at
        self.progress.records(stream.spec.name, stream.result)
