"""What a sync did, per stream and in total."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .catalog import WriteMode


class Outcome(StrEnum):
    PENDING = "pending"  # nothing arrived yet
    RUNNING = "running"
    COMPLETE = "complete"  # every record is committed; an overwrite has replaced its table
    INCOMPLETE = "incomplete"  # the source failed the stream; checkpoints are kept for a resume


@dataclass
class StreamResult:
    name: str
    mode: WriteMode
    records: int = 0  # records received
    states: int = 0  # STATE messages received (the source's pages or checkpoints)
    batches: int = 0  # transactions committed
    seconds: float = 0.0  # from the stream's first message to its completion
    outcome: Outcome = Outcome.PENDING
    estimate: int | None = None  # total rows, when the source sent a TRACE ESTIMATE
    resumed: bool = False  # the source was started from a stored state

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass
class SyncResult:
    sync_id: str
    streams: dict[str, StreamResult]
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # TRACE ERROR messages from the source
    ignored_records: int = 0  # records of streams that are not in the catalog

    @property
    def records(self) -> int:
        return sum(s.records for s in self.streams.values())

    @property
    def ok(self) -> bool:
        return not self.errors and all(s.outcome is Outcome.COMPLETE for s in self.streams.values())
