"""The processor: runs the selected streams' partitions on the workers and turns their events into messages.

Planning is in plan.py (and customers.py for the customers list), the requests in fetch.py. This module is the
one thread that touches a stream's progress: the generator that `read()` returns handles one event at a time,
so messages come out in a consistent order: a partition's records before it is done, and a STATE only once
every partition it covers is done.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import redact
from ..client import Client, RetryPolicy
from . import protocol
from .catalog import Selected
from .config import Config
from .cursor import Boundary, to_cursor
from .customers import CustomerRead
from .errors import classify
from .events import Counted, Event, PageRead, PartitionDone, PartitionFailed, RateLimited
from .fetch import Fetcher, Workers
from .plan import Partition, customer_step, per_customer, plan
from .protocol import Message, RecordBatch
from .ratelimit import RateLimiter
from .records import uuid_of
from .streams import Stream

FULL_REFRESH_STATE = {"__ab_no_cursor_state_message": True}


def limiter_burst(config: Config) -> int:
    """Requests that may go at once after a lull (the start, a stall): half a second's worth, at most one per
    connection. A server's bucket that allows `rate` a second takes it with room for half a second of jitter."""
    return max(2, min(config.max_connections, int(config.requests_per_second / 2)))


@dataclass(eq=False)
class Run:
    """One selected stream's read: its progress, cursor and outcome (the processing thread's alone, but for
    `cancel`, which the workers watch)."""

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
    customers: CustomerRead | None = None


class Reader:
    def __init__(self, config: Config, selected: list[Selected], states: dict[str, dict[str, Any]]) -> None:
        self.config = config
        self.selected = selected
        self.states = states
        self.now = datetime.now(UTC)
        self.failures: list[tuple[str, str]] = []

    def messages(self) -> Iterator[Message | RecordBatch]:
        cfg = self.config
        limiter = RateLimiter(cfg.requests_per_second, burst=limiter_burst(cfg))
        fetcher = Fetcher(cfg, limiter, self.now)
        client = Client(
            cfg.api_key,
            cfg.base_url,
            retry=RetryPolicy(max_attempts=cfg.max_attempts, max_elapsed=cfg.max_retry_seconds, sleep=fetcher.sleep),
            timeout=cfg.timeout,
            on_retry=fetcher.on_retry,
            before_request=fetcher.before_request,
            max_connections=cfg.max_connections,
        )
        workers = Workers(cfg.max_connections, "mogul-source")

        def submit(run: Run, part: Partition) -> None:
            run.pending += 1
            workers.submit(part.priority, functools.partial(fetcher.run, client, run, part))

        runs: list[Run] = []
        try:
            yield protocol.log("INFO", f"reading {len(self.selected)} streams from {redact.text(cfg.base_url)}")
            for sel in self.selected:
                boundary = Boundary.from_state(self.states.get(sel.stream.name)) if sel.incremental else None
                run = Run(sel.stream, sel.incremental, boundary)
                runs.append(run)
                yield protocol.stream_status(run.stream.name, "STARTED")
                for part in self._plan(run):
                    submit(run, part)
                if not run.pending:
                    yield from self._finish(run)
            while any(run.pending for run in runs):
                yield from self._handle(fetcher.events.get(), submit)
        finally:
            # Unblock every worker (token waits, retry sleeps), then wait for the requests in flight.
            fetcher.stop.set()
            limiter.close()
            workers.shutdown()
            client.close()
        for run in runs:
            if not run.failed:
                yield protocol.log("INFO", f"{run.stream.name}: {run.records} records")

    def _plan(self, run: Run) -> list[Partition]:
        stream = run.stream
        if stream.parent or stream.split_customers:
            # Customers, or the parents of a per-customer stream: the list in parallel chains (customers.py).
            run.customers = CustomerRead(self.config.page_size)
            return [customer_step(step, parents=bool(stream.parent)) for step in run.customers.start()]
        return plan(stream, self.config, run.boundary if run.incremental else None, self.now)

    def _handle(self, event: Event, submit: Callable[[Run, Partition], None]) -> Iterator[Message | RecordBatch]:
        if isinstance(event, RateLimited):
            if event.run is not None and not event.run.failed:
                yield protocol.stream_status(event.run.stream.name, "RUNNING", quota_reset_ms=event.reset_ms)
            return
        run, part = event.run, event.part
        if run.failed:  # what its other partitions still send: only their ends count
            if isinstance(event, PartitionDone | PartitionFailed):
                run.pending -= 1
            return
        if not run.running:
            run.running = True
            yield protocol.stream_status(run.stream.name, "RUNNING")
        if isinstance(event, PageRead):
            records = event.records
            if run.customers is not None and part.step is not None:
                records = run.customers.fresh(records)
            if part.parents:
                for customer in records:
                    submit(run, per_customer(run.stream, uuid_of(customer)))
            elif records:
                yield RecordBatch(run.stream.name, records, protocol.now_ms())
                run.records += len(records)
                run.since_state += len(records)
        elif isinstance(event, Counted):
            assert run.customers is not None and part.step is not None
            steps, note = run.customers.counted(part.step, event.total)
            if note:
                yield protocol.log("WARN", f"{run.stream.name}: {note}")
            for step in steps:
                submit(run, customer_step(step, parents=part.parents))
        elif isinstance(event, PartitionDone):
            if run.customers is not None and part.step == "chain":
                for step in run.customers.chain_done():
                    submit(run, customer_step(step, parents=part.parents))
            run.pending -= 1
            if run.stream.incremental:
                yield from self._advance(run, part.index, event.boundary)
            if run.pending == 0:
                yield from self._finish(run)
        else:
            run.failed = True
            run.cancel.set()
            run.pending -= 1
            yield from self._fail(run, event.error)

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
        stream = run.stream
        if stream.date_range is None or not stream.incremental:
            return dict(FULL_REFRESH_STATE)
        if run.boundary is None:
            return {}
        return to_cursor(run.boundary, stream.dedupe_boundary, dates_only=stream.date_range.dates_only)

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
