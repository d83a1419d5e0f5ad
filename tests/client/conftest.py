from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from .scripted import ScriptedServer


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    srv.thread.start()
    while not srv.server.started:
        time.sleep(0.01)
    yield srv
    srv.server.should_exit = True
    srv.thread.join(timeout=5)
