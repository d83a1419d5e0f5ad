"""Run by the PyAirbyte virtualenv's Python (not mogul's): read every stream of the source through
`local_executable` into a DuckDB cache, twice, and print what landed as one JSON line.

    python pyairbyte_read.py EXECUTABLE CONFIG_JSON CACHE_DIR [STREAM,STREAM...]
"""

import json
import os
import sys

os.environ["AIRBYTE_OFFLINE_MODE"] = "1"
os.environ["DO_NOT_TRACK"] = "1"

import airbyte as ab

executable, config, cache_dir = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
streams = sys.argv[4].split(",") if len(sys.argv) > 4 else "*"
source = ab.get_source("source-chartmogul", config=config, local_executable=executable, streams=streams)
source.check()
cache = ab.new_local_cache("cm", cache_dir=cache_dir)
first = source.read(cache=cache)
second = source.read(cache=cache)
engine = cache.get_sql_engine()
counts, columns = {}, {}
with engine.connect() as conn:
    for stream in first.streams:
        table = cache.processor.get_sql_table_name(stream)
        counts[stream] = conn.exec_driver_sql(f'SELECT count(*) FROM "{cache.schema_name}"."{table}"').scalar()
        rows = conn.exec_driver_sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = '{cache.schema_name}' AND table_name = '{table}'"
        ).fetchall()
        columns[stream] = {name: kind for name, kind in rows}
print(
    json.dumps(
        {
            "streams": sorted(first.streams),
            "first": first.processed_records,
            "second": second.processed_records,
            "counts": counts,
            "columns": columns,
        }
    )
)
