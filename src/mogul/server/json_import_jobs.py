"""Bulk JSON import jobs, run off the event loop on a thread of their own (store/json_imports.py has the job).

As for export jobs: jobs run one at a time in the order submitted; on start-up `resume` resubmits the unfinished
jobs no live process holds, so a restart reruns what it interrupted.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from .store import Database
from .store.json_imports import JsonImports

log = logging.getLogger("mogul.json_imports")


class JsonImportJobs:
    def __init__(self, db: Database) -> None:
        self.imports = JsonImports(db)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mogul-json-import")

    def submit(self, import_id: str) -> Future[bool]:
        return self._pool.submit(self._run, import_id)

    def resume(self) -> int:
        """Resubmit the unfinished jobs; how many."""
        waiting = self.imports.unfinished()
        for import_id in waiting:
            self.submit(import_id)
        return len(waiting)

    def close(self) -> None:
        """Finish the job running, drop the queued ones (the next start reruns them), stop the thread."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, import_id: str) -> bool:
        try:
            return self.imports.run(import_id)
        except Exception as exc:  # the job is marked failed; only the type is logged (no customer data)
            log.error("json import failed: %s", type(exc).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
            return False
