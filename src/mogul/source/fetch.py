"""The workers: partitions run on a thread pool, each turning its pages into events for the processing thread.

`Workers` is a `ThreadPoolExecutor` with a heap in front of it: each submission queues one partition and one
executor job, and a job runs whichever queued partition is most urgent when a thread takes it. So cursor chains
(one page per round trip, the read's longest path) start before queued date windows and per-customer requests.

Every request passes `Fetcher.before_request` first: the shared rate limiter, served by the same priorities.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

import orjson

from ..client import Client, RetryEvent
from .config import Config
from .cursor import Boundary, keep_in_window
from .events import Counted, Event, PageRead, PartitionDone, PartitionFailed, RateLimited
from .plan import Partition, window_priority
from .ratelimit import NORMAL, RateLimiter
from .records import Record, uuid_of, with_key
from .streams import Members

if TYPE_CHECKING:
    from .reader import Run


class Cancelled(Exception):
    """The read was abandoned (the consumer stopped, or the stream failed): stop quietly."""


class Workers:
    """Up to `size` threads; lower priorities first, then earlier submissions."""

    def __init__(self, size: int, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix=name)
        self._lock = threading.Lock()
        self._waiting: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def submit(self, priority: float, task: Callable[[], None]) -> None:
        with self._lock:
            heapq.heappush(self._waiting, (priority, next(self._order), task))
        self._executor.submit(self._run_most_urgent)

    def _run_most_urgent(self) -> None:
        with self._lock:
            if not self._waiting:  # dropped by shutdown
                return
            _, _, task = heapq.heappop(self._waiting)
        task()

    def shutdown(self) -> None:
        """Drop the partitions not started and wait for the running ones (told to stop by the caller)."""
        with self._lock:
            self._waiting.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)


class Fetcher:
    """What a worker thread does with a partition; the client's hooks (rate limit, retries, cancellation)."""

    def __init__(self, config: Config, limiter: RateLimiter, now: datetime) -> None:
        self.config = config
        self.limiter = limiter
        self.now = now
        self.stop = threading.Event()
        self.events: queue.Queue[Event] = queue.Queue(maxsize=512)
        self._local = threading.local()

    # ---- the client's hooks (called on worker threads) ----------------------------------------

    def before_request(self) -> None:
        run: Run | None = getattr(self._local, "run", None)
        if self.stop.is_set() or (run is not None and run.cancel.is_set()):
            raise Cancelled
        if not self.limiter.acquire(getattr(self._local, "priority", NORMAL)):
            raise Cancelled

    def on_retry(self, event: RetryEvent) -> None:
        if event.rate_limited:
            # The limit is per account, so every worker backs off, not just this one.
            self.limiter.pause(event.wait)
            self.put(RateLimited(getattr(self._local, "run", None), (time.time() + event.wait) * 1000))

    def sleep(self, seconds: float) -> None:
        """The client's wait between tries, cut short when the read stops."""
        if self.stop.wait(seconds):
            raise Cancelled

    # ---- one partition -----------------------------------------------------------------------

    def run(self, client: Client, run: Run, part: Partition) -> None:
        self._local.run, self._local.priority = run, part.priority
        try:
            boundary: Boundary | None = None
            if part.kind == "count":
                total = (client.request("GET", part.path, params=part.params) or {}).get("total_pages")
                self.put(Counted(run, part, total if type(total) is int else None))
            elif part.kind == "request":
                key = run.stream.records_key
                if key:
                    records = client.listing(part.path, key=key, params=part.params, per_page=None).json_page().items
                else:  # the body is the record
                    body = client.request("GET", part.path, params=part.params)
                    records = [orjson.dumps(body)] if body else []
                boundary = self._page(client, run, part, records, boundary, 1)
            else:
                key = "entries" if part.step else run.stream.records_key
                listing = client.listing(part.path, key=key, params=part.params, per_page=self.config.page_size)
                for pages, page in enumerate(listing.json_pages(), 1):
                    if run.cancel.is_set():
                        raise Cancelled
                    boundary = self._page(client, run, part, page.items, boundary, pages)
            self.put(PartitionDone(run, part, boundary))
        except Cancelled:
            if not self.stop.is_set():  # the stream failed elsewhere: just account for this partition
                self._put_quietly(PartitionDone(run, part, None))
        except Exception as exc:  # reported as a TRACE ERROR by the processing thread
            if not self.stop.is_set():
                self._put_quietly(PartitionFailed(run, part, exc))

    def _page(
        self,
        client: Client,
        run: Run,
        part: Partition,
        records: list[Record],
        boundary: Boundary | None,
        pages: int,
    ) -> Boundary | None:
        """Send one page on, filtered to its window and tagged with its customer; returns the cursor so far."""
        stream = run.stream
        if stream.cursor_field is not None and not part.parents:
            emitted = run.boundary if (run.incremental and stream.dedupe_boundary) else None
            records, reached = keep_in_window(records, stream.cursor_field, part.lo, part.hi, emitted)
            boundary = Boundary.merge(boundary, reached)
            if stream.windowed and boundary is not None:
                end = self.config.end(self.now)
                self._local.priority = window_priority(part, pages, boundary.when, end)
        if part.customer_uuid is not None:
            records = [with_key(record, "customer_uuid", part.customer_uuid) for record in records]
        members = stream.members
        if members is not None and not part.parents:
            records = [self._with_members(client, members, record) for record in records]
        self.put(PageRead(run, part, records))
        return boundary

    def _with_members(self, client: Client, members: Members, record: Record) -> Record:
        path = members.path.format(uuid=uuid_of(record))
        found = client.listing(path, key=members.records_key, per_page=self.config.page_size)
        return with_key(record, members.field, [member.get("uuid") for member in found])

    def put(self, event: Event) -> None:
        while not self.stop.is_set():
            try:
                self.events.put(event, timeout=0.2)
                return
            except queue.Full:
                continue
        raise Cancelled

    def _put_quietly(self, event: Event) -> None:
        with contextlib.suppress(Cancelled):
            self.put(event)
