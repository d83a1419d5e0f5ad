"""`mogul.server`'s app on a loopback port, behind a thin recorder the source tests steer.

The API is the real one (`create_app`, with its own `ServerSettings` for rate limits and latency). The recorder
only watches and interferes from outside: it keeps every request's path and query, runs `before(path, query)`
ahead of each (to change the data while a read runs), and answers the paths in `fail` with a canned error.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl

import uvicorn
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mogul.server.app import create_app
from mogul.server.settings import ServerSettings
from mogul.server.store import Database

Hook = Callable[[str, dict[str, str]], None]


class Served:
    def __init__(self, db: Database, settings: ServerSettings | None = None) -> None:
        self.db = db
        self.app = create_app(db, settings)
        self.requests: list[str] = []
        self.before: Hook | None = None
        self.fail: dict[str, tuple[int, bytes]] = {}
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(self._asgi, log_level="warning", lifespan="on", access_log=False, interface="asgi3")
        self._server = uvicorn.Server(config)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/"):
            path, query = scope["path"], scope["query_string"].decode()
            self.requests.append(path + ("?" + query if query else ""))
            if self.before is not None:
                self.before(path, dict(parse_qsl(query)))
            if path in self.fail:
                status, body = self.fail[path]
                await Response(body, status, media_type="application/json")(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def paths(self, prefix: str) -> list[str]:
        return [r for r in self.requests if r.startswith(prefix)]

    @contextmanager
    def running(self) -> Iterator[Served]:
        thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        try:
            yield self
        finally:
            self._server.should_exit = True
            thread.join(timeout=10)
            self._sock.close()
