"""One read of mogul's source shared by a dlt source's resources.

dlt pulls its resources one item at a time, in turn. mogul's reader reads all the selected streams at once, on one
rate limiter and one pool of connections (the customers chains next to the activities windows). `SharedRead` runs
that one read and hands each resource the pages of its own stream: a resource that needs more pulls the read's next
message; a page for another stream waits in that stream's buffer, and the resource yields None, which tells dlt to
turn to the other resources (so no buffer holds more than about a page per resource).

dlt creates every resource's iterator before it pulls from any, so all of an extraction's streams register before
the read starts; their cursors (bound by dlt right after) are asked for when it starts. A resource registered after
its group's read started (a second extraction, or one resource iterated alone) starts a read of its own.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..source import ReadFailed, RecordBatch, read_batches
from ..source.streams import Stream

logger = logging.getLogger("mogul.dlt")

Page = list[dict[str, Any]]
LOG_LEVELS = {"FATAL": logging.ERROR, "ERROR": logging.ERROR, "WARN": logging.WARNING, "DEBUG": logging.DEBUG}


class ChartMogulReadError(Exception):
    """A stream could not be read (the source's TRACE ERROR: bad key, retries exhausted...); one line, no secret."""


@dataclass
class _Buffer:
    stream: Stream
    start: Callable[[], str | None]
    """The cursor to resume from (`YYYY-MM-DD...`), for an incremental stream with a saved one."""
    pages: deque[Page] = field(default_factory=deque)
    done: bool = False
    error: str | None = None


class SharedRead:
    def __init__(self, config: dict[str, Any], convert: Callable[[Stream, Page], Page]) -> None:
        self.config = config
        self.convert = convert
        self.buffers: dict[str, _Buffer] = {}
        self.started = False
        self._messages: Iterator[Any] | None = None
        self._open = 0

    def register(self, stream: Stream, start: Callable[[], str | None]) -> Iterator[Page | None]:
        self.buffers[stream.name] = buffer = _Buffer(stream, start)
        return self._pages(buffer)

    def _pages(self, buffer: _Buffer) -> Iterator[Page | None]:
        self._open += 1
        try:
            while True:
                if buffer.error is not None:
                    raise ChartMogulReadError(buffer.error)
                if buffer.pages:
                    page = [record for part in buffer.pages for record in part]
                    buffer.pages.clear()
                    yield self.convert(buffer.stream, page)
                elif buffer.done:
                    return
                elif not self._pump(buffer):
                    yield None  # the message was another stream's: let dlt turn to the others
        finally:
            self._open -= 1
            if self._open == 0:
                self.close()

    def _start(self) -> Iterator[Any]:
        self.started = True
        streams, states = [], []
        for buffer in self.buffers.values():
            incremental = buffer.stream.incremental
            streams.append(
                {
                    "stream": {"name": buffer.stream.name},
                    "sync_mode": "incremental" if incremental else "full_refresh",
                    "destination_sync_mode": "append_dedup",
                }
            )
            start = buffer.start() if incremental else None
            if start is not None:
                states.append(
                    {
                        "type": "STREAM",
                        "stream": {
                            "stream_descriptor": {"name": buffer.stream.name},
                            "stream_state": {"date": start},
                        },
                    }
                )
        return read_batches(self.config, {"streams": streams}, states)

    def _pump(self, waiting: _Buffer) -> bool:
        """Take the read's next message; whether it gave `waiting` something to yield or end on."""
        if self._messages is None:
            self._messages = self._start()
        try:
            message = next(self._messages)
        except StopIteration:
            self._end()
            return True
        except ReadFailed:  # every failed stream has its error already
            self._end()
            return True
        if isinstance(message, RecordBatch):
            target = self.buffers.get(message.stream)
            if target is not None and message.texts:
                target.pages.append(message.records)
            return target is waiting
        return self._control(message, waiting)

    def _control(self, message: dict[str, Any], waiting: _Buffer) -> bool:
        kind = message.get("type")
        if kind == "LOG":
            log = message["log"]
            logger.log(LOG_LEVELS.get(log.get("level"), logging.INFO), "%s", log.get("message"))
            return False
        if kind != "TRACE":
            return False  # STATE: dlt keeps its own cursor
        trace = message["trace"]
        if trace.get("type") == "STREAM_STATUS":
            status = trace["stream_status"]
            target = self.buffers.get(status["stream_descriptor"]["name"])
            if target is not None and status["status"] in ("COMPLETE", "INCOMPLETE"):
                target.done = True
                return target is waiting
            return False
        if trace.get("type") == "ERROR":
            error = trace["error"]
            name = (error.get("stream_descriptor") or {}).get("name")
            targets = [self.buffers[name]] if name in self.buffers else list(self.buffers.values())
            for target in targets:
                target.error = target.error or str(error.get("message"))
            return waiting in targets
        return False

    def _end(self) -> None:
        for buffer in self.buffers.values():
            if not buffer.done and buffer.error is None:
                buffer.error = f"{buffer.stream.name}: the read ended before the stream completed"
            buffer.done = True

    def close(self) -> None:
        """Stop the read: its workers and connections (the generator's own cleanup)."""
        messages, self._messages = self._messages, None
        if messages is not None and hasattr(messages, "close"):
            messages.close()


class ReadGroup:
    """The resources of one `chartmogul_source()`: the current extraction's shared read."""

    def __init__(self, config: dict[str, Any], convert: Callable[[Stream, Page], Page]) -> None:
        self.config = config
        self.convert = convert
        self._current: SharedRead | None = None

    def register(self, stream: Stream, start: Callable[[], str | None]) -> Iterator[Page | None]:
        current = self._current
        if current is None or current.started or stream.name in current.buffers:
            current = self._current = SharedRead(self.config, self.convert)
        return current.register(stream, start)
