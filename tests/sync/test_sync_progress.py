"""Progress reporting: plain lines for logs, rich bars and a summary table for terminals."""

from __future__ import annotations

import io

import pytest
import sync_source as source
from rich.console import Console

from mogul.sync import PlainProgress, QuietProgress, RichProgress, make_progress, run_sync

MODES = {"customers": "overwrite", "activities": "append"}


class Clock:
    """A clock the test moves: progress throttling without sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


def test_plain_progress_writes_lines_a_log_can_keep():
    out = io.StringIO()
    progress = PlainProgress(out, interval=0.0)
    messages = source.read([], customers=4000, activities=3)
    result = run_sync(messages, source.CATALOG, "duckdb:///:memory:", MODES, progress, clock=Clock())
    lines = out.getvalue().splitlines()
    assert lines[0] == "sync: 2 streams: customers (overwrite), activities (append)"
    assert any(line.startswith("sync: customers: 2,000/4,000 records") for line in lines)
    assert any(line.startswith("sync: customers: complete, 4,000 records in") for line in lines)
    assert lines[-1].startswith("sync: done: 4,003 records in")
    assert result.ok


def test_plain_progress_throttles_record_lines():
    out = io.StringIO()
    clock = Clock()
    progress = PlainProgress(out, interval=1000.0, clock=clock)
    messages = source.read([], customers=10000, activities=0)
    run_sync(messages, source.CATALOG, "duckdb:///:memory:", MODES, progress)
    lines = out.getvalue().splitlines()
    assert sum("records, " in line and "batches committed" in line for line in lines) == 1


def test_rich_progress_draws_bars_and_a_summary_table():
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False)
    warning = {"type": "LOG", "log": {"level": "WARN", "message": "slow"}}
    messages = [*source.read([], customers=5, activities=3), warning]
    result = run_sync(messages, source.CATALOG, "duckdb:///:memory:", MODES, RichProgress(console))
    text = out.getvalue()
    assert f"sync {result.sync_id}" in text
    for expected in ("customers", "activities", "overwrite", "append", "complete", "warn: slow"):
        assert expected in text


def test_make_progress_picks_by_terminal():
    assert isinstance(make_progress("auto", io.StringIO()), PlainProgress)  # not a TTY
    assert isinstance(make_progress("quiet"), QuietProgress)
    assert isinstance(make_progress("rich", io.StringIO()), RichProgress)
    with pytest.raises(ValueError, match="unknown progress kind 'loud'"):
        make_progress("loud")  # type: ignore[arg-type]
