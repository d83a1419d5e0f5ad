"""Connections that never finish sending a request are closed: uvicorn waits for a request's headers and body
as long as the client keeps the connection open, so a few hundred half-sent requests held as many sockets (and
their slots under `--connection-limit`) for good.

`GuardedH11Protocol` is uvicorn's h11 protocol with one timer: a request must arrive whole (headers and body)
within the request timeout of its first byte, or of the connection opening; past it the connection is closed
without an answer. Once a request is complete the timer stops, so slow responses (an export) are not cut short;
idle keep-alive connections are uvicorn's own `timeout_keep_alive`.
"""

from __future__ import annotations

import asyncio
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

# The timeout reaches every worker process through the environment (uvicorn starts workers afresh).
REQUEST_TIMEOUT_ENV = "MOGUL_REQUEST_TIMEOUT"
DEFAULT_REQUEST_TIMEOUT = 30.0


def request_timeout() -> float:
    try:
        return float(os.environ.get(REQUEST_TIMEOUT_ENV, DEFAULT_REQUEST_TIMEOUT))
    except ValueError:
        return DEFAULT_REQUEST_TIMEOUT


class GuardedH11Protocol(H11Protocol):
    _request_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.DONE:
            self._disarm()  # the request is whole; what follows is the app's time
        elif self._request_timer is None:
            self._arm()  # the first bytes of the next request on a kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        timeout = request_timeout()
        if timeout > 0:
            self._request_timer = self.loop.call_later(timeout, self._expire)

    def _disarm(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _expire(self) -> None:
        self._request_timer = None
        if self.conn.their_state is not h11.DONE and not self.transport.is_closing():
            self.transport.close()
