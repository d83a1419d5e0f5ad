"""A dlt pipeline run in a process of its own, for the tests that kill it: `dlt_child.py SETTINGS_JSON`.

SETTINGS: {"config": <chartmogul_source kwargs>, "pipelines_dir": ..., "destination": "duckdb"|"postgres",
"target": <DuckDB file or PostgreSQL URL>, "dataset": ...}. Prints the run's row counts as JSON (null for a run that
only loaded a package left pending).
"""

from __future__ import annotations

import json
import sys

import dlt
from mogul.dlt import chartmogul_source


def pipeline(settings: dict) -> dlt.Pipeline:
    if settings["destination"] == "duckdb":
        destination = dlt.destinations.duckdb(settings["target"])
    else:
        destination = dlt.destinations.postgres(settings["target"])
    return dlt.pipeline(
        pipeline_name="chartmogul_test",
        destination=destination,
        dataset_name=settings["dataset"],
        pipelines_dir=settings["pipelines_dir"],
    )


def main() -> None:
    settings = json.loads(sys.argv[1])
    p = pipeline(settings)
    p.run(chartmogul_source(**settings["config"]))
    normalized = p.last_trace.last_normalize_info  # None when the run only finished a pending package
    print(json.dumps(normalized.row_counts if normalized else None))


if __name__ == "__main__":
    main()
