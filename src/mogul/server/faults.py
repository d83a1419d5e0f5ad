"""Fault injection, for proving that clients lose and duplicate nothing when the API misbehaves. Off by default.

A plan such as `429=0.05,500=0.02,503=0.01,reset=0.01,slow=0.02:2s` gives each `/v1` request those
probabilities of: an HTTP error (429 and 503 with `Retry-After`; 500 in ChartMogul's JSON; other 5xx as the
plain-text pages of ChartMogul's edge), `reset` (the connection is closed with no response at all) or `slow`
(the request waits, then is served normally). With `fault_header`, a request can ask for one fault itself:
`X-Mogul-Fault: 500`, `reset`, `slow:2s` or `none`.

Faults are injected before authentication and before any route runs: a faulted request, write or read, has
done nothing, so a client may safely repeat it. `latency` delays every `/v1` request the same way.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from http import HTTPStatus

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import PARALLEL_LIMIT_MESSAGE, RATE_LIMIT_MESSAGE, bad_request, coded
from .responses import json
from .settings import parse_duration

log = logging.getLogger("mogul.server.faults")

HEADER = b"x-mogul-fault"
DEFAULT_SLOW = 1.0
# A header may not park a worker for longer than this, whoever sends it.
MAX_HEADER_SLOW = 30.0


@dataclass(frozen=True)
class Fault:
    kind: str  # "status", "reset", "slow", or "none" (a header asking for no fault)
    status: int = 0
    delay: float = 0.0

    @classmethod
    def parse(cls, text: str, *, max_delay: float | None = None) -> Fault:
        """`500`, `reset`, `slow`, `slow:2s`."""
        name, _, arg = text.strip().lower().partition(":")
        if name == "reset" and not arg:
            return cls("reset")
        if name == "slow":
            delay = parse_duration(arg) if arg else DEFAULT_SLOW
            if max_delay is not None and delay > max_delay:
                raise ValueError(f"slow faults are limited to {max_delay:g}s")
            return cls("slow", delay=delay)
        if name.isdigit() and 400 <= int(name) <= 599 and not arg:
            return cls("status", status=int(name))
        raise ValueError(f"unknown fault {text.strip()!r}: use a 4xx/5xx status, reset, or slow[:DURATION]")


@dataclass(frozen=True)
class FaultPlan:
    entries: tuple[tuple[float, Fault], ...] = ()

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """`429=0.05,500=0.02,reset=0.01,slow=0.02:2s`; probabilities must add up to at most 1."""
        entries = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, rest = part.partition("=")
            if not sep:
                raise ValueError(f"fault {part!r} needs a probability, e.g. {part}=0.01")
            prob_text, colon, arg = rest.partition(":")
            try:
                probability = float(prob_text)
            except ValueError:
                raise ValueError(f"fault {part!r}: {prob_text!r} is not a probability") from None
            if not 0 <= probability <= 1:
                raise ValueError(f"fault {part!r}: the probability must be between 0 and 1")
            entries.append((probability, Fault.parse(name + colon + arg)))
        if sum(p for p, _ in entries) > 1 + 1e-9:
            raise ValueError("fault probabilities add up to more than 1")
        return cls(tuple(entries))

    def draw(self, rng: random.Random) -> Fault | None:
        if not self.entries:
            return None
        x = rng.random()
        for probability, fault in self.entries:
            if x < probability:
                return fault
            x -= probability
        return None


class Faults:
    """ASGI middleware applying a `FaultPlan`, the header override and fixed latency to `/v1` requests."""

    def __init__(
        self,
        app: ASGIApp,
        plan: FaultPlan,
        *,
        seed: int | None = None,
        header: bool = False,
        latency: float = 0.0,
        prefix: str = "/v1/",
    ) -> None:
        self.app = app
        self.plan = plan
        self.rng = random.Random(seed)
        self.header = header
        self.latency = latency
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            fault = self._requested(scope) if self.header else None
        except ValueError as exc:
            error = bad_request(f"X-Mogul-Fault: {exc}", "X-Mogul-Fault")
            await json(error.body, error.status)(scope, receive, send)
            return
        if fault is None:
            fault = self.plan.draw(self.rng)
        if fault is not None and fault.kind != "none":
            log.debug("injecting %s on %s %s", fault, scope["method"], scope["path"])
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
            elif fault.kind == "reset":
                await _reset(receive)
                return
            else:
                await _status(fault.status)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _requested(self, scope: Scope) -> Fault | None:
        for name, value in scope["headers"]:
            if name == HEADER:
                text = value.decode("latin-1").strip()
                if text.lower() == "none":
                    return Fault("none")
                return Fault.parse(text, max_delay=MAX_HEADER_SLOW)
        return None


def _status(status: int) -> Response:
    if status == 429:
        return _coded(429, RATE_LIMIT_MESSAGE, retry_after=1)
    if status == 503:
        return _coded(503, PARALLEL_LIMIT_MESSAGE, retry_after=1)
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    if status == 500:
        return _coded(500, "Internal server error")
    if status < 500:
        return _coded(status, phrase)
    # What ChartMogul's edge answers for 502/504: plain text, not JSON.
    return PlainTextResponse(f"{status} {phrase}", status_code=status)


def _coded(status: int, message: str, retry_after: int | None = None) -> Response:
    error = coded(status, message)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return json(error.body, error.status, headers)


async def _reset(receive: Receive) -> None:
    """Drop the TCP connection without a byte of response, as a network failure would.

    ASGI has no message for this, so reach uvicorn's transport through its `receive` (a bound method of the
    request cycle). Then let the loop run `connection_lost`, so uvicorn knows the client is gone and does not
    answer for us with a 500.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("the reset fault needs uvicorn's transport; is `receive` wrapped?")
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)
