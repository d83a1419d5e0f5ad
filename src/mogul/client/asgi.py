"""`ASGIAppTransport`: the client calling an ASGI app in this process, no socket in between.

httpx's own `ASGITransport` serves only `httpx.AsyncClient`; mogul's client is synchronous. This transport
runs `httpx.ASGITransport` on an event loop of its own (an anyio blocking portal on one thread), so
`Client(key, "http://mogul.test", transport=ASGIAppTransport(create_app(db)))` talks to `mogul.server` directly.
The app's lifespan is not run: `mogul.server`'s background processing then stays off, as in
`EmbeddedServer(processing=False)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import httpx

ASGIApp = Callable[..., Any]
"""An ASGI 3 application: `async def app(scope, receive, send)`."""


class ASGIAppTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        import anyio.from_thread  # here: 0.1 s to import, and most clients never call an app in-process

        self._inner = httpx.ASGITransport(app=app)
        self._stack = contextlib.ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # The request's body is read here, so the copy's stream serves the async side.
        copy = httpx.Request(request.method, request.url, headers=request.headers, content=request.read())
        response = self._portal.call(self._inner.handle_async_request, copy)
        content = self._portal.call(response.aread)
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

    def close(self) -> None:
        self._stack.close()
