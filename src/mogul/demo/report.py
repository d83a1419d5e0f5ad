"""What `mogul demo` prints and draws: rows per stream, an MRR movements table, a terminal chart, a PNG,
and a query to try on the DuckDB file."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..commands.common import print_table

MOVEMENTS = (
    ("mrr-new-business", "new business"),
    ("mrr-expansion", "expansion"),
    ("mrr-contraction", "contraction"),
    ("mrr-churn", "churn"),
    ("mrr-reactivation", "reactivation"),
)
MRR_COLUMNS = ("month", "MRR", *(label for _, label in MOVEMENTS), "change %")
EXAMPLE_SQL = (
    'SELECT type, count(*) AS activities, sum("activity-mrr-movement") / 100 AS mrr_movement '
    "FROM activities GROUP BY type ORDER BY activities DESC"
)


def dollars(cents: int | float) -> str:
    """`$12,345.67`, and `-$1,234.00` for a loss: the table's money format (the API counts cents)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def rows_table(rows: dict[str, int]) -> None:
    print_table(None, ("stream", "rows"), [(name, f"{count:,}") for name, count in rows.items()])


def mrr_table(entries: Sequence[dict[str, Any]]) -> None:
    lines = [
        (
            entry["date"][:7],
            dollars(entry["mrr"]),
            *(dollars(entry.get(key, 0)) for key, _ in MOVEMENTS),
            f"{entry.get('percentage-change', 0.0):+.2f}",
        )
        for entry in entries
    ]
    print_table(None, MRR_COLUMNS, lines)


def terminal_chart(
    series: Sequence[tuple[date, int, int]], *, width: int | None = None, colour: bool | None = None
) -> str:
    """MRR (left axis, a line) and customers (right axis, dots) by month, drawn with plotext; without
    colour escapes when stdout is not a terminal."""
    import plotext

    figure = plotext.figure
    figure.clear()
    figure.plot_size(width or min(shutil.get_terminal_size((100, 24)).columns, 120), 22)
    xs = list(range(len(series)))
    mrr = figure.signal(xs, [cents / 100 for _, cents, _ in series], marker="braille")
    mrr.label("MRR ($, left)")
    mrr.lines()
    customers = figure.signal(xs, [count for _, _, count in series], marker="dot", yside="right")
    customers.label("customers (right)")
    figure.draw(mrr)
    figure.draw(customers)
    step = max(1, len(series) // 6)
    figure.ruler(0).ticks(xs[::step], [day.strftime("%Y-%m") for day, _, _ in series][::step])
    figure.title("MRR and customers by month (synced metrics table)")
    if colour is None:
        colour = sys.stdout.isatty()
    return str(figure.build().string(colorless=not colour))


def write_png(series: Sequence[tuple[date, int, int]], path: Path) -> None:
    """The same chart as an image, with matplotlib's Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    days = [day for day, _, _ in series]
    figure, left = pyplot.subplots(figsize=(10, 5), dpi=100)
    try:
        left.plot(days, [mrr / 100 for _, mrr, _ in series], color="tab:blue", linewidth=2, label="MRR ($)")
        left.set_ylabel("MRR ($)", color="tab:blue")
        left.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("${x:,.0f}"))
        right = left.twinx()
        right.plot(days, [customers for _, _, customers in series], color="tab:orange", linewidth=2, label="customers")
        right.set_ylabel("customers", color="tab:orange")
        left.set_title("mogul demo: MRR and customers by month")
        left.grid(alpha=0.3)
        figure.autofmt_xdate()
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    finally:
        pyplot.close(figure)


def example_queries(output: Path) -> list[str]:
    """Commands to explore the file: this Python with duckdb (always installed with mogul), and the DuckDB CLI
    when it is on the PATH. JSON string literals are valid Python ones and need no single quotes, so the
    shell quoting stays readable."""
    code = (
        f"import duckdb; duckdb.connect({json.dumps(str(output))}, read_only=True)"
        f".sql({json.dumps(EXAMPLE_SQL)}).show()"
    )
    commands = [f"{shlex.quote(python_path())} -c {shlex.quote(code)}"]
    if shutil.which("duckdb"):
        commands.append(f"duckdb -readonly {shlex.quote(str(output))} {shlex.quote(EXAMPLE_SQL)}")
    return commands


def python_path() -> str:
    """`.venv/bin/python` rather than an absolute path when the interpreter lives under the current directory."""
    return _short(Path(sys.executable))


def mogul_command() -> str:
    """How to run this installation's `mogul`: `.venv/bin/mogul` after `make demo` (the virtualenv is not on
    the PATH), `mogul` when the PATH finds this very script, `python -m mogul` when there is no script."""
    script = Path(sys.executable).with_name("mogul")
    if not script.is_file():
        return f"{python_path()} -m mogul"
    found = shutil.which("mogul")
    if found and Path(found).resolve() == script.resolve():
        return "mogul"
    return _short(script)


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
