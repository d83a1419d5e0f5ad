"""The planner: a selected stream, its config and saved cursor, cut into partitions the workers can run.

A partition is one request (a metric series, data sources), one cursor chain (plans, invoices, a date window of
activities, a status of customers) or a count. Nothing here performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .config import Config
from .cursor import Boundary
from .customers import PATH as CUSTOMERS_PATH
from .customers import Role, Step
from .ratelimit import HIGH, NORMAL
from .streams import Stream

MAX_WINDOWS = 20
"""One per connection: at 40 requests/s and 150 ms a round trip, 7 chains keep the limit busy, and each window
ends in a part-full page that costs a request."""

Kind = Literal["request", "pages", "count"]


@dataclass(eq=False)
class Partition:
    path: str
    params: dict[str, Any]
    kind: Kind = "pages"
    """`request`: one call (unpaginated endpoints); `pages`: a cursor chain; `count`: customers counted."""
    priority: float = NORMAL
    """At the workers and the rate limiter, lower goes first."""
    index: int = 0
    """The partition's place among its stream's date windows: the cursor advances in this order."""
    lo: datetime | None = None
    hi: datetime | None = None
    """The window's bounds, when it is one: records outside [lo, hi) are dropped."""
    customer_uuid: str | None = None
    """A per-customer request: the uuid is added to each record."""
    step: Role | None = None
    """A step of a customers read (customers.py)."""
    parents: bool = False
    """The customers listed are the parents of per-customer partitions, not records to emit."""


def plan(stream: Stream, config: Config, boundary: Boundary | None, now: datetime) -> list[Partition]:
    """The partitions of a stream other than customers and their children (`customer_step`, `per_customer`)."""
    params = stream.params(config)
    priority = HIGH if stream.sequential else NORMAL
    kind: Kind = "pages" if stream.paginated else "request"
    if stream.date_range is None:
        return [Partition(stream.path, params, kind, priority)]
    lo = config.start_date
    if boundary is not None:
        lo = max(lo, boundary.when - config.lookback)
    end = config.end(now)
    dr = stream.date_range
    if dr.dates_only:
        if lo.date() > end.date():
            return []
        query = {**params, dr.start_param: lo.date().isoformat(), dr.end_param: end.date().isoformat()}
        return [Partition(stream.path, query, kind, priority)]
    if lo > end:
        return []
    open_end = dr.open_end and config.end_date is None
    step = end - lo + timedelta(seconds=1)
    if stream.windowed:
        # At most MAX_WINDOWS windows: each ends in a part-full page, and those cost requests at 40/s.
        step = max(timedelta(days=config.window_days), step / MAX_WINDOWS)
    parts: list[Partition] = []
    start = lo
    while True:
        stop = start + step
        last = stop >= end
        hi = None if (last and open_end) else min(stop, end + timedelta(seconds=1))
        query = {**params, dr.start_param: _iso_second(start)}
        if hi is not None:
            query[dr.end_param] = _iso_second(hi)
        parts.append(Partition(stream.path, query, kind, priority, index=len(parts), lo=start, hi=hi))
        if last:
            return parts
        start = stop


def customer_step(step: Step, *, parents: bool) -> Partition:
    """A count or a chain of a customers read. Chains go first: each is one page per round trip."""
    kind: Kind = "count" if step.role in ("count", "recount") else "pages"
    return Partition(CUSTOMERS_PATH, step.params, kind, HIGH, step=step.role, parents=parents)


def per_customer(stream: Stream, customer_uuid: str) -> Partition:
    return Partition(stream.path.format(customer_uuid=customer_uuid), {}, customer_uuid=customer_uuid)


def window_priority(part: Partition, pages: int, reached: datetime, end: datetime) -> float:
    """Windows with more pages left go first at the rate limiter (after the chains), so that the largest ones
    do not end the read running alone at one page per round trip. Pages left are guessed from the share of
    the window's time read so far."""
    lo, hi = part.lo, part.hi or end
    if lo is None or reached <= lo:
        return NORMAL
    left = pages * max(0.0, (hi - reached) / (reached - lo))
    return NORMAL + 1.0 / (1.0 + left)


def _iso_second(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
