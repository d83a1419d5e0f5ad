"""A scripted HTTP server: real uvicorn on a loopback port that answers from a queue, for retry tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.requests import Request
from starlette.responses import Response


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"data":"pong!"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes, float]] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="critical", lifespan="off", interface="asgi3"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextmanager
    def running(self) -> Iterator[ScriptedServer]:
        """Serve from the thread once it is listening; stop it when the block ends."""
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        try:
            yield self
        finally:
            self.server.should_exit = True
            self.thread.join(timeout=5)

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    async def app(self, scope: dict, receive: object, send: object) -> None:
        request = Request(scope, receive)  # type: ignore[arg-type]
        body = await request.body()
        self.requests.append(
            (
                request.method,
                request.url.path + ("?" + request.url.query if request.url.query else ""),
                dict(request.headers),
                body,
                time.monotonic(),
            )
        )
        reply = self.replies.pop(0) if self.replies else Reply()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        response = Response(reply.body, status_code=reply.status, headers=reply.headers, media_type=reply.content_type)
        await response(scope, receive, send)  # type: ignore[arg-type]
