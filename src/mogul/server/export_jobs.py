"""Activities export jobs, run off the event loop on a thread of their own (store/exports.py has the job).

`submit` hands a job to the thread; jobs run one at a time, each reading the activities in pages. On start-up
`resume` resubmits the pending jobs no live process holds, so a restart reruns what it interrupted.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from .store import Database
from .store.exports import Exports

log = logging.getLogger("mogul.exports")


class ExportJobs:
    def __init__(self, db: Database) -> None:
        self.exports = Exports(db)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mogul-export")

    def submit(self, export_id: str) -> Future[bool]:
        return self._pool.submit(self._run, export_id)

    def resume(self) -> int:
        """Resubmit the unfinished jobs; how many."""
        waiting = self.exports.unfinished()
        for export_id in waiting:
            self.submit(export_id)
        return len(waiting)

    def close(self) -> None:
        """Finish the job running, drop the queued ones (the next start reruns them), stop the thread."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, export_id: str) -> bool:
        try:
            return self.exports.run(export_id)
        except Exception as exc:  # the job is marked failed; only the type is logged (no customer data)
            log.error("activities export failed: %s", type(exc).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
            return False
