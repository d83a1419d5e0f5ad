from __future__ import annotations

from collections.abc import Iterator

import pytest

from .scripted import ScriptedServer


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    with ScriptedServer().running() as srv:
        yield srv
