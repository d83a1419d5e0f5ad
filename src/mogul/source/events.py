"""What the workers tell the processing thread, one event at a time, through a queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cursor import Boundary
from .plan import Partition
from .records import Record

if TYPE_CHECKING:
    from .reader import Run


@dataclass(frozen=True, slots=True)
class PageRead:
    """A page of a partition: records to emit (filtered to its window), or the customers of a parents listing."""

    run: Run
    part: Partition
    records: list[Record]


@dataclass(frozen=True, slots=True)
class Counted:
    """A customers count; None when the server sent no usable `total_pages`."""

    run: Run
    part: Partition
    total: int | None


@dataclass(frozen=True, slots=True)
class PartitionDone:
    """A partition ended: every page is out. `boundary` is its cursor, for incremental streams."""

    run: Run
    part: Partition
    boundary: Boundary | None


@dataclass(frozen=True, slots=True)
class PartitionFailed:
    run: Run
    part: Partition
    error: Exception


@dataclass(frozen=True, slots=True)
class RateLimited:
    """A 429 or 503 made the client wait until `reset_ms` (epoch milliseconds)."""

    run: Run | None
    reset_ms: float


Event = PageRead | Counted | PartitionDone | PartitionFailed | RateLimited
