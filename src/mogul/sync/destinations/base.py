"""What every destination offers the runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from ..batch import Batch
from ..catalog import StreamSpec, WriteMode
from ..columns import Columns


class DestinationError(Exception):
    """A destination could not be opened or written; the message says which and why."""


class StreamStatus(StrEnum):
    RUNNING = "running"  # an overwrite's staging table holds a partial copy that a resumed run continues
    COMPLETE = "complete"


@dataclass(frozen=True)
class PreparedBatch:
    """A batch converted for its table before its transaction begins, so that the conversion of
    one batch (Python, holding the GIL) overlaps the database's write of the previous one."""

    stream: str
    size: int  # records to insert (after dedup)
    columns: Columns  # the table's columns once the batch is written
    added: Columns  # of those, the ones the write adds first
    rows: Any  # the dialect's payload (DuckDB: an Arrow table; PostgreSQL: the batch)


@dataclass(frozen=True)
class StoredState:
    """One row of `_mogul_state`: the last state committed for a stream, with the rows it covers."""

    stream: str
    mode: WriteMode
    status: StreamStatus
    state: Mapping[str, Any] | None
    sync_id: str | None
    updated_at: datetime | None


class Destination(Protocol):
    """A database that holds one table per stream plus `_mogul_state`.

    Every method that writes does so in a single transaction: the rows of a checkpoint and the
    state that covers them are committed together or not at all.
    """

    description: str  # the URL without password, for messages
    # Covered records per transaction that this database writes fastest: the runner's default for
    # `checkpoint_rows` (the time bound, `checkpoint_seconds`, still applies).
    checkpoint_rows: int

    def stored_states(self) -> dict[str, StoredState]:
        """The state table's rows, by stream name."""
        ...

    def resume_state(self, stream: str, mode: WriteMode) -> Mapping[str, Any] | None:
        """The state the source should resume this stream from, or None to read it from the start:
        an append resumes from its last checkpoint, an overwrite only from an interrupted run."""
        ...

    def begin_stream(self, spec: StreamSpec, mode: WriteMode, *, sync_id: str, resume: bool) -> None:
        """Create or evolve the stream's table. For an overwrite, keep the staging table of an
        interrupted run when `resume` (the source was given its stored state), else start a new one."""
        ...

    def prepare(self, stream: str, batch: Batch) -> PreparedBatch:
        """Convert the batch for the stream's table without touching the database, so it can run on
        another thread while an earlier write commits. `checkpoint` and `finish_stream` take the
        result in place of a batch; batches must be prepared in the order they are written."""
        ...

    def write(self, stream: str, batch: Batch | PreparedBatch) -> None:
        """Insert the batch in a transaction left open (begun here if none) for the stream's next
        `checkpoint` or `finish_stream`, which commits it with its own batch and state: one large
        transaction written in parts, each converted while the previous one is inserted. A failure
        rolls back every part."""
        ...

    def checkpoint(self, stream: str, batch: Batch | PreparedBatch, state: Mapping[str, Any] | None) -> None:
        """Write the batch and record `state` as covering it, in one transaction. Without a state
        the rows are covered by none: an overwrite then forgets its state (a resume starts the
        stream over), an append keeps its last one."""
        ...

    def finish_stream(self, stream: str, batch: Batch | PreparedBatch, state: Mapping[str, Any] | None) -> None:
        """Write the last batch and complete the stream; an overwrite replaces its table here."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...
