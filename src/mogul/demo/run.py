"""`mogul demo generate` without the CLI: generate a history, import it into a given or an embedded server."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..client import Client, RetryPolicy
from ..server.embedded import ServerProcess
from ..server.store import Database
from ..server.store.keys import create_key
from .generator import GeneratorConfig, generate
from .importer import DEFAULT_WORKERS, Progress, import_dataset

# A bulk import would rather wait out a busy server than give up the whole run on one slow answer...
IMPORT_RETRY = RetryPolicy(max_attempts=8, max_elapsed=120.0)
# ...but a wrong URL or key should fail in a second, before any data is sent: one quick ping first.
PREFLIGHT_RETRY = RetryPolicy(max_attempts=2, max_elapsed=5.0)


@dataclass(frozen=True)
class Target:
    base_url: str
    api_key: str


@contextmanager
def embedded_target(database_url: str | None, say: Callable[[str], None]) -> Iterator[Target]:
    """A server started here on `database_url`, or on a throwaway SQLite file when None, with a fresh key.

    It runs as `mogul serve` in a child process (see `ServerProcess`): on a thread of this one it would share the
    GIL with the client threads, and the import could use one core at most."""
    with tempfile.TemporaryDirectory(prefix="mogul-demo-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        db = Database(url)
        try:
            db.migrate()
            key, _ = create_key(db, "demo-generate", "read-write")
        finally:
            db.dispose()
        with ServerProcess(url) as server:
            if database_url:
                say(f"mogul demo generate: server at {server.base_url}/v1 on {database_url}; its new key: {key}")
            else:
                say(f"mogul demo generate: server at {server.base_url}/v1 (temporary database)")
            yield Target(server.base_url, key)


def generate_and_import(
    config: GeneratorConfig,
    target: Target | None,
    *,
    workers: int = DEFAULT_WORKERS,
    output: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Generate; write the payloads to `output` if given; import into `target` unless None. Returns the summary."""
    started = time.perf_counter()
    dataset = generate(config)
    summary: dict[str, Any] = {
        "start": config.start.isoformat(),
        "end_month": f"{config.end_month:%Y-%m}",
        **dataset.counts(),
        "generate_seconds": round(time.perf_counter() - started, 3),
    }
    if output is not None:
        output.write_bytes(dataset.to_json())
        summary["output"] = str(output)
    if target is not None:
        with Client(target.api_key, target.base_url, retry=PREFLIGHT_RETRY) as probe:
            probe.ping()
        with Client(target.api_key, target.base_url, retry=IMPORT_RETRY, max_connections=workers) as client:
            imported = import_dataset(client, dataset, workers=workers, progress=progress)
        summary.update(
            base_url=target.base_url, data_source_uuid=imported.data_source_uuid, import_seconds=imported.seconds
        )
    return summary
