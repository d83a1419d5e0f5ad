"""Fixtures for servers with non-default `ServerSettings` (rate limits, faults, request limits)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mogul.server.embedded import EmbeddedServer
from mogul.server.settings import ServerSettings
from mogul.server.store import Database

StartServer = Callable[..., EmbeddedServer]


@pytest.fixture
def start_server(db: Database) -> Iterator[StartServer]:
    """`start_server(ServerSettings(...))` -> a running server on the test's database, stopped afterwards."""
    started: list[EmbeddedServer] = []

    def start(settings: ServerSettings | None = None, **kwargs: object) -> EmbeddedServer:
        srv = EmbeddedServer(db, settings=settings, **kwargs).start()  # type: ignore[arg-type]
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
