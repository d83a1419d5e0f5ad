"""The one generic reader: runs stream declarations through `mogul.client`, concurrently.

Every stream is planned into partitions (a cursor chain, a date window, one customer, one request).
Partitions run on a thread pool as large as the connection budget; a shared `RateLimiter` spaces
their requests. Workers put pages on one queue; the generator that `read()` returns drains it on
the caller's thread, so messages come out in a consistent order: a partition's records before its
`done`, and a STATE only once every partition it covers is done.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..client.pagination import Page, follow_cursors, iter_items, iter_pages, page_of, page_query
from ..client.retry import RetryPolicy
from ..client.transport import RetryEvent, Transport, decode_body
from . import protocol
from .catalog import Selected
from .config import Config
from .cursor import Boundary, parse_cursor_date, to_cursor
from .errors import classify
from .passthrough import decode_page
from .protocol import Message, RecordBatch
from .ratelimit import HIGH, NORMAL, RateLimiter
from .split import CustomerSplit, Group, Step
from .streams import Members, Stream
from .workers import Workers

FULL_REFRESH_STATE = {"__ab_no_cursor_state_message": True}
MAX_WINDOWS = 20
"""One per connection: at 40 requests/s and 150 ms a round trip, 7 chains keep the limit busy, and each window
ends in a part-full page that costs a request."""


def limiter_burst(config: Config) -> int:
    """Requests that may go at once after a lull (the start, a stall): half a second's worth, at most one per
    connection. A server's bucket that allows `rate` a second takes it with room for half a second of jitter."""
    return max(2, min(config.max_connections, int(config.requests_per_second / 2)))


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
    role: str = "list"
    """`list` (pages of records), or a step of a split customers read: `sources`, `count`, `recount`, `chain`."""
    group: Group | None = None


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
    split: CustomerSplit | None = None


class Reader:
    def __init__(
        self,
        config: Config,
        selected: list[Selected],
        states: dict[str, dict[str, Any]],
        *,
        passthrough: bool = False,
    ) -> None:
        self.config = config
        self.passthrough = passthrough
        """List pages as `Entry`s holding the API's bytes (passthrough.py), for a consumer that writes
        them out as they are; otherwise as dicts."""
        self.selected = selected
        self.states = states
        self.limiter = RateLimiter(config.requests_per_second, burst=limiter_burst(config))
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
            if part.role == "sources":
                body = transport.request("GET", part.path)
                found = (body or {}).get("data_sources") or []
                self._put(("sources", run, [d["uuid"] for d in found if isinstance(d, dict) and d.get("uuid")]))
            elif part.role in ("count", "recount"):
                total = (transport.request("GET", part.path, params=part.params) or {}).get("total_pages")
                self._put(("count", run, part, total if type(total) is int else None))
            for pages, items in enumerate(self._pages(transport, stream, part), 1):
                if run.cancel.is_set():
                    raise Cancelled
                if part.lists_parents:
                    self._put(("parents", run, items, part))
                    continue
                if stream.incremental:
                    items, boundary = self._filter(run, part, items, boundary)
                    if stream.windowed and boundary is not None:
                        self.local.priority = self._window_priority(part, pages, boundary.when)
                if part.customer_uuid is not None:
                    for item in items:
                        item["customer_uuid"] = part.customer_uuid
                if stream.members is not None:
                    self._add_members(transport, stream.members, items)
                self._put(("page", run, items, part))
            self._put(("done", run, part, boundary))
        except Cancelled:
            if not self.stop.is_set():  # the stream failed elsewhere: just account for this partition
                self._put_quietly(("done", run, part, None))
        except Exception as exc:  # reported as a TRACE ERROR by the main thread
            if not self.stop.is_set():
                self._put_quietly(("error", run, exc))

    def _window_priority(self, part: Partition, pages: int, reached: datetime) -> float:
        """Windows with more pages left go first at the rate limiter (after the chains), so that the largest
        ones do not end the read running alone at one page per round trip. Pages left are guessed from the
        share of the window's time read so far."""
        lo, hi = part.lo, part.hi or self.config.end(self.now)
        if lo is None or reached <= lo:
            return NORMAL
        left = pages * max(0.0, (hi - reached) / (reached - lo))
        return NORMAL + 1.0 / (1.0 + left)

    def _put_quietly(self, event: tuple[Any, ...]) -> None:
        with contextlib.suppress(Cancelled):
            self._put(event)

    def _pages(self, transport: Transport, stream: Stream, part: Partition) -> Iterator[list[dict[str, Any]]]:
        if part.role not in ("list", "chain"):
            return
        key = "entries" if part.lists_parents else stream.records_key
        if not stream.paginated:
            body = transport.request("GET", part.path, params=part.params)
            yield ([body] if body else []) if not key else (body or {}).get(key) or []
            return
        if self.passthrough and part.customer_uuid is None and not part.lists_parents and stream.members is None:
            fetch = functools.partial(self._passthrough_page, transport, part.path, key, part.params)
            for page in follow_cursors(fetch):
                yield page.items
            return
        for page in iter_pages(transport, part.path, key=key, params=part.params, per_page=self.config.page_size):
            yield page.items

    def _add_members(self, transport: Transport, members: Members, items: list[dict[str, Any]]) -> None:
        for item in items:
            path = members.path.format(uuid=item["uuid"])
            found = iter_items(transport, path, key=members.records_key, per_page=self.config.page_size)
            item[members.field] = [member.get("uuid") for member in found]

    def _passthrough_page(
        self, transport: Transport, path: str, key: str, params: dict[str, Any], cursor: str | None
    ) -> Page[Any]:
        response = transport.send("GET", path, params=page_query(params, cursor, self.config.page_size))
        return decode_page(response.content, key) or page_of(decode_body(response, path), key)

    def _filter(
        self, run: Run, part: Partition, items: list[dict[str, Any]], boundary: Boundary | None
    ) -> tuple[list[dict[str, Any]], Boundary | None]:
        """Keep records inside the partition's window (the API's date filters may be day-granular),
        drop the ones at the saved boundary already emitted, and track the cursor (once per page: the
        latest date and the uuids at it)."""
        field_name = run.stream.cursor_field or "date"
        seen = run.boundary if (run.incremental and run.stream.dedupe_boundary) else None
        lo, hi = part.lo, part.hi
        fast = _filter_utc_seconds(items, field_name, lo, hi, seen)
        if fast is not None:
            kept, page_boundary = fast
            return kept, Boundary.merge(boundary, page_boundary)
        kept = []
        latest: datetime | None = None
        at_latest: list[Any] = []
        for item in items:
            when = parse_cursor_date(item.get(field_name))
            if when is not None:
                if (lo is not None and when < lo) or (hi is not None and when >= hi):
                    continue
                if seen is not None and when == seen.when and item.get("uuid") in seen.uuids:
                    continue
                if latest is None or when > latest:
                    latest, at_latest = when, [item.get("uuid")]
                elif when == latest:
                    at_latest.append(item.get("uuid"))
            kept.append(item)
        if latest is not None:
            boundary = Boundary.merge(boundary, Boundary(latest, frozenset(at_latest)))
        return kept, boundary

    # ---- planning ----------------------------------------------------------------------------

    def plan(self, run: Run) -> list[Partition]:
        stream, cfg = run.stream, self.config
        params = stream.params(cfg)
        if stream.parent or stream.split_customers:
            # Customers, or the parents of a per-customer stream: the list cut into parallel chains (split.py).
            run.split = CustomerSplit(cfg.page_size)
            parents = bool(stream.parent)
            parts = [Partition(0, {}, "/v1/data_sources", lists_parents=parents, role="sources")]
            return parts + [self._step(step, parents) for step in run.split.start()]
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
        step = end - lo + timedelta(seconds=1)
        if stream.windowed:
            # At most MAX_WINDOWS windows: each ends in a part-full page, and those cost requests at 40/s.
            step = max(timedelta(days=cfg.window_days), step / MAX_WINDOWS)
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

    @staticmethod
    def _step(step: Step, lists_parents: bool) -> Partition:
        return Partition(0, step.params, "/v1/customers", lists_parents=lists_parents, role=step.role, group=step.group)

    # ---- main thread -------------------------------------------------------------------------

    def messages(self) -> Iterator[Message | RecordBatch]:
        cfg = self.config
        transport = Transport(
            cfg.api_key,
            cfg.base_url,
            retry=RetryPolicy(max_attempts=cfg.max_attempts, max_elapsed=cfg.max_retry_seconds),
            timeout=cfg.timeout,
            on_retry=self._on_retry,
            before_request=self._before_request,
            max_connections=cfg.max_connections,
        )
        transport.sleep = self._sleep
        pool = Workers(cfg.max_connections, "mogul-source")
        runs: list[Run] = []
        try:
            yield protocol.log("INFO", f"reading {len(self.selected)} streams from {cfg.base_url}")
            for sel in self.selected:
                boundary = Boundary.from_state(self.states.get(sel.stream.name)) if sel.incremental else None
                run = Run(sel.stream, sel.incremental, boundary)
                runs.append(run)
                yield protocol.stream_status(run.stream.name, "STARTED")
                parts = self.plan(run)
                for part in parts:
                    self._submit(pool, transport, run, part)
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
                submit = functools.partial(self._submit, pool, transport, run)
                if kind == "page":
                    items, part = event[2], event[3]
                    if run.split is not None and part.group is not None:
                        items = run.split.fresh(part.group, items)
                    if items:
                        yield RecordBatch(run.stream.name, items, protocol.now_ms())
                    run.records += len(items)
                    run.since_state += len(items)
                elif kind == "parents":
                    items, part = event[2], event[3]
                    if run.split is not None and part.group is not None:
                        items = run.split.fresh(part.group, items)
                    path = run.stream.path
                    for uuid in [c["uuid"] for c in items if isinstance(c, dict) and c.get("uuid")]:
                        submit(Partition(0, {}, path.format(customer_uuid=uuid), customer_uuid=uuid))
                elif kind == "sources":
                    for step in run.split.sources(event[2]) if run.split else []:
                        submit(self._step(step, bool(run.stream.parent)))
                elif kind == "count":
                    part = event[2]
                    steps, note = run.split.counted(part.role, part.group, event[3]) if run.split else ([], None)
                    if note:
                        yield protocol.log("WARN", f"{run.stream.name}: {note}")
                    for step in steps:
                        submit(self._step(step, bool(run.stream.parent)))
                elif kind == "done":
                    part = event[2]
                    if run.split is not None and part.role == "chain" and part.group is not None:
                        for step in run.split.chain_done(part.group):
                            submit(self._step(step, bool(run.stream.parent)))
                    run.pending -= 1
                    if run.stream.incremental:
                        yield from self._advance(run, part.index, event[3])
                    if run.pending == 0 and run.split is not None:
                        steps, note = run.split.finishing()
                        if note:
                            yield protocol.log("WARN", f"{run.stream.name}: {note}")
                        for step in steps:
                            submit(self._step(step, bool(run.stream.parent)))
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
                transport.close()
            pool.shutdown()
            transport.close()
        for run in runs:
            if not run.failed:
                yield protocol.log("INFO", f"{run.stream.name}: {run.records} records")

    def _submit(self, pool: Workers, transport: Transport, run: Run, part: Partition) -> None:
        """Queue a partition. Workers take the most urgent one first: cursor chains (and the requests
        that start them) before queued date windows and per-customer requests, because a chain can
        only go one page per round trip and so sets the read's length."""
        run.pending += 1
        priority = HIGH if run.stream.sequential or part.lists_parents else NORMAL
        pool.submit(priority, functools.partial(self._work, transport, run, part))

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


UTC_SECOND = 25
"""len("2016-01-01T12:00:00+00:00"): the API's activity dates. Strings of that form sort as their instants do."""
UTC_SUFFIX = "+00:00"


def _utc_second(when: datetime) -> str:
    """`when` rounded up to a whole second, as the API writes UTC dates: for a whole-second date d,
    d < when exactly when its string sorts before this one."""
    when = when.astimezone(UTC)
    if when.microsecond:
        when = when.replace(microsecond=0) + timedelta(seconds=1)
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "+00:00"


def _filter_utc_seconds(
    items: list[dict[str, Any]], field_name: str, lo: datetime | None, hi: datetime | None, seen: Boundary | None
) -> tuple[list[dict[str, Any]], Boundary | None] | None:
    """`Reader._filter` by string comparison, for a page whose dates are all whole-second UTC strings (all of the
    API's activities): a few string compares per record instead of parsing every date. None when a date has
    another form; the caller then parses them. The checks run as C-level passes (map, min, max): a page that lies
    inside its window, the usual case, costs no Python-level loop but the one that collects the boundary uuids."""
    dates = [item.get(field_name) for item in items]
    if not dates:
        return [], None
    try:  # len() and str.endswith raise TypeError for anything but strings (lists and dicts fail the second)
        if set(map(len, dates)) != {UTC_SECOND} or not all(map(str.endswith, dates, itertools.repeat(UTC_SUFFIX))):
            return None
    except TypeError:
        return None
    lo_s = _utc_second(lo) if lo is not None else None
    hi_s = _utc_second(hi) if hi is not None else None
    seen_s = _utc_second(seen.when) if seen is not None and not seen.when.microsecond else None
    first, last = min(dates), max(dates)
    if (
        (lo_s is None or first >= lo_s)
        and (hi_s is None or last < hi_s)
        and (seen_s is None or not first <= seen_s <= last)
    ):
        kept, kept_dates = items, dates
    else:
        kept, kept_dates = [], []
        for item, date in zip(items, dates, strict=True):
            if (lo_s is not None and date < lo_s) or (hi_s is not None and date >= hi_s):
                continue
            if seen_s is not None and date == seen_s and item.get("uuid") in seen.uuids:  # type: ignore[union-attr]
                continue
            kept.append(item)
            kept_dates.append(date)
        if not kept:
            return kept, None
        last = max(kept_dates)
    at, at_latest = -1, []
    for _ in range(kept_dates.count(last)):  # usually one: found by C-level scans, not a Python loop
        at = kept_dates.index(last, at + 1)
        at_latest.append(kept[at].get("uuid"))
    return kept, Boundary(datetime.fromisoformat(last).astimezone(UTC), frozenset(at_latest))


def _iso_second(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
