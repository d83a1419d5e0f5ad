"""The one generic reader: runs stream declarations through `mogul.client`, concurrently.

Every stream is planned into partitions (a cursor chain, a date window, one customer, one request).
Partitions run on a thread pool as large as the connection budget; a shared `RateLimiter` spaces
their requests. Workers put pages on one queue; the generator that `read()` returns drains it on
the caller's thread, so messages come out in a consistent order: a partition's records before its
`done`, and a STATE only once every partition it covers is done.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..client import Client, RetryEvent, RetryPolicy
from ..client.pagination import iter_pages
from ..client.transport import Transport
from . import protocol
from .catalog import Selected
from .config import Config
from .cursor import Boundary, parse_cursor_date, to_cursor
from .errors import classify
from .protocol import Message, RecordBatch
from .ratelimit import HIGH, NORMAL, RateLimiter
from .streams import Stream

FULL_REFRESH_STATE = {"__ab_no_cursor_state_message": True}


class Cancelled(Exception):
    """The read was abandoned (consumer stopped, or the stream failed): stop quietly."""


@dataclass
class Partition:
    index: int
    params: dict[str, Any]
    path: str
    lo: datetime | None = None
    hi: datetime | None = None
    customer_uuid: str | None = None
    lists_parents: bool = False


@dataclass
class Run:
    """One selected stream's read: its progress, cursor and outcome (touched by the main thread only)."""

    stream: Stream
    incremental: bool
    boundary: Boundary | None
    pending: int = 0
    running: bool = False
    failed: bool = False
    records: int = 0
    since_state: int = 0
    next_index: int = 0
    done: dict[int, Boundary | None] = field(default_factory=dict)
    last_state: dict[str, Any] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


class Reader:
    def __init__(self, config: Config, selected: list[Selected], states: dict[str, dict[str, Any]]) -> None:
        self.config = config
        self.selected = selected
        self.states = states
        self.limiter = RateLimiter(config.requests_per_second)
        self.stop = threading.Event()
        self.events: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=512)
        self.local = threading.local()
        self.now = datetime.now(UTC)
        self.failures: list[tuple[str, str]] = []

    # ---- worker side -------------------------------------------------------------------------

    def _before_request(self) -> None:
        if self.stop.is_set() or getattr(self.local, "cancel", threading.Event()).is_set():
            raise Cancelled
        if not self.limiter.acquire(getattr(self.local, "priority", NORMAL)):
            raise Cancelled

    def _on_retry(self, event: RetryEvent) -> None:
        if event.rate_limited:
            # The limit is per account, so every worker backs off, not just this one.
            self.limiter.pause(event.wait)
            reset = (datetime.now(UTC).timestamp() + event.wait) * 1000
            self._put(("rate_limited", getattr(self.local, "run", None), reset))

    def _put(self, event: tuple[Any, ...]) -> None:
        while not self.stop.is_set():
            try:
                self.events.put(event, timeout=0.2)
                return
            except queue.Full:
                continue
        raise Cancelled

    def _work(self, transport: Transport, run: Run, part: Partition) -> None:
        stream = run.stream
        self.local.run, self.local.cancel = run, run.cancel
        self.local.priority = HIGH if stream.sequential or part.lists_parents else NORMAL
        try:
            boundary: Boundary | None = None
            for items in self._pages(transport, stream, part):
                if run.cancel.is_set():
                    raise Cancelled
                if part.lists_parents:
                    self._put(("parents", run, [c["uuid"] for c in items if isinstance(c, dict) and c.get("uuid")]))
                    continue
                if stream.incremental:
                    items, boundary = self._filter(run, part, items, boundary)
                if part.customer_uuid is not None:
                    for item in items:
                        item["customer_uuid"] = part.customer_uuid
                self._put(("page", run, items))
            self._put(("done", run, part, boundary))
        except Cancelled:
            if not self.stop.is_set():  # the stream failed elsewhere: just account for this partition
                self._put_quietly(("done", run, part, None))
        except Exception as exc:  # reported as a TRACE ERROR by the main thread
            if not self.stop.is_set():
                self._put_quietly(("error", run, exc))

    def _put_quietly(self, event: tuple[Any, ...]) -> None:
        with contextlib.suppress(Cancelled):
            self._put(event)

    def _pages(self, transport: Transport, stream: Stream, part: Partition) -> Iterator[list[dict[str, Any]]]:
        key = "entries" if part.lists_parents else stream.records_key
        if not stream.paginated:
            body = transport.request("GET", part.path, params=part.params)
            yield (body or {}).get(key) or []
            return
        for page in iter_pages(transport, part.path, key=key, params=part.params, per_page=self.config.page_size):
            yield page.items

    def _filter(
        self, run: Run, part: Partition, items: list[dict[str, Any]], boundary: Boundary | None
    ) -> tuple[list[dict[str, Any]], Boundary | None]:
        """Keep records inside the partition's window (the API's date filters may be day-granular),
        drop the ones at the saved boundary already emitted, and track the cursor."""
        field_name = run.stream.cursor_field or "date"
        seen = run.boundary if (run.incremental and run.stream.dedupe_boundary) else None
        kept = []
        for item in items:
            when = parse_cursor_date(item.get(field_name))
            if when is not None:
                if part.lo is not None and when < part.lo:
                    continue
                if part.hi is not None and when >= part.hi:
                    continue
                if seen is not None and when == seen.when and item.get("uuid") in seen.uuids:
                    continue
                boundary = Boundary.merge(boundary, Boundary(when, frozenset([item.get("uuid")])))
            kept.append(item)
        return kept, boundary

    # ---- planning ----------------------------------------------------------------------------

    def plan(self, run: Run) -> list[Partition]:
        stream, cfg = run.stream, self.config
        params = stream.params(cfg)
        if stream.parent:
            return [Partition(0, {}, "/v1/customers", lists_parents=True)]
        if stream.date_range is None:
            return [Partition(0, params, stream.path)]
        lo = cfg.start_date
        if run.incremental and run.boundary is not None:
            lo = max(lo, run.boundary.when - cfg.lookback)
        end = cfg.end(self.now)
        dr = stream.date_range
        if dr.dates_only:
            if lo.date() > end.date():
                return []
            query = {**params, dr.start_param: lo.date().isoformat(), dr.end_param: end.date().isoformat()}
            return [Partition(0, query, stream.path)]
        if lo > end:
            return []
        open_end = dr.open_end and cfg.end_date is None
        step = timedelta(days=cfg.window_days) if stream.windowed else end - lo + timedelta(seconds=1)
        parts: list[Partition] = []
        start = lo
        while True:
            stop = start + step
            last = stop >= end
            hi = None if (last and open_end) else min(stop, end + timedelta(seconds=1))
            query = {**params, dr.start_param: _iso_second(start)}
            if hi is not None:
                query[dr.end_param] = _iso_second(hi)
            parts.append(Partition(len(parts), query, stream.path, lo=start, hi=hi))
            if last:
                return parts
            start = stop

    # ---- main thread -------------------------------------------------------------------------

    def messages(self) -> Iterator[Message | RecordBatch]:
        cfg = self.config
        retry_client = Client(
            cfg.api_key,
            cfg.base_url,
            retry=RetryPolicy(max_attempts=cfg.max_attempts, max_elapsed=600.0),
            on_retry=self._on_retry,
            before_request=self._before_request,
            max_connections=cfg.max_connections,
        )
        transport = retry_client.transport
        transport.sleep = self._sleep
        pool = ThreadPoolExecutor(max_workers=cfg.max_connections, thread_name_prefix="mogul-source")
        runs: list[Run] = []
        try:
            yield protocol.log("INFO", f"reading {len(self.selected)} streams from {cfg.base_url}")
            for sel in self.selected:
                boundary = Boundary.from_state(self.states.get(sel.stream.name)) if sel.incremental else None
                run = Run(sel.stream, sel.incremental, boundary)
                runs.append(run)
                yield protocol.stream_status(run.stream.name, "STARTED")
                parts = self.plan(run)
                run.pending = len(parts)
                for part in parts:
                    pool.submit(self._work, transport, run, part)
                if not parts:
                    yield from self._finish(run)
            active = sum(1 for run in runs if run.pending)
            while active:
                event = self.events.get()
                kind, run = event[0], event[1]
                if run is not None and run.failed:
                    if kind in ("done", "error"):
                        run.pending -= 1
                        active -= run.pending == 0
                    continue
                if kind == "rate_limited":
                    if run is not None:
                        yield protocol.stream_status(run.stream.name, "RUNNING", quota_reset_ms=event[2])
                    continue
                if not run.running:
                    run.running = True
                    yield protocol.stream_status(run.stream.name, "RUNNING")
                if kind == "page":
                    if event[2]:
                        yield RecordBatch(run.stream.name, event[2], protocol.now_ms())
                    run.records += len(event[2])
                    run.since_state += len(event[2])
                elif kind == "parents":
                    path = run.stream.path
                    for uuid in event[2]:
                        part = Partition(0, {}, path.format(customer_uuid=uuid), customer_uuid=uuid)
                        run.pending += 1
                        pool.submit(self._work, transport, run, part)
                elif kind == "done":
                    run.pending -= 1
                    if run.stream.incremental:
                        yield from self._advance(run, event[2].index, event[3])
                    if run.pending == 0:
                        active -= 1
                        yield from self._finish(run)
                elif kind == "error":
                    run.failed = True
                    run.cancel.set()
                    run.pending -= 1
                    active -= run.pending == 0
                    yield from self._fail(run, event[2])
        finally:
            # Unblock every worker (token waits, retry sleeps, in-flight requests), then wait for them.
            self.stop.set()
            self.limiter.close()
            if any(run.pending for run in runs):
                retry_client.close()
            pool.shutdown(wait=True, cancel_futures=True)
            retry_client.close()
        for run in runs:
            if not run.failed:
                yield protocol.log("INFO", f"{run.stream.name}: {run.records} records")

    def _sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Cancelled

    def _advance(self, run: Run, index: int, boundary: Boundary | None) -> Iterator[Message]:
        """Fold finished partitions into the cursor, in partition order, and checkpoint it."""
        run.done[index] = boundary
        moved = False
        while run.next_index in run.done:
            run.boundary = Boundary.merge(run.boundary, run.done.pop(run.next_index))
            run.next_index += 1
            moved = True
        if moved and run.pending:
            state = self._state(run)
            if state != run.last_state:
                yield self._emit_state(run, state)

    def _state(self, run: Run) -> dict[str, Any]:
        if not run.stream.incremental:
            return dict(FULL_REFRESH_STATE)
        if run.boundary is None:
            return {}
        return to_cursor(run.boundary, run.stream.dedupe_boundary, dates_only=bool(run.stream.date_range.dates_only))

    def _emit_state(self, run: Run, state: dict[str, Any]) -> Message:
        run.last_state = state
        message = protocol.stream_state(run.stream.name, state, run.since_state)
        run.since_state = 0
        return message

    def _finish(self, run: Run) -> Iterator[Message]:
        if not run.running:
            run.running = True
            yield protocol.stream_status(run.stream.name, "RUNNING")
        yield self._emit_state(run, self._state(run))
        yield protocol.stream_status(run.stream.name, "COMPLETE")

    def _fail(self, run: Run, exc: BaseException) -> Iterator[Message]:
        failure = classify(exc, self.config.base_url, self.config.api_key)
        self.failures.append((run.stream.name, failure.failure_type))
        yield protocol.error_trace(
            f"{run.stream.name}: {failure.message}",
            failure.failure_type,
            internal_message=failure.internal_message,
            stream=run.stream.name,
            stack_trace=failure.stack_trace,
        )
        yield protocol.stream_status(run.stream.name, "INCOMPLETE")


def _iso_second(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
